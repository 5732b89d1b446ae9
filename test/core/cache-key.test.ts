import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  assumeRoleCacheKey,
  compareCodePoints,
  hopCacheKey,
  mfaSessionCacheKey,
  pythonJsonDumps,
  webIdentityCacheKey,
} from "../../src/core/cache-key.js";
import type { RoleHop } from "../../src/core/plan.js";

const ROLE_B = "arn:aws:iam::123456789012:role/RoleB";
const MFA_ALICE = "arn:aws:iam::111111111111:mfa/alice";

function hop(fields: Partial<RoleHop> & { roleArn: string }): RoleHop {
  return { profile: "p", chained: false, ...fields };
}

describe("pythonJsonDumps", () => {
  it.each<[string, unknown, string]>([
    ["null", null, "null"],
    ["true", true, "true"],
    ["false", false, "false"],
    ["an integer", 1800, "1800"],
    ["a negative integer", -7, "-7"],
    ["the largest safe integer", 9007199254740991, "9007199254740991"],
    ["negative zero as int 0", -0, "0"],
    ["an integral value beyond 2^53 as a float", 1e21, "1e+21"],
    ["2^53 as a float", 9007199254740992, "9007199254740992.0"],
    ["a bigint", 12345678901234567890n, "12345678901234567890"],
    ["a float", 1.5, "1.5"],
    ["a small float in exponent form", 0.00001, "1e-05"],
    ["a float at the positional limit", 0.0001, "0.0001"],
    ["a large float", 1.5e300, "1.5e+300"],
    ["NaN", Number.NaN, "NaN"],
    ["Infinity", -Infinity, "-Infinity"],
    ["plain ASCII", "RoleB", '"RoleB"'],
    ["slash not escaped", "a/b", '"a/b"'],
    ["quote and backslash", 'a"b\\c', '"a\\"b\\\\c"'],
    ["short escapes", "\n\r\t\b\f", '"\\n\\r\\t\\b\\f"'],
    ["other controls", "\u0000\u0001\u001f", '"\\u0000\\u0001\\u001f"'],
    ["DEL", "\u007f", '"\\u007f"'],
    ["Latin-1, lower-case hex", "café ÿ", '"caf\\u00e9 \\u00ff"'],
    ["BMP", "\u20ac\uffff", '"\\u20ac\\uffff"'],
    ["astral as a surrogate pair", "😀", '"\\ud83d\\ude00"'],
    ["lone surrogate", "\ud800x", '"\\ud800x"'],
    ["empty list", [], "[]"],
    ["empty dict", {}, "{}"],
    ["nested", { a: [1, "x", { b: null }], c: {} }, '{"a": [1, "x", {"b": null}], "c": {}}'],
    ["insertion order kept", { b: 1, a: 2 }, '{"b": 1, "a": 2}'],
    ["escaped keys", { "é\n": 1 }, '{"\\u00e9\\n": 1}'],
    ["undefined members left out", { a: undefined, b: 1 }, '{"b": 1}'],
  ])("%s", (_name, value, expected) => {
    expect(pythonJsonDumps(value)).toBe(expected);
  });

  it("sorts keys when asked, recursively", () => {
    expect(pythonJsonDumps({ b: 1, a: { d: 1, c: 2 } }, { sortKeys: true })).toBe('{"a": {"c": 2, "d": 1}, "b": 1}');
  });

  it("sorts the AssumeRole parameter names as Python does", () => {
    const args = { SerialNumber: "s", RoleSessionName: "n", RoleArn: "r", ExternalId: "e", DurationSeconds: 900 };
    expect(pythonJsonDumps(args, { sortKeys: true })).toBe(
      '{"DurationSeconds": 900, "ExternalId": "e", "RoleArn": "r", "RoleSessionName": "n", "SerialNumber": "s"}',
    );
  });

  it("sorts by code point, not UTF-16 unit: an astral key sorts after U+FFFF", () => {
    // UTF-16 code units would put "\ud83d\ude00" (0xD83D...) before "\uffff".
    const dumped = pythonJsonDumps({ "😀": 1, "\uffff": 2, "\ue000": 3, z: 4 }, { sortKeys: true });
    expect(dumped).toBe('{"z": 4, "\\ue000": 3, "\\uffff": 2, "\\ud83d\\ude00": 1}');
    expect(compareCodePoints("😀", "\uffff")).toBeGreaterThan(0);
    expect(compareCodePoints("a", "ab")).toBeLessThan(0);
    expect(compareCodePoints("ab", "ab")).toBe(0);
  });

  it("rejects what Python cannot serialise", () => {
    expect(() => pythonJsonDumps([undefined])).toThrow(TypeError);
    expect(() => pythonJsonDumps(() => 1)).toThrow(TypeError);
    expect(() => pythonJsonDumps(Symbol("x"))).toThrow(TypeError);
  });
});

