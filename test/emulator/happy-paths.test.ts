// The emulator accepts what real STS accepts, driven by the real @aws-sdk/client-sts over HTTP.

import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, startSts, type StsServer } from "../sts/server.js";
import {
  anonymousSts,
  CHAIN_MFA,
  CHAIN_USER,
  CHAIN_USER_ARN,
  CI_USER,
  keysOf,
  NO_SKILL,
  NO_SKILL_MFA,
  role,
  SEEDS_PATH,
  sts,
  USER1,
  USER1_ARN,
  WEB_TOKEN,
} from "./helpers.js";

let server: StsServer;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SEEDS_PATH) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const secondsUntil = (date: Date | undefined): number => Math.round((date!.getTime() - server.now().getTime()) / 1000);

describe("user1 -> s3-developer (seed 000)", () => {
  it("identifies the user by its long-term key", async () => {
    const identity = await sts(server, USER1).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(USER1_ARN);
    expect(identity.Account).toBe("123456789012");
    expect(identity.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
  });

  it("assumes the role and the session identifies as the assumed role", async () => {
    const assumed = await sts(server, USER1).send(
      new AssumeRoleCommand({
        RoleArn: role("123456789012", "s3-developer"),
        RoleSessionName: "botocore-session-1553254029",
      }),
    );
    const c = assumed.Credentials!;
    expect(c.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(c.SecretAccessKey).toHaveLength(40);
    expect(c.SessionToken!.length).toBeGreaterThan(300);
    expect(secondsUntil(c.Expiration)).toBeGreaterThanOrEqual(3599);
    expect(secondsUntil(c.Expiration)).toBeLessThanOrEqual(3600);
    expect(assumed.AssumedRoleUser!.Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/s3-developer/botocore-session-1553254029",
    );
    expect(assumed.AssumedRoleUser!.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:botocore-session-1553254029$/);
    expect(assumed.PackedPolicySize).toBe(0);

    const identity = await sts(server, keysOf(c)).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(assumed.AssumedRoleUser!.Arn);
    expect(identity.UserId).toBe(assumed.AssumedRoleUser!.AssumedRoleId);
    expect(identity.Account).toBe("123456789012");
  });
});

describe("User1 + MFA -> RoleA -> RoleB -> RoleC -> RoleD -> RoleE (seed 001)", () => {
  it("walks the five-deep chain, each hop signed with the previous hop's credentials", async () => {
    const chain = ["RoleA", "RoleB", "RoleC", "RoleD", "RoleE"];
    let keys = CHAIN_USER;
    const arns: string[] = [];
    for (const [i, name] of chain.entries()) {
      const mfa = i === 0 ? { SerialNumber: CHAIN_MFA, TokenCode: "123456" } : {};
      const out = await sts(server, keys).send(
        new AssumeRoleCommand({ RoleArn: role("222222222222", name), RoleSessionName: `hop-${i + 1}`, ...mfa }),
      );
      keys = keysOf(out.Credentials);
      const identity = await sts(server, keys).send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toBe(`arn:aws:sts::222222222222:assumed-role/${name}/hop-${i + 1}`);
      expect(identity.Account).toBe("222222222222");
      arns.push(identity.Arn!);
    }

    // The call log records every request in order, with params and the authenticated caller.
    expect(server.calls.map((c) => c.action)).toEqual(chain.flatMap(() => ["AssumeRole", "GetCallerIdentity"]));
    expect(server.calls.every((c) => c.status === 200 && c.region === "us-east-1")).toBe(true);
    const assumeCalls = server.calls.filter((c) => c.action === "AssumeRole");
    expect(assumeCalls.map((c) => c.callerArn)).toEqual([CHAIN_USER_ARN, ...arns.slice(0, 4)]);
    expect(assumeCalls.map((c) => c.params.RoleArn)).toEqual(chain.map((n) => role("222222222222", n)));
    expect(assumeCalls[0]!.params).toMatchObject({
      SerialNumber: CHAIN_MFA,
      TokenCode: "123456",
      RoleSessionName: "hop-1",
    });
    expect(assumeCalls[0]!.accessKeyId).toBe(CHAIN_USER.accessKeyId);
    expect(assumeCalls[1]!.params.SerialNumber).toBeUndefined();
    expect(server.calls.filter((c) => c.action === "GetCallerIdentity").map((c) => c.callerArn)).toEqual(arns);
  });

  it("lets the first hop ask for RoleA's 12 h maximum (not chained), while a chained hop may take exactly 1 h", async () => {
    const a = await sts(server, CHAIN_USER).send(
      new AssumeRoleCommand({
        RoleArn: role("222222222222", "RoleA"),
        RoleSessionName: "long",
        SerialNumber: CHAIN_MFA,
        TokenCode: "654321",
        DurationSeconds: 43200,
      }),
    );
    expect(secondsUntil(a.Credentials!.Expiration)).toBeGreaterThanOrEqual(43199);
    const b = await sts(server, keysOf(a.Credentials)).send(
      new AssumeRoleCommand({
        RoleArn: role("222222222222", "RoleB"),
        RoleSessionName: "hop-b",
        DurationSeconds: 3600,
      }),
    );
    expect(secondsUntil(b.Credentials!.Expiration)).toBeGreaterThanOrEqual(3599);
  });
});

describe("manual assume-role (seed 002)", () => {
  it("no_skill assumes s3_role without MFA and s3_role_mfa with MFA", async () => {
    const plain = await sts(server, NO_SKILL).send(
      new AssumeRoleCommand({
        RoleArn: role("333333333333", "s3_role"),
        RoleSessionName: "s3_role",
        DurationSeconds: 3600,
      }),
    );
    expect(plain.AssumedRoleUser!.Arn).toBe("arn:aws:sts::333333333333:assumed-role/s3_role/s3_role");
    const withMfa = await sts(server, NO_SKILL).send(
      new AssumeRoleCommand({
        RoleArn: role("333333333333", "s3_role_mfa"),
        RoleSessionName: "s3_role",
        DurationSeconds: 3600,
        SerialNumber: NO_SKILL_MFA,
        TokenCode: "508114",
      }),
    );
    expect(withMfa.AssumedRoleUser!.Arn).toBe("arn:aws:sts::333333333333:assumed-role/s3_role_mfa/s3_role");
  });
});

describe("GetSessionToken", () => {
  it("with MFA, then AssumeRole MfaSessionRole using the MFA session (no second code)", async () => {
    const session = await sts(server, CHAIN_USER).send(
      new GetSessionTokenCommand({ SerialNumber: CHAIN_MFA, TokenCode: "111111" }),
    );
    expect(session.Credentials!.AccessKeyId).toMatch(/^ASIA/);
    expect(secondsUntil(session.Credentials!.Expiration)).toBeGreaterThanOrEqual(43199); // default 12 h

    // A GetSessionToken session acts as the user itself.
    const sessionKeys = keysOf(session.Credentials);
    const identity = await sts(server, sessionKeys).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(CHAIN_USER_ARN);
    expect(identity.UserId).toMatch(/^AIDA/);

    const assumed = await sts(server, sessionKeys).send(
      new AssumeRoleCommand({ RoleArn: role("444444444444", "MfaSessionRole"), RoleSessionName: "via-session" }),
    );
    expect(assumed.AssumedRoleUser!.Arn).toBe("arn:aws:sts::444444444444:assumed-role/MfaSessionRole/via-session");
    expect(server.calls.at(-1)!.callerArn).toBe(CHAIN_USER_ARN);
  });

  it("honours DurationSeconds from 900 up to 129600", async () => {
    const short = await sts(server, USER1).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
    expect(secondsUntil(short.Credentials!.Expiration)).toBeGreaterThanOrEqual(899);
    const long = await sts(server, USER1).send(new GetSessionTokenCommand({ DurationSeconds: 129600 }));
    expect(secondsUntil(long.Credentials!.Expiration)).toBeGreaterThanOrEqual(129599);
  });
});

describe("other trust shapes in the seed world", () => {
  it("ExternalRole with the right external id, LongRole for 12 h, 900 s on a 1 h role", async () => {
    const ext = await sts(server, USER1).send(
      new AssumeRoleCommand({
        RoleArn: role("444444444444", "ExternalRole"),
        RoleSessionName: "ext",
        ExternalId: "ext-123",
      }),
    );
    expect(ext.AssumedRoleUser!.Arn).toContain("assumed-role/ExternalRole/ext");
    const long = await sts(server, CHAIN_USER).send(
      new AssumeRoleCommand({
        RoleArn: role("444444444444", "LongRole"),
        RoleSessionName: "long",
        DurationSeconds: 43200,
      }),
    );
    expect(secondsUntil(long.Credentials!.Expiration)).toBeGreaterThanOrEqual(43199);
    const min = await sts(server, USER1).send(
      new AssumeRoleCommand({
        RoleArn: role("123456789012", "s3-developer"),
        RoleSessionName: "min",
        DurationSeconds: 900,
      }),
    );
    expect(secondsUntil(min.Credentials!.Expiration)).toBeGreaterThanOrEqual(899);
    expect(secondsUntil(min.Credentials!.Expiration)).toBeLessThanOrEqual(900);
  });

  it("EnvSourceRole trusts any principal of account 444444444444 via :root", async () => {
    const out = await sts(server, CI_USER).send(
      new AssumeRoleCommand({ RoleArn: role("444444444444", "EnvSourceRole"), RoleSessionName: "ci" }),
    );
    expect(out.AssumedRoleUser!.Arn).toBe("arn:aws:sts::444444444444:assumed-role/EnvSourceRole/ci");
    expect(server.calls[0]!.callerArn).toBe("arn:aws:iam::444444444444:user/ci");
  });
});

describe("AssumeRoleWithWebIdentity", () => {
  it("exchanges the seed token for WebRole credentials, unsigned", async () => {
    const out = await anonymousSts(server).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: role("444444444444", "WebRole"),
        RoleSessionName: "ci-run",
        WebIdentityToken: WEB_TOKEN,
      }),
    );
    expect(out.SubjectFromWebIdentityToken).toBe("ci-runner");
    expect(out.Provider).toBe("oidc.awsrole.test");
    expect(out.Audience).toBe("sts.amazonaws.com");
    expect(out.AssumedRoleUser!.Arn).toBe("arn:aws:sts::444444444444:assumed-role/WebRole/ci-run");
    expect(server.calls[0]).toMatchObject({
      action: "AssumeRoleWithWebIdentity",
      callerArn: null,
      accessKeyId: null,
      status: 200,
    });

    const identity = await sts(server, keysOf(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(out.AssumedRoleUser!.Arn);
  });
});
