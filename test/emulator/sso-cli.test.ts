// botocore's own SSO credential provider against the emulator, end to end through the AWS
// CLI v1: a token file in the AWS CLI's format in a throw-away HOME, profiles using an
// sso-session (and the legacy form), AWS_ENDPOINT_URL_SSO / _SSO_OIDC / _STS pointing at the
// emulator. Checks the identity reached, an SSO-based role chain, botocore refreshing an
// expiring sso-session token through CreateToken, and its error when refresh is impossible.
// Skipped, with the reason in the test name, where the AWS CLI is missing.

import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";

const hasAwsCli = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;
const skipNote = hasAwsCli ? "" : " (skipped: the aws CLI was not found)";

const START_URL = "https://d-abc123.awsapps.com/start";
const DEV_ROLE = "AWSReservedSSO_Developer_0a1b2c3d4e5f6a7b";
const sha1 = (text: string): string => createHash("sha1").update(text, "utf8").digest("hex");

let server: StsServer;
let home: string;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "awsrole-sso-cli-"));
  mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
  writeFileSync(
    join(home, ".aws", "config"),
    `[profile sso-dev]
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
`,
  );
  server.reset();
  return () => rmSync(home, { recursive: true, force: true });
});

function aws(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  Object.assign(env, {
    HOME: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL_SSO: server.url,
    AWS_ENDPOINT_URL_SSO_OIDC: server.url,
    AWS_ENDPOINT_URL_STS: server.url,
  });
  return new Promise((resolve) => {
    execFile("aws", args, { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A token file as the AWS CLI writes it (botocore's JSONFileCache, datetimes as %Y-%m-%dT%H:%M:%SZ). */
function writeToken(name: string, fields: Record<string, string | undefined>): string {
  const path = join(home, ".aws", "sso", "cache", `${sha1(name)}.json`);
  writeFileSync(path, JSON.stringify(Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))), {
    mode: 0o600,
  });
  return path;
}

describe("the AWS CLI v1 (botocore's SSO provider) against the emulator", () => {
  it("the cache file names are the AWS CLI's test vectors", () => {
    expect(sha1(START_URL)).toBe("40a89917e3175433e361b710a9d43528d7f1890a");
    expect(sha1("admin")).toBe("d033e22ae348aeb5660fc2140aec35850c4da997");
  });

  it.skipIf(!hasAwsCli)(
    `an sso-session profile reaches the permission set's role, and an SSO-based chain the role after it${skipNote}`,
    async () => {
      const token = server.oidc.issueToken({ userName: "alice" });
      writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...token });
      const top = await aws(["sts", "get-caller-identity", "--profile", "sso-dev", "--output", "json"]);
      expect(top.stderr).toBe("");
      expect(JSON.parse(top.stdout).Arn).toBe(`arn:aws:sts::555555555555:assumed-role/${DEV_ROLE}/alice`);
      const chain = await aws(["sts", "get-caller-identity", "--profile", "sso-chain", "--output", "json"]);
      expect(chain.stderr).toBe("");
      expect(JSON.parse(chain.stdout).Arn).toBe("arn:aws:sts::555555555555:assumed-role/ChainTarget/chain-from-sso");
      const portal = server.calls.filter((c) => c.service === "sso");
      expect(portal.map((c) => `${c.action} ${c.params.account_id}/${c.params.role_name}`)).toEqual([
        "GetRoleCredentials 555555555555/Developer",
        "GetRoleCredentials 555555555555/Developer",
      ]);
      expect(server.calls.filter((c) => c.action === "AssumeRole").map((c) => c.callerArn)).toEqual([
        `arn:aws:sts::555555555555:assumed-role/${DEV_ROLE}/alice`,
      ]);
      // A fresh token is not refreshed.
      expect(server.calls.some((c) => c.action === "CreateToken")).toBe(false);
    },
    90_000,
  );

  it.skipIf(!hasAwsCli)(
    `the legacy form reads the file named by the start URL's SHA-1${skipNote}`,
    async () => {
      const token = server.oidc.issueToken({ userName: "bob", legacy: true });
      const path = writeToken(START_URL, {
        startUrl: START_URL,
        region: "us-east-1",
        accessToken: token.accessToken,
        expiresAt: token.expiresAt,
      });
      expect(path.endsWith("40a89917e3175433e361b710a9d43528d7f1890a.json")).toBe(true);
      const out = await aws(["sts", "get-caller-identity", "--profile", "sso-legacy", "--output", "json"]);
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout).Arn).toBe(
        "arn:aws:sts::666666666666:assumed-role/AWSReservedSSO_ReadOnly_2c3d4e5f6a7b8c9d/bob",
      );
    },
    60_000,
  );

  it.skipIf(!hasAwsCli)(
    `botocore refreshes an sso-session token with under 15 minutes left through CreateToken and writes the new one back${skipNote}`,
    async () => {
      const token = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 300 });
      const path = writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...token });
      const out = await aws(["sts", "get-caller-identity", "--profile", "sso-dev", "--output", "json"]);
      expect(out.stderr).toBe("");
      expect(JSON.parse(out.stdout).Arn).toBe(`arn:aws:sts::555555555555:assumed-role/${DEV_ROLE}/alice`);
      const refresh = server.calls.filter((c) => c.action === "CreateToken");
      expect(refresh.map((c) => [c.params.grantType, c.params.clientId, c.status])).toEqual([
        ["refresh_token", token.clientId, 200],
      ]);
      const written = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
      expect(written.accessToken).not.toBe(token.accessToken);
      expect(written.refreshToken).toBe(token.refreshToken);
      expect(Date.parse(written.expiresAt!) - server.now().getTime()).toBeGreaterThan(3000_000);
      // The portal call used the refreshed token.
      expect(server.oidc.validAccessToken(written.accessToken)?.userName).toBe("alice");
    },
    60_000,
  );

  it.skipIf(!hasAwsCli)(
    `an expired token whose refresh is refused gives botocore's error${skipNote}`,
    async () => {
      const token = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 1 });
      server.oidc.revokeRefreshToken(token.refreshToken!);
      // Expired by botocore's own (real) clock too, not only by the emulator's
      // advanced one: otherwise a fast start sees a still-valid token, fails the
      // refresh quietly, and reports the portal's refusal instead.
      const expiresAt = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...token, expiresAt });
      server.advanceClock(5);
      const out = await aws(["sts", "get-caller-identity", "--profile", "sso-dev"]);
      expect(out.code).not.toBe(0);
      expect(out.stdout).toBe("");
      expect(out.stderr).toContain("Token has expired and refresh failed");
      expect(server.calls.filter((c) => c.action === "CreateToken").map((c) => c.errorCode)).toContain(
        "InvalidGrantException",
      );
    },
    60_000,
  );
});
