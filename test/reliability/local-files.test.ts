// Issue 14, the local machine: planted or broken lock files, parallel and
// damaging --write-profile, and local crashes. Each case drives the built CLI
// against the loopback STS emulator in a throw-away HOME.

import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, symlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { baseEnv, hopCacheFiles, leftovers, parseEnvExport, runCli, seedWorld, STACK_LINE } from "./helpers.js";

const world = seedWorld();
const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;

describe("lock files that are not regular files", () => {
  async function plantLock(plant: (lock: string) => void) {
    const h = world.home();
    const env = baseEnv(h, world.sts);
    const [, outer] = await hopCacheFiles("role-b", env, runCli);
    mkdirSync(h.cacheDir, { recursive: true, mode: 0o700 });
    const lock = outer!.replace(/\.json$/, ".lock");
    plant(lock);
    return { h, env, lock };
  }

  it.skipIf(!hasMkfifo)("a FIFO named <key>.lock neither hangs export nor cache clear; it is removed", async () => {
    const { h, env, lock } = await plantLock((lock) => expect(spawnSync("mkfifo", [lock]).status).toBe(0));
    const started = Date.now();
    const r = await runCli(["export", "role-b", "--token-code", "123456"], env, { timeoutMs: 12_000 });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(parseEnvExport(r.stdout).AWS_SESSION_TOKEN).toBeTruthy();
    expect(r.stderr).toContain("not a regular file");
    expect(existsSync(lock)).toBe(false);
    expect(leftovers(h)).toEqual([]);

    expect(spawnSync("mkfifo", [lock]).status).toBe(0);
    const clear = await runCli(["cache", "clear"], env, { timeoutMs: 12_000 });
    expect(clear.code).toBe(0);
    expect(existsSync(lock)).toBe(false);
  }, 40_000);

  it("a symlink to /dev/zero named <key>.lock does not grow memory or hang; the link is removed, /dev/zero untouched", async () => {
    const { env, lock } = await plantLock((lock) => symlinkSync("/dev/zero", lock));
    const r = await runCli(["export", "role-b", "--token-code", "123456"], env, { timeoutMs: 12_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(parseEnvExport(r.stdout).AWS_SESSION_TOKEN).toBeTruthy();
    expect(existsSync(lock)).toBe(false);
    expect(lstatSync("/dev/zero").isCharacterDevice()).toBe(true);
  }, 40_000);

  it("a dangling symlink named <key>.lock is removed, not followed", async () => {
    const { h, env, lock } = await plantLock((lock) => symlinkSync(`${lock}.target`, lock));
    const r = await runCli(["export", "role-b", "--token-code", "123456"], env, { timeoutMs: 12_000 });
    expect(r.code).toBe(0);
    expect(existsSync(`${lock}.target`)).toBe(false);
    expect(leftovers(h)).toEqual([]);
  }, 40_000);
});