describe("assumeRoleCacheKey (docs/aws-rules.md#cache-key-examples vectors)", () => {
  it.each<[string, Parameters<typeof assumeRoleCacheKey>[0], string]>([
    ["role only", { RoleArn: ROLE_B }, "aef2522db9da533f72e8e67a2e92ab98097958c8"],
    [
      "+ mfa_serial, role_session_name",
      { RoleArn: ROLE_B, SerialNumber: MFA_ALICE, RoleSessionName: "alice-session" },
      "53ccbde20cc1c7167edaece0da017691126c72fa",
    ],
    [
      "+ external_id, duration_seconds",
      {
        RoleArn: ROLE_B,
        SerialNumber: MFA_ALICE,
        RoleSessionName: "alice-session",
        ExternalId: "ext-123",
        DurationSeconds: 1800,
      },
      "ab9e088e9b81c13fe6227a3936a1b2cf58bf6896",
    ],
    ["duration_seconds only", { RoleArn: ROLE_B, DurationSeconds: 3600 }, "aea680bc7d68ca86432a90c202a611468baca5d7"],
    [
      "non-ASCII session name",
      { RoleArn: ROLE_B, RoleSessionName: "café" },
      "a32afa5db41a0de3168bfea0ed33661fdb015a90",
    ],
    [
      "live chain hop A",
      { RoleArn: "arn:aws:iam::111111111111:role/RoleA" },
      "00a50c1651f2c269f4c3b41d21ceb56a5168761d",
    ],
    [
      "live chain hop B",
      { RoleArn: "arn:aws:iam::222222222222:role/RoleB", RoleSessionName: "hop-b" },
      "3f30b71e0849e4f615cf8fa8ba7a3c91eac06cf0",
    ],
    [
      "live chain hop C",
      { RoleArn: "arn:aws:iam::333333333333:role/RoleC" },
      "3bdff99b303472348860aed5658f180e8fd058f4",
    ],
  ])("%s", (_name, args, key) => {
    expect(assumeRoleCacheKey(args)).toBe(key);
  });

  it("hashes exactly the JSON botocore hashes", () => {
    const json = '{"RoleArn": "arn:aws:iam::123456789012:role/RoleB", "RoleSessionName": "caf\\u00e9"}';
    expect(pythonJsonDumps({ RoleArn: ROLE_B, RoleSessionName: "café" }, { sortKeys: true })).toBe(json);
    expect(createHash("sha1").update(json).digest("hex")).toBe("a32afa5db41a0de3168bfea0ed33661fdb015a90");
  });

  it("does not depend on the order the members are given in", () => {
    expect(
      assumeRoleCacheKey({
        DurationSeconds: 1800,
        ExternalId: "ext-123",
        RoleSessionName: "alice-session",
        SerialNumber: MFA_ALICE,
        RoleArn: ROLE_B,
      }),
    ).toBe("ab9e088e9b81c13fe6227a3936a1b2cf58bf6896");
  });

  it("treats DurationSeconds as a number, distinct from any string", () => {
    expect(assumeRoleCacheKey({ RoleArn: ROLE_B, DurationSeconds: 3600 })).not.toBe(
      assumeRoleCacheKey({ RoleArn: ROLE_B }),
    );
  });
});

