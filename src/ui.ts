// Styling for stderr (never stdout), with chalk. awsrole decides whether to
// colour (Context.color: NO_COLOR, TERM=dumb, --no-color, stderr a character
// device), so chalk runs at an explicit level rather than detecting on its own.
//
// chalk's colour detection loads node:tty (and node:net) when imported, so the
// warm-path bundle maps this module to src/shims/plain-paint.ts instead; that
// is safe because anything the fast path would write to stderr makes it hand
// the command to the full CLI (src/fast-export.ts).

import { Chalk } from "chalk";

export interface Paint {
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const coloured: Paint = new Chalk({ level: 1 });
const plain: Paint = new Chalk({ level: 0 });

export function paint(color: boolean): Paint {
  return color ? coloured : plain;
}
