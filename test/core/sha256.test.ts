import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/core/sha256.js";

const reference = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("sha256Hex (login cache file names without loading node:crypto)", () => {
  it.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    // The shared login-provider test case (aws-cli tests/unit/botocore/login/login-provider-test-cases.json).
    [
      "arn:aws:sts::012345678910:assumed-role/Admin/admin",
      "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255",
    ],
  ])("%j", (text, hex) => {
    expect(sha256Hex(text)).toBe(hex);
  });

  it("matches node:crypto at every length around the 64-byte block edges and on non-ASCII text", () => {
    for (let length = 0; length < 300; length++) {
      const text = Array.from({ length }, (_, i) => String.fromCodePoint(32 + ((i * 7919 + length) % 95))).join("");
      expect(sha256Hex(text)).toBe(reference(text));
    }
    for (const text of ["café", "日本語のロール", "\u{1F600} astral", "\u0000\u007f\n\t", "x".repeat(100_000)])
      expect(sha256Hex(text)).toBe(reference(text));
  });
});
