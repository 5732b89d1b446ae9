// The two kinds of line any layer may write for people, on stderr: a warning,
// and (with --debug) a debug line.

import type { Context } from "../context.js";
import { paint } from "../ui.js";

export function warn(ctx: Pick<Context, "stderr" | "color">, message: string): void {
  ctx.stderr.write(`${paint(ctx.color).yellow("awsrole: warning:")} ${message}\n`);
}

export function debug(ctx: Pick<Context, "stderr" | "color" | "debug">, message: string): void {
  if (ctx.debug) ctx.stderr.write(paint(ctx.color).dim(`debug: ${message}`) + "\n");
}
