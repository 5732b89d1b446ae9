// Issue 6.6, Ctrl-C while waiting for another process's lock (in process):
// with the command's AbortSignal, CacheStore.withLock stops waiting at once and
// throws InterruptedError (exit 130) instead of waiting out the lock timeout
// and then doing the work anyway. The end-to-end version needs src/resolver.ts
// to pass ctx.signal to the store (see docs/security.md, "Signals").

import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CacheStore, lockTimeoutFromEnv } from "../../src/adapters/cache-store.js";
import { EXIT_INTERRUPTED, InterruptedError } from "../../src/errors.js";

const KEY = "81019fe3fef37d4fe7da578496f1d02cf134b33b";
let tmp: string;
let dir: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "awsrole-lock-int-"));
  dir = join(tmp, "cache");
  mkdirSync(dir, { mode: 0o700 });
  // A live lock held by another machine: never stale within the test.
  writeFileSync(
    join(dir, `${KEY}.lock`),
    JSON.stringify({ pid: 1, created: Date.now(), host: "elsewhere", token: "t" }),
  );
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe("withLock and the abort signal", () => {
  it("an abort while waiting ends the wait promptly with InterruptedError, without running fn", async () => {
    const controller = new AbortController();
    const store = new CacheStore(dir, { signal: controller.signal, lockTimeoutMs: 10_000 });
    let ran = false;
    const started = Date.now();
    const waiting = store.withLock(KEY, async () => {
      ran = true;
    });
    setTimeout(() => controller.abort(), 100);
    const error = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InterruptedError);
    expect((error as InterruptedError).exitCode).toBe(EXIT_INTERRUPTED);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(ran).toBe(false);
    // The other process's lock is untouched.
    expect(readdirSync(dir)).toEqual([`${KEY}.lock`]);
  });

  it("an already aborted signal does not even wait", async () => {
    const controller = new AbortController();
    controller.abort();
    const store = new CacheStore(dir, { signal: controller.signal, lockTimeoutMs: 10_000 });
    const started = Date.now();
    await expect(store.withLock(KEY, async () => "ran")).rejects.toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("control: without an abort, the same lock is waited for until the timeout, then fn runs", async () => {
    const store = new CacheStore(dir, { lockTimeoutMs: 400 });
    const started = Date.now();
    expect(await store.withLock(KEY, async () => "ran")).toBe("ran");
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });
});

describe("AWSROLE_LOCK_TIMEOUT_MS", () => {
  it.each([
    [undefined, 15_000],
    ["", 15_000],
    ["250", 250],
    [" 0 ", 0],
    ["-1", 15_000],
    ["1e3", 15_000],
    ["abc", 15_000],
    ["999999999", 600_000],
  ])("%j -> %d ms", (value, expected) => {
    expect(lockTimeoutFromEnv(value === undefined ? {} : { AWSROLE_LOCK_TIMEOUT_MS: value })).toBe(expected);
  });
});
