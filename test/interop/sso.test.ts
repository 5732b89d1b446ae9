// IAM Identity Center interop with the real AWS CLI v1 (botocore 1.43's SSO
// provider) against the loopback emulator's portal, OIDC service and STS
// (moto has none of the SSO services): for sso-session and legacy profiles, at
// the top and under a role chain, awsrole and the AWS CLI make the same portal
// and STS calls (the emulator's call log), reach the same identity, and each
// reuses what the other wrote: the token (also after a refresh) and the role
// session of the chain's AssumeRole hop. (The AWS CLI v1 keeps no file cache of
// SSO role credentials, so that half is held by the AWS CLI v2's byte format in
// test/core/sso.test.ts.) Skipped, with a warning, where the AWS CLI v1 is missing.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ssoTokenFileName } from "../../src/core/sso-token.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { jsonIn, normaliseSession, requireTool, runAws, runAwsrole, type Run } from "./tools.js";

const hasAws = requireTool("aws-cli-v1", "SSO interop suite");

const START_URL = "https://d-abc123.awsapps.com/start";
const DEV = "arn:aws:sts::555555555555:assumed-role/AWSReservedSSO_Developer_0a1b2c3d4e5f6a7b/alice";
const CONFIG = `[profile sso-dev]
sso_session = my-sso
sso_account_id = 555555555555
sso_role_name = Developer
region = us-east-1

[sso-session my-sso]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile sso-chain]
source_profile = sso-dev
role_arn = arn:aws:iam::555555555555:role/ChainTarget
role_session_name = chain-from-sso
region = us-east-1

[profile sso-legacy]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_account_id = 666666666666
sso_role_name = ReadOnly
region = us-east-1

[profile sso-legacy-dev]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_account_id = 555555555555
sso_role_name = Developer
region = us-east-1

[profile sso-legacy-chain]
source_profile = sso-legacy-dev
role_arn = arn:aws:iam::555555555555:role/ChainTarget
region = us-east-1
`;

let server: StsServer;
const homes: string[] = [];
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});
beforeEach(() => server.reset());

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "awsrole-sso-interop-"));
  homes.push(home);
  mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
  writeFileSync(join(home, ".aws", "config"), CONFIG);
  return home;
}

function envOf(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    NO_COLOR: "1",
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_SSO: server.url,
    AWS_ENDPOINT_URL_SSO_OIDC: server.url,
    AWS_ENDPOINT_URL_STS: server.url,
  };
}

type Token = ReturnType<StsServer["oidc"]["issueToken"]>;
function writeToken(home: string, legacy: boolean, token: Token): string {
  const path = join(home, ".aws", "sso", "cache", ssoTokenFileName(legacy ? START_URL : "my-sso"));
  const fields = legacy
    ? { startUrl: START_URL, region: "us-east-1", accessToken: token.accessToken, expiresAt: token.expiresAt }
    : { startUrl: START_URL, region: "us-east-1", ...token };
  writeFileSync(path, JSON.stringify(fields), { mode: 0o600 });
  return path;
}

/** The portal, OIDC and STS calls since the last reset, as comparable lines. */
function calls(): string[] {
  return server.calls.map((c) => {
    if (c.service === "sso")
      return `sso ${c.action} ${c.params.account_id ?? ""}/${c.params.role_name ?? ""} ${c.status}`;
    if (c.service === "sso-oidc") return `sso-oidc ${c.action} ${c.params.grantType ?? ""} ${c.status}`;
    const session = normaliseSession(c.params.RoleSessionName ?? "");
    return `sts ${c.action} ${c.params.RoleArn ?? ""} ${session} by ${normaliseSession(c.callerArn ?? "")} ${c.status}`;
  });
}

const awsWho = (profile: string, home: string): Promise<Run> =>
  runAws(["sts", "get-caller-identity", "--profile", profile, "--output", "json"], envOf(home));
const awsroleWho = (profile: string, home: string): Promise<Run> =>
  runAwsrole(["whoami", profile, "--output", "json"], envOf(home));

interface Case {
  profile: string;
  legacy: boolean;
  user: string;
  arn: string;
}
const CASES: Case[] = [
  { profile: "sso-dev", legacy: false, user: "alice", arn: DEV },
  {
    profile: "sso-chain",
    legacy: false,
    user: "alice",
    arn: "arn:aws:sts::555555555555:assumed-role/ChainTarget/chain-from-sso",
  },
  {
    profile: "sso-legacy",
    legacy: true,
    user: "alice",
    arn: "arn:aws:sts::666666666666:assumed-role/AWSReservedSSO_ReadOnly_2c3d4e5f6a7b8c9d/alice",
  },
  {
    profile: "sso-legacy-chain",
    legacy: true,
    user: "alice",
    arn: "arn:aws:sts::555555555555:assumed-role/ChainTarget/botocore-session-<secs>",
  },
];