describe("hopCacheKey", () => {
  it("uses only the configured fields of the hop", () => {
    expect(hopCacheKey(hop({ roleArn: ROLE_B }))).toBe("aef2522db9da533f72e8e67a2e92ab98097958c8");
    expect(
      hopCacheKey(hop({ roleArn: ROLE_B, mfaSerial: MFA_ALICE, roleSessionName: "alice-session", chained: true })),
    ).toBe("53ccbde20cc1c7167edaece0da017691126c72fa");
    expect(
      hopCacheKey(
        hop({
          roleArn: ROLE_B,
          mfaSerial: MFA_ALICE,
          roleSessionName: "alice-session",
          externalId: "ext-123",
          durationSeconds: 1800,
        }),
      ),
    ).toBe("ab9e088e9b81c13fe6227a3936a1b2cf58bf6896");
    expect(hopCacheKey(hop({ roleArn: ROLE_B, durationSeconds: 3600 }))).toBe(
      "aea680bc7d68ca86432a90c202a611468baca5d7",
    );
    expect(hopCacheKey(hop({ roleArn: "arn:aws:iam::222222222222:role/RoleB", roleSessionName: "hop-b" }))).toBe(
      "3f30b71e0849e4f615cf8fa8ba7a3c91eac06cf0",
    );
  });

  it("ignores the profile name, chaining and the mfaSession flag (not AssumeRole parameters)", () => {
    const base = hopCacheKey(hop({ roleArn: ROLE_B, mfaSerial: MFA_ALICE, roleSessionName: "alice-session" }));
    expect(
      hopCacheKey({
        profile: "other",
        roleArn: ROLE_B,
        mfaSerial: MFA_ALICE,
        roleSessionName: "alice-session",
        chained: true,
        mfaSession: true,
      }),
    ).toBe(base);
  });
});

describe("webIdentityCacheKey", () => {
  it("matches the live AWS CLI file e5ca68d7… and the AssumeRole key for the same role", () => {
    const roleArn = "arn:aws:iam::123456789012:role/WebRole";
    const key = webIdentityCacheKey({ roleArn });
    expect(key.startsWith("e5ca68d7")).toBe(true);
    expect(key).toMatch(/^[0-9a-f]{40}$/);
    expect(key).toBe(assumeRoleCacheKey({ RoleArn: roleArn }));
  });

  it("includes a configured session name", () => {
    expect(webIdentityCacheKey({ roleArn: ROLE_B, roleSessionName: "café" })).toBe(
      "a32afa5db41a0de3168bfea0ed33661fdb015a90",
    );
  });
});

describe("mfaSessionCacheKey", () => {
  const args = { serialNumber: MFA_ALICE, sourceAccessKeyId: "AKIAEXAMPLE" };

  it("is sha1 of the sorted awsrole GetSessionToken object", () => {
    const json = `{"SerialNumber": "${MFA_ALICE}", "SourceAccessKeyId": "AKIAEXAMPLE", "awsrole": "GetSessionToken"}`;
    expect(mfaSessionCacheKey(args)).toBe(createHash("sha1").update(json).digest("hex"));
    const withDuration = `{"DurationSeconds": 43200, "SerialNumber": "${MFA_ALICE}", "SourceAccessKeyId": "AKIAEXAMPLE", "awsrole": "GetSessionToken"}`;
    expect(mfaSessionCacheKey({ ...args, durationSeconds: 43200 })).toBe(
      createHash("sha1").update(withDuration).digest("hex"),
    );
  });

  it("differs per source key, serial and duration, and from every AssumeRole key", () => {
    const keys = new Set([
      mfaSessionCacheKey(args),
      mfaSessionCacheKey({ ...args, sourceAccessKeyId: "AKIAOTHER" }),
      mfaSessionCacheKey({ ...args, serialNumber: "arn:aws:iam::111111111111:mfa/bob" }),
      mfaSessionCacheKey({ ...args, durationSeconds: 3600 }),
      assumeRoleCacheKey({ RoleArn: MFA_ALICE, SerialNumber: MFA_ALICE }),
    ]);
    expect(keys.size).toBe(5);
  });
});

