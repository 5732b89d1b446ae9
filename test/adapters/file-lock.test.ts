import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { withFileLock } from "../../src/adapters/file-lock.js";
import { InterruptedError } from "../../src/errors.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "awsrole-lock-"));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("withFileLock(path)", () => {
  it("serialises holders of one path and leaves no lock behind", async () => {
    const lock = path.join(dir, "sub", "token.lock");
    const events: string[] = [];
    const holder = (name: string) =>
      withFileLock(lock, async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 60));
        events.push(`${name}-`);
      });
    await Promise.all([holder("a"), holder("b")]);
    expect(events.join(" ")).toMatch(/^(a\+ a- b\+ b-|b\+ b- a\+ a-)$/);
    expect(fs.readdirSync(path.dirname(lock))).toEqual([]);
    expect(fs.statSync(path.dirname(lock)).mode & 0o777).toBe(0o700);
  });

  it("removes a symlink at the lock path (not a lock awsrole made), with a warning, and leaves its target alone", async () => {
    const target = path.join(dir, "precious");
    fs.writeFileSync(target, "keep");
    const lock = path.join(dir, "x.lock");
    fs.symlinkSync(target, lock);
    const warnings: string[] = [];
    const result = await withFileLock(lock, async () => "ran", { timeoutMs: 2000, warn: (m) => warnings.push(m) });
    expect(result).toBe("ran");
    expect(warnings).toEqual([`Removed ${lock}: it was not a regular file, so not a lock awsrole made.`]);
    expect(fs.readFileSync(target, "utf8")).toBe("keep");
    expect(fs.existsSync(lock)).toBe(false);
  });

  it("takes over a lock whose holder is gone", async () => {
    const lock = path.join(dir, "y.lock");
    fs.writeFileSync(
      lock,
      JSON.stringify({ pid: 2 ** 22 + 12345, created: Date.now(), host: os.hostname(), token: "t" }),
    );
    let ran = false;
    await withFileLock(
      lock,
      async () => {
        ran = true;
      },
      { timeoutMs: 2000 },
    );
    expect(ran).toBe(true);
  });

  it("runs fn unlocked after the timeout when a live lock is held", async () => {
    const lock = path.join(dir, "z.lock");
    fs.writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, created: Date.now(), host: os.hostname(), token: "other" }),
    );
    const started = Date.now();
    expect(await withFileLock(lock, async () => "unlocked", { timeoutMs: 150 })).toBe("unlocked");
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(fs.existsSync(lock)).toBe(true); // someone else's lock stays
  });

  it("stops waiting on Ctrl-C and does not run fn", async () => {
    const lock = path.join(dir, "w.lock");
    fs.writeFileSync(
      lock,
      JSON.stringify({ pid: process.pid, created: Date.now(), host: os.hostname(), token: "other" }),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    let ran = false;
    await expect(
      withFileLock(
        lock,
        async () => {
          ran = true;
        },
        { timeoutMs: 10_000, signal: controller.signal },
      ),
    ).rejects.toBeInstanceOf(InterruptedError);
    expect(ran).toBe(false);
  });
});
