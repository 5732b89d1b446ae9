#!/usr/bin/env node
// Lines must fit a reader's screen: the formatter (biome.json, 120 columns)
// wraps code, but not strings or comments, so this check catches those. Run by
// `npm run lint` and .ci/run. Fixtures (test/fixtures/) are data and exempt.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const MAX = 160;
const root = fileURLToPath(new URL("..", import.meta.url));
const roots = ["src", "test", "bin", "scripts", "vitest.config.ts"];
const skip = new Set([join(root, "test", "fixtures"), join(root, "node_modules"), join(root, "dist")]);

function* files(path) {
  if (skip.has(path)) return;
  const stat = statSync(path);
  if (stat.isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name));
  } else if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(path)) {
    yield path;
  }
}

const long = [];
for (const start of roots) {
  for (const file of files(join(root, start))) {
    readFileSync(file, "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (line.length > MAX) long.push(`${relative(root, file)}:${i + 1}: ${line.length} characters`);
      });
  }
}
if (long.length > 0) {
  process.stderr.write(`${long.length} line(s) longer than ${MAX} characters:\n${long.join("\n")}\n`);
  process.exit(1);
}
