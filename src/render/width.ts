// Fitting text output to a narrow terminal. Only output that goes to a terminal
// is fitted; into a pipe or a file it stays as it is, one record per line, for
// grep and scripts.

import type { Context } from "../context.js";

/** The terminal's width on fd 1 or 2, or undefined when that fd is not a terminal. */
export async function terminalColumns(ctx: Context, fd: 1 | 2): Promise<number | undefined> {
  if (!(await ctx.isTerminal(fd))) return undefined;
  const columns = ctx.columns?.(fd);
  return typeof columns === "number" && columns > 0 ? columns : undefined;
}

/** Greedy word wrap to `width` columns (a word longer than the width keeps its own line). */
export function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line === "") line = word;
      else if (line.length + 1 + word.length <= width) line += " " + word;
      else {
        out.push(line);
        line = word;
      }
    }
    out.push(line);
  }
  return out;
}

/** Split a long token (an ARN) after its "/" or ":" separators so each piece fits in `width`. */
export function breakToken(token: string, width: number): string[] {
  if (token.length <= width) return [token];
  const parts = token.split(/(?<=[/:])/);
  const out: string[] = [];
  let line = "";
  for (const part of parts) {
    if (line !== "" && line.length + part.length > width) {
      out.push(line);
      line = part;
    } else line += part;
  }
  if (line) out.push(line);
  return out;
}

/** A path under HOME written with ~, as people type it. */
export function tildePath(path: string, home: string | undefined): string {
  if (!home || home === "/") return path;
  const base = home.replace(/\/+$/, "");
  return path === base ? "~" : path.startsWith(base + "/") ? "~" + path.slice(base.length) : path;
}
