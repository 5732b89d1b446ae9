import * as fs from "node:fs";
import * as os from "node:os";
import { createRequire, syncBuiltinESMExports } from "node:module";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/adapters/atomic-write.js";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
let dir: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "awsrole-atomic-"));
});
afterEach(() => {
  fs.chmodSync(dir, 0o700);
  fs.rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe("writeFileAtomic", () => {
  it("writes the bytes, 0600 by default, whatever the umask", () => {
    const old = process.umask(0);
    try {
      writeFileAtomic(path.join(dir, "a.json"), "secret");
    } finally {
      process.umask(old);
    }
    expect(fs.readFileSync(path.join(dir, "a.json"), "utf8")).toBe("secret");
    expect(mode(path.join(dir, "a.json"))).toBe(0o600);
  });

  it("sets the mode asked for exactly, also when it replaces a file with another mode", () => {
    const file = path.join(dir, "b");
    fs.writeFileSync(file, "old", { mode: 0o666 });
    fs.chmodSync(file, 0o666);
    writeFileAtomic(file, Buffer.from("new"), { mode: 0o640 });
    expect(fs.readFileSync(file, "utf8")).toBe("new");
    expect(mode(file)).toBe(0o640);
  });

  it.each([
    [{}, 2],
    [{ durable: true }, 2],
    [{ durable: false }, 0],
  ])("with %o flushes the file and the directory to disk: %i fsyncs", (options, expected) => {
    // node:fs's CommonJS object, re-exported to every ESM import of it by syncBuiltinESMExports.
    const cjsFs = createRequire(import.meta.url)("node:fs") as typeof fs;
    const original = cjsFs.fsyncSync;
    let calls = 0;
    cjsFs.fsyncSync = (fd) => {
      calls++;
      original(fd);
    };
    syncBuiltinESMExports();
    try {
      writeFileAtomic(path.join(dir, "e.json"), "x", options);
    } finally {
      cjsFs.fsyncSync = original;
      syncBuiltinESMExports();
    }
    expect(calls).toBe(expected);
    expect(fs.readFileSync(path.join(dir, "e.json"), "utf8")).toBe("x");
    expect(fs.readdirSync(dir)).toEqual(["e.json"]);
  });

  it("leaves only the target: no temp file after success", () => {
    writeFileAtomic(path.join(dir, "c.json"), "x");
    expect(fs.readdirSync(dir)).toEqual(["c.json"]);
  });

  it("leaves no temp file and the old content when the write fails (prepare throws)", () => {
    const file = path.join(dir, "d.json");
    fs.writeFileSync(file, "old");
    expect(() =>
      writeFileAtomic(file, "new", {
        prepare: () => {
          throw new Error("boom");
        },
      }),
    ).toThrow("boom");
    expect(fs.readdirSync(dir)).toEqual(["d.json"]);
    expect(fs.readFileSync(file, "utf8")).toBe("old");
  });

  it("leaves no temp file when the rename fails (target is a non-empty directory)", () => {
    const target = path.join(dir, "e.json");
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, "inside"), "");
    expect(() => writeFileAtomic(target, "new")).toThrow();
    expect(fs.readdirSync(dir)).toEqual(["e.json"]);
  });

  it.skipIf(isRoot)("throws the error code when the directory is not writable, and writes nothing", () => {
    fs.chmodSync(dir, 0o500);
    expect(() => writeFileAtomic(path.join(dir, "f.json"), "x")).toThrow(expect.objectContaining({ code: "EACCES" }));
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it("replaces a symlink at the path by a regular file and leaves the link's target alone (as rename does)", () => {
    const elsewhere = path.join(dir, "elsewhere");
    fs.writeFileSync(elsewhere, "untouched");
    const link = path.join(dir, "g.json");
    fs.symlinkSync(elsewhere, link);
    writeFileAtomic(link, "new");
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(false);
    expect(fs.readFileSync(link, "utf8")).toBe("new");
    expect(fs.readFileSync(elsewhere, "utf8")).toBe("untouched");
  });

  it("names the temp file .<name>.….tmp in the target's directory (never *.json, so no reader sees it half-written)", () => {
    const seen: string[] = [];
    writeFileAtomic(path.join(dir, "h.json"), "x", { prepare: () => seen.push(...fs.readdirSync(dir)) });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^\.h\.json\.[0-9a-z.]+\.tmp$/);
  });
});
