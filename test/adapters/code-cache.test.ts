// The code cache file's header (src/adapters/code-cache.ts; bin/awsrole.cjs keeps
// a copy): the kinds of run whose compiled functions the file holds, then V8's data.

import { describe, expect, it } from "vitest";
import { commandKind, parseCodeCache } from "../../src/adapters/code-cache.js";

describe("parseCodeCache", () => {
  const file = (text: string) => Buffer.concat([Buffer.from(text, "latin1"), Buffer.from([0xc0, 0xde])]);
  it.each([
    ["one kind", "awsrole-v8-cache kinds=export\n", ["export"], 2],
    ["several", "awsrole-v8-cache kinds=export-miss,export,profiles\n", ["export-miss", "export", "profiles"], 2],
    ["none listed", "awsrole-v8-cache kinds=\n", [], 2],
    ["no header: V8's bytes alone", "", [], undefined],
    ["another header", "v8-cache kinds=export\n", [], undefined],
    [
      "32 kinds of 32 characters",
      `awsrole-v8-cache kinds=${Array(32).fill("k".repeat(32)).join(",")}\n`,
      Array(32).fill("k".repeat(32)),
      2,
    ],
    ["no end of header within 4 KiB", `awsrole-v8-cache kinds=${"x".repeat(4100)}`, [], undefined],
  ])("%s", (_what, header, kinds, dataLength) => {
    const parsed = parseCodeCache(file(header));
    expect(parsed.kinds).toEqual(kinds);
    expect(parsed.cachedData?.length).toBe(dataLength);
  });
});

describe("commandKind", () => {
  it.each([
    [["export", "role-b"], "export"],
    // An option first: "other", so that an option's value (a profile name) is never a kind.
    [["--profile", "x", "whoami"], "other"],
    [["--debug", "cache", "clear"], "other"],
    [["cache", "clear"], "cache"],
    [["__profiles"], "__profiles"],
    [[], "other"],
    [["--version"], "other"],
    [["Role.B"], "other"],
    [["a".repeat(40)], "other"],
  ])("%j -> %s", (argv, kind) => expect(commandKind(argv)).toBe(kind));
});
