// The error codes are a closed list (src/errors.ts ErrorCodes): an unknown code
// fails the typecheck (the @ts-expect-error lines below fail `npm run typecheck`
// if ErrorCode ever widens back to string), and every listed code is used.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AwsroleError, type ErrorCode, ProfileConfigError } from "../../src/errors.js";

const root = join(import.meta.dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** The keys of interface ErrorCodes, read from the source. */
function listedCodes(): string[] {
  const text = readFileSync(join(root, "src", "errors.ts"), "utf8");
  const body = /export interface ErrorCodes \{([\s\S]*?)\n\}/.exec(text)?.[1] ?? "";
  return [...body.matchAll(/^ {2}([A-Za-z]+): true;$/gm)].map((m) => m[1]!);
}

describe("error codes", () => {
  it("an unknown code does not typecheck", () => {
    // @ts-expect-error "NoSuchCode" is not an ErrorCode
    expect(new AwsroleError("NoSuchCode", "m").code).toBe("NoSuchCode");
    // @ts-expect-error nor for a config error
    expect(new ProfileConfigError("no-such-code", "p", "m").code).toBe("no-such-code");
    // @ts-expect-error an STS code needs its "Sts." prefix
    const bare: ErrorCode = "AccessDenied";
    expect(bare).toBe("AccessDenied");
    const sts: ErrorCode = "Sts.AccessDenied";
    expect(sts).toBe("Sts.AccessDenied");
  });

  it("lists each code once, in alphabetical order, each with a comment", () => {
    const codes = listedCodes();
    expect(codes.length).toBeGreaterThan(60);
    expect([...codes].sort()).toEqual(codes);
    expect(new Set(codes).size).toBe(codes.length);
    const text = readFileSync(join(root, "src", "errors.ts"), "utf8");
    for (const code of codes) expect(text, code).toMatch(new RegExp(`/\\*\\* [^\\n]+ \\*/\\n {2}${code}: true;`));
  });

  it("lists no code that src/ no longer uses", () => {
    const used = sourceFiles(join(root, "src"))
      .filter((path) => !path.endsWith(join("src", "errors.ts")))
      .map((path) => readFileSync(path, "utf8"))
      .join("\n");
    const errorsTs = readFileSync(join(root, "src", "errors.ts"), "utf8").replace(/export interface ErrorCodes \{[\s\S]*?\n\}/, "");
    const unused = listedCodes().filter((code) => !used.includes(`"${code}"`) && !errorsTs.includes(`"${code}"`));
    expect(unused).toEqual([]);
  });
});

describe("ProfileConfigError", () => {
  it("carries the profile, and the setting and origin when given", () => {
    const plain = new ProfileConfigError("NoSource", "dev", "m", "h");
    expect([plain.profile, plain.setting, plain.origin, plain.hint]).toEqual(["dev", undefined, undefined, "h"]);
    const placed = new ProfileConfigError("BadRoleArn", "dev", "m", "h", { setting: "role_arn", origin: { path: "/c", line: 4 } });
    expect([placed.setting, placed.origin]).toEqual(["role_arn", { path: "/c", line: 4 }]);
  });
});
