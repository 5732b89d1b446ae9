// Every effect a command has comes in through one Context: environment, clock,
// output streams, terminal facts, cancellation. The real implementation is built
// once in src/cli.ts; tests build their own. Heavy adapters (the AWS SDK, the
// prompt library) are imported lazily by the code that needs them, never here,
// so the warm export path does not load them (docs/performance.md).

import { fstatSync, writeSync } from "node:fs";
import { AwsroleError } from "./errors.js";
import type { AwsConfig } from "./core/config.js";
import type { Effects } from "./core/effects.js";
import type { Env } from "./core/env.js";
import type { Plan } from "./core/plan.js";

export type { Env } from "./core/env.js";

/** What a command's run knows when it asks for its effects (src/resolver.ts): the session and the run's options. */
export interface EffectsSetup {
  config: AwsConfig;
  plan: Plan;
  /** --region (the STS endpoint's region otherwise comes from the selected profile). */
  region: string | undefined;
  /** The AWS CLI's credential cache directory. */
  cacheDir: string;
  /** --token-code: used for the first MFA code needed. */
  tokenCode?: string | undefined;
  /** --no-cache: no cache at all (Effects.cache undefined). */
  noCache?: boolean;
  /** --refresh. */
  refresh?: boolean;
  /** Use a cache entry only while at least this many seconds remain (the credential server's window). */
  cacheWindowSeconds?: number;
}

/**
 * Builds the effects a resolution runs on (docs/architecture.md): online ones
 * in the full CLI (src/effects/online.ts), offline ones on the warm path
 * (src/effects/offline.ts), fakes in tests.
 */
export type EffectsFactory = (ctx: Context, setup: EffectsSetup) => Effects;

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
  /** Whether fd 0/1/2 is a terminal. Async because node:tty (with node:net behind it) is loaded only when asked. */
  isTerminal(fd: 0 | 1 | 2): Promise<boolean>;
  /** The terminal's width on fd 1 or 2, or undefined when it is not a terminal (help is fitted to it; 80 without). */
  columns?(fd: 1 | 2): number | undefined;
  /** Colour on stderr (off with NO_COLOR, TERM=dumb, --no-color, or when stderr is not a character device). */
  readonly color: boolean;
  debug: boolean;
  /** Aborted on SIGINT/SIGTERM so STS calls and prompts stop promptly. */
  signal: AbortSignal;
  /** The effects of a resolution: the only way the resolver reaches STS, the network, processes or a prompt. */
  effects: EffectsFactory;
}

/**
 * Writes to fd 1 or 2 with fs.writeSync instead of process.stdout/stderr: the
 * process streams are built lazily by Node, and building one for a pipe (as
 * under `eval "$(...)"`) loads node:net, ~3 ms of a warm export. The output is
 * small; EAGAIN (a non-blocking pipe that is full) is retried, EPIPE (the
 * reader went away) ends the write quietly. Any other failure of stdout (a
 * full disk, /dev/full: ENOSPC) is a typed error for the one reporter; a
 * failing stderr is given up on quietly, since nothing could report it.
 */
export function fdOutput(fd: 1 | 2): Output {
  return {
    write(text: string) {
      let buffer = Buffer.from(text, "utf8");
      let spins = 0;
      while (buffer.length > 0) {
        try {
          const written = writeSync(fd, buffer);
          buffer = buffer.subarray(written);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EAGAIN" && spins++ < 100_000) continue;
          if (code === "EPIPE" || fd === 2) return;
          throw new AwsroleError("OutputFailed", `Could not write to standard output (${code ?? "error"}).`, {
            hint: "Check where stdout goes: a full disk or device (ENOSPC), or a file that cannot be written.",
          });
        }
      }
    },
  };
}

export function createProcessContext(options: {
  debug: boolean;
  color?: boolean;
  signal: AbortSignal;
  effects: EffectsFactory;
}): Context {
  const env = process.env as Env;
  let color = options.color;
  return {
    env,
    now: () => new Date(),
    stdout: fdOutput(1),
    stderr: fdOutput(2),
    async isTerminal(fd) {
      const { isatty } = await import("node:tty");
      return isatty(fd);
    },
    // Asked only when help is printed: the process stream is built lazily, and building one loads node:net.
    columns(fd) {
      const stream = fd === 1 ? process.stdout : process.stderr;
      return stream.isTTY && stream.columns > 0 ? stream.columns : undefined;
    },
    // Decided on first use (only stderr output needs it). A character device is a
    // terminal or /dev/null, and colour sent to /dev/null harms nobody; this avoids
    // loading node:tty (and node:net) on every start.
    get color() {
      color ??= env.NO_COLOR === undefined && env.TERM !== "dumb" && isCharacterDevice(2);
      return color;
    },
    debug: options.debug,
    signal: options.signal,
    effects: options.effects,
  };
}

function isCharacterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}
