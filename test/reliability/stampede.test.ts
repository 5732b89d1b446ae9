// Issue 6.1, stampede: many cold `awsrole export` processes at once share one
// STS call per hop through the cross-process lock of the cache store
// (src/adapters/cache-store.ts withLock, used by src/core/resolve.ts), and a
// lock that cannot be taken in time never costs the user their credentials.

import { mkdirSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { baseEnv, callsOf, hopCacheFiles, leftovers, parseEnvExport, runCli, seedWorld } from "./helpers.js";

const world = seedWorld();
const home = world.home;

const FIVE_HOPS = ["AssumeRole RoleA", "AssumeRole RoleB", "AssumeRole RoleC", "AssumeRole RoleD", "AssumeRole RoleE"];

describe("stampede", () => {
  it("twenty cold `export role-e` processes at once: all succeed, one AssumeRole per hop in total, no .tmp/.lock left", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        runCli(["export", "role-e", "--token-code", "123456"], env, { timeoutMs: 60_000 }),
      ),
    );
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const vars = parseEnvExport(r.stdout);
      expect(vars.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
      expect(vars.AWS_SECRET_ACCESS_KEY).toBeTruthy();
      expect(vars.AWS_SESSION_TOKEN).toBeTruthy();
    }
    expect(callsOf(world.sts)).toEqual(FIVE_HOPS);
    // Everyone got the same session: the one that was cached.
    expect(new Set(results.map((r) => parseEnvExport(r.stdout).AWS_ACCESS_KEY_ID)).size).toBe(1);
    expect(h.cacheFiles().filter((n) => n.endsWith(".json"))).toHaveLength(5);
    expect(leftovers(h)).toEqual([]);
  }, 90_000);

  it("a live lock held by another host is waited for only AWSROLE_LOCK_TIMEOUT_MS, then the command goes on without it", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const [, outer] = await hopCacheFiles("role-b", env, runCli);
    // A foreign, fresh lock: not stale by age, and its pid means nothing here.
    mkdirSync(h.cacheDir, { recursive: true, mode: 0o700 });
    const lock = outer!.replace(/\.json$/, ".lock");
    const foreign = JSON.stringify({ pid: 1, created: Date.now(), host: "some-other-machine", token: "x" });
    writeFileSync(lock, foreign, { mode: 0o600 });

    const started = Date.now();
    const result = await runCli(["export", "role-b", "--token-code", "123456"], {
      ...env,
      AWSROLE_LOCK_TIMEOUT_MS: "300",
    });
    const elapsed = Date.now() - started;
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(parseEnvExport(result.stdout).AWS_SESSION_TOKEN).toBeTruthy();
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA", "AssumeRole RoleB"]);
    // Well under the 15 s default: the variable was honoured.
    expect(elapsed).toBeLessThan(8_000);
    // Someone else's lock is not ours to remove.
    expect(existsSync(lock)).toBe(true);
    expect(existsSync(outer!)).toBe(true);
  }, 30_000);

  it("an abandoned lock (holder gone) is taken over at once; nothing is left behind", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const [, outer] = await hopCacheFiles("role-b", env, runCli);
    mkdirSync(h.cacheDir, { recursive: true, mode: 0o700 });
    const { hostname } = await import("node:os");
    writeFileSync(
      outer!.replace(/\.json$/, ".lock"),
      JSON.stringify({ pid: 2_147_483_000, created: Date.now(), host: hostname() }),
    );
    const started = Date.now();
    const result = await runCli(["export", "role-b", "--token-code", "123456"], env);
    expect(result.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(leftovers(h)).toEqual([]);
    // The lock was taken, not bypassed: this run assumed the role and cached what it exported.
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA", "AssumeRole RoleB"]);
    const entry = JSON.parse(readFileSync(outer!, "utf8")) as {
      Credentials: { AccessKeyId: string; SessionToken: string };
    };
    expect(entry.Credentials.AccessKeyId).toBe(parseEnvExport(result.stdout).AWS_ACCESS_KEY_ID);
    expect(entry.Credentials.SessionToken).toBe(parseEnvExport(result.stdout).AWS_SESSION_TOKEN);
  }, 30_000);
});
