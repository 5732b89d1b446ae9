// Issue 17: the cold path (a cache miss: STS calls) costs Node's start, the SDK
// and the round trips, and nothing that grows with the config. These tests pin
// what it loads and reads; speed itself is measured by `npm run bench`.

import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, baseEnv, runRecorded, callsOf, seedWorld } from "./harness.js";

const world = seedWorld();

describe("a cold export", () => {
  it("loads the SDK as one bundle (dist/sts-sdk.cjs), not from node_modules", async () => {
    const home = world.home();
    try {
      const { code, modules, stderr } = await runRecorded(
        ["export", "role-e", "--token-code", "123456"],
        baseEnv(home, world.sts),
      );
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(callsOf(world.sts)).toHaveLength(5);
      const read = modules.filter((m) => m.startsWith("read:")).map((m) => relative(ROOT, m.slice(5)));
      expect(read).toContain("dist/sts-sdk.cjs");
      expect(modules.filter((m) => m.includes("node_modules"))).toEqual([]);
      // chalk's colour detection (node:tty) is not bundled: awsrole sets the level itself.
      expect(modules).not.toContain("node:tty");
      // The cold path's bundle runs it (src/direct.ts): the full CLI, with commander, is not even read.
      expect(read).toContain("dist/direct.cjs");
      expect(read).not.toContain("dist/cli.cjs");
      // Builtins the SDK loads for work STS calls never do (scripts/build.mjs, sdkLoadTimeBuiltins);
      // web streams through the ReadableStream global (bare Node loads only webstreams/util and queuingstrategies).
      expect(modules.filter((m) => ["node:zlib", "node:fs/promises"].includes(m))).toEqual([]);
      expect(
        modules.filter((m) => /^internal:(zlib|internal\/webstreams\/(readable|writable)stream)$/.test(m)),
      ).toEqual([]);
    } finally {
      home.remove();
    }
  });

  it("opens its one connection to STS before it loads the SDK, and carries the whole chain on it", async () => {
    const home = world.home();
    try {
      const { code, modules } = await runRecorded(
        ["export", "role-e", "--token-code", "123456"],
        baseEnv(home, world.sts),
      );
      expect(code).toBe(0);
      const port = new URL(world.sts.url).port;
      // The TCP handshake runs while node:http(s) and the SDK load (src/adapters/sts-connection.ts).
      expect(modules.filter((m) => m.startsWith("connect:"))).toEqual([`connect:net:${port}`]);
      const connected = modules.indexOf(`connect:net:${port}`);
      expect(connected).toBeLessThan(modules.indexOf("node:https"));
      expect(connected).toBeLessThan(modules.indexOf(`read:${join(ROOT, "dist", "sts-sdk.cjs")}`));
      expect(new Set(world.sts.calls.map((c) => c.connection)).size).toBe(1);
      expect(callsOf(world.sts)).toHaveLength(5);
    } finally {
      home.remove();
    }
  });

  it("compiles the cold path's bundle and the SDK with V8's code cache once one exists", async () => {
    const home = world.home();
    try {
      const env = baseEnv(home, world.sts);
      expect((await runRecorded(["export", "role-e", "--token-code", "123456"], env)).code).toBe(0); // writes the caches if missing
      rmSync(home.cacheDir, { recursive: true });
      const { code, modules } = await runRecorded(["export", "role-e", "--token-code", "123456"], env);
      expect(code).toBe(0);
      const read = modules.filter((m) => m.startsWith("read:")).map((m) => relative(ROOT, m.slice(5)));
      expect(read).toEqual(expect.arrayContaining(["dist/direct.cjs", "dist/sts-sdk.cjs"]));
      // The caches are the user's (a read-only install gets them too), named for this V8 and each bundle's build.
      const v8 = join(home.dir, ".cache", "awsrole", "v8");
      for (const name of ["direct", "sts-sdk"]) {
        const cache = join(v8, `${name}-${process.versions.v8}-${buildId(name)}.cache`);
        expect(existsSync(cache)).toBe(true);
        expect(read).toContain(relative(ROOT, cache));
      }
      // Loaded through vm.Script, not require(): no module resolution for the bundles.
      expect(modules.filter((m) => m.startsWith("/")).map((f) => relative(ROOT, f))).toEqual(["bin/awsrole.cjs"]);
    } finally {
      home.remove();
    }
  });

  it("the SDK reads neither ~/.aws/config nor ~/.aws/credentials: awsrole gives every client its settings", async () => {
    const home = world.home();
    try {
      // A large config, and an AWS_PROFILE the SDK would look its settings up in.
      let extra = "\n";
      for (let i = 0; i < 200; i++)
        extra += `[profile org-${i}]\nrole_arn = arn:aws:iam::${100000000000 + i}:role/Admin\nsource_profile = default\nretry_mode = adaptive\n\n`;
      appendFileSync(join(home.awsDir, "config"), extra);
      const { code, modules, stderr } = await runRecorded(
        ["export", "--token-code", "123456"],
        baseEnv(home, world.sts, { AWS_PROFILE: "role-e" }),
      );
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(callsOf(world.sts)).toHaveLength(5);
      const asyncReads = modules.filter((m) => m.startsWith("readAsync:")).map((m) => m.slice("readAsync:".length));
      expect(asyncReads.filter((f) => f.startsWith(home.awsDir) && !f.startsWith(home.cacheDir))).toEqual([]);
    } finally {
      home.remove();
    }
  });
});

