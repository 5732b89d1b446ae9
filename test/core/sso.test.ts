// The sso kind in process: botocore's config rules and errors, the AWS CLI's
// file names and JSON (the hash vectors of the AWS CLI v2's tests), refresh, and
// GetRoleCredentials against the loopback emulator's portal and OIDC service,
// through effects built from real files and a real HTTP request.

import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { boundedTransport } from "../../src/adapters/sso-oidc.js";
import { CacheStore } from "../../src/adapters/cache-store.js";
import { buildConfig } from "../../src/core/config.js";
import type { Effects } from "../../src/core/effects.js";
import { parseIni } from "../../src/core/ini.js";
import { sso, ssoKeyOf, usesSsoRole, type SsoSource } from "../../src/core/kinds/sso.js";
import type { PlanContext } from "../../src/core/kinds/types.js";
import { parseSsoToken, refreshDecision, ssoRegistrationKey, ssoRoleCacheKey, ssoTimestamp, ssoTokenFileName } from "../../src/core/sso-token.js";
import { AwsroleError, ProfileConfigError } from "../../src/errors.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
const START_URL = "https://d-abc123.awsapps.com/start";

function configOf(config: string, credentials = "") {
  return buildConfig(parseIni(config, paths.configPath), parseIni(credentials, paths.credentialsPath), paths);
}
function planOf(text: string, name: string, env: Record<string, string> = {}, topLevel = true): SsoSource {
  const config = configOf(text);
  const at: PlanContext = { config, env, topLevel, profileFromFlag: true };
  const profile = config.profiles.get(name)!;
  return sso.plan(profile, at);
}
function configError(text: string, name: string): ProfileConfigError {
  try {
    planOf(text, name);
  } catch (error) {
    if (error instanceof ProfileConfigError) return error;
    throw error;
  }
  throw new Error("expected a ProfileConfigError");
}

const SESSION_CONFIG = `[profile dev]
sso_session = my-sso
sso_account_id = 555555555555
sso_role_name = Developer

[sso-session my-sso]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access , other:scope

[profile legacy]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_account_id = 666666666666
sso_role_name = ReadOnly
`;

describe("file names and keys are the AWS CLI's (its test vectors)", () => {
  it.each([
    ["https://d-abc123.awsapps.com/start", "40a89917e3175433e361b710a9d43528d7f1890a"],
    ["admin", "d033e22ae348aeb5660fc2140aec35850c4da997"],
    ["https://test.url/start", "f395038c92f1828cbb3991d2d6152d326b895606"],
    ["C", "32096c2e0eff33d844ee6d675407ace18289357d"],
  ])("token file of %s", (name, sha) => expect(ssoTokenFileName(name)).toBe(`${sha}.json`));

  it("a trailing slash on the start URL is another file", () => expect(ssoTokenFileName(`${START_URL}/`)).not.toBe(ssoTokenFileName(START_URL)));

  it("client registration key (Python json.dumps, sort_keys, default separators)", () => {
    expect(ssoRegistrationKey({ startUrl: START_URL, region: "us-west-2", scopes: null, sessionName: null })).toBe("d75f79f67bab3f92a2b1450471c0c2574de0dca4");
  });

  it("role credential key (compact sorted JSON)", () => {
    expect(ssoRoleCacheKey({ accountId: "1234567890", roleName: "test-role", startUrl: "https://d-92671207e4.awsapps.com/start" })).toBe("048db75bbe50955c16af7aba6ff9c41a3131bb7e");
    // The sso-session form hashes the session name instead of the start URL.
    expect(ssoRoleCacheKey({ accountId: "1234567890", roleName: "test-role", startUrl: "x", sessionName: "admin" })).not.toBe(
      ssoRoleCacheKey({ accountId: "1234567890", roleName: "test-role", startUrl: "x" }),
    );
  });

  it("timestamps are %Y-%m-%dT%H:%M:%SZ", () => expect(ssoTimestamp(new Date("2008-09-23T12:43:20.789Z"))).toBe("2008-09-23T12:43:20Z"));
});

