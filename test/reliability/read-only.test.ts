// Issue 6.2, a read-only cache directory, in-process: root ignores chmod, so
// the file system is made to answer EROFS / EACCES for writes under the cache
// directory (node:fs mocked around the real module). The store must keep
// reading, warn once per kind of failure without secrets, run locked sections
// unlocked, and never throw.

import * as realFs from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const blocked = vi.hoisted(() => ({ dir: "", code: "EROFS" }));

vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const refuse = (path: unknown) => {
    if (
      blocked.dir !== "" &&
      typeof path === "string" &&
      (path === blocked.dir || path.startsWith(blocked.dir + "/"))
    ) {
      throw Object.assign(new Error(`${blocked.code}: refused`), { code: blocked.code });
    }
  };
  const writes = (flags: unknown) =>
    typeof flags === "string"
      ? /[wa+]/.test(flags)
      : typeof flags === "number" &&
        (flags & (actual.constants.O_WRONLY | actual.constants.O_RDWR | actual.constants.O_CREAT)) !== 0;
  const patched = {
    ...actual,
    openSync: (path: realFs.PathLike, flags?: realFs.OpenMode, mode?: realFs.Mode) => {
      if (writes(flags)) refuse(path);
      return actual.openSync(path, flags ?? "r", mode);
    },
    // mkdir -p of an existing directory succeeds on a read-only file system too.
    mkdirSync: actual.mkdirSync,
    renameSync: (from: realFs.PathLike, to: realFs.PathLike) => {
      refuse(to);
      return actual.renameSync(from, to);
    },
    unlinkSync: (path: realFs.PathLike) => {
      refuse(path);
      return actual.unlinkSync(path);
    },
  };
  return { ...patched, default: patched };
});

const { CacheStore } = await import("../../src/adapters/cache-store.js");

const SECRET = "ReadOnlySecretKey000000000000000000000001";
const TOKEN = "ReadOnlySessionToken/////////////////0001";
const KEY = "81019fe3fef37d4fe7da578496f1d02cf134b33b";
const response = (expiration: string) => ({
  Credentials: {
    AccessKeyId: "ASIAREADONLY00000001",
    SecretAccessKey: SECRET,
    SessionToken: TOKEN,
    Expiration: expiration,
  },
  AssumedRoleUser: { AssumedRoleId: "AROA:x", Arn: "arn:aws:sts::222222222222:assumed-role/RoleA/x" },
});

let tmp: string;
let dir: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), "awsrole-ro-"));
  dir = join(tmp, "cache");
  realFs.mkdirSync(dir, { mode: 0o700 });
});
afterEach(() => {
  blocked.dir = "";
  rmSync(tmp, { recursive: true, force: true });
});

describe.each(["EROFS", "EACCES"])("cache directory refusing writes with %s", (code) => {
  it("write: false, one warning naming the file and the reason, no secret, no temp file", () => {
    const warnings: string[] = [];
    const store = new CacheStore(dir, { warn: (m) => warnings.push(m) });
    blocked.dir = dir;
    blocked.code = code;
    const later = new Date(Date.now() + 3600_000).toISOString();
    expect(store.write(KEY, response(later))).toBe(false);
    expect(store.write(KEY, response(later))).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(join(dir, `${KEY}.json`));
    expect(warnings[0]).toContain(code);
    expect(warnings[0]).not.toContain(SECRET);
    expect(warnings[0]).not.toContain(TOKEN);
    expect(realFs.readdirSync(dir)).toEqual([]);
  });

  it("read still works: an entry written before the directory became read-only is a hit", () => {
    const store = new CacheStore(dir);
    const later = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");
    expect(store.write(KEY, response(later))).toBe(true);
    blocked.dir = dir;
    blocked.code = code;
    const found = store.read(KEY);
    expect(found.status).toBe("hit");
  });

  it("withLock runs fn unlocked at once (no waiting, no throw)", async () => {
    const store = new CacheStore(dir);
    blocked.dir = dir;
    blocked.code = code;
    const started = Date.now();
    expect(await store.withLock(KEY, async () => "ran")).toBe("ran");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(realFs.readdirSync(dir)).toEqual([]);
  });
});
