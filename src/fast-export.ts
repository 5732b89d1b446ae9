// The warm-path entry point (docs/performance.md). `eval "$(awsrole export p)"`
// runs hundreds of times a day, so bin/awsrole.cjs first tries this small
// bundle (dist/fast-export.cjs: no commander, no SDK, no prompt library) for
// `export` with plain arguments. It runs the same runExport and the same
// resolver on offline effects (src/effects/offline.ts): if the resolver needs
// STS, a prompt or any source other than the cache or keys in a file (the
// effects throw NeedsOnline), or anything at all fails, it gives up quietly and
// the full CLI (dist/cli.cjs) runs the command from the start.
// stderr is held back until the fast path has succeeded, so nothing is said twice.

import { fdOutput, type Context } from "./context.js";
import { runExport } from "./commands/export.js";
import { reportError } from "./report.js";
import { loadConfig } from "./adapters/config-files.js";
import { offlineEffects } from "./effects/offline.js";
import { pickerMayApply, plainExportInput } from "./plain-args.js";

/** Exit code of a completed fast export, or undefined when the full CLI must run it. */
export async function tryFastExport(args: readonly string[]): Promise<number | undefined> {
  // The plain forms of `export` (src/plain-args.ts); anything else (--help, --debug, --no-cache...) is for the full CLI.
  const parsed = plainExportInput(args);
  if (!parsed) return undefined;
  // No profile named on a terminal: the full CLI shows the picker (src/commands/picker.ts).
  if (pickerMayApply(parsed.profile, process.env)) return undefined;
  const held: string[] = [];
  let stdoutText = "";
  const signal = new AbortController().signal;
  const ctx: Context = {
    env: process.env,
    now: () => new Date(),
    // Both held until the fast path has succeeded; on any doubt the full CLI starts afresh.
    stdout: {
      write: (text) => {
        stdoutText += text;
      },
    },
    stderr: { write: (text) => void held.push(text) },
    isTerminal: async () => false,
    color: false,
    debug: false,
    signal,
    effects: offlineEffects,
  };
  try {
    const code = await runExport(parsed, ctx);
    if (code !== 0) return undefined;
  } catch {
    // NeedsOnline (the offline effects could not go on), or any error at all:
    // the full CLI runs the command and reports it properly.
    return undefined;
  }
  if (held.length > 0) return undefined; // a warning: let the full CLI say it, with colour and all
  try {
    fdOutput(1).write(stdoutText);
  } catch (error) {
    // Part of the output may be out already: the full CLI must not run it again.
    return reportError(error, { stderr: (text) => fdOutput(2).write(text), debug: false, color: false });
  }
  return 0;
}

/**
 * `awsrole __profiles`, which shell completion runs on every TAB: the profile
 * names, one per line, from the config files only, as the full CLI's command
 * prints them. Undefined (the full CLI runs it) for any argument or any error.
 */
export async function tryFastProfileNames(args: readonly string[]): Promise<number | undefined> {
  if (args.length > 0) return undefined;
  let text: string;
  try {
    text = loadConfig(process.env).profileNamesText();
  } catch {
    return undefined;
  }
  fdOutput(1).write(text);
  return 0;
}
