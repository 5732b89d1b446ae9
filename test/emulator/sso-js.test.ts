// The JS SDK's own SSO provider (fromSSO, with @aws-sdk/token-providers refreshing the
// sso-session token) against the emulator through AWS_ENDPOINT_URL_SSO / _SSO_OIDC: the second
// reference client, next to botocore (sso-cli.test.ts), for later differential tests.

import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { fromSSO } from "@aws-sdk/credential-provider-sso";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { sts } from "./helpers.js";

const START_URL = "https://d-abc123.awsapps.com/start";
const ENV = [
  "HOME",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_ENDPOINT_URL_SSO",
  "AWS_ENDPOINT_URL_SSO_OIDC",
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_EC2_METADATA_DISABLED",
];
const saved: Record<string, string | undefined> = {};
let server: StsServer;
let home: string;

beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
  home = mkdtempSync(join(tmpdir(), "awsrole-sso-js-"));
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
`,
  );
  for (const k of ENV) saved[k] = process.env[k];
  for (const k of ENV) delete process.env[k];
  Object.assign(process.env, {
    HOME: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    AWS_ENDPOINT_URL_SSO: server.url,
    AWS_ENDPOINT_URL_SSO_OIDC: server.url,
    AWS_EC2_METADATA_DISABLED: "true",
  });
});
afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

describe("the JS SDK's fromSSO against the emulator", () => {
  it("refreshes a token with under 5 minutes left through CreateToken, then GetRoleCredentials gives keys STS accepts", async () => {
    const token = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 120 });
    const path = join(home, ".aws", "sso", "cache", `${createHash("sha1").update("my-sso").digest("hex")}.json`);
    writeFileSync(path, JSON.stringify({ startUrl: START_URL, region: "us-east-1", ...token }), { mode: 0o600 });
    const credentials = await fromSSO({ profile: "sso-dev" })();
    expect(server.calls.map((c) => `${c.service}:${c.action}`)).toEqual([
      "sso-oidc:CreateToken",
      "sso:GetRoleCredentials",
    ]);
    expect(server.calls[0]!.params.grantType).toBe("refresh_token");
    const written = JSON.parse(readFileSync(path, "utf8")) as { accessToken: string };
    expect(written.accessToken).not.toBe(token.accessToken);
    const identity = await sts(server, credentials).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe("arn:aws:sts::555555555555:assumed-role/AWSReservedSSO_Developer_0a1b2c3d4e5f6a7b/alice");
  });
});
