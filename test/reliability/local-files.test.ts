// Issue 14, the local machine: planted or broken lock files, parallel and
// damaging --write-profile, and local crashes. Each case drives the built CLI
// against the loopback STS emulator in a throw-away HOME.

import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  openSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseIni } from "../../src/core/ini.js";
import {
  BIN,
  baseEnv,
  callsOf,
  hopCacheFiles,
  leftovers,
  parseEnvExport,
  runCli as spawnCli,
  seedWorld,
  STACK_LINE,
} from "./helpers.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback servers and
// temp HOMEs; exec is spawned (its child writes to the process's own stdout).
import { runCli } from "../in-process.js";

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

  it.skipIf(!hasMkfifo)(
    "a FIFO named <key>.lock neither hangs export nor cache clear; it is removed",
    async () => {
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
    },
    40_000,
  );

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

describe("assume --write-profile", () => {
  const NO_SKILL =
    "[no_skill]\naws_access_key_id = AKIANOSKILL000000001\naws_secret_access_key = NoSkillSecretKey000000000000000000000001\n";
  const NO_SKILL_CONFIG = NO_SKILL.replace("[no_skill]", "[profile no_skill]");
  const ARGS = ["assume", "--profile", "no_skill", "--role-arn", "arn:aws:iam::333333333333:role/s3_role"];

  function expectCleanError(r: { code: number | null; stdout: string; stderr: string }, text: string) {
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(text);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toContain("unexpected error");
  }

  it("12 parallel writes of different profiles: every one survives", async () => {
    const h = world.home({ config: "", credentials: NO_SKILL });
    const env = baseEnv(h, world.sts);
    const names = Array.from({ length: 12 }, (_, i) => `par${i}`);
    const results = await Promise.all(
      names.map((name) => runCli([...ARGS, "--write-profile", name], env, { timeoutMs: 60_000 })),
    );
    for (const r of results) expect([r.code, r.stderr.includes("unexpected")]).toEqual([0, false]);
    const text = readFileSync(join(h.awsDir, "credentials"), "utf8");
    for (const name of names) expect(text).toContain(`[${name}]\n`);
    expect(text.startsWith(NO_SKILL)).toBe(true);
    expect(leftovers(h)).toEqual([]);
  }, 90_000);

  it("an old multi-line value's continuation lines go with it, and an indented key below stays a key", async () => {
    const old = `${NO_SKILL}\n[tmp]\naws_session_token = OldToken\n  continued-old-token\n    more-of-it\nregion = eu-west-1\n  # a note\n`;
    const h = world.home({ config: "", credentials: old });
    const env = baseEnv(h, world.sts);
    const r = await runCli([...ARGS, "--write-profile", "tmp"], env);
    expect(r.code).toBe(0);
    const text = readFileSync(join(h.awsDir, "credentials"), "utf8");
    expect(text).not.toContain("continued-old-token");
    expect(text).not.toContain("more-of-it");
    const token = JSON.parse(r.stdout).Credentials.SessionToken as string;
    // The file as botocore reads it: the token is exactly the new one.
    const tmp = parseIni(text, "credentials").sections.find((s) => s.name === "tmp")!;
    expect(tmp.values.aws_session_token).toBe(token);
    expect(tmp.values.region).toBe("eu-west-1");

    const indented = world.home({ config: "", credentials: `${NO_SKILL}\n[tmp2]\n  region = eu-west-2\n` });
    expect((await runCli([...ARGS, "--write-profile", "tmp2"], baseEnv(indented, world.sts))).code).toBe(0);
    const tmp2 = parseIni(readFileSync(join(indented.awsDir, "credentials"), "utf8"), "credentials").sections.find(
      (s) => s.name === "tmp2",
    )!;
    expect(tmp2.values.region).toBe("eu-west-2");
    expect(tmp2.values.aws_session_token).not.toContain("\n");
  });

  it.skipIf(process.geteuid?.() !== 0)("run as root, the replaced file keeps its owner, group and mode", async () => {
    const h = world.home({ config: "", credentials: NO_SKILL });
    const file = join(h.awsDir, "credentials");
    chownSync(file, 4321, 4322);
    chmodSync(file, 0o640);
    const r = await runCli([...ARGS, "--write-profile", "tmp"], baseEnv(h, world.sts));
    expect(r.code).toBe(0);
    expect(readFileSync(file, "utf8")).toContain("[tmp]");
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([4321, 4322, 0o640]);
    // The backup stays readable by the file's owner too.
    const backup = readdirSync(h.awsDir).find((f) => f.startsWith("credentials.awsrole-backup-"))!;
    const bst = statSync(join(h.awsDir, backup));
    expect([bst.uid, bst.gid, bst.mode & 0o777]).toEqual([4321, 4322, 0o600]);
  });

  it("a dangling symlink is refused with a clear error; the link stays, nothing is created", async () => {
    const h = world.home({ config: NO_SKILL_CONFIG, credentials: "" });
    const file = join(h.awsDir, "credentials");
    rmSync(file);
    const target = join(h.dir, "dotfiles", "aws-credentials");
    symlinkSync(target, file);
    const r = await runCli([...ARGS, "--write-profile", "tmp"], baseEnv(h, world.sts));
    expectCleanError(r, `${file} is a symbolic link to ${target}, which does not exist`);
    expect(lstatSync(file).isSymbolicLink()).toBe(true);
    expect(existsSync(target)).toBe(false);
  });

  it("a backup that cannot be written is a clear error, and the file is unchanged", async () => {
    const h = world.home({ config: "", credentials: "" });
    // The file's name is legal, but name + ".awsrole-backup-<time>" exceeds NAME_MAX (255).
    const file = join(h.awsDir, "c".repeat(240));
    writeFileSync(file, NO_SKILL, { mode: 0o600 });
    const r = await runCli(
      [...ARGS, "--write-profile", "tmp"],
      baseEnv(h, world.sts, { AWS_SHARED_CREDENTIALS_FILE: file }),
    );
    expectCleanError(r, "Could not write the backup");
    expect(r.stderr).toContain("was left unchanged");
    expect(readFileSync(file, "utf8")).toBe(NO_SKILL);
  });

  it("a credentials file that is a directory is a clear error", async () => {
    const h = world.home({ config: NO_SKILL_CONFIG, credentials: "" });
    const file = join(h.awsDir, "credentials");
    rmSync(file);
    mkdirSync(file);
    const r = await runCli([...ARGS, "--write-profile", "tmp"], baseEnv(h, world.sts));
    expectCleanError(r, `Could not read ${file} (EISDIR)`);
  });
});

