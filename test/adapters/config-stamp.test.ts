// The validated table (src/adapters/config-files.ts, readFileSections): a second
// read of an unchanged file answers from the stamp, and must answer exactly as
// the first read (a full parse) did: names as written, whatever JSON escaping
// they need in the stamp's rows, and the same sections when looked up after a listing.

import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig, readFileSections } from "../../src/adapters/config-files.js";

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

  // Over 64 KB, a plain-ASCII file is read a section at a time (then whole, past 16 sections); smaller ones at once.
  const profiles = (count: number, region: (i: number) => string) =>
    Array.from({ length: count }, (_, i) => `[profile p${i}]\nregion = ${region(i)}\n`).join("\n");

  it.each([
    ["a large plain-ASCII file", 3000, (i: number) => `r-${i}`],
    ["a small plain-ASCII file", 40, (i: number) => `r-${i}`],
    ["a file with non-ASCII values", 3000, (i: number) => `région-${i}`],
  ])("in %s: every section as from a full parse", (what, count, region) => {
    const file = join(dir, what.replaceAll(" ", "-"));
    writeFileSync(file, profiles(count, region));
    const stampDir = join(dir, `stamps-${what.replaceAll(" ", "-")}`);
    const parsed = answer(file, stampDir);
    expect(parsed).toHaveLength(count);
    expect(parsed[count - 1]).toEqual([`p${count - 1}`, region(count - 1)]);
    expect(answer(file, stampDir)).toEqual(parsed);
    // A few lookups only (a chain): the sections read one by one.
    const sections = readFileSections(file, "config", stampDir)!;
    expect([7, count - 1].map((i) => sections.profile(`p${i}`)?.values.region)).toEqual([region(7), region(count - 1)]);
  });

  it("a stamp whose names block is not where its header says is validated again", () => {
    const file = join(dir, "misplaced");
    const stampDir = join(dir, "stamps-misplaced");
    writeFileSync(file, "[profile a]\nregion = r-1\n[profile b]\nregion = r-2\n");
    const listing = () => readFileSections(file, "config", stampDir)!.profileNamesText();
    expect(listing()).toBe("a\nb\n"); // writes the stamp
    const [stamp] = readdirSync(stampDir);
    const bytes = readFileSync(join(stampDir, stamp!), "utf8");
    expect(bytes).toMatch(/"namesAt":\d+/);
    writeFileSync(
      join(stampDir, stamp!),
      bytes.replace(/"namesAt":(\d+)/, (_m, n) => `"namesAt":${Number(n) - 2}`),
    );
    expect(listing()).toBe("a\nb\n");
    expect(readFileSync(join(stampDir, stamp!), "utf8")).toBe(bytes); // written anew
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
    writeFileSync(file, `[profile a]\nregion = r-1\n\n${profiles(3000, (i) => `r-${i}`)}`);
    answer(file, stampDir); // writes the stamp
    const sections = readFileSections(file, "config", stampDir)!;
    appendFileSync(file, "[profile b]\nregion = r-2\n");
    expect(() => sections.profile("a")?.values.region).toThrow(/changed while awsrole was reading it/);
  });
});

describe("profile names across the config and credentials files", () => {
  // botocore's order: the config file's profiles, then those only in the credentials file, each once.
  const listing = (configHeaders: string[], credentialsNames: string[]) => {
    const home = mkdtempSync(join(dir, "both-"));
    writeFileSync(join(home, "config"), configHeaders.map((n) => `[profile ${n}]\nregion = r\n`).join(""));
    writeFileSync(join(home, "credentials"), credentialsNames.map((n) => `[${n}]\naws_access_key_id = A\n`).join(""));
    const env = { AWS_CONFIG_FILE: join(home, "config"), AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials") };
    // The listing, and the same as completion's text (the stamp keeps the config file's names ready to print).
    const names = () => {
      const config = loadConfig({ ...env, XDG_CACHE_HOME: join(home, "xdg") });
      const listed = [...config.profiles.keys()];
      expect(config.profileNamesText()).toBe(listed.map((n) => `${n}\n`).join(""));
      return listed;
    };
    return { parsed: names(), stamped: names() };
  };
  const many = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it.each([
    ["no credentials profiles", ["a", "b"], [], ["a", "b"]],
    ["no config profiles", [], ["k", "a"], ["k", "a"]],
    ["some in both", ["a", "b", "c"], ["c", "k", "a"], ["a", "b", "c", "k"]],
    // The config file's headers are split as the AWS CLI splits them (shell-like quoting); the credentials file's are verbatim.
    ["names that need escaping", [`'q "x"'`, "ユーザー"], ["b\\s", 'q "x"', "ユーザー"], ['q "x"', "ユーザー", "b\\s"]],
    // (A NUL, the names block's separator, cannot be in a name: such a file is refused as not text.)
    ["tabs, quotes and control characters", ["'a\tb'", `'q "x"'`], ["z\u0001z", "a\tb"], ["a\tb", 'q "x"', "z\u0001z"]],
    ["many credentials profiles", ["c5", "z"], many("c", 40), ["c5", "z", ...many("c", 40).filter((n) => n !== "c5")]],
  ])("%s", (_what, configHeaders, credentialsNames, expected) => {
    const { parsed, stamped } = listing(configHeaders, credentialsNames);
    expect(parsed).toEqual(expected);
    expect(stamped).toEqual(expected);
  });
});