// ---- differential test against CPython's json / hashlib ----------------------

const python = spawnSync("python3", ["-c", "import json, hashlib"], { encoding: "utf8" });
const hasPython = python.status === 0;
if (!hasPython)
  console.warn(
    "cache-key.test: python3 not found on PATH; skipping the differential test against Python's json.dumps.",
  );

/** Deterministic PRNG (mulberry32) so a failure can be reproduced. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomString(next: () => number): string {
  const pools: (() => number)[] = [
    () => 0x20 + Math.floor(next() * 0x5f), // printable ASCII
    () => Math.floor(next() * 0x20), // control characters
    () => [0x22, 0x5c, 0x2f, 0x7f][Math.floor(next() * 4)]!, // " \ / DEL
    () => 0x80 + Math.floor(next() * 0x780), // Latin-1 and friends
    () => 0x800 + Math.floor(next() * (0xd800 - 0x800)), // rest of the BMP below surrogates
    () => 0xe000 + Math.floor(next() * 0x2000), // private use up to U+FFFF
    () => 0x10000 + Math.floor(next() * 0xfffff), // astral
    () => 0xd800 + Math.floor(next() * 0x800), // lone surrogate
  ];
  const length = Math.floor(next() * 12);
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCodePoint(pools[Math.floor(next() * pools.length)]!());
  return s;
}

describe.skipIf(!hasPython)("differential: pythonJsonDumps and keys against python3", () => {
  it("agrees with json.dumps and sha1 on 200 random strings, dicts and floats", () => {
    const next = rng(20261122);
    const strings = Array.from({ length: 200 }, () => randomString(next));
    const dicts = Array.from({ length: 40 }, () => {
      const d: Record<string, string> = {};
      for (let i = 0; i < 5; i++) d[randomString(next)] = randomString(next);
      return d;
    });
    const floats = Array.from({ length: 60 }, () => (next() - 0.5) * 10 ** Math.floor(next() * 40 - 20)).filter(
      (f) => !Number.isSafeInteger(f),
    );
    floats.push(1e16, 1e21, 2 ** 53, -1e-5, 1e-4, 123456789012345.6);
    const script = [
      "import json, sys, hashlib",
      "data = json.load(sys.stdin)",
      "out = {",
      "  'strings': [json.dumps(s) for s in data['strings']],",
      "  'keys': [hashlib.sha1(json.dumps({'RoleSessionName': s, 'RoleArn': 'arn:aws:iam::1:role/r'}, " +
        "sort_keys=True).encode('utf-8')).hexdigest() for s in data['strings']],",
      "  'dicts': [json.dumps(d) for d in data['dicts']],",
      "  'sorted': [json.dumps(d, sort_keys=True) for d in data['dicts']],",
      // Floats travel as strings: JSON would turn 1e16 into an int on the Python side.
      "  'floats': [json.dumps(float(f)) for f in data['floats']],",
      "}",
      "sys.stdout.write(json.dumps(out))",
    ].join("\n");
    // JSON.stringify writes lone surrogates as \udXXX escapes, which json.load reads back as the same code point.
    const run = spawnSync("python3", ["-c", script], {
      input: JSON.stringify({ strings, dicts, floats: floats.map(String) }),
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const expected = JSON.parse(run.stdout) as {
      strings: string[];
      keys: string[];
      dicts: string[];
      sorted: string[];
      floats: string[];
    };

    expect(strings.map((s) => pythonJsonDumps(s))).toEqual(expected.strings);
    expect(strings.map((s) => assumeRoleCacheKey({ RoleArn: "arn:aws:iam::1:role/r", RoleSessionName: s }))).toEqual(
      expected.keys,
    );
    expect(dicts.map((d) => pythonJsonDumps(d))).toEqual(expected.dicts);
    expect(dicts.map((d) => pythonJsonDumps(d, { sortKeys: true }))).toEqual(expected.sorted);
    expect(floats.map((f) => pythonJsonDumps(f))).toEqual(expected.floats);
  });
});
