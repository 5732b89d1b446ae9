// The cold path's entry (docs/performance.md, "The cold path"): `export` that
// the warm bundle could not answer from the cache, and `whoami`, with plain
// arguments (src/plain-args.ts). bin/awsrole.cjs loads this bundle
// (dist/direct.cjs) instead of the full CLI for them: it runs the same
// runExport and runWhoami, on the same online effects and the same process
// context as the full CLI's main(), with the same reporter, but without
// commander and the other commands, which a cold export would otherwise load
// and build before its first STS call. Any other command line is undefined
// here: the full CLI runs it.

import { runExport } from "./commands/export.js";
import { runWhoami } from "./commands/whoami.js";
import { createProcessContext, type Context } from "./context.js";
import { onlineEffects } from "./effects/online.js";
import { pickerMayApply, plainExportInput, plainWhoamiInput } from "./plain-args.js";
import { reportError } from "./report.js";

/** The exit code of `awsrole <args>`, or undefined when the full CLI must run it. */
export async function tryDirect(args: readonly string[]): Promise<number | undefined> {
  const [command, ...rest] = args;
  const exportInput = command === "export" ? plainExportInput(rest) : undefined;
  const whoamiInput = command === "whoami" ? plainWhoamiInput(rest) : undefined;
  const input = exportInput ?? whoamiInput;
  if (!input) return undefined;
  // No profile named on a terminal: the full CLI shows the picker (src/commands/picker.ts).
  if (pickerMayApply(input.profile, process.env)) return undefined;
  const run = (ctx: Context) => (exportInput ? runExport(exportInput, ctx) : runWhoami(whoamiInput!, ctx));

  // As main() in src/cli.ts: Ctrl-C and SIGTERM abort what is in flight (exit 130).
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const ctx = createProcessContext({ debug: false, signal: controller.signal, effects: onlineEffects });
  try {
    return await run(ctx);
  } catch (error) {
    return reportError(error, { stderr: (t) => ctx.stderr.write(t), debug: ctx.debug, color: ctx.color });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
