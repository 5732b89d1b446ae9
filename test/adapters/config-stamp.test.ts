// The validated table (src/adapters/config-files.ts, readFileSections): a second
// read of an unchanged file answers from the stamp, and must answer exactly as
// the first read (a full parse) did: names as written, whatever JSON escaping
// they need in the stamp's rows, and the same sections when looked up after a listing.

import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readFileSections } from "../../src/adapters/config-files.js";

const dir = mkdtempSync(join(tmpdir(), "awsrole-stamp-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NAMES = ["plain", 'with "quotes"', "back\\slash", "ユーザー", "tab\there", "emoji 🙂", "a.b.c"];

describe("profile names from the validated table", () => {
  it.each([
    ["the config file", "config", (n: string) => `[profile ${n}]`],
    ["the credentials file", "credentials", (n: string) => `[${n}]`],
  ] as const)("in %s: listed, then looked up, as from a full parse", (_what, kind, header) => {
    const file = join(dir, kind);
    writeFileSync(file, NAMES.map((n, i) => `${header(n)}\nregion = r-${i}\n`).join("\n"));
    const stampDir = join(dir, `stamps-${kind}`);
    const answer = () => {
      const sections = readFileSections(file, kind, stampDir)!;
      const names = sections.profileNames();
      return { names, regions: names.map((n) => sections.profile(n)?.values.region) };
    };
    const parsed = answer(); // validates and writes the stamp
    const stamped = answer(); // from the stamp
    // The credentials file takes names verbatim; the config file splits `profile NAME` as the AWS CLI does.
    if (kind === "credentials") expect(parsed.names).toEqual(NAMES);
    expect(parsed.names.length).toBeGreaterThanOrEqual(4);
    expect(parsed.regions.every((r) => typeof r === "string")).toBe(true);
    expect(stamped).toEqual(parsed);
  });
});

describe("sections from the validated table", () => {
  const answer = (file: string, stampDir: string) => {
    const sections = readFileSections(file, "config", stampDir)!;
    return sections.profileNames().map((n) => [n, sections.profile(n)?.values.region]);
  };

  it.each([
    ["a plain-ASCII file (read a section at a time, then whole past 16)", (i: number) => `r-${i}`],
    ["a file with non-ASCII values (read whole)", (i: number) => `région-${i}`],
  ])("in %s: every section as from a full parse", (_what, region) => {
    const file = join(dir, `many-${region(0).length}`);
    writeFileSync(file, Array.from({ length: 40 }, (_, i) => `[profile p${i}]\nregion = ${region(i)}\n`).join("\n"));
    const stampDir = join(dir, `stamps-many-${region(0).length}`);
    const parsed = answer(file, stampDir);
    expect(parsed).toHaveLength(40);
    expect(parsed[39]).toEqual(["p39", region(39)]);
    expect(answer(file, stampDir)).toEqual(parsed);
  });

  it("a file changed since its stamp is validated again", () => {
    const file = join(dir, "edited");
    const stampDir = join(dir, "stamps-edited");
    writeFileSync(file, "[profile a]\nregion = r-1\n");
    expect(answer(file, stampDir)).toEqual([["a", "r-1"]]);
    writeFileSync(file, "[profile a]\nregion = r-2\n"); // same size
    expect(answer(file, stampDir)).toEqual([["a", "r-2"]]);
  });

  it("a file changed between the stamp check and a section's first use: an error saying to run again", () => {
    const file = join(dir, "racing");
    const stampDir = join(dir, "stamps-racing");
    writeFileSync(file, "[profile a]\nregion = r-1\n");
    answer(file, stampDir); // writes the stamp
    const sections = readFileSections(file, "config", stampDir)!;
    appendFileSync(file, "[profile b]\nregion = r-2\n");
    expect(() => sections.profile("a")?.values.region).toThrow(/changed while awsrole was reading it/);
  });
});