describe("config rules (botocore SSOProvider._load_sso_config)", () => {
  it("the trigger is sso_account_id or sso_role_name; sso_session alone is a bearer-token profile", () => {
    const config = configOf("[profile a]\nsso_account_id = 1\n[profile b]\nsso_role_name = R\n[profile c]\nsso_session = s\n[profile d]\nsso_start_url = u\n");
    expect(["a", "b", "c", "d"].map((n) => usesSsoRole(config.profiles.get(n)!))).toEqual([true, true, false, false]);
  });

  it("an sso-session profile takes start URL, region and scopes from the session", () => {
    expect(planOf(SESSION_CONFIG, "dev")).toMatchObject({
      kind: "sso",
      profile: "dev",
      accountId: "555555555555",
      roleName: "Developer",
      startUrl: START_URL,
      region: "us-east-1",
      session: "my-sso",
      scopes: ["sso:account:access", "other:scope"],
      portal: { url: "https://portal.sso.us-east-1.amazonaws.com" },
      oidc: { url: "https://oidc.us-east-1.amazonaws.com" },
    });
  });

  it("the legacy form has no session and no scopes", () => {
    const source = planOf(SESSION_CONFIG, "legacy");
    expect(source.session).toBeUndefined();
    expect(source.scopes).toBeUndefined();
    expect(source.startUrl).toBe(START_URL);
  });

  it("missing keys: botocore's message, in botocore's order, and where to add them", () => {
    const e = configError("[profile p]\nsso_account_id = 1\n", "p");
    expect(e.code).toBe("SsoMissingConfig");
    expect(e.message).toBe('The profile "p" is configured to use SSO but is missing required configuration: sso_role_name, sso_start_url, sso_region');
    expect(e.hint).toContain("[profile p] in /h/.aws/config");
  });

  it("an sso-session that lacks sso_region is named in the hint", () => {
    const e = configError("[profile p]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n[sso-session s]\nsso_start_url = u\n", "p");
    expect(e.message).toMatch(/missing required configuration: sso_region$/);
    expect(e.hint).toContain("[sso-session s]");
  });

  it("an unknown sso-session: botocore's message, naming the profile and the file", () => {
    const e = configError("[profile p]\nsso_session = nope\nsso_account_id = 1\nsso_role_name = R\n[sso-session mine]\nsso_start_url = u\nsso_region = r\n", "p");
    expect(e.code).toBe("SsoSessionNotFound");
    expect(e.message).toContain('The specified sso-session does not exist: "nope"');
    expect(e.message).toContain('profile "p"');
    expect(e.message).toContain("/h/.aws/config");
    expect(e.hint).toContain("mine");
  });

  it.each(["sso_region", "sso_start_url"])("a %s that differs between profile and session", (key) => {
    const e = configError(`[profile p]\nsso_session = s\nsso_account_id = 1\nsso_role_name = R\n${key} = mine\n[sso-session s]\nsso_start_url = u\nsso_region = r\n`, "p");
    expect(e.code).toBe("SsoSessionConflict");
    expect(e.message).toBe(`The value for ${key} is inconsistent between profile (mine) and sso-session (${key === "sso_region" ? "r" : "u"}).`);
    expect(e.hint).toContain('profile "p"');
  });

  it("the same value in both is fine", () => {
    expect(planOf(`${SESSION_CONFIG}\n[profile same]\nsso_session = my-sso\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = R\n`, "same").region).toBe("us-east-1");
  });

  it("endpoints: AWS_ENDPOINT_URL_SSO / _SSO_OIDC, then AWS_ENDPOINT_URL, then the top profile's endpoint_url", () => {
    expect(planOf(SESSION_CONFIG, "dev", { AWS_ENDPOINT_URL_SSO: "http://127.0.0.1:1/", AWS_ENDPOINT_URL: "http://127.0.0.1:2" })).toMatchObject({
      portal: { url: "http://127.0.0.1:1", origin: "AWS_ENDPOINT_URL_SSO" },
      oidc: { url: "http://127.0.0.1:2", origin: "AWS_ENDPOINT_URL" },
    });
    const own = `${SESSION_CONFIG}\n[profile ep]\nsso_session = my-sso\nsso_account_id = 1\nsso_role_name = R\nendpoint_url = http://127.0.0.1:3\n`;
    expect(planOf(own, "ep").portal.url).toBe("http://127.0.0.1:3");
    // As a source profile, the profile's own endpoint_url is not the session's.
    expect(planOf(own, "ep", {}, false).portal.url).toBe("https://portal.sso.us-east-1.amazonaws.com");
  });
});

