// The resolver end to end: the built CLI against the loopback STS, asserting
// the exact STS calls, the cache files, stdout (data only) and stderr.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { baseEnv, callsOf, parseEnvExport, seedWorld, BIN, type Home } from "./harness.js";
// The CLI runs in-process (test/in-process.ts); the shell, pty and pipe cases spawn bin/awsrole.cjs.
import { runCli } from "../in-process.js";

// Never execFileSync here: the emulator runs in this process and would be blocked.
const run = promisify(execFile);
const world = seedWorld();
const home = world.home;

const FIVE_HOPS = ["AssumeRole RoleA", "AssumeRole RoleB", "AssumeRole RoleC", "AssumeRole RoleD", "AssumeRole RoleE"];

describe("seed flows", () => {
  it("user1 -> s3-developer: one AssumeRole with user1's keys, then GetCallerIdentity shows the role", async () => {
    const h = home();
    const result = await runCli(["whoami", "--profile", "s3-developer", "--output", "json"], baseEnv(h, world.sts));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["AssumeRole s3-developer", "GetCallerIdentity"]);
    expect(world.sts.calls[0]!.callerArn).toBe("arn:aws:iam::123456789012:user/user1");
    const identity = JSON.parse(result.stdout);
    expect(Object.keys(identity)).toEqual(["UserId", "Account", "Arn"]);
    expect(identity.Arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/s3-developer\/botocore-session-\d+$/);
  });

  it("role-e: five AssumeRole calls innermost first, MFA on the first, each from the previous role; then none", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const first = await runCli(["export", "role-e", "--token-code", "123456"], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(FIVE_HOPS);
    expect(world.sts.calls.map((c) => c.params.SerialNumber ?? null)).toEqual([
      "arn:aws:iam::111111111111:mfa/User1",
      null,
      null,
      null,
      null,
    ]);
    expect(world.sts.calls.map((c) => c.params.TokenCode ?? null)).toEqual(["123456", null, null, null, null]);
    expect(world.sts.calls.map((c) => c.callerArn!.replace(/\/botocore-session-\d+$/, ""))).toEqual([
      "arn:aws:iam::111111111111:user/User1",
      "arn:aws:sts::222222222222:assumed-role/RoleA",
      "arn:aws:sts::222222222222:assumed-role/RoleB",
      "arn:aws:sts::222222222222:assumed-role/RoleC",
      "arn:aws:sts::222222222222:assumed-role/RoleD",
    ]);
    // One session name for every hop of a run, as botocore generates it.
    expect(new Set(world.sts.calls.map((c) => c.params.RoleSessionName)).size).toBe(1);
    expect(h.cacheFiles()).toHaveLength(5);
    for (const file of h.cacheFiles()) expect(statSync(join(h.cacheDir, file)).mode & 0o777).toBe(0o600);
    expect(statSync(h.cacheDir).mode & 0o777).toBe(0o700);

    world.sts.reset();
    const second = await runCli(["export", "role-e"], env);
    expect(second.code).toBe(0);
    expect(callsOf(world.sts)).toEqual([]);
    expect(parseEnvExport(second.stdout).AWS_ACCESS_KEY_ID).toBe(parseEnvExport(first.stdout).AWS_ACCESS_KEY_ID);
  });

  it('eval "$(awsrole export role-b)" in bash gives a shell whose identity is RoleB', async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const script = `eval "$("${process.execPath}" "${BIN}" export role-b --token-code 654321)" && "${process.execPath}" "${BIN}" whoami --output json`;
    const { stdout: out } = await run("bash", ["-c", script], { env, encoding: "utf8" });
    expect(JSON.parse(out).Arn).toMatch(/assumed-role\/RoleB\//);
    // The inner whoami used the exported keys: no profile, no further AssumeRole.
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA", "AssumeRole RoleB", "GetCallerIdentity"]);
  });

  it("an expired outer entry with a valid inner entry re-assumes only the outer hop", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-b", "--token-code", "123456"], env);
    const outer = JSON.parse(
      (await run(process.execPath, [BIN, "chain", "role-b", "--output", "json"], { env, encoding: "utf8" })).stdout,
    ).hops[1].cacheFile as string;
    const entry = JSON.parse(readFileSync(outer, "utf8"));
    entry.Credentials.Expiration = "2020-01-01T00:00:00Z";
    writeFileSync(outer, JSON.stringify(entry));
    world.sts.reset();
    const result = await runCli(["export", "role-b"], env);
    expect(result.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleB"]);
  });
});

