// Every effect a command has comes in through one Context: environment, clock,
// output streams, terminal facts, cancellation. The real implementation is built
// once in src/cli.ts; tests build their own. Heavy adapters (the AWS SDK, the
// prompt library) are imported lazily by the code that needs them, never here,
// so the warm export path does not load them (docs/performance.md).

export type Env = Readonly<Record<string, string | undefined>>;

export interface Output {
  write(text: string): void;
}

export interface Context {
  env: Env;
  now(): Date;
  /** Data only: export lines, JSON. Never prompts, colour or messages. */
  stdout: Output;
  /** Everything for people: prompts, progress, warnings, errors. */
  stderr: Output;
  stdinIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stderr (off with NO_COLOR, when stderr is not a terminal, or --no-color). */
  color: boolean;
  debug: boolean;
  /** Aborted on SIGINT/SIGTERM so STS calls and prompts stop promptly. */
  signal: AbortSignal;
}

export function createProcessContext(options: { debug: boolean; color?: boolean; signal: AbortSignal }): Context {
  const env = process.env as Env;
  const stderrIsTTY = Boolean(process.stderr.isTTY);
  const color = options.color ?? (stderrIsTTY && env.NO_COLOR === undefined && env.TERM !== "dumb");
  return {
    env,
    now: () => new Date(),
    stdout: { write: (text) => void process.stdout.write(text) },
    stderr: { write: (text) => void process.stderr.write(text) },
    stdinIsTTY: Boolean(process.stdin.isTTY),
    stderrIsTTY,
    color,
    debug: options.debug,
    signal: options.signal,
  };
}

/** stderr styling without loading chalk on the fast path. */
export function style(ctx: Pick<Context, "color">) {
  const wrap = (open: number, close: number) => (text: string) => (ctx.color ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
}