describe("token files", () => {
  it("parses the AWS CLI's fields; accessToken and expiresAt are required", () => {
    const read = parseSsoToken(JSON.stringify({ startUrl: START_URL, region: "us-east-1", accessToken: "t", expiresAt: "2030-01-01T00:00:00Z", refreshToken: "r" }));
    expect(read.status).toBe("ok");
    expect(parseSsoToken(JSON.stringify({ accessToken: "t" }))).toEqual({ status: "invalid", detail: "no expiresAt timestamp" });
    expect(parseSsoToken("")).toEqual({ status: "invalid", detail: "empty file" });
  });

  it("refresh: sso-session only, under 15 minutes, with every key, before the registration expires", () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const token = (fields: Record<string, string>) => {
      const r = parseSsoToken(JSON.stringify({ accessToken: "t", ...fields }));
      if (r.status !== "ok") throw new Error(r.detail);
      return r.token;
    };
    const full = { refreshToken: "r", clientId: "c", clientSecret: "s", registrationExpiresAt: "2030-02-01T00:00:00Z" };
    expect(refreshDecision(token({ ...full, expiresAt: "2030-01-01T00:14:59Z" }), true, now)).toEqual({ refresh: true });
    expect(refreshDecision(token({ ...full, expiresAt: "2030-01-01T00:15:00Z" }), true, now).refresh).toBe(false);
    expect(refreshDecision(token({ ...full, expiresAt: "2029-12-31T00:00:00Z" }), false, now).refresh).toBe(false);
    expect(refreshDecision(token({ ...full, expiresAt: "2029-12-31T00:00:00Z", registrationExpiresAt: "2029-12-31T23:59:59Z" }), true, now)).toMatchObject({
      refresh: false,
      why: expect.stringContaining("registration expired"),
    });
    const { refreshToken: _, ...noRefresh } = full;
    expect(refreshDecision(token({ ...noRefresh, expiresAt: "2029-12-31T00:00:00Z" }), true, now)).toMatchObject({ why: "the token has no refreshToken" });
  });
});

