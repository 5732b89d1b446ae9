// IAM Identity Center through the built CLI: SSO profiles at the top and under a
// role chain against the emulator's portal, OIDC service and STS (reached with
// AWS_ENDPOINT_URL_SSO / _SSO_OIDC / _STS), the token and role caches shared
// with the AWS CLI v2, the errors, and `awsrole logout`.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ssoTokenFileName } from "../../src/core/sso-token.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { ROOT, baseEnv, runRecorded, makeHome, parseEnvExport, runCli, type Home } from "./harness.js";

const START_URL = "https://d-abc123.awsapps.com/start";
const DEV_ROLE = "AWSReservedSSO_Developer_0a1b2c3d4e5f6a7b";

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
  baseEnv(home, server, {
    AWS_REGION: undefined,
    AWS_ENDPOINT_URL_SSO: server.url,
    AWS_ENDPOINT_URL_SSO_OIDC: server.url,
    ...extra,
  });
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
    writeToken(START_URL, {
      startUrl: START_URL,
      region: "us-east-1",
      accessToken: legacy.accessToken,
      expiresAt: legacy.expiresAt,
    });
    // A client registration (no accessToken) stays, as with the AWS CLI.
    const registration = join(home.awsDir, "sso", "cache", "d75f79f67bab3f92a2b1450471c0c2574de0dca4.json");
    writeFileSync(
      registration,
      JSON.stringify({ clientId: "c", clientSecret: "s", expiresAt: "2099-01-01T00:00:00Z" }),
      { mode: 0o600 },
    );
    mkdirSync(home.cacheDir, { recursive: true });
    const ssoEntry = join(home.cacheDir, "1111111111111111111111111111111111111111.json");
    writeFileSync(
      ssoEntry,
      JSON.stringify({
        ProviderType: "sso",
        Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: "2099-01-01T00:00:00Z" },
      }),
    );
    const roleEntry = join(home.cacheDir, "2222222222222222222222222222222222222222.json");
    writeFileSync(
      roleEntry,
      JSON.stringify({
        Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: "2099-01-01T00:00:00Z" },
      }),
    );

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

describe("SSO profiles through the CLI", () => {
  it("export: an sso-session profile gets the permission set's role, cached under the AWS CLI v2's key; the second run reads no token", async () => {
    writeToken("my-sso", {
      startUrl: START_URL,
      region: "us-east-1",
      ...server.oidc.issueToken({ userName: "alice" }),
    });
    const out = await runCli(["export", "sso-dev"], env());
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const vars = parseEnvExport(out.stdout);
    expect(vars.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(portalCalls()).toEqual(["GetRoleCredentials"]);
    const files = home.cacheFiles().filter((f) => f.endsWith(".json"));
    expect(files).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(home.cacheDir, files[0]!), "utf8"))).toMatchObject({
      ProviderType: "sso",
      Credentials: { AccountId: "555555555555" },
    });
    const again = await runCli(["export", "sso-dev"], env());
    expect(again.code).toBe(0);
    expect(parseEnvExport(again.stdout).AWS_ACCESS_KEY_ID).toBe(vars.AWS_ACCESS_KEY_ID);
    expect(portalCalls()).toEqual(["GetRoleCredentials"]);
  });

  it("whoami through an SSO-based chain: GetRoleCredentials, then AssumeRole with the SSO role session", async () => {
    writeToken("my-sso", {
      startUrl: START_URL,
      region: "us-east-1",
      ...server.oidc.issueToken({ userName: "alice" }),
    });
    const out = await runCli(["whoami", "sso-chain", "--output", "json"], env());
    expect(out.stderr).toBe("");
    expect(JSON.parse(out.stdout).Arn).toBe("arn:aws:sts::555555555555:assumed-role/ChainTarget/chain-from-sso");
    expect(server.calls.filter((c) => c.action === "AssumeRole").map((c) => c.callerArn)).toEqual([
      `arn:aws:sts::555555555555:assumed-role/${DEV_ROLE}/alice`,
    ]);
  });

  it("no token: one sentence naming the profile and both login commands, exit 1, nothing on stdout", async () => {
    const out = await runCli(["export", "sso-chain"], env());
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("Token for my-sso does not exist");
    expect(out.stderr).toContain("awsrole login --profile sso-dev");
    expect(out.stderr).toContain("aws sso login --profile sso-dev");
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it("an expired legacy token: the AWS CLI's message, exit 1, nothing on stdout, no call", async () => {
    writeToken(START_URL, {
      startUrl: START_URL,
      region: "us-east-1",
      accessToken: "old",
      expiresAt: "2020-01-01T00:00:00Z",
    });
    const out = await runCli(["export", "sso-legacy"], env());
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toContain("The SSO session associated with this profile has expired or is otherwise invalid");
    expect(out.stderr).toContain("awsrole login --profile sso-legacy");
    expect(server.calls).toHaveLength(0);
  });
});

