// Stands in for src/ui.ts in dist/fast-export.cjs: no colour, no chalk (whose
// import loads node:tty). The fast path never shows styled text: any stderr
// output makes it hand the command to the full CLI.
import type { Paint } from "../ui.js";

const same = (text: string) => text;
const plain: Paint = { red: same, yellow: same, dim: same, bold: same };

export function paint(_color: boolean): Paint {
  return plain;
}