describe("export formats", () => {
  let h: Home;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = home();
    env = baseEnv(h, world.sts);
    await runCli(["export", "s3-developer"], env);
  });

  it.each([
    [
      "env",
      new RegExp(
        String.raw`^export AWS_ACCESS_KEY_ID='ASIA[A-Z0-9]{16}'\nexport AWS_SECRET_ACCESS_KEY='[^']+'\n` +
          String.raw`export AWS_SESSION_TOKEN='[^']+'\nexport AWS_CREDENTIAL_EXPIRATION='\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ'\n$`,
      ),
    ],
    [
      "env-no-export",
      /^AWS_ACCESS_KEY_ID='ASIA[A-Z0-9]{16}'\nAWS_SECRET_ACCESS_KEY='[^']+'\nAWS_SESSION_TOKEN='[^']+'\nAWS_CREDENTIAL_EXPIRATION='[^']+'\n$/,
    ],
    [
      "fish",
      new RegExp(
        String.raw`^set -gx AWS_ACCESS_KEY_ID 'ASIA[A-Z0-9]{16}'\nset -gx AWS_SECRET_ACCESS_KEY '[^']+'\n` +
          String.raw`set -gx AWS_SESSION_TOKEN '[^']+'\nset -gx AWS_CREDENTIAL_EXPIRATION '[^']+'\n$`,
      ),
    ],
    [
      "powershell",
      new RegExp(
        String.raw`^\$Env:AWS_ACCESS_KEY_ID = 'ASIA[A-Z0-9]{16}'\n\$Env:AWS_SECRET_ACCESS_KEY = '[^']+'\n` +
          String.raw`\$Env:AWS_SESSION_TOKEN = '[^']+'\n\$Env:AWS_CREDENTIAL_EXPIRATION = '[^']+'\n$`,
      ),
    ],
  ])("%s", async (format, pattern) => {
    const result = await runCli(["export", "s3-developer", "--format", format], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(pattern);
  });

  it("process: the credential_process schema, Version 1, usable by the AWS CLI", async () => {
    const result = await runCli(["export", "s3-developer", "--format", "process"], env);
    const body = JSON.parse(result.stdout);
    expect(Object.keys(body)).toEqual(["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]);
    expect(body.Version).toBe(1);
    expect(result.stdout).toMatch(/^\{\n {2}"Version": 1,/);
  });

  it("json: keys, expiry and identity", async () => {
    const body = JSON.parse((await runCli(["export", "s3-developer", "--format", "json"], env)).stdout);
    expect(body).toMatchObject({ AccountId: "123456789012", Profile: "s3-developer" });
    expect(body.Arn).toMatch(/assumed-role\/s3-developer\//);
  });

  it("clears AWS_PROFILE and a stale session token that would contradict the exported keys", async () => {
    const withProfile = await runCli(["export", "s3-developer"], { ...env, AWS_PROFILE: "role-a" });
    expect(withProfile.stdout.split("\n")[0]).toBe("unset AWS_PROFILE");
    const stale = await runCli(["export", "user1"], { ...env, AWS_SESSION_TOKEN: "old" });
    expect(stale.stdout).toContain("unset AWS_SESSION_TOKEN\n");
    expect(stale.stdout).not.toContain("export AWS_SESSION_TOKEN");
  });

  it("exports the profile's region when it has one", async () => {
    const result = await runCli(["export", "user1"], baseEnv(h, world.sts, { AWS_REGION: undefined }));
    expect(result.stdout).toContain("export AWS_REGION='ap-northeast-1'\nexport AWS_DEFAULT_REGION='ap-northeast-1'\n");
  });
});

describe("MFA", () => {
  it("with no terminal and no code: one sentence that says how to pass one, nothing on stdout, no STS call", async () => {
    const h = home();
    const result = await runCli(["export", "role-a"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      'Profile "role-a" needs a code from MFA device arn:aws:iam::111111111111:mfa/User1',
    );
    expect(result.stderr).toContain("--token-code");
    expect(callsOf(world.sts)).toEqual([]);
  });

  it.each([["12345"], ["1234567"], ["abcdef"]])(
    "rejects --token-code %s before calling STS (usage, exit 2)",
    async (code) => {
      const h = home();
      const result = await runCli(["export", "role-a", "--token-code", code], baseEnv(h, world.sts));
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain("6 digits");
      expect(callsOf(world.sts)).toEqual([]);
    },
  );
});

describe("STS errors name the hop, the role, the principal and the likely cause", () => {
  const keys = readFileSync(join(__dirname, "../fixtures/seeds/credentials"), "utf8");
  const cases: Array<[string, string, string, string[], RegExp, RegExp]> = [
    [
      "untrusted principal",
      "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/RoleA\nmfa_serial " +
        "= arn:aws:iam::111111111111:mfa/User1\nsource_profile = default\n[profile " +
        "c]\nrole_arn = arn:aws:iam::222222222222:role/RoleC\nsource_profile = a\n",
      "c",
      ["AssumeRole RoleA", "AssumeRole RoleC -> AccessDenied"],
      new RegExp(
        String.raw`Hop 2 of 2 \(profile c\): STS refused AssumeRole of arn:aws:iam::222222222222:role/RoleC ` +
          String.raw`for arn:aws:sts::222222222222:assumed-role/RoleA/botocore-session-\d+: AccessDenied`,
      ),
      /trust policy/,
    ],
    [
      "MFA required but no mfa_serial",
      "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/RoleA\nsource_profile = default\n",
      "a",
      ["AssumeRole RoleA -> AccessDenied"],
      /Hop 1 of 1 \(profile a\): STS refused AssumeRole of arn:aws:iam::222222222222:role\/RoleA for the keys of profile "default": AccessDenied/,
      /add mfa_serial/,
    ],
    [
      "missing external id",
      "[profile x]\nrole_arn = arn:aws:iam::444444444444:role/ExternalRole\nsource_profile = user1\n",
      "x",
      ["AssumeRole ExternalRole -> AccessDenied"],
      /profile x.*ExternalRole.*AccessDenied/,
      /external_id/,
    ],
    [
      "7200 seconds on a chained role",
      "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/RoleA\nmfa_serial " +
        "= arn:aws:iam::111111111111:mfa/User1\nsource_profile = default\n[profile " +
        "b]\nrole_arn = arn:aws:iam::222222222222:role/RoleB\nsource_profile = a\nduration_seconds = 7200\n",
      "b",
      ["AssumeRole RoleA", "AssumeRole RoleB -> ValidationError"],
      /Hop 2 of 2 \(profile b\).*ValidationError.*1 hour session limit/,
      /role chaining.*3600 or less in \[profile b\]/,
    ],
    [
      "duration above the role's maximum",
      "[profile s]\nrole_arn = arn:aws:iam::333333333333:role/s3_role\nsource_profile = no_skill\nduration_seconds = 7200\n",
      "s",
      ["AssumeRole s3_role -> ValidationError"],
      /MaxSessionDuration/,
      /Lower duration_seconds in \[profile s\]/,
    ],
  ];
  it.each(cases)("%s", async (_name, config, profile, calls, message, hint) => {
    const h = home({ config, credentials: keys });
    const result = await runCli(["export", profile, "--token-code", "123456"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(callsOf(world.sts)).toEqual(calls);
    const [first, second] = result.stderr.trimEnd().split("\n");
    expect(first).toMatch(message);
    expect(second).toMatch(/^hint: /);
    expect(second).toMatch(hint);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(result.stderr).not.toContain("SecretKey");
  });

  it.each([["wrong MFA code", "role-a", "999999", /invalid MFA one time pass code/, /wrong or already used/]])(
    "%s",
    async (_name, profile, code, message, hint) => {
      const h = home();
      const result = await runCli(["export", profile, "--token-code", code], baseEnv(h, world.sts));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(hint);
      expect(h.cacheFiles()).toEqual([]);
    },
  );

  it.each([
    [
      "an unknown access key",
      "AKIAUNKNOWN000000001",
      "User1ChainSecretKey00000000000000000001",
      "InvalidClientTokenId",
      /does not know the access key/,
    ],
    [
      "a wrong secret",
      "AKIAUSER1CHAIN000001",
      "wrongwrongwrongwrongwrongwrongwrongwrong",
      "SignatureDoesNotMatch",
      /secret key used by the keys of profile "default" does not match/,
    ],
  ])("%s", async (_name, keyId, secret, code, hint) => {
    const h = home({
      config:
        "[profile a]\nrole_arn = arn:aws:iam::222222222222:role/RoleA\nmfa_serial = arn:aws:iam::111111111111:mfa/User1\nsource_profile = default\n",
      credentials: `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`,
    });
    const result = await runCli(["export", "a", "--token-code", "123456"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(code);
    expect(result.stderr).toMatch(hint);
    expect(result.stderr).not.toContain(secret);
  });

  it("expired session keys as a source: ExpiredToken, with the next step", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const exported = parseEnvExport((await runCli(["export", "s3-developer"], env)).stdout);
    const h2 = home({
      config: "[profile next]\nrole_arn = arn:aws:iam::444444444444:role/EnvSourceRole\nsource_profile = session\n",
      credentials:
        `[session]\naws_access_key_id = ${exported.AWS_ACCESS_KEY_ID}\naws_secret_access_key ` +
        `= ${exported.AWS_SECRET_ACCESS_KEY}\naws_session_token = ${exported.AWS_SESSION_TOKEN}\n`,
    });
    world.sts.advanceClock(2 * 3600);
    world.sts.reset();
    const result = await runCli(["export", "next"], baseEnv(h2, world.sts));
    expect(result.code).toBe(1);
    expect(callsOf(world.sts)).toEqual(["AssumeRole EnvSourceRole -> ExpiredToken"]);
    expect(result.stderr).toMatch(/ExpiredToken/);
    expect(result.stderr).toMatch(/hint: The source credentials of this hop have expired/);
    expect(h2.cacheFiles()).toEqual([]);
  });
});

describe("configuration errors before any STS call", () => {
  it("a missing profile: exit 1, one sentence naming it, close names, nothing on stdout", async () => {
    const h = home();
    const result = await runCli(["export", "role-x"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'awsrole: The config profile "role-x" could not be found.\nhint: Did you mean "role-a" or "role-b" or "role-c"? Run `awsrole doctor` to list profiles.\n',
    );
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("an unparsable config names the file and line", async () => {
    const h = home({ config: "[profile a]\nrole_arn = x\n[profile a]\n", credentials: "" });
    const result = await runCli(["chain", "a"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `Unable to parse ${join(h.awsDir, "config")}, line 3: section [profile a] appears twice.`,
    );
  });

  it("--debug adds a stack trace that points at src/, through the source map", async () => {
    const h = home();
    const plain = await runCli(["export", "role-a"], baseEnv(h, world.sts));
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli(["export", "role-a", "--debug"], baseEnv(h, world.sts));
    expect(debug.code).toBe(1);
    expect(debug.stdout).toBe("");
    expect(debug.stderr).toMatch(/\n\s+at .*src\/resolver\.ts:\d+:\d+/);
  });

  it("a secret continued onto an indented line is never echoed in the parse error (export and doctor)", async () => {
    const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY";
    const h = home({
      config: "",
      credentials: `[default]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key =\n    ${secret}\n`,
    });
    for (const args of [["export", "default"], ["doctor"]]) {
      const result = await runCli(args, baseEnv(h, world.sts));
      expect(result.code).toBe(1);
      expect(result.stderr + result.stdout).toContain("line 4");
      expect(result.stderr + result.stdout).not.toContain(secret);
    }
  });

  it("an unknown option is a usage error (exit 2)", async () => {
    const result = await runCli(["export", "--nope"], baseEnv(home(), world.sts));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("unknown option '--nope'");
  });
});