describe("the warm path answers cached SSO sessions", () => {
  it.each(["sso-dev", "sso-chain"])(
    "%s: only the fast bundle, no network, no SDK, no node:crypto, no token read",
    async (profile) => {
      const token = writeToken("my-sso", {
        startUrl: START_URL,
        region: "us-east-1",
        ...server.oidc.issueToken({ userName: "alice" }),
      });
      const first = await runCli(["export", profile], env());
      expect(first.code).toBe(0);
      server.reset();
      const { code, modules, stdout } = await runRecorded(["export", profile], env());
      expect(code).toBe(0);
      expect(stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA/);
      expect(server.calls).toEqual([]);
      expect(modules.filter((m) => m.startsWith("/")).map((f) => relative(ROOT, f))).toEqual(["bin/awsrole.cjs"]);
      const read = modules.filter((m) => m.startsWith("read:")).map((m) => m.slice(5));
      expect(read.filter((f) => f.includes("node_modules") || f.endsWith("cli.cjs"))).toEqual([]);
      expect(read).not.toContain(token);
      expect(modules.filter((m) => ["node:crypto", "node:http", "node:https", "node:net"].includes(m))).toEqual([]);
    },
  );
});

describe("chain and whoami show the SSO session", () => {
  it("chain: session, start URL, account, role, token file and its expiry; --output json has them under sso", async () => {
    writeToken("my-sso", {
      startUrl: START_URL,
      region: "us-east-1",
      ...server.oidc.issueToken({ userName: "alice" }),
    });
    const out = await runCli(["chain", "sso-chain"], env());
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      'source: IAM Identity Center role Developer in account 555555555555 (GetRoleCredentials), sso-session "my-sso"',
    );
    expect(out.stdout).toContain(
      `  sso:    sso-session my-sso, ${START_URL} (us-east-1); role Developer in account 555555555555`,
    );
    expect(out.stdout).toMatch(
      / {2}token: {2}~\/\.aws\/sso\/cache\/[0-9a-f]{40}\.json: expires .* \((59m\d\ds|1h00m) left, refreshable\)/,
    );
    const json = JSON.parse((await runCli(["chain", "sso-dev", "--output", "json"], env())).stdout) as {
      source: { kind: string };
      sso: Record<string, unknown>;
    };
    expect(json.source.kind).toBe("sso");
    expect(json.sso).toMatchObject({
      session: "my-sso",
      accountId: "555555555555",
      roleName: "Developer",
      token: "ok",
      refreshable: true,
    });
    expect(server.calls).toEqual([]);
  });

  it("chain without a token says how to get one", async () => {
    const out = await runCli(["chain", "sso-legacy"], env());
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("none yet (awsrole login --profile sso-legacy)");
  });

  it("whoami: the SSO session's time left", async () => {
    writeToken("my-sso", {
      startUrl: START_URL,
      region: "us-east-1",
      ...server.oidc.issueToken({ userName: "alice" }),
    });
    const out = await runCli(["whoami", "sso-dev"], env());
    expect(out.stderr).toBe("");
    expect(out.stdout).toMatch(/^SSO {6}sso-session my-sso, token (59m\d\ds|1h00m) left, refreshable$/m);
    expect(out.stdout).toContain(`Arn      arn:aws:sts::555555555555:assumed-role/${DEV_ROLE}/alice`);
  });
});

describe("cache list and cache clear include SSO entries", () => {
  it("list names the SSO profile and the account; clear PROFILE removes its SSO entry; clear --chain the chain's", async () => {
    writeToken("my-sso", {
      startUrl: START_URL,
      region: "us-east-1",
      ...server.oidc.issueToken({ userName: "alice" }),
    });
    expect((await runCli(["export", "sso-chain"], env())).code).toBe(0);
    const list = await runCli(["cache", "list"], env());
    expect(list.stdout).toContain("sso-dev: usable");
    expect(list.stdout).toContain("IAM Identity Center role credentials in account 555555555555");
    const rows = JSON.parse((await runCli(["cache", "list", "--output", "json"], env())).stdout) as Array<{
      kind: string;
      profiles: string[];
    }>;
    expect(rows.map((r) => [r.kind, r.profiles]).sort()).toEqual([
      ["assume-role", ["sso-chain"]],
      ["sso", ["sso-dev"]],
    ]);
    const clear = await runCli(["cache", "clear", "sso-dev"], env());
    expect(clear.stdout).toContain("Removed 1 cached credential of profile sso-dev");
    expect(home.cacheFiles().filter((f) => f.endsWith(".json"))).toHaveLength(1);
    expect((await runCli(["export", "sso-dev"], env())).code).toBe(0);
    const chain = await runCli(["cache", "clear", "sso-chain", "--chain"], env());
    expect(chain.stdout).toContain("Removed 2 cached credentials of profile sso-chain and its chain");
    expect(home.cacheFiles().filter((f) => f.endsWith(".json"))).toEqual([]);
  });
});
