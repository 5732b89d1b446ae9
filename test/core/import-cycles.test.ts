// No import cycle anywhere in src/ (issue 10): the layers (docs/architecture.md)
// only import downwards. Walks the import graph of src/ itself: every
// `import … from`, `export … from` and lazy `import("./…")` between src/ files,
// type-only ones included (a type cycle is a layering mistake too; a lazy one
// is still a cycle, as resolver.ts -> fast-export.ts was).

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(__dirname, "../../src");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/** The src/ files a file imports statically. */
function importsOf(file: string, text: string): string[] {
  // Comments out first, so an example in a comment is no edge.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const out: string[] = [];
  for (const m of code.matchAll(/^\s*(?:import|export)\s[^;]*?\sfrom\s+["'](\.{1,2}\/[^"']+)["']/gm)) {
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
  }
  for (const m of code.matchAll(/^\s*import\s+["'](\.{1,2}\/[^"']+)["']/gm))
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
  for (const m of code.matchAll(/\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g))
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")));
  return out;
}

/** Every cycle found by a depth-first walk, each as the list of files around it. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "active");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "active") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe("the import graph of src/", () => {
  const files = tsFiles(SRC);
  const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, "utf8"))]));

  it("is read: dozens of files, and the edges resolve to files that exist", () => {
    expect(files.length).toBeGreaterThan(50);
    const missing = [...graph].flatMap(([f, edges]) =>
      edges.filter((e) => !graph.has(e)).map((e) => `${relative(SRC, f)} -> ${relative(SRC, e)}`),
    );
    expect(missing).toEqual([]);
    expect(graph.get(join(SRC, "resolver.ts"))).toContain(join(SRC, "core/plan.ts"));
  });

  it("has no cycle", () => {
    expect(findCycles(graph).map((c) => c.map((f) => relative(SRC, f)).join(" -> "))).toEqual([]);
  });

  it.each([
    [
      "a two-file cycle",
      [
        ["a", ["b"]],
        ["b", ["a"]],
      ],
      ["a -> b -> a"],
    ],
    [
      "a longer one",
      [
        ["a", ["b"]],
        ["b", ["c"]],
        ["c", ["a"]],
      ],
      ["a -> b -> c -> a"],
    ],
    [
      "a tree",
      [
        ["a", ["b", "c"]],
        ["b", ["c"]],
        ["c", []],
      ],
      [],
    ],
  ] as const)("the walk finds %s", (_name, edges, expected) => {
    const g = new Map(edges.map(([n, e]) => [n as string, [...e] as string[]]));
    expect(findCycles(g).map((c) => c.join(" -> "))).toEqual(expected);
  });

  it("an import written over several lines is an edge, a type-only import and a lazy one too", () => {
    const text =
      'import {\n  a,\n  b,\n} from "./x.js";\nimport type { T } from "../y.js";\n// ' +
      'import { z } from "./commented.js";\nconst m = await import("./lazy.js");\n';
    expect(importsOf("/s/d/f.ts", text)).toEqual(["/s/d/x.ts", "/s/y.ts", "/s/d/lazy.ts"]);
  });
});
