// IAM Identity Center through the built CLI: SSO profiles at the top and under a
// role chain against the emulator's portal, OIDC service and STS (reached with
// AWS_ENDPOINT_URL_SSO / _SSO_OIDC / _STS), the token and role caches shared
// with the AWS CLI v2, the errors, and `awsrole logout`.

import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ssoTokenFileName } from "../../src/core/sso-token.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { baseEnv, makeHome, runCli, type Home } from "./harness.js";

const START_URL = "https://d-abc123.awsapps.com/start";

const SSO_CONFIG = `[profile sso-dev]
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

[profile sso-legacy-chain]
source_profile = sso-legacy
role_arn = arn:aws:iam::555555555555:role/ChainTarget
region = us-east-1
`;

let server: StsServer;
let home: Home;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  home = makeHome({ config: SSO_CONFIG, credentials: "" });
  mkdirSync(join(home.awsDir, "sso", "cache"), { recursive: true });
  return () => home.remove();
});

const env = (extra: Record<string, string | undefined> = {}) =>
  baseEnv(home, server, { AWS_REGION: undefined, AWS_ENDPOINT_URL_SSO: server.url, AWS_ENDPOINT_URL_SSO_OIDC: server.url, ...extra });
const tokenPath = (name: string) => join(home.awsDir, "sso", "cache", ssoTokenFileName(name));
function writeToken(name: string, fields: Record<string, unknown>): string {
  writeFileSync(tokenPath(name), JSON.stringify(fields), { mode: 0o600 });
  return tokenPath(name);
}
const portalCalls = () => server.calls.filter((c) => c.service === "sso").map((c) => c.action);

describe("awsrole logout", () => {
  it("logs every token out at the portal, removes the token files and the SSO role entries, keeps the rest; nothing on stdout", async () => {
    const session = server.oidc.issueToken({ userName: "alice" });
    writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...session });
    const legacy = server.oidc.issueToken({ userName: "bob", legacy: true });
    writeToken(START_URL, { startUrl: START_URL, region: "us-east-1", accessToken: legacy.accessToken, expiresAt: legacy.expiresAt });
    // A client registration (no accessToken) stays, as with the AWS CLI.
    const registration = join(home.awsDir, "sso", "cache", "d75f79f67bab3f92a2b1450471c0c2574de0dca4.json");
    writeFileSync(registration, JSON.stringify({ clientId: "c", clientSecret: "s", expiresAt: "2099-01-01T00:00:00Z" }), { mode: 0o600 });
    mkdirSync(home.cacheDir, { recursive: true });
    const ssoEntry = join(home.cacheDir, "1111111111111111111111111111111111111111.json");
    writeFileSync(ssoEntry, JSON.stringify({ ProviderType: "sso", Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: "2099-01-01T00:00:00Z" } }));
    const roleEntry = join(home.cacheDir, "2222222222222222222222222222222222222222.json");
    writeFileSync(roleEntry, JSON.stringify({ Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: "2099-01-01T00:00:00Z" } }));

    const out = await runCli(["logout"], env());
    expect(out.stderr).toContain("removed 2 IAM Identity Center tokens");
    expect(out.stderr).toContain("1 SSO role credential ");
    expect(out.stdout).toBe("");
    expect(out.code).toBe(0);
    expect(portalCalls()).toEqual(["Logout", "Logout"]);
    expect(readdirSync(join(home.awsDir, "sso", "cache"))).toEqual(["d75f79f67bab3f92a2b1450471c0c2574de0dca4.json"]);
    expect(existsSync(ssoEntry)).toBe(false);
    expect(existsSync(roleEntry)).toBe(true);
    // The portal ended the sessions.
    expect(server.oidc.validAccessToken(session.accessToken)).toBeUndefined();
  });

  it("with nothing to log out: still exit 0, nothing on stdout", async () => {
    const out = await runCli(["logout"], env());
    expect(out.code).toBe(0);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("removed 0 IAM Identity Center tokens");
  });
});

