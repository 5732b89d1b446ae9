// Issue 6.2, damage: a cache entry or cache directory in any broken state is a
// miss (or a warning on stderr), never a failed command; and every Expiration
// shape the AWS tools write is read, end to end, as a hit.

import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  baseEnv,
  callsOf,
  hopCacheFiles,
  leftovers,
  parseEnvExport,
  STACK_LINE,
  type Home,
  seedWorld,
} from "./helpers.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback servers and temp HOMEs.
import { runCli } from "../in-process.js";

const world = seedWorld();
const home = () => world.home();

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const inAnHour = () => new Date(Date.now() + 3600_000);
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

function entry(expiration: unknown, keyId = "ASIAHANDWRITTEN00001"): string {
  const credentials: Record<string, unknown> = {
    AccessKeyId: keyId,
    SecretAccessKey: "handWrittenSecret",
    SessionToken: "handWrittenToken",
  };
  if (expiration !== undefined) credentials.Expiration = expiration;
  return JSON.stringify({
    Credentials: credentials,
    AssumedRoleUser: { AssumedRoleId: "AROA:x", Arn: "arn:aws:sts::222222222222:assumed-role/RoleA/x" },
  });
}

/** role-a's single cache file, for a fresh HOME. */
async function roleAEntry(h: Home, env: Record<string, string>): Promise<string> {
  const [file] = await hopCacheFiles("role-a", env, runCli);
  mkdirSync(h.cacheDir, { recursive: true, mode: 0o700 });
  return file!;
}

describe("a damaged cache entry is a miss: the command calls STS, prints credentials, and replaces the entry", () => {
  const damaged: Array<[string, string]> = [
    ["empty", ""],
    ["truncated", entry(iso(inAnHour())).slice(0, 40)],
    ["not JSON", "<html>not json</html>"],
    ["JSON but not an object", "[1,2,3]"],
    ["missing Expiration", entry(undefined)],
    ["unparsable Expiration", entry("next tuesday")],
    ["Expiration without a zone", entry("2099-01-01T00:00:00")],
    ["numeric Expiration", entry(4102444800)],
    ["expired", entry("2020-01-01T00:00:00Z")],
    ["inside the 15-minute window", entry(iso(new Date(Date.now() + 60_000)))],
  ];
  it.each(damaged)("%s", async (_name, content) => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const file = await roleAEntry(h, env);
    writeFileSync(file, content, { mode: 0o600 });
    const result = await runCli(["export", "role-a", "--token-code", "123456"], env);
    expect(result.code).toBe(0);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).not.toMatch(/error/i);
    const vars = parseEnvExport(result.stdout);
    expect(vars.AWS_ACCESS_KEY_ID).not.toBe("ASIAHANDWRITTEN00001");
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA"]);
    // The entry was replaced with the new credentials.
    expect(JSON.parse(readFileSync(file, "utf8")).Credentials.AccessKeyId).toBe(vars.AWS_ACCESS_KEY_ID);
    expect(leftovers(h)).toEqual([]);
  });
});

describe("a cache directory that cannot be used: a warning on stderr, and the credentials anyway", () => {
  it("~/.aws/cli/cache is a regular file", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    mkdirSync(join(h.awsDir, "cli"), { recursive: true });
    writeFileSync(h.cacheDir, "not a directory");
    const result = await runCli(["export", "role-b", "--token-code", "123456"], env);
    expect(result.code).toBe(0);
    expect(parseEnvExport(result.stdout).AWS_SESSION_TOKEN).toBeTruthy();
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA", "AssumeRole RoleB"]);
    // One warning, naming the cache, not one per hop.
    const warnings = result.stderr.split("\n").filter((l) => l.startsWith("awsrole: warning:"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`Could not write the credential cache ${h.cacheDir}/`);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(readFileSync(h.cacheDir, "utf8")).toBe("not a directory");
  });

  it("the cache directory lies under a regular file (read-only as far as awsrole can tell, also for root)", async () => {
    const h = home();
    const blocker = join(h.dir, "blocker");
    writeFileSync(blocker, "x");
    const env = baseEnv(h, world.sts, { AWSROLE_CACHE_DIR: join(blocker, "cache") });
    const result = await runCli(["export", "role-a", "--token-code", "123456"], env);
    expect(result.code).toBe(0);
    expect(parseEnvExport(result.stdout).AWS_SESSION_TOKEN).toBeTruthy();
    expect(result.stderr).toMatch(
      /^awsrole: warning: Could not write the credential cache .*credentials were not cached\.\n$/,
    );
  });

  it.skipIf(isRoot)("a read-only (0500) cache directory", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    mkdirSync(h.cacheDir, { recursive: true });
    chmodSync(h.cacheDir, 0o500);
    const result = await runCli(["export", "role-a", "--token-code", "123456"], env);
    expect(result.code).toBe(0);
    expect(parseEnvExport(result.stdout).AWS_SESSION_TOKEN).toBeTruthy();
    expect(result.stderr).toContain("permission denied");
  });
  if (isRoot)
    console.warn(
      "damage.test: running as root, chmod 0500 does not stop root; the read-only " +
        "directory is covered by read-only.test.ts (EROFS/EACCES injected) and by the " +
        "cache-under-a-file case.",
    );
});

describe("every Expiration shape the AWS tools write is a cache hit end to end (0 STS calls)", () => {
  const d = inAnHour();
  const pad = (n: number) => String(n).padStart(2, "0");
  const base =
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const shapes: Array<[string, string]> = [
    ["Z (STS wire format, AWS CLI v1)", `${base}Z`],
    ["fractional seconds (moto)", `${base}.186509Z`],
    ["+00:00 (cli_timestamp_format = iso8601)", `${base}+00:00`],
    ["UTC (botocore strftime %Z)", `${base}UTC`],
    ["a space instead of T (str(datetime))", `${base.replace("T", " ")}+00:00`],
  ];
  it.each(shapes)("%s", async (_name, expiration) => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const file = await roleAEntry(h, env);
    writeFileSync(file, entry(expiration), { mode: 0o600 });
    for (const args of [
      ["export", "role-a"],
      ["export", "role-a", "--format", "json", "--no-color"],
    ]) {
      const result = await runCli(args, env);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("ASIAHANDWRITTEN00001");
    }
    const json = JSON.parse((await runCli(["export", "role-a", "--format", "json"], env)).stdout);
    expect(Math.abs(Date.parse(json.Expiration) - d.getTime())).toBeLessThan(1000);
    expect(callsOf(world.sts)).toEqual([]);
  });
});

// Make sure the damage cases above are not passing merely because nothing was cached.
it("control: a well-formed entry written by hand is used as is", async () => {
  const h = home();
  const env = baseEnv(h, world.sts);
  const file = await roleAEntry(h, env);
  writeFileSync(file, entry(iso(inAnHour())), { mode: 0o600 });
  const result = await runCli(["export", "role-a", "--token-code", "123456"], env);
  expect(parseEnvExport(result.stdout).AWS_ACCESS_KEY_ID).toBe("ASIAHANDWRITTEN00001");
  expect(callsOf(world.sts)).toEqual([]);
  rmSync(file);
});
