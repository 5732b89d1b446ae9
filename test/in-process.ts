// In-process runs of the CLI: src/cli.ts run(argv, ctx) on a fake Context, in
// the test's own process, against the same loopback STS emulator and the same
// throw-away HOMEs as the subprocess harness (test/e2e/harness.ts). Nothing is
// mocked: the real @aws-sdk/client-sts signs real HTTP requests to 127.0.0.1,
// and the real files are read and written. What it skips is only the process:
// no node start, no bundle load, so a case costs milliseconds instead of the
// ~half second a spawn costs on a loaded machine.
//
// runCli here has the subprocess harness's signature and result, so a test
// moves over by changing its import. Stay with the subprocess harness for what
// only a process shows: signals and exit on signal, the warm-path bundle
// (bin/awsrole.cjs, dist/fast-export.cjs), a pty, real shells, stdin input,
// process-wide variables the CLI reads outside its context, interop and the
// packed install.

import { run, contextFlags } from "../src/cli.js";
import type { Context } from "../src/context.js";
import { onlineEffects } from "../src/effects/online.js";
import type { RunResult } from "./e2e/harness.js";

export interface FakeContextOptions {
  env: Record<string, string | undefined>;
  /** A fixed clock; the real one by default (the emulator's sessions run on real time). */
  now?: () => Date;
  /** Terminal width of fd 1 and 2 when they are terminals (isTerminal stays false unless `terminal` is set). */
  columns?: number;
  terminal?: boolean;
  debug?: boolean;
  color?: boolean;
  signal?: AbortSignal;
}

export interface FakeContext {
  ctx: Context;
  stdout(): string;
  stderr(): string;
}

/**
 * The one place a fake Context is built (tests that need another effect
 * change it here): in-memory stdout and stderr, the given environment and
 * clock, no terminal, no colour.
 */
export function fakeContext(options: FakeContextOptions): FakeContext {
  let stdout = "";
  let stderr = "";
  const ctx: Context = {
    env: Object.freeze({ ...options.env }),
    now: options.now ?? (() => new Date()),
    stdout: {
      write(text) {
        stdout += text;
      },
    },
    stderr: {
      write(text) {
        stderr += text;
      },
    },
    isTerminal: async () => options.terminal ?? false,
    columns: () => (options.terminal ? options.columns : undefined),
    color: options.color ?? false,
    debug: options.debug ?? false,
    signal: options.signal ?? new AbortController().signal,
    // The full CLI's effects: the real STS client, processes and files (no fakes below the context).
    effects: onlineEffects,
  };
  return { ctx, stdout: () => stdout, stderr: () => stderr };
}

/** `awsrole ARGS` in this process, with `env` as its whole environment; the same result as the subprocess harness's runCli. */
export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  if (options.input)
    throw new Error("in-process runs have no stdin: use the subprocess harness (test/e2e/harness.ts) for input");
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 25_000);
  const fake = fakeContext({ env, ...contextFlags(args), signal: controller.signal });
  try {
    const code = await run(args, fake.ctx);
    return { code, signal: null, stdout: fake.stdout(), stderr: fake.stderr() };
  } finally {
    clearTimeout(timer);
  }
}
