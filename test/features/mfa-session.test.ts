// MFA once per device (mfa_session = true): one GetSessionToken with the code,
// cached, then every role profile that shares the mfa_serial assumes its role
// from that session without asking again. Without mfa_session, the AWS CLI's
// behaviour: AssumeRole with SerialNumber + TokenCode per role.

import { createHash } from "node:crypto";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHAIN_MFA, baseEnv, callsOf, parseEnvExport, type Home, seedWorld } from "../e2e/harness.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback STS and temp HOMEs.
import { runCli } from "../in-process.js";

const world = seedWorld();
const sha1 = (text: string): string => createHash("sha1").update(text).digest("hex");

const KEYS = `[default]
aws_access_key_id = AKIAUSER1CHAIN000001
aws_secret_access_key = User1ChainSecretKey00000000000000000001
`;

function config(mfaSession: boolean): string {
  const flag = mfaSession ? "mfa_session = true\n" : "";
  return `[default]
region = ap-northeast-1

[profile role-a]
role_arn = arn:aws:iam::222222222222:role/RoleA
mfa_serial = ${CHAIN_MFA}
source_profile = default
${flag}
[profile mfa-role]
role_arn = arn:aws:iam::444444444444:role/MfaSessionRole
mfa_serial = ${CHAIN_MFA}
source_profile = default
${flag}`;
}

function home(mfaSession: boolean): Home {
  return world.home({ config: config(mfaSession), credentials: KEYS });
}

describe("mfa_session = true: one MFA code per device", () => {
  it("first profile: GetSessionToken with the code, then AssumeRole without; second profile: AssumeRole only, no code, no terminal", async () => {
    const h = home(true);
    const env = baseEnv(h, world.sts);

    const first = await runCli(["export", "role-a", "--token-code", "123456"], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["GetSessionToken", "AssumeRole RoleA"]);
    const [gst, assumeA] = world.sts.calls;
    expect(gst!.params.SerialNumber).toBe(CHAIN_MFA);
    expect(gst!.params.TokenCode).toBe("123456");
    expect(gst!.callerArn).toBe("arn:aws:iam::111111111111:user/User1");
    expect(gst!.accessKeyId).toBe("AKIAUSER1CHAIN000001");
    expect(assumeA!.params.SerialNumber).toBeUndefined();
    expect(assumeA!.params.TokenCode).toBeUndefined();
    // Signed with the MFA session, which acts as the user.
    expect(assumeA!.accessKeyId).toMatch(/^ASIA/);
    expect(assumeA!.callerArn).toBe("arn:aws:iam::111111111111:user/User1");
    expect(parseEnvExport(first.stdout).AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);

    world.sts.reset();
    // No --token-code, stdin is a pipe: it can only succeed from the cached MFA session.
    const second = await runCli(["export", "mfa-role"], env);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["AssumeRole MfaSessionRole"]);
    expect(world.sts.calls[0]!.params.TokenCode).toBeUndefined();
    expect(world.sts.calls[0]!.accessKeyId).toBe(assumeA!.accessKeyId);

    world.sts.reset();
    const whoami = await runCli(["whoami", "mfa-role", "--output", "json"], env);
    expect(JSON.parse(whoami.stdout).Arn).toMatch(/^arn:aws:sts::444444444444:assumed-role\/MfaSessionRole\//);
    expect(callsOf(world.sts)).toEqual(["GetCallerIdentity"]); // the role session itself is cached too
  });

  it("the MFA session is cached next to the role sessions, 0600", async () => {
    const h = home(true);
    await runCli(["export", "role-a", "--token-code", "654321"], baseEnv(h, world.sts));
    expect(h.cacheFiles()).toHaveLength(2); // the MFA session and RoleA's session
    for (const file of h.cacheFiles()) expect(statSync(join(h.cacheDir, file)).mode & 0o777).toBe(0o600);
    // Its key is the device and the long-term key that signed GetSessionToken (sha1 of the sorted JSON).
    const mfaKey = sha1(
      `{"SerialNumber": "${CHAIN_MFA}", "SourceAccessKeyId": "AKIAUSER1CHAIN000001", "awsrole": "GetSessionToken"}`,
    );
    const roleKey = sha1(`{"RoleArn": "arn:aws:iam::222222222222:role/RoleA", "SerialNumber": "${CHAIN_MFA}"}`); // the profile's botocore key
    expect(h.cacheFiles()).toEqual([`${mfaKey}.json`, `${roleKey}.json`].sort());
  });

  it("another source key does not reuse the MFA session: it needs its own code", async () => {
    const h = home(true);
    const env = baseEnv(h, world.sts);
    expect((await runCli(["export", "role-a", "--token-code", "123456"], env)).code).toBe(0);
    // The same mfa_serial, but default now has another user's key: the cached session is not theirs.
    writeFileSync(join(h.awsDir, "credentials"), KEYS.replace("AKIAUSER1CHAIN000001", "AKIAUSER1CHAIN000002"), {
      mode: 0o600,
    });
    world.sts.reset();
    const other = await runCli(["export", "mfa-role"], env);
    expect(other.code).toBe(1);
    expect(other.stdout).toBe("");
    expect(other.stderr).toContain("--token-code");
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("--refresh asks STS again: a new code is needed", async () => {
    const h = home(true);
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-a", "--token-code", "123456"], env);
    world.sts.reset();
    const refused = await runCli(["export", "mfa-role", "--refresh"], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--token-code");
    expect(callsOf(world.sts)).toEqual([]);
  });
});

describe("without mfa_session: the AWS CLI's behaviour", () => {
  it("each role profile sends SerialNumber + TokenCode with its own AssumeRole, and the second needs its own code", async () => {
    const h = home(false);
    const env = baseEnv(h, world.sts);
    const first = await runCli(["export", "role-a", "--token-code", "123456"], env);
    expect(first.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA"]);
    expect(world.sts.calls[0]!.params.SerialNumber).toBe(CHAIN_MFA);
    expect(world.sts.calls[0]!.params.TokenCode).toBe("123456");

    world.sts.reset();
    const second = await runCli(["export", "mfa-role"], env);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain("needs a code from MFA device");
    expect(callsOf(world.sts)).toEqual([]);

    const withCode = await runCli(["export", "mfa-role", "--token-code", "654321"], env);
    expect(withCode.stderr).toBe("");
    expect(withCode.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["AssumeRole MfaSessionRole"]);
    expect(world.sts.calls[0]!.params.TokenCode).toBe("654321");
  });
});
