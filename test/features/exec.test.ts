// `awsrole exec` end to end: the built CLI runs a child with the profile's
// credentials, against the loopback STS.

import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { BIN, baseEnv, callsOf, runCli, seedWorld } from "../e2e/harness.js";

const world = seedWorld();
const home = world.home;

const NODE = process.execPath;
const PRINT_ENV = `process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AWS") ))))`;

describe("awsrole exec", () => {
  it("the child runs as RoleB: exec role-b -- awsrole whoami --output json", async () => {
    const h = home();
    const result = await runCli(
      ["exec", "role-b", "--token-code", "123456", "--", NODE, BIN, "whoami", "--output", "json"],
      baseEnv(h, world.sts),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).Arn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/RoleB\//);
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA", "AssumeRole RoleB", "GetCallerIdentity"]);
  });

  it("passes the child's exit code through", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-b", "--token-code", "123456"], env); // fill the cache
    const result = await runCli(["exec", "role-b", "--", "sh", "-c", "exit 7"], env);
    expect(result.code).toBe(7);
    expect(result.stdout).toBe("");
  });

  it("a child killed by a signal gives 128 + the signal number", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-b", "--token-code", "123456"], env);
    const result = await runCli(["exec", "role-b", "--", "sh", "-c", "kill -TERM $$"], env);
    expect(result.code).toBe(128 + 15);
  });

  it("environment hygiene: credentials, region and marker in; profile selectors, stale tokens and web identity out", async () => {
    const h = home();
    const env = baseEnv(h, world.sts, {
      AWS_PROFILE: "role-e",
      AWS_DEFAULT_PROFILE: "role-d",
      AWS_SECURITY_TOKEN: "stale-legacy",
      AWS_SESSION_TOKEN: "stale",
      AWS_ROLE_ARN: "arn:aws:iam::999999999999:role/Web",
      AWS_WEB_IDENTITY_TOKEN_FILE: "/nonexistent/token",
      AWS_ROLE_SESSION_NAME: "web",
      UNRELATED: "kept",
    });
    const result = await runCli(["exec", "role-b", "--token-code", "654321", "--", NODE, "-e", PRINT_ENV], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const child = JSON.parse(result.stdout) as Record<string, string>;
    expect(Object.keys(child).sort()).toEqual([
      "AWSROLE_EXPIRATION",
      "AWSROLE_PROFILE",
      "AWS_ACCESS_KEY_ID",
      "AWS_CREDENTIAL_EXPIRATION",
      "AWS_DEFAULT_REGION",
      "AWS_EC2_METADATA_DISABLED", // the caller's own setting (the harness sets it), passed through
      "AWS_ENDPOINT_URL_STS",
      "AWS_REGION",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
    ]);
    expect(child.AWSROLE_PROFILE).toBe("role-b");
    expect(child.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(child.AWS_SESSION_TOKEN).not.toBe("stale");
    expect(child.AWS_REGION).toBe("ap-northeast-1");
    expect(child.AWS_DEFAULT_REGION).toBe("ap-northeast-1");
    expect(child.AWS_CREDENTIAL_EXPIRATION).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(child.AWSROLE_EXPIRATION).toBe(child.AWS_CREDENTIAL_EXPIRATION);
  });

  it("the region comes from --region, else the profile", async () => {
    const h = home();
    const result = await runCli(
      ["exec", "user1", "--region", "eu-west-1", "--", NODE, "-e", PRINT_ENV],
      baseEnv(h, world.sts),
    );
    const child = JSON.parse(result.stdout) as Record<string, string>;
    expect([child.AWS_REGION, child.AWS_DEFAULT_REGION]).toEqual(["eu-west-1", "eu-west-1"]);
    // Long-term keys: no token, no expiry in the child.
    expect(child.AWS_SESSION_TOKEN).toBeUndefined();
    expect(child.AWS_CREDENTIAL_EXPIRATION).toBeUndefined();
  });

  it("refuses to nest unless --nest", async () => {
    const h = home();
    const env = baseEnv(h, world.sts, { AWSROLE_PROFILE: "role-a" });
    const refused = await runCli(["exec", "user1", "--", "true"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("AWSROLE_PROFILE=role-a");
    expect(refused.stderr).toContain("--nest");
    expect(callsOf(world.sts)).toEqual([]);
    const nested = await runCli(["exec", "user1", "--nest", "--", NODE, "-e", PRINT_ENV], env);
    expect(nested.code).toBe(0);
    expect(JSON.parse(nested.stdout).AWSROLE_PROFILE).toBe("user1");
  });

  it("keeps argv exact: spaces, quotes, globs, empty strings and dashes reach the child unchanged", async () => {
    const h = home();
    const args = ["two words", `it's "quoted"`, "*", "", "$HOME", "--profile", "-x", "a\\b"];
    const result = await runCli(
      ["exec", "user1", "--", NODE, "-e", "process.stdout.write(JSON.stringify(process.argv.slice(1)))", ...args],
      baseEnv(h, world.sts),
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual(args);
  });

  it("the profile may come from --profile, with the command right after --", async () => {
    const h = home();
    const result = await runCli(["exec", "--profile", "user1", "--", NODE, "-e", PRINT_ENV], baseEnv(h, world.sts));
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).AWSROLE_PROFILE).toBe("user1");
  });

  it("a missing command is exit 127 with a message; no command opens $SHELL (else /bin/sh)", async () => {
    const h = home();
    const missing = await runCli(["exec", "user1", "--", "no-such-command-awsrole"], baseEnv(h, world.sts));
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain("Command not found: no-such-command-awsrole");
    const none = await runCli(["exec", "user1"], baseEnv(h, world.sts), { input: "exit 5\n" });
    expect(none.code).toBe(5);
    expect(none.stderr).toContain("awsrole: starting /bin/sh as user1");
  });

  it.each([
    [
      "a directory",
      126,
      () => tmpdir(),
      /^awsrole: Cannot execute \S+ \(permission denied\)\.\nhint: Check that it names a program/,
    ],
    // spawn throws this one instead of emitting it: it was reported as "unexpected error".
    [
      "a name too long for the system",
      1,
      () => "a".repeat(5000),
      /^awsrole: Could not run a{200}\.\.\. \(ENAMETOOLONG\)\.\nhint: Check the command/,
    ],
  ])(
    "a command that cannot start (%s): exit %i, one line naming it and a hint",
    async (_name, code, command, message) => {
      const h = home();
      const result = await runCli(["exec", "user1", "--", command()], baseEnv(h, world.sts));
      expect(result.code).toBe(code);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain("unexpected error");
    },
  );

  it("forwards SIGTERM to the child and returns its exit code", async () => {
    const h = home();
    const script =
      `process.on("SIGTERM", () => { process.stdout.write("child got SIGTERM"); ` +
      `process.exit(3); }); process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`;
    const child = spawn(NODE, [BIN, "exec", "user1", "--", NODE, "-e", script], {
      env: baseEnv(h, world.sts),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      if (c.includes("ready")) child.kill("SIGTERM");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(stdout).toContain("child got SIGTERM");
    expect(code).toBe(3);
  });

  it("--help shows examples", async () => {
    const result = await runCli(["exec", "--help"], { PATH: process.env.PATH ?? "" });
    expect(result.stdout).toContain("awsrole exec role-b -- aws s3 ls");
  });
});