describe.skipIf(!hasAws)("SSO: awsrole and the AWS CLI v1", () => {
  it.each(CASES)(
    "$profile: the same portal and STS calls and the same identity",
    async ({ profile, legacy, user, arn }) => {
      const token = server.oidc.issueToken({ userName: user, legacy });
      const awsHome = newHome();
      writeToken(awsHome, legacy, token);
      server.reset();
      const theirs = await awsWho(profile, awsHome);
      const theirCalls = calls();

      const ourHome = newHome();
      writeToken(ourHome, legacy, token);
      server.reset();
      const ours = await awsroleWho(profile, ourHome);
      const ourCalls = calls();

      expect(ourCalls).toEqual(theirCalls);
      expect(theirs.stderr).toBe("");
      expect(ours.stderr).toBe("");
      expect(normaliseSession(String(jsonIn(ours.stdout).Arn))).toBe(arn);
      expect(normaliseSession(String(jsonIn(theirs.stdout).Arn))).toBe(arn);
    },
    90_000,
  );

  it("the chain's role session: awsrole reuses the AWS CLI's cache entry, and the AWS CLI reuses awsrole's", async () => {
    const token = server.oidc.issueToken({ userName: "alice" });
    const home = newHome();
    writeToken(home, false, token);
    expect((await awsWho("sso-chain", home)).code).toBe(0);
    server.reset();
    const ours = await awsroleWho("sso-chain", home);
    expect(ours.code).toBe(0);
    expect(calls().filter((c) => !c.includes("GetCallerIdentity"))).toEqual([]);

    const second = newHome();
    writeToken(second, false, token);
    expect((await awsroleWho("sso-chain", second)).code).toBe(0);
    server.reset();
    const theirs = await awsWho("sso-chain", second);
    expect(theirs.code).toBe(0);
    expect(calls().filter((c) => !c.includes("GetCallerIdentity"))).toEqual([]);
  }, 90_000);

  it("a token refreshed by awsrole is used by the AWS CLI without another refresh, and the other way round", async () => {
    const home = newHome();
    const path = writeToken(home, false, server.oidc.issueToken({ userName: "alice", expiresInSeconds: 300 }));
    server.reset();
    expect((await awsroleWho("sso-dev", home)).code).toBe(0);
    expect(calls().filter((c) => c.startsWith("sso-oidc"))).toEqual(["sso-oidc CreateToken refresh_token 200"]);
    const refreshed = readFileSync(path, "utf8");
    server.reset();
    const theirs = await awsWho("sso-dev", home);
    expect(theirs.stderr).toBe("");
    expect(calls().filter((c) => c.startsWith("sso-oidc"))).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe(refreshed);

    const other = newHome();
    const otherPath = writeToken(other, false, server.oidc.issueToken({ userName: "alice", expiresInSeconds: 300 }));
    server.reset();
    expect((await awsWho("sso-dev", other)).code).toBe(0);
    expect(calls().filter((c) => c.startsWith("sso-oidc"))).toEqual(["sso-oidc CreateToken refresh_token 200"]);
    const theirToken = JSON.parse(readFileSync(otherPath, "utf8")) as { accessToken: string };
    server.reset();
    expect((await awsroleWho("sso-dev", other)).code).toBe(0);
    expect(calls().filter((c) => c.startsWith("sso-oidc"))).toEqual([]);
    expect((JSON.parse(readFileSync(otherPath, "utf8")) as { accessToken: string }).accessToken).toBe(
      theirToken.accessToken,
    );
  }, 90_000);

  it("an expired token whose refresh is refused: both fail with 'Token has expired and refresh failed'", async () => {
    const token = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 1 });
    server.oidc.revokeRefreshToken(token.refreshToken!);
    const home = newHome();
    writeToken(home, false, token);
    await new Promise((r) => setTimeout(r, 1500));
    const theirs = await awsWho("sso-dev", home);
    const ours = await awsroleWho("sso-dev", home);
    expect(theirs.code).not.toBe(0);
    expect(theirs.stderr).toContain("Token has expired and refresh failed");
    expect(ours.code).toBe(1);
    expect(ours.stdout).toBe("");
    expect(ours.stderr).toContain("Token has expired and refresh failed");
    expect(ours.stderr).toContain("awsrole login --profile sso-dev");
  }, 90_000);
});
