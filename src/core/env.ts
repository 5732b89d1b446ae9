/** The process environment as awsrole reads it: never written, any key may be missing. */
export type Env = Readonly<Record<string, string | undefined>>;