describe("the cold path's bundle (dist/direct.cjs)", () => {
  const readBundles = (modules: string[]) =>
    modules
      .filter((m) => m.startsWith("read:") && m.startsWith(`read:${join(ROOT, "dist")}`))
      .map((m) => relative(ROOT, m.slice(5)));

  it("runs whoami, and says what the full CLI says", async () => {
    const home = world.home();
    try {
      const env = baseEnv(home, world.sts);
      const { runCli } = await import("./harness.js");
      expect((await runCli(["export", "s3-developer"], env)).code).toBe(0);
      const direct = await runRecorded(["whoami", "s3-developer", "--output", "json"], env);
      expect(direct.stderr).toBe("");
      expect(direct.code).toBe(0);
      expect(readBundles(direct.modules).sort()).toEqual(["dist/direct.cjs", "dist/sts-sdk.cjs"]);
      // A global option first: bin/awsrole.cjs hands that to the full CLI.
      const viaDirect = await runCli(["whoami", "s3-developer", "--output", "json"], env);
      const viaFull = await runCli(["--no-color", "whoami", "s3-developer", "--output", "json"], env);
      expect(viaDirect).toEqual(viaFull);
      expect(JSON.parse(viaDirect.stdout)).toMatchObject({ Account: "123456789012" });
    } finally {
      home.remove();
    }
  });

  it.each([
    ["an unknown profile", ["export", "nope"]],
    ["a bad MFA code", ["export", "role-e", "--token-code", "12"]],
    ["whoami of an unknown profile", ["whoami", "--profile", "nope"]],
  ])("fails on %s as the full CLI does: the same words, exit code and empty stdout", async (_what, args) => {
    const home = world.home();
    try {
      const env = baseEnv(home, world.sts);
      const direct = await runRecorded(args, env);
      expect(readBundles(direct.modules)).not.toContain("dist/cli.cjs");
      const { runCli } = await import("./harness.js");
      const viaDirect = await runCli(args, env);
      const viaFull = await runCli(["--no-color", ...args], env);
      expect(viaDirect.code).not.toBe(0);
      expect(viaDirect).toEqual(viaFull);
      expect(viaDirect.stdout).toBe("");
    } finally {
      home.remove();
    }
  });

  it.each([
    ["--no-cache", ["export", "s3-developer", "--no-cache"]],
    ["--debug", ["export", "s3-developer", "--debug"]],
    ["--help", ["whoami", "--help"]],
    ["two profiles", ["export", "s3-developer", "role-e"]],
  ])("hands %s to the full CLI, which knows every option", async (_what, args) => {
    const home = world.home();
    try {
      const { modules } = await runRecorded(args, baseEnv(home, world.sts));
      expect(modules.some((m) => m === `read:${join(ROOT, "dist", "cli.cjs")}` || m.endsWith("/dist/cli.cjs"))).toBe(
        true,
      );
    } finally {
      home.remove();
    }
  });
});

describe("commands that list every profile", () => {
  it("doctor and __profiles answer the same from the validated table (second run) as from a fresh parse (first run)", async () => {
    const home = world.home();
    try {
      let extra = "\n";
      for (let i = 0; i < 300; i++)
        extra +=
          `[profile org-${i}]\nrole_arn = arn:aws:iam::${100000000000 + i}:role/Admin\nsource_profile ` +
          `= ${i % 2 ? "default" : "role-e"}\nregion = eu-west-${(i % 3) + 1}\n\n`;
      appendFileSync(join(home.awsDir, "config"), extra);
      const env = baseEnv(home, world.sts);
      const { runCli } = await import("./harness.js");
      const first = [await runCli(["doctor", "--output", "json"], env), await runCli(["__profiles"], env)];
      const second = [await runCli(["doctor", "--output", "json"], env), await runCli(["__profiles"], env)];
      for (const r of [...first, ...second]) expect(r.code).toBe(0);
      expect(first[1]!.stdout.split("\n")).toContain("org-299");
      expect(second.map((r) => r.stdout)).toEqual(first.map((r) => r.stdout));
      expect((JSON.parse(second[0]!.stdout) as { profiles: unknown[] }).profiles.length).toBe(
        first[1]!.stdout.trim().split("\n").length,
      );
    } finally {
      home.remove();
    }
  });
});

describe("profile names for shell completion (awsrole __profiles)", () => {
  it("come from the small bundle, without the full CLI, and match what the full CLI prints", async () => {
    const home = world.home();
    try {
      const env = baseEnv(home);
      const fast = await runRecorded(["__profiles"], env);
      expect(fast.code).toBe(0);
      const read = fast.modules.filter((m) => m.startsWith("read:")).map((m) => m.slice(5));
      expect(
        read
          .filter((f) => f.startsWith(ROOT))
          .map((f) => relative(ROOT, f))
          .sort(),
      ).toEqual(["bin/awsrole.cjs", "dist/fast-export.cjs"]);
      const { runCli } = await import("./harness.js");
      const viaFast = await runCli(["__profiles"], env);
      // A global option first: bin/awsrole.cjs hands that to the full CLI.
      const viaFull = await runCli(["--no-color", "__profiles"], env);
      expect(viaFull.code).toBe(0);
      expect(viaFast.stdout).toBe(viaFull.stdout);
      expect(viaFast.stdout.split("\n")).toEqual(expect.arrayContaining(["default", "role-e", "s3-developer"]));
      expect(viaFast.stderr).toBe("");
    } finally {
      home.remove();
    }
  });
});

/** The build id that scripts/build.mjs appends to dist/<name>.cjs, which names its code cache. */
function buildId(name: string): string {
  const id = /awsrole-build-id=([0-9a-f]+)\s*$/.exec(readFileSync(join(ROOT, "dist", `${name}.cjs`), "utf8"));
  if (!id) throw new Error(`dist/${name}.cjs has no build id`);
  return id[1]!;
}
