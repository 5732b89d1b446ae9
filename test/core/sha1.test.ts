import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha1Hex } from "../../src/core/sha1.js";

const reference = (text: string) => createHash("sha1").update(text, "utf8").digest("hex");

describe("sha1Hex (cache file names without loading node:crypto)", () => {
  it.each([
    ["", "da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    ["abc", "a9993e364706816aba3e25717850c26c9cd0d89d"],
    ['{"RoleArn": "arn:aws:iam::123456789012:role/RoleB"}', "aef2522db9da533f72e8e67a2e92ab98097958c8"],
  ])("%j", (text, hex) => {
    expect(sha1Hex(text)).toBe(hex);
  });

  it("matches node:crypto at every length around the 64-byte block edges and on non-ASCII text", () => {
    for (let length = 0; length < 300; length++) {
      const text = Array.from({ length }, (_, i) => String.fromCodePoint(32 + ((i * 7919 + length) % 95))).join("");
      expect(sha1Hex(text)).toBe(reference(text));
    }
    for (const text of ["café", "日本語のロール", "\u{1F600} astral", "\u0000\u007f\n\t", "x".repeat(100_000)])
      expect(sha1Hex(text)).toBe(reference(text));
  });
});
