// The validated table (src/adapters/config-files.ts, readFileSections): a second
// read of an unchanged file answers from the stamp, and must answer exactly as
// the first read (a full parse) did: names as written, whatever JSON escaping
// they need in the stamp's rows, and the same sections when looked up after a listing.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
