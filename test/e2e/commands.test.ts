// assume, cache clear/list, chain --resolve, and the MFA prompt on a real
// pseudo-terminal, end to end against the loopback STS.

import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, baseEnv, callsOf, parseEnvExport, seedWorld } from "./harness.js";
// The CLI runs in-process (test/in-process.ts); the shell, pty and pipe cases spawn bin/awsrole.cjs.
import { runCli } from "../in-process.js";

// Never execFileSync here: the emulator runs in this process.
const run = promisify(execFile);
const world = seedWorld();
const home = world.home;

describe("assume", () => {
  it("a profile: the aws world.sts assume-role shape, with the AssumedRoleId, fresh and from the cache", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const fresh = JSON.parse((await runCli(["assume", "role-b", "--token-code", "123456"], env)).stdout);
    expect(Object.keys(fresh)).toEqual(["Credentials", "AssumedRoleUser"]);
    expect(Object.keys(fresh.Credentials)).toEqual(["AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]);
    expect(fresh.AssumedRoleUser.AssumedRoleId).toMatch(/^AROA[A-Z0-9]+:botocore-session-\d+$/);
    expect(fresh.AssumedRoleUser.Arn).toMatch(/assumed-role\/RoleB\//);
    world.sts.reset();
    const cached = JSON.parse((await runCli(["assume", "role-b"], env)).stdout);
    expect(callsOf(world.sts)).toEqual([]);
    expect(cached).toEqual(fresh);
  });

  it("ad hoc, as in the seed's manual flow: --role-arn with --profile's keys, MFA, duration, session name; nothing cached", async () => {
    const h = home();
    const result = await runCli(
      [
        "assume",
        "--profile",
        "no_skill",
        "--role-arn",
        "arn:aws:iam::333333333333:role/s3_role_mfa",
        "--role-session-name",
        "s3_role",
        "--duration-seconds",
        "3600",
        "--serial-number",
        "arn:aws:iam::333333333333:mfa/no_skill",
        "--token-code",
        "508114",
      ],
      baseEnv(h, world.sts),
    );
    expect(result.stderr).toBe("");
    expect(callsOf(world.sts)).toEqual(["AssumeRole s3_role_mfa"]);
    expect(world.sts.calls[0]!.params).toMatchObject({
      RoleSessionName: "s3_role",
      DurationSeconds: "3600",
      SerialNumber: "arn:aws:iam::333333333333:mfa/no_skill",
      TokenCode: "508114",
    });
    expect(JSON.parse(result.stdout).AssumedRoleUser.Arn).toBe(
      "arn:aws:sts::333333333333:assumed-role/s3_role_mfa/s3_role",
    );
    expect(h.cacheFiles()).toEqual([]);
  });

  it.each([
    [["--role-arn", "arn:aws:iam::1:role/x"], /not an IAM role ARN/],
    [
      ["--role-arn", "arn:aws:iam::333333333333:role/s3_role", "--role-session-name", "has space"],
      /--role-session-name "has space" is not valid/,
    ],
    [["--role-arn", "arn:aws:iam::333333333333:role/s3_role", "--duration-seconds", "100"], /--duration-seconds 100/],
    [
      [
        "--role-arn",
        "arn:aws:iam::333333333333:role/s3_role",
        "--serial-number",
        "arn:aws:iam::333333333333:mfa/no_skill",
      ],
      /--serial-number and --token-code go together/,
    ],
    [["--role-session-name", "x1"], /--role-session-name goes with --role-arn/],
  ])("usage errors before any call: %j", async (args, message) => {
    const result = await runCli(["assume", "--profile", "no_skill", ...args], baseEnv(home(), world.sts));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("--write-profile keeps every other line, writes a 0600 backup first, and replaces atomically", async () => {
    const credentials =
      "# my keys\n[no_skill]\naws_access_key_id = AKIANOSKILL000000001\naws_secret_access_key " +
      "= NoSkillSecretKey000000000000000000000001\n\n[dev.admin]\nregion = eu-west-1 # keep me\n";
    const h = home({ config: "", credentials });
    const env = baseEnv(h, world.sts);
    const args = [
      "assume",
      "--profile",
      "no_skill",
      "--role-arn",
      "arn:aws:iam::333333333333:role/s3_role",
      "--role-session-name",
      "s3_role",
    ];
    const first = await runCli([...args, "--write-profile", "s3_test"], env);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      /wrote profile \[s3_test\] to .*credentials \(backup: .*credentials\.awsrole-backup-\d{8}T\d{6}Z\)/,
    );
    const path = join(h.awsDir, "credentials");
    const written = readFileSync(path, "utf8");
    expect(written.startsWith(credentials)).toBe(true);
    const keys = JSON.parse(first.stdout).Credentials;
    expect(written).toContain(`[s3_test]\n`);
    expect(written).toContain(
      `aws_access_key_id = ${keys.AccessKeyId}\naws_secret_access_key = ${keys.SecretAccessKey}\naws_session_token = ${keys.SessionToken}\n`,
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const backups = readdirSync(h.awsDir).filter((f) => f.startsWith("credentials.awsrole-backup-"));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(h.awsDir, backups[0]!), "utf8")).toBe(credentials);
    expect(statSync(join(h.awsDir, backups[0]!)).mode & 0o777).toBe(0o600);
    // The written profile works, with the AWS CLI's resolution of session keys.
    const who = await runCli(["whoami", "s3_test", "--output", "json"], env);
    expect(JSON.parse(who.stdout).Arn).toBe("arn:aws:sts::333333333333:assumed-role/s3_role/s3_role");
    // Writing again replaces only that section's keys.
    await new Promise((r) => setTimeout(r, 1100));
    const second = await runCli([...args, "--write-profile", "s3_test"], env);
    expect(second.code).toBe(0);
    const again = readFileSync(path, "utf8");
    expect(again.match(/\[s3_test\]/g)).toHaveLength(1);
    expect(again).toContain(JSON.parse(second.stdout).Credentials.AccessKeyId);
    expect(again).not.toContain(keys.AccessKeyId);
  });

  it("--write-profile twice within a second keeps both backups, the first being the original file", async () => {
    const credentials =
      "[no_skill]\naws_access_key_id = AKIANOSKILL000000001\naws_secret_access_key = NoSkillSecretKey000000000000000000000001\n";
    const h = home({ config: "", credentials });
    const env = baseEnv(h, world.sts);
    const args = [
      "assume",
      "--profile",
      "no_skill",
      "--role-arn",
      "arn:aws:iam::333333333333:role/s3_role",
      "--write-profile",
      "tmp",
    ];
    // Two quick writes (each well under a second): the backup names' timestamps mostly collide.
    const first = await runCli(args, env);
    const second = await runCli(args, env);
    expect([first.code, second.code]).toEqual([0, 0]);
    const backups = readdirSync(h.awsDir)
      .filter((f) => f.startsWith("credentials.awsrole-backup-"))
      .sort();
    expect(backups).toHaveLength(2);
    expect(backups.map((b) => readFileSync(join(h.awsDir, b), "utf8"))).toContain(credentials);
  });

  it("--write-profile never overwrites long-term keys", async () => {
    const h = home();
    const before = readFileSync(join(h.awsDir, "credentials"), "utf8");
    const result = await runCli(
      [
        "assume",
        "--profile",
        "no_skill",
        "--role-arn",
        "arn:aws:iam::333333333333:role/s3_role",
        "--write-profile",
        "user1",
      ],
      baseEnv(h, world.sts),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("Profile [user1] in");
    expect(result.stderr).toContain("holds long-term access keys; awsrole will not overwrite them.");
    expect(readFileSync(join(h.awsDir, "credentials"), "utf8")).toBe(before);
  });
});

describe("cache clear and cache list", () => {
  it("lists entries with their profiles, clears one profile's hops, then all", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-c", "--token-code", "123456"], env);
    await runCli(["export", "s3-developer"], env);
    const list = JSON.parse((await runCli(["cache", "list", "--output", "json"], env)).stdout) as Array<{
      profiles: string[];
      usable: boolean;
      arn: string;
    }>;
    expect(list).toHaveLength(4);
    expect(list.every((e) => e.usable)).toBe(true);
    expect(list.flatMap((e) => e.profiles).sort()).toEqual(["role-a", "role-b", "role-c", "s3-developer"]);
    const one = await runCli(["cache", "clear", "role-b"], env);
    expect(one.stdout).toMatch(/^Removed 1 cached credential of profile role-b from /);
    expect(h.cacheFiles()).toHaveLength(3);
    const all = await runCli(["cache", "clear"], env);
    expect(all.stdout).toMatch(/^Removed 3 cached credentials from /);
    expect(h.cacheFiles()).toEqual([]);
  });
});

describe("chain --resolve", () => {
  it("shows which hops came from the cache, which were assumed, and which were not needed", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-b", "--token-code", "123456"], env);
    const view = JSON.parse((await runCli(["chain", "role-c", "--resolve", "--output", "json"], env)).stdout) as {
      hops: Array<{ outcome: string; identity: string | null; missReason: string | null }>;
    };
    expect(view.hops.map((hop) => hop.outcome)).toEqual(["not-needed", "cache-hit", "assumed"]);
    expect(view.hops[2]!.missReason).toBe("absent");
    expect(view.hops[2]!.identity).toMatch(/assumed-role\/RoleC\//);
  });
});

describe("output into a pipe that closes early", () => {
  it.each([["--help"], ["export", "--help"], ["chain", "role-e"]])(
    "awsrole %s | head -1: no EPIPE crash, no stack trace",
    async (...args) => {
      const h = home();
      const { stdout, stderr } = await run(
        "bash",
        ["-c", `"${process.execPath}" "${BIN}" ${args.join(" ")} | head -1; exit "\${PIPESTATUS[0]}"`],
        { env: baseEnv(h, world.sts), encoding: "utf8" },
      );
      expect(stdout.split("\n").filter(Boolean)).toHaveLength(1);
      expect(stderr).toBe("");
    },
  );
});

describe("the MFA prompt on a terminal", () => {
  const pty = join(ROOT, "test", "interop", "pty_mfa.py");
  // Under a pseudo-terminal via Python's pty module (test/interop/pty_mfa.py).
  const hasPython =
    existsSync(pty) && (process.env.PATH ?? "").split(":").some((dir) => existsSync(join(dir, "python3")));

  it.skipIf(!hasPython)(
    'inside eval "$(awsrole export role-b)": asked on the terminal, stdout stays export lines only',
    async () => {
      const h = home();
      const env = baseEnv(h, world.sts);
      const script = `eval "$("${process.execPath}" "${BIN}" export role-b)" && echo "KEY=$AWS_ACCESS_KEY_ID"`;
      const { stdout } = await run("python3", [pty, "654321", "20", "bash", "-c", script], {
        env,
        encoding: "utf8",
      }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
      expect(stdout).toContain("Enter MFA code for arn:aws:iam::111111111111:mfa/User1:");
      expect(stdout).toMatch(/KEY=ASIA[A-Z0-9]{16}/);
      expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA", "AssumeRole RoleB"]);
      expect(world.sts.calls[0]!.params.TokenCode).toBe("654321");
      const exported = parseEnvExport((await runCli(["export", "role-b"], env)).stdout);
      expect(stdout).toContain(`KEY=${exported.AWS_ACCESS_KEY_ID}`);
    },
  );

  it.skipIf(!hasPython)("a code that is not six digits is asked for again, before any STS call", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    // The prompt keeps asking; the driver gives up (and kills it) after 4 s.
    const { stdout } = await run("python3", [pty, "12ab", "4", process.execPath, BIN, "export", "role-a"], {
      env,
      encoding: "utf8",
    }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    expect(stdout).toContain("An MFA code is 6 digits.");
    expect(callsOf(world.sts)).toEqual([]);
  });
});