describe("exported values", () => {
  const keys = (secret: string, token?: string) =>
    `[p]\naws_access_key_id = AKIAEXPORT0000000001\naws_secret_access_key = ${secret}\n${token === undefined ? "" : `aws_session_token = ${token}\n`}`;
  const FORMATS = ["env", "env-no-export", "fish", "powershell", "json", "process"];

  function expectRefused(r: { code: number | null; stdout: string; stderr: string }, text: RegExp, secret: string) {
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(text);
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toContain(secret);
  }

  it("a line break in a value (a continuation line in the credentials file) is refused in every format, and by exec", async () => {
    const h = world.home({ config: "", credentials: keys("FirstHalfOfSecret\n  SecondHalfOfSecret") });
    const env = baseEnv(h);
    for (const format of FORMATS) {
      const r = await runCli(["export", "p", "--format", format], env);
      expectRefused(
        r,
        /The secret access key of profile p contains a control character \(U\+000A\); awsrole will not export it\./,
        "SecondHalfOfSecret",
      );
    }
    const marker = join(h.dir, "ran");
    const exec = await runCli(["exec", "p", "--", "touch", marker], env);
    expectRefused(exec, /control character \(U\+000A\)/, "SecondHalfOfSecret");
    expect(existsSync(marker)).toBe(false);
  });

  it("NUL and CR from a credential_process are refused", async () => {
    const h = world.home({ config: "", credentials: "" });
    for (const [jsonEscape, code] of [
      ["\\u0000", "0000"],
      ["\\r", "000D"],
      ["\\u001b[2J", "001B"],
    ] as const) {
      const script = join(h.dir, `process-${code}.sh`);
      writeFileSync(
        script,
        `#!/bin/sh\ncat <<'EOF'\n{"Version": 1, "AccessKeyId": "AKIAPROCESS000000001", ` +
          `"SecretAccessKey": "Secret${jsonEscape}Tail", "SessionToken": "Token"}\nEOF\n`,
        { mode: 0o755 },
      );
      writeFileSync(join(h.awsDir, "config"), `[profile p]\ncredential_process = ${script}\n`);
      for (const format of ["env", "fish", "powershell"]) {
        const r = await runCli(["export", "p", "--format", format], baseEnv(h));
        expectRefused(r, new RegExp(`contains a control character \\(U\\+${code}\\)`), "Tail");
      }
    }
  });

  it("a 200 KiB session token is refused before anything is exported", async () => {
    const token = "T".repeat(200 * 1024);
    const h = world.home({ config: "", credentials: keys("Secret", token) });
    const r = await runCli(["export", "p"], baseEnv(h));
    expectRefused(
      r,
      /The session token of profile p is 204800 characters long, more than the 16384 a real one can be/,
      token.slice(0, 100),
    );
    // A large but plausible token (8 KiB) is fine.
    writeFileSync(join(h.awsDir, "credentials"), keys("Secret", "T".repeat(8 * 1024)));
    expect((await runCli(["export", "p"], baseEnv(h))).code).toBe(0);
  });

  it("export clears a stale AWS_SESSION_EXPIRATION in every shell format", async () => {
    const h = world.home({ config: "", credentials: keys("Secret", "Token") });
    const env = baseEnv(h, undefined, { AWS_SESSION_EXPIRATION: "2020-01-01T00:00:00Z" });
    const lines: Record<string, string> = {
      env: "unset AWS_SESSION_EXPIRATION",
      fish: "set -e AWS_SESSION_EXPIRATION",
      powershell: "Remove-Item Env:AWS_SESSION_EXPIRATION -ErrorAction SilentlyContinue",
    };
    for (const [format, line] of Object.entries(lines)) {
      const r = await runCli(["export", "p", "--format", format], env);
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n")).toContain(line);
    }
  });

  it("exec's child sees neither a stale AWS_SESSION_EXPIRATION nor AWS_CREDENTIAL_FILE", async () => {
    const h = world.home({ config: "", credentials: keys("Secret", "Token") });
    const env = baseEnv(h, undefined, {
      AWS_SESSION_EXPIRATION: "2020-01-01T00:00:00Z",
      AWS_CREDENTIAL_FILE: "/elsewhere/creds",
    });
    const r = await spawnCli(
      [
        "exec",
        "p",
        "--",
        "sh",
        "-c",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
        'echo "${AWS_SESSION_EXPIRATION-none}|${AWS_CREDENTIAL_FILE-none}|$AWS_ACCESS_KEY_ID"',
      ],
      env,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("none|none|AKIAEXPORT0000000001\n");
  });
});

describe("local crashes", () => {
  it("stdout on /dev/full: export (warm path and full CLI) is one clean error, exit 1", async () => {
    const h = world.home({
      config: "",
      credentials: "[p]\naws_access_key_id = AKIAFULL000000000001\naws_secret_access_key = Secret\n",
    });
    for (const args of [
      ["export", "p"],
      ["export", "p", "--format", "json"],
      ["export", "p", "--no-cache"],
    ]) {
      const full = openSync("/dev/full", "w");
      try {
        const child = spawn(process.execPath, [BIN, ...args], { env: baseEnv(h), stdio: ["ignore", full, "pipe"] });
        let stderr = "";
        child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
        const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
        expect(code).toBe(1);
        expect(stderr).toBe(
          "awsrole: Could not write to standard output (ENOSPC).\nhint: Check where " +
            "stdout goes: a full disk or device (ENOSPC), or a file that cannot be written.\n",
        );
      } finally {
        closeSync(full);
      }
    }
  });

  function deepChain(depth: number): string {
    const lines = ["[profile p0]", "aws_access_key_id = AKIADEEP000000000001", "aws_secret_access_key = Secret", ""];
    for (let i = 1; i <= depth; i++)
      lines.push(
        `[profile p${i}]`,
        `role_arn = arn:aws:iam::123456789012:role/r${i}`,
        `source_profile = p${i - 1}`,
        "",
      );
    return lines.join("\n");
  }

  it("a 5,000-deep source_profile chain plans without overflowing the stack", async () => {
    const h = world.home({ config: deepChain(5000), credentials: "" });
    const chain = await runCli(["chain", "p5000", "--output", "json"], baseEnv(h));
    expect(chain.code).toBe(0);
    const plan = JSON.parse(chain.stdout) as { hops: Array<{ profile: string }> };
    expect(plan.hops).toHaveLength(5000);
    expect(plan.hops[0]!.profile).toBe("p1");
    // Resolving it: the first hop fails against a closed port, cleanly.
    const r = await runCli(
      ["export", "p5000"],
      baseEnv(h, undefined, {
        AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
        AWS_REGION: "us-east-1",
        AWS_MAX_ATTEMPTS: "1",
      }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("Hop 1 of 5000 (profile p1)");
    expect(r.stderr).not.toMatch(STACK_LINE);
  }, 60_000);

  it("doctor on a 4,000-deep chain finishes (it took most of a minute when each profile re-walked its chain)", async () => {
    // Not a speed test (npm run bench is): the limit is far above a linear
    // doctor's time and far below the super-quadratic one's.
    const h = world.home({ config: deepChain(4000), credentials: "" });
    const r = await runCli(["doctor", "--output", "json"], baseEnv(h), { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).profiles).toHaveLength(4001);
  }, 60_000);

  it("doctor still reports a problem deep in a chain once, at the profile that has it, and a cycle for every profile leading into it", async () => {
    const config =
      deepChain(50).replace("source_profile = p9\n", "source_profile = p-missing\n") +
      ("[profile c1]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile " +
        "= c2\n\n[profile c2]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile " +
        "= c1\n\n[profile c0]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = c1\n");
    const h = world.home({ config, credentials: "" });
    const r = await runCli(["doctor", "--output", "json"], baseEnv(h));
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).findings as Array<{ code: string; profile: string }>;
    expect(findings.filter((f) => f.code === "missing-source").map((f) => f.profile)).toEqual(["p10"]);
    expect(
      findings
        .filter((f) => f.code === "cycle")
        .map((f) => f.profile)
        .sort(),
    ).toEqual(["c0", "c1", "c2"]);
  });
});

describe("planted cache entries are a miss, with a warning", () => {
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
  const planted = (expiration: Date) =>
    JSON.stringify({
      Credentials: {
        AccessKeyId: "ASIAPLANTED000000001",
        SecretAccessKey: "plantedSecret",
        SessionToken: "plantedToken",
        Expiration: iso(expiration),
      },
      AssumedRoleUser: { AssumedRoleId: "AROA:x", Arn: "arn:aws:sts::222222222222:assumed-role/RoleA/x" },
    });
  const inAnHour = () => new Date(Date.now() + 3600_000);

  async function plant(prepare: (file: string, dir: string) => void, expiration = inAnHour()) {
    const h = world.home();
    const env = baseEnv(h, world.sts);
    const [file] = await hopCacheFiles("role-a", env, runCli);
    mkdirSync(h.cacheDir, { recursive: true, mode: 0o700 });
    writeFileSync(file!, planted(expiration), { mode: 0o600 });
    prepare(file!, h.cacheDir);
    const r = await runCli(["export", "role-a", "--token-code", "123456"], env);
    return { r, file: file! };
  }

  it("a genuine-looking 0600 entry of this user is used (the control case)", async () => {
    const { r } = await plant(() => {});
    expect(r.code).toBe(0);
    expect(parseEnvExport(r.stdout).AWS_ACCESS_KEY_ID).toBe("ASIAPLANTED000000001");
    expect(callsOf(world.sts)).toEqual([]);
  });

  const cases: Array<[string, (file: string, dir: string) => void, RegExp, Date?]> = [
    ["a world-writable entry", (file) => chmodSync(file, 0o666), /it is writable by every user/],
    [
      "an entry in a world-writable cache directory",
      (_file, dir) => chmodSync(dir, 0o777),
      /the directory .* is writable by every user/,
    ],
    [
      "an entry whose Expiration is 30 days away (STS grants at most 36 hours)",
      () => {},
      /more than 36 hours away/,
      new Date(Date.now() + 30 * 86400_000),
    ],
  ];
  if (process.geteuid?.() === 0)
    cases.push([
      "an entry owned by another user",
      (file) => chownSync(file, 4321, 4321),
      /belongs to another user \(uid 4321\)/,
    ]);

  it.each(cases)(
    "%s: STS is called, the entry replaced, and stderr says why",
    async (_name, prepare, warning, expiration) => {
      const { r, file } = await plant(prepare, expiration);
      expect(r.code).toBe(0);
      expect(parseEnvExport(r.stdout).AWS_ACCESS_KEY_ID).not.toBe("ASIAPLANTED000000001");
      expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA"]);
      expect(r.stderr).toMatch(/Not using the cached credentials /);
      expect(r.stderr).toMatch(warning);
      expect(r.stderr).not.toContain("plantedSecret");
      expect(readFileSync(file, "utf8")).not.toContain("ASIAPLANTED");
    },
  );
});
