// The repository explains itself: every `docs/<page>.md#<heading>` that a source
// comment or test cites, and every link between the docs pages, must lead to a page
// and a heading that exist; and nothing may point at the reference notes that live
// outside the repository. Pure file reading, no CLI, no network.

import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CODE_DIRS = ["src", "test", "bin", "scripts"];
const TEXT = /\.(?:[cm]?[jt]s|md|sh)$/;
// Spelled in two pieces so that this file does not cite it.
const OUTSIDE_DOC = ["aws", "semantics"].join("-");

function walk(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist" || name.startsWith(".")) continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (TEXT.test(name)) out.push(full);
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, each space a hyphen, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence: string | undefined;
  for (const line of markdown.split("\n")) {
    const f = /^\s*(`{3,}|~{3,})/.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1]![0];
      else if (f[1]![0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (!anchors) {
    anchors = headingAnchors(readFileSync(file, "utf8"));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Why the target (a file, optionally with #anchor) is broken, or undefined when it is fine. */
function brokenTarget(file: string, anchor: string | undefined): string | undefined {
  if (!existsSync(file)) return "no such file";
  if (anchor !== undefined && !anchorsOf(file).has(anchor)) return `no heading #${anchor}`;
  return undefined;
}

const rel = (file: string) => path.relative(ROOT, file);
const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

describe("headingAnchors", () => {
  it("makes GitHub's anchors and skips code blocks", () => {
    const md =
      "# Title\n## The `awsrole export [profile]` command\n### DurationSeconds limits\n```ini\n# not a heading\n```\n## Title\n";
    expect([...headingAnchors(md)]).toEqual([
      "title",
      "the-awsrole-export-profile-command",
      "durationseconds-limits",
      "title-1",
    ]);
  });
});

describe("the repository is self-contained", () => {
  it("cites docs/ pages and headings in src/ and test/ that exist", () => {
    const broken: string[] = [];
    let cited = 0;
    for (const file of CODE_DIRS.flatMap((d) => walk(path.join(ROOT, d)))) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/\bdocs\/([\w.-]+\.md)(?:#([\w-]+))?/g)) {
        cited++;
        const why = brokenTarget(path.join(ROOT, "docs", m[1]!), m[2]);
        if (why) broken.push(`${rel(file)}:${lineOf(text, m.index!)}: ${m[0]} (${why})`);
      }
    }
    expect(broken).toEqual([]);
    expect(cited).toBeGreaterThan(0);
  });

  it("links between README.md and docs/ pages lead to files and headings that exist", () => {
    const pages = [path.join(ROOT, "README.md"), ...walk(path.join(ROOT, "docs"))];
    const broken: string[] = [];
    for (const file of pages) {
      // Fenced code is not markdown: a starship format string such as
      // "[$env_value]($style)" is no link. Blanked, so line numbers stay right.
      const text = readFileSync(file, "utf8").replace(/^```[^\n]*\n[\s\S]*?^```/gm, (block) =>
        block.replace(/[^\n]/g, " "),
      );
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
        const targetFile = pathPart === "" ? file : path.resolve(path.dirname(file), pathPart);
        const why = brokenTarget(targetFile, targetFile.endsWith(".md") ? anchor : undefined);
        if (why) broken.push(`${rel(file)}:${lineOf(text, m.index!)}: ${target} (${why})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it(`has no reference to ${OUTSIDE_DOC}.md, which is not in the repository`, () => {
    const files = [...CODE_DIRS, "docs"].flatMap((d) => walk(path.join(ROOT, d))).concat(path.join(ROOT, "README.md"));
    const hits: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (let i = text.indexOf(OUTSIDE_DOC); i >= 0; i = text.indexOf(OUTSIDE_DOC, i + 1))
        hits.push(`${rel(file)}:${lineOf(text, i)}`);
    }
    expect(hits).toEqual([]);
  });
});
