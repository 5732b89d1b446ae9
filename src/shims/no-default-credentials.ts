// Stands in for @aws-sdk/credential-provider-node inside dist/sts-sdk.cjs. That
// package is the SDK's default credential chain (env, SSO, ini, process, IMDS,
// with clients of their own: a third of the SDK bundle); awsrole resolves
// credentials itself and hands every STS client its own (src/adapters/sts.ts),
// so the chain is never asked. Should it be, that is a bug in awsrole.
export const defaultProvider = () => async (): Promise<never> => {
  throw new TypeError("awsrole: an STS client was built without credentials (the SDK's default chain is not bundled).");
};
