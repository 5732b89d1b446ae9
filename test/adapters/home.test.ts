import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import * as path from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { expandHome, homeDir, userCacheHome } from "../../src/adapters/home.js";
import { configPaths, validationStampDir } from "../../src/adapters/config-files.js";
import { cliCacheDir } from "../../src/adapters/cache-store.js";
import { recentFile } from "../../src/commands/picker.js";

const PW = userInfo().homedir;

describe("homeDir / expandHome (os.path.expanduser)", () => {
  // biome-ignore format: one line per case
  it.each([
    // env, path, expected
    [{ HOME: "/home/alice" }, "~/.aws/config", "/home/alice/.aws/config"],
    [{ HOME: "/home/alice/" }, "~/.aws/config", "/home/alice/.aws/config"],
    [{ HOME: "/" }, "~/.aws/config", "/.aws/config"],
    [{ HOME: "" }, "~/.aws/config", "/.aws/config"],
    [{ HOME: "" }, "~", "/"],
    [{}, "~/.aws/config", `${PW.replace(/\/+$/, "")}/.aws/config`],
    [{ USERPROFILE: "/u" }, "~/.aws/config", `${PW.replace(/\/+$/, "")}/.aws/config`], // POSIX ignores USERPROFILE
    [{ HOME: "/h" }, "/abs/~/x", "/abs/~/x"],
    [{ HOME: "/h" }, "~alice/x", "~alice/x"],
  ] as const)("%j %s -> %s", (env, p, expected) => {
    expect(expandHome(p, env, "linux")).toBe(expected);
  });

  it("homeDir is expanduser('~'): an empty HOME is the root, so a path joined to it is never relative", () => {
    expect(homeDir({ HOME: "" }, "linux")).toBe("/");
    expect(homeDir({ HOME: "/home/alice" }, "linux")).toBe("/home/alice");
    expect(homeDir({}, "linux")).toBe(PW);
  });

  // biome-ignore format: one line per case
  it.each([
    [{ USERPROFILE: "C:\\Users\\a", HOME: "/ignored" }, "C:\\Users\\a"],
    [{ HOMEDRIVE: "D:", HOMEPATH: "\\Users\\b" }, "D:\\Users\\b"],
  ] as const)("Windows %j -> %s", (env, expected) => {
    expect(homeDir(env, "win32")).toBe(expected);
  });
});

describe("every file follows the one rule", () => {
  // biome-ignore format: one line per case
  it.each([{ HOME: "/home/alice" }, { HOME: "" }, {}] as const)("%j: config, credentials, cache, stamps, recent list", (env) => {
    const home = expandHome("~", env, "linux").replace(/\/+$/, "");
    expect(configPaths(env)).toEqual({ configPath: `${home}/.aws/config`, credentialsPath: `${home}/.aws/credentials` });
    expect(cliCacheDir(env)).toBe(`${home}/.aws/cli/cache`);
    expect(validationStampDir(env)).toBe(path.join(`${home}/.cache`, "awsrole", "validated"));
    expect(recentFile(env)).toBe(path.join(`${home}/.cache`, "awsrole", "recent.json"));
  });

  it("takes XDG_CACHE_HOME only when absolute (XDG Base Directory spec)", () => {
    expect(userCacheHome({ HOME: "/h", XDG_CACHE_HOME: "/x" }, "linux")).toBe("/x");
    expect(userCacheHome({ HOME: "/h", XDG_CACHE_HOME: "rel" }, "linux")).toBe("/h/.cache");
    expect(userCacheHome({ HOME: "/h", XDG_CACHE_HOME: "" }, "linux")).toBe("/h/.cache");
  });
});

describe("bin/awsrole.cjs keeps its copy of userCacheHome in step (the V8 code cache)", () => {
  const bin = readFileSync(new URL("../../bin/awsrole.cjs", import.meta.url), "utf8");
  const source = /\nfunction userCacheHome\(path\) \{[\s\S]*?\n\}\n/.exec(bin)?.[0];

  // biome-ignore format: one line per case

  it.each([
    { HOME: "/home/alice" }, { HOME: "/home/alice/" }, { HOME: "" }, { HOME: "/" }, {},
    { HOME: "/h", XDG_CACHE_HOME: "/x" }, { HOME: "/h", XDG_CACHE_HOME: "rel" },
  ])("%j", (env) => {
    expect(source).toBeDefined();
    const fromBin = runInNewContext(`${source}; userCacheHome(path)`, { path, process: { env, platform: "linux" }, require: (m: string) => require(m) });
    expect(fromBin).toBe(userCacheHome(env, "linux"));
  });
});
