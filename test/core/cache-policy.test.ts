import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI_EXPIRY_WINDOW_SECONDS, isUsable, parseExpiration, secondsLeft } from "../../src/core/cache-policy.js";

const T = Date.UTC(2026, 10, 22, 18, 48, 33); // 2026-11-22T18:48:33Z

describe("CLI_EXPIRY_WINDOW_SECONDS", () => {
  it("is botocore's CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS", () => {
    expect(CLI_EXPIRY_WINDOW_SECONDS).toBe(900);
  });
});

describe("parseExpiration accepts every shape AWS tools write", () => {
  it.each<[string, string, number]>([
    ["real STS via AWS CLI v1 (wire)", "2026-11-22T18:48:33Z", T],
    ["moto, microseconds", "2026-11-22T18:48:33.186509Z", T + 186],
    ["one fraction digit", "2026-11-22T18:48:33.5Z", T + 500],
    ["nine fraction digits", "2026-11-22T18:48:33.123456789Z", T + 123],
    ["cli_timestamp_format = iso8601", "2026-11-22T18:48:33+00:00", T],
    ["fraction and offset", "2026-11-22T18:48:33.186509+00:00", T + 186],
    ["positive offset", "2026-11-23T03:48:33+09:00", T],
    ["negative offset without colon", "2026-11-22T13:48:33-0500", T],
    ["offset hours only", "2026-11-22T20:48:33+02", T],
    ["plain botocore strftime %Z", "2026-11-22T18:48:33UTC", T],
    ["UTC after a space", "2026-11-22T18:48:33 UTC", T],
    ["GMT", "2026-11-22T18:48:33GMT", T],
    ["str(datetime), space separator", "2026-11-22 18:48:33+00:00", T],
    ["lower-case z", "2026-11-22t18:48:33z", T],
    ["surrounding blanks", "  2026-11-22T18:48:33Z\n", T],
    ["leap day", "2028-02-29T00:00:00Z", Date.UTC(2028, 1, 29)],
  ])("%s: %s", (_name, text, expected) => {
    expect(parseExpiration(text)?.getTime()).toBe(expected);
  });
});

describe("parseExpiration rejects everything else (a miss, never a guess)", () => {
  it.each<[string, unknown]>([
    ["undefined", undefined],
    ["null", null],
    ["a number", 1795369713],
    ["an object", { Expiration: "2026-11-22T18:48:33Z" }],
    ["empty", ""],
    ["garbage", "soon"],
    ["date only", "2026-11-22"],
    ["no zone (dateutil would guess local time)", "2026-11-22T18:48:33"],
    ["no zone with fraction", "2026-11-22T18:48:33.186509"],
    ["month 13", "2026-13-22T18:48:33Z"],
    ["February 30", "2026-02-30T18:48:33Z"],
    ["February 29 in a common year", "2026-02-29T00:00:00Z"],
    ["hour 24", "2026-11-22T24:00:00Z"],
    ["second 60", "2026-11-22T18:48:60Z"],
    ["offset beyond 23 h", "2026-11-22T18:48:33+24:00"],
    ["year 0", "0000-01-01T00:00:00Z"],
    ["unknown zone name", "2026-11-22T18:48:33PST"],
    ["trailing junk", "2026-11-22T18:48:33Zjunk"],
    ["two-digit year", "26-11-22T18:48:33Z"],
  ])("%s", (_name, value) => {
    expect(parseExpiration(value)).toBeUndefined();
  });
});

describe("isUsable: botocore uses an entry iff Expiration - now >= 900 s", () => {
  const exp = new Date(T);
  it.each<[string, number, boolean]>([
    ["an hour left", 3600, true],
    ["exactly 900 s left", 900, true],
    ["899.999 s left", 899.999, false],
    ["899 s left", 899, false],
    ["just expired", 0, false],
    ["long expired", -3600, false],
  ])("%s", (_name, leftSeconds, usable) => {
    const now = new Date(T - leftSeconds * 1000);
    expect(isUsable(exp, now)).toBe(usable);
  });

  it("takes a custom window", () => {
    expect(isUsable(exp, new Date(T - 301_000), 300)).toBe(true);
    expect(isUsable(exp, new Date(T - 299_000), 300)).toBe(false);
    expect(isUsable(exp, new Date(T - 1), 0)).toBe(true);
    expect(isUsable(exp, new Date(T), 0)).toBe(true);
  });

  it("with duration_seconds = 900 an entry is never reused (as in the CLI)", () => {
    const issued = new Date(T - 900_000 + 1);
    expect(isUsable(exp, issued)).toBe(false);
  });
});

describe("secondsLeft", () => {
  it.each<[string, number, number]>([
    ["an hour", 3_600_000, 3600],
    ["rounded down", 1_999, 1],
    ["zero", 0, 0],
    ["expired half a second ago", -500, -1],
    ["expired an hour ago", -3_600_000, -3600],
  ])("%s", (_name, leftMs, expected) => {
    expect(secondsLeft(new Date(T), new Date(T - leftMs))).toBe(expected);
  });
});

const dateutil = spawnSync("python3", ["-c", "import dateutil.parser"], { encoding: "utf8" });
if (dateutil.status !== 0)
  console.warn("cache-policy.test: python3 with dateutil not found; skipping the comparison with botocore's parser.");

describe.skipIf(dateutil.status !== 0)("differential: parseExpiration against dateutil (botocore's reader)", () => {
  it("gives the same instant (to the millisecond) for every accepted shape", () => {
    const shapes = [
      "2026-11-22T18:48:33Z",
      "2026-11-22T18:48:33.186509Z",
      "2026-11-22T18:48:33+00:00",
      "2026-11-23T03:48:33.5+09:00",
      "2026-11-22T13:48:33-0500",
      "2026-11-22T18:48:33UTC",
      "2026-11-22 18:48:33+00:00",
      "2026-11-22T18:48:33 UTC",
    ];
    const script =
      "import json, sys, dateutil.parser\nprint(json.dumps([int(dateutil.parser.parse(s).timestamp() * 1000 // 1) for s in json.load(sys.stdin)]))";
    const run = spawnSync("python3", ["-c", script], { input: JSON.stringify(shapes), encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(shapes.map((s) => parseExpiration(s)?.getTime())).toEqual(JSON.parse(run.stdout));
  });
});