describe("resolve against the emulator", () => {
  let server: StsServer;
  let home: string;
  let controller: AbortController;
  let warnings: string[];

  beforeAll(async () => {
    server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.reset();
    home = mkdtempSync(join(tmpdir(), "awsrole-sso-kind-"));
    mkdirSync(join(home, ".aws", "sso", "cache"), { recursive: true });
    controller = new AbortController();
    warnings = [];
    return () => rmSync(home, { recursive: true, force: true });
  });

  const locks = new Map<string, Promise<unknown>>();
  function effects(options: { cache?: boolean } = {}): Effects {
    const store = new CacheStore(join(home, ".aws", "cli", "cache"), { now: () => server.now() });
    return {
      env: { HOME: home },
      now: () => server.now(),
      signal: controller.signal,
      debug: () => {},
      warn: (m) => warnings.push(m),
      refresh: false,
      sts: () => Promise.reject(new Error("no STS here")),
      http: boundedTransport(controller.signal),
      runProcess: () => Promise.reject(new Error("no processes here")),
      readFile: (path) => readFileSync(path, "utf8"),
      writeSecretFile(path, text) {
        const temp = `${path}.tmp`;
        writeFileSync(temp, text, { mode: 0o600 });
        renameSync(temp, path);
      },
      async withLock(path, fn) {
        const before = locks.get(path) ?? Promise.resolve();
        const run = before.then(fn, fn);
        locks.set(path, run.catch(() => {}));
        return run;
      },
      cache: options.cache === false ? undefined : { read: (k) => store.read(k), write: (k, r) => store.write(k, r), withLock: (k, fn) => store.withLock(k, fn) },
      mfaCode: () => Promise.reject(new Error("no MFA here")),
    };
  }
  const env = () => ({ AWS_ENDPOINT_URL_SSO: server.url, AWS_ENDPOINT_URL_SSO_OIDC: server.url });
  const tokenPath = (name: string) => join(home, ".aws", "sso", "cache", ssoTokenFileName(name));
  function writeToken(name: string, fields: Record<string, unknown>): string {
    writeFileSync(tokenPath(name), JSON.stringify(fields), { mode: 0o600 });
    return tokenPath(name);
  }
  const calls = (action: string) => server.calls.filter((c) => c.action === action);

  it("GetRoleCredentials with the session's token, cached in the AWS CLI v2's body under its key", async () => {
    writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...server.oidc.issueToken({ userName: "alice" }) });
    const source = planOf(SESSION_CONFIG, "dev", env());
    const creds = await sso.resolve(source, effects());
    expect(creds.accountId).toBe("555555555555");
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(calls("GetRoleCredentials").map((c) => `${c.params.account_id}/${c.params.role_name}`)).toEqual(["555555555555/Developer"]);
    const file = join(home, ".aws", "cli", "cache", `${ssoKeyOf(source)}.json`);
    const text = readFileSync(file, "utf8");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const expiration = ssoTimestamp(creds.expiration!);
    expect(text).toBe(
      `{"ProviderType": "sso", "Credentials": {"AccessKeyId": "${creds.accessKeyId}", "SecretAccessKey": "${creds.secretAccessKey}", "SessionToken": "${creds.sessionToken}", "Expiration": "${expiration}", "AccountId": "555555555555"}}`,
    );
    expect(ssoKeyOf(source)).toBe(ssoRoleCacheKey({ accountId: "555555555555", roleName: "Developer", startUrl: START_URL, sessionName: "my-sso" }));
    // The second time is a cache hit, with no token read at all.
    rmSync(tokenPath("my-sso"));
    const again = await sso.resolve(source, effects());
    expect(again.accessKeyId).toBe(creds.accessKeyId);
    expect(again.accountId).toBe("555555555555");
    expect(calls("GetRoleCredentials")).toHaveLength(1);
  });

  it("the legacy form reads the file named by the start URL", async () => {
    const t = server.oidc.issueToken({ userName: "bob", legacy: true });
    writeToken(START_URL, { startUrl: START_URL, region: "us-east-1", accessToken: t.accessToken, expiresAt: t.expiresAt });
    await sso.resolve(planOf(SESSION_CONFIG, "legacy", env()), effects());
    expect(calls("GetRoleCredentials").map((c) => c.status)).toEqual([200]);
  });

  it("no token: botocore's message with both login commands", async () => {
    const error = await sso.resolve(planOf(SESSION_CONFIG, "dev", env()), effects()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsroleError);
    expect((error as AwsroleError).code).toBe("SsoTokenMissing");
    expect((error as AwsroleError).message).toContain("Error loading SSO Token: Token for my-sso does not exist");
    expect((error as AwsroleError).hint).toBe("Log in first: awsrole login --profile dev (or aws sso login --profile dev).");
    expect(server.calls).toHaveLength(0);
  });

  it("an expiring sso-session token is refreshed once, written back keeping the refresh token, and used", async () => {
    const t = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 300 });
    const path = writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...t });
    const source = planOf(SESSION_CONFIG, "dev", env());
    // Ten resolutions at once without the role cache: one refresh between them.
    await Promise.all(Array.from({ length: 10 }, () => sso.resolve(source, effects({ cache: false }))));
    expect(calls("CreateToken").map((c) => [c.params.grantType, c.status])).toEqual([["refresh_token", 200]]);
    const written = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    expect(Object.keys(written)).toEqual(["startUrl", "region", "accessToken", "expiresAt", "clientId", "clientSecret", "registrationExpiresAt", "refreshToken"]);
    expect(written.accessToken).not.toBe(t.accessToken);
    expect(written.refreshToken).toBe(t.refreshToken);
    expect(written.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(calls("GetRoleCredentials").every((c) => c.status === 200)).toBe(true);
  });

  it("expired, refresh refused: botocore's error naming profile, session and both commands; nothing cached", async () => {
    const t = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 1 });
    server.oidc.revokeRefreshToken(t.refreshToken!);
    writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...t });
    server.advanceClock(5);
    const error = (await sso.resolve(planOf(SESSION_CONFIG, "dev", env()), effects()).catch((e: unknown) => e)) as AwsroleError;
    expect(error.code).toBe("SsoTokenExpired");
    expect(error.message).toContain("Token has expired and refresh failed");
    expect(error.message).toContain('profile "dev", sso-session "my-sso"');
    expect(error.hint).toContain("awsrole login --profile dev");
    expect(error.hint).toContain("aws sso login --profile dev");
    expect(calls("CreateToken").map((c) => c.errorCode)).toEqual(["InvalidGrantException"]);
    expect(calls("GetRoleCredentials")).toHaveLength(0);
  });

  it("an expired legacy token is not refreshed: the AWS CLI's legacy message, no call", async () => {
    const t = server.oidc.issueToken({ userName: "bob", legacy: true, expiresInSeconds: 1 });
    writeToken(START_URL, { startUrl: START_URL, region: "us-east-1", accessToken: t.accessToken, expiresAt: t.expiresAt });
    server.advanceClock(5);
    const error = (await sso.resolve(planOf(SESSION_CONFIG, "legacy", env()), effects()).catch((e: unknown) => e)) as AwsroleError;
    expect(error.code).toBe("SsoTokenExpired");
    expect(error.message).toContain("The SSO session associated with this profile has expired or is otherwise invalid");
    expect(server.calls).toHaveLength(0);
  });

  it("no refresh once the client registration has expired", async () => {
    const t = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 300, registrationSeconds: 1 });
    writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...t });
    server.advanceClock(2);
    await sso.resolve(planOf(SESSION_CONFIG, "dev", env()), effects());
    expect(calls("CreateToken")).toHaveLength(0);
    expect(calls("GetRoleCredentials").map((c) => c.status)).toEqual([200]);
  });

  it("a role the user is not assigned: one sentence naming role, account and profile", async () => {
    writeToken("my-sso", { startUrl: START_URL, region: "us-east-1", ...server.oidc.issueToken({ userName: "bob" }) });
    const error = (await sso.resolve(planOf(SESSION_CONFIG, "dev", env()), effects()).catch((e: unknown) => e)) as AwsroleError;
    expect(error.code).toBe("SsoRoleForbidden");
    expect(error.message).toContain("role Developer in account 555555555555");
  });
});
