// The console-login kind (src/core/kinds/login-session.ts) in process, over real
// files and the emulator's sign-in token endpoint (test/sts/signin.ts, which
// verifies the DPoP proof). The effects are built here from node:fs and fetch;
// offline effects (the warm path's) throw NeedsOnline for the lock and the
// network, and the kind must not reach either while the keys are valid.
// The JS SDK's own login provider reads what awsrole wrote back.

import { fromLoginCredentials } from "@aws-sdk/credential-provider-login";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildConfig } from "../../../src/core/config.js";
import { NeedsOnline, type Effects } from "../../../src/core/effects.js";
import { parseIni } from "../../../src/core/ini.js";
import {
  loginCacheFile,
  loginSessionKind,
  signinTokenUrl,
  type LoginSessionSource,
} from "../../../src/core/kinds/login-session.js";
import type { PlanContext } from "../../../src/core/kinds/types.js";
import { AwsroleError } from "../../../src/errors.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../../sts/server.js";
import type { LoginCacheFile } from "../../sts/signin.js";
import { sts } from "../../emulator/helpers.js";

const CONSOLE_USER = "arn:aws:iam::555555555555:user/console-user";
let server: StsServer;
let dir: string;

beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH), loginKeySeconds: 900 });
  dir = mkdtempSync(join(tmpdir(), "awsrole-login-kind-"));
  writeFileSync(join(dir, "sdk-config"), CONFIG);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => server.reset());

function context(config: string, env: Record<string, string> = {}): PlanContext {
  const paths = { configPath: join(dir, "config"), credentialsPath: join(dir, "credentials") };
  return {
    config: buildConfig(parseIni(config, paths.configPath), parseIni("", paths.credentialsPath), paths),
    env,
    topLevel: true,
    profileFromFlag: false,
  };
}

function planOf(config: string, env: Record<string, string>, name = "console"): LoginSessionSource {
  const at = context(config, env);
  const profile = at.config.profiles.get(name)!;
  expect(loginSessionKind.uses(profile, at)).toBe(true);
  return loginSessionKind.plan(profile, at);
}

const CONFIG = `[profile console]\nlogin_session = ${CONSOLE_USER}\nregion = us-east-1\n`;

interface Recorded {
  fx: Effects;
  warnings: string[];
  http: number;
  locks: number;
  writes: string[];
}

/** Online effects over real files and loopback HTTP; `offline` makes the lock and the network throw NeedsOnline. */
function effects(options: { offline?: boolean; refresh?: boolean; now?: () => Date } = {}): Recorded {
  const r: Recorded = { fx: undefined as unknown as Effects, warnings: [], http: 0, locks: 0, writes: [] };
  const online = (what: string): never => {
    throw new NeedsOnline(what);
  };
  r.fx = {
    env: {},
    now: options.now ?? (() => new Date()),
    signal: new AbortController().signal,
    debug: () => {},
    warn: (m) => r.warnings.push(m),
    refresh: options.refresh ?? false,
    sts: () => online("sts"),
    async http(request) {
      if (options.offline) online("http");
      r.http++;
      const response = await fetch(request.url, {
        method: request.method ?? "GET",
        headers: request.headers ?? {},
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
    },
    runProcess: () => online("process"),
    readFile: (path) => readFileSync(path, "utf8"),
    writeSecretFile(path, text) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
      r.writes.push(path);
    },
    async withLock(_path, fn) {
      if (options.offline) online("lock");
      r.locks++;
      return fn();
    },
    cache: undefined,
    mfaCode: () => online("prompt"),
  };
  return r;
}

let seq = 0;
/** A fresh cache directory with the seeded session in it; returns the env that points at it. */
function seeded(file: LoginCacheFile, arn = CONSOLE_USER): { env: Record<string, string>; path: string } {
  const cache = join(dir, `cache-${++seq}`);
  mkdirSync(cache);
  const path = join(cache, `${createHash("sha256").update(arn).digest("hex")}.json`);
  writeFileSync(path, JSON.stringify(file), { mode: 0o600 });
  return { env: { AWS_LOGIN_CACHE_DIRECTORY: cache, AWS_ENDPOINT_URL_SIGNIN: server.url }, path };
}

const tokenCalls = () => server.calls.filter((c) => c.action === "CreateOAuth2Token");

describe("planning a login_session profile", () => {
  it("names the cache file by the SHA-256 of the ARN (the shared test vector), under AWS_LOGIN_CACHE_DIRECTORY or ~/.aws/login/cache", () => {
    const arn = "arn:aws:sts::012345678910:assumed-role/Admin/admin";
    expect(loginCacheFile(arn, { HOME: "/home/u" })).toBe(
      "/home/u/.aws/login/cache/4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json",
    );
    expect(loginCacheFile(arn, { HOME: "/home/u", AWS_LOGIN_CACHE_DIRECTORY: "/x/y/" })).toBe(
      "/x/y/4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json",
    );
    expect(planOf(CONFIG, { HOME: "/h" }).cacheFile).toBe(
      `/h/.aws/login/cache/${createHash("sha256").update(CONSOLE_USER).digest("hex")}.json`,
    );
  });

  it("is not used by a profile without login_session (or with an empty one)", () => {
    const at = context("[profile keys]\naws_access_key_id = AKIA\n[profile empty]\nlogin_session =\n");
    expect(loginSessionKind.uses(at.config.profiles.get("keys")!, at)).toBe(false);
    expect(loginSessionKind.uses(at.config.profiles.get("empty")!, at)).toBe(false);
  });

  it.each([
    [
      { AWS_ENDPOINT_URL_SIGNIN: "http://127.0.0.1:1/", AWS_ENDPOINT_URL: "http://127.0.0.1:2" },
      "",
      "http://127.0.0.1:1/v1/token",
    ],
    [{ AWS_ENDPOINT_URL: "http://127.0.0.1:2" }, "", "http://127.0.0.1:2/v1/token"],
    [
      {},
      "services = local\nendpoint_url = http://127.0.0.1:4\n[services local]\nsignin =\n  endpoint_url = http://127.0.0.1:3\n",
      "http://127.0.0.1:3/v1/token",
    ],
    [{}, "endpoint_url = http://127.0.0.1:4\n", "http://127.0.0.1:4/v1/token"],
    [
      { AWS_ENDPOINT_URL_SIGNIN: "http://127.0.0.1:1", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      "",
      "https://us-east-1.signin.aws.amazon.com/v1/token",
    ],
    [{}, "", "https://us-east-1.signin.aws.amazon.com/v1/token"],
  ])("the token endpoint with %j and config %j is %s", (env, extra, url) => {
    const source = planOf(`${CONFIG}${extra}`, env);
    expect(signinTokenUrl(source, {})).toBe(url);
  });

  it("the default endpoint follows the partition, and the cache file's signInRegion wins over the profile's region", () => {
    const base = `[profile console]\nlogin_session = ${CONSOLE_USER}\n`;
    expect(signinTokenUrl(planOf(`${base}region = cn-north-1\n`, {}), {})).toBe(
      "https://cn-north-1.signin.amazonaws.cn/v1/token",
    );
    expect(signinTokenUrl(planOf(`${base}region = us-gov-west-1\n`, {}), {})).toBe(
      "https://us-gov-west-1.signin.amazonaws-us-gov.com/v1/token",
    );
    expect(signinTokenUrl(planOf(`${base}region = eu-west-1\n`, {}), { signInRegion: "eu-central-1" })).toBe(
      "https://eu-central-1.signin.aws.amazon.com/v1/token",
    );
    expect(signinTokenUrl(planOf(base, { AWS_REGION: "ap-south-1" }), {})).toBe(
      "https://ap-south-1.signin.aws.amazon.com/v1/token",
    );
    expect(() => signinTokenUrl(planOf(base, {}), {})).toThrow(/no region is set/);
  });
});

describe("resolving a login session", () => {
  it("keys with more than 5 minutes left come from the file alone: no lock, no network (the warm path's offline effects suffice)", async () => {
    const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 900 });
    const { env } = seeded(file);
    const r = effects({ offline: true });
    const credentials = await loginSessionKind.resolve(planOf(CONFIG, env), r.fx);
    expect(credentials).toEqual({
      accessKeyId: file.accessToken.accessKeyId,
      secretAccessKey: file.accessToken.secretAccessKey,
      sessionToken: file.accessToken.sessionToken,
      accountId: "555555555555",
      expiration: new Date(file.accessToken.expiresAt),
    });
    expect(tokenCalls()).toEqual([]);
  });

  it("near expiry, offline effects stop at the lock (the full CLI takes over)", async () => {
    const { env } = seeded(server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 120 }));
    await expect(loginSessionKind.resolve(planOf(CONFIG, env), effects({ offline: true }).fx)).rejects.toBeInstanceOf(
      NeedsOnline,
    );
    expect(tokenCalls()).toEqual([]);
  });

  it.each([
    ["SEC1 (EC PRIVATE KEY, as the AWS CLI writes it)", false],
    ["PKCS#8 (PRIVATE KEY, as the shared SDK test cases hold it)", true],
  ])(
    "within 5 minutes of expiry, refreshes with a DPoP proof from a %s key, writes the file back 0600, and STS takes the new keys",
    async (_name, pkcs8) => {
      const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 240, pkcs8 });
      const { env, path } = seeded(file);
      const r = effects();
      const credentials = await loginSessionKind.resolve(planOf(CONFIG, env), r.fx);
      expect(tokenCalls()).toEqual([expect.objectContaining({ service: "signin", status: 200 })]);
      expect(r.locks).toBe(1);
      expect(credentials.accessKeyId).not.toBe(file.accessToken.accessKeyId);
      const left = credentials.expiration!.getTime() - Date.now();
      expect(left).toBeGreaterThan(850_000);
      expect(left).toBeLessThanOrEqual(901_000);
      const written = JSON.parse(readFileSync(path, "utf8")) as LoginCacheFile;
      expect(statSync(path).mode & 0o777).toBe(0o600);
      // Every field the AWS CLI wrote is kept; only the keys and their expiry change.
      expect(written).toEqual({
        ...file,
        accessToken: {
          ...file.accessToken,
          accessKeyId: credentials.accessKeyId,
          secretAccessKey: credentials.secretAccessKey,
          sessionToken: credentials.sessionToken,
          expiresAt: written.accessToken.expiresAt,
        },
      });
      expect(written.accessToken.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect((await sts(server, credentials).send(new GetCallerIdentityCommand({}))).Arn).toBe(CONSOLE_USER);
      // The JS SDK's own login provider reads the refreshed file and finds the keys valid: no second refresh.
      const saved = process.env.AWS_LOGIN_CACHE_DIRECTORY;
      process.env.AWS_LOGIN_CACHE_DIRECTORY = dirname(path);
      try {
        const sdk = await fromLoginCredentials({ profile: "console", configFilepath: join(dir, "sdk-config") })();
        expect(sdk.accessKeyId).toBe(credentials.accessKeyId);
        expect(sdk.expiration!.getTime()).toBe(credentials.expiration!.getTime());
      } finally {
        if (saved === undefined) delete process.env.AWS_LOGIN_CACHE_DIRECTORY;
        else process.env.AWS_LOGIN_CACHE_DIRECTORY = saved;
      }
      expect(tokenCalls()).toHaveLength(1);
    },
  );

  it("a file another process refreshed while we waited for the lock is used as it is", async () => {
    const stale = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 60 });
    const { env, path } = seeded(stale);
    const fresh = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 900 });
    const r = effects();
    const lock = r.fx.withLock;
    r.fx.withLock = (p, fn) => {
      writeFileSync(path, JSON.stringify(fresh), { mode: 0o600 });
      return lock(p, fn);
    };
    const credentials = await loginSessionKind.resolve(planOf(CONFIG, env), r.fx);
    expect(credentials.accessKeyId).toBe(fresh.accessToken.accessKeyId);
    expect(tokenCalls()).toEqual([]);
  });

  it("--refresh refreshes keys that are still valid", async () => {
    const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 900 });
    const { env } = seeded(file);
    const credentials = await loginSessionKind.resolve(planOf(CONFIG, env), effects({ refresh: true }).fx);
    expect(credentials.accessKeyId).not.toBe(file.accessToken.accessKeyId);
    expect(tokenCalls()).toHaveLength(1);
  });

  it.each([
    [
      "TOKEN_EXPIRED",
      "LoginSessionExpired",
      /has expired or its credentials have changed \(the sign-in service answered TOKEN_EXPIRED\)/,
    ],
    ["USER_CREDENTIALS_CHANGED", "LoginSessionExpired", /has expired or its credentials have changed/],
    ["INSUFFICIENT_PERMISSIONS", "LoginNotPermitted", /lacks permission for signin:CreateOAuth2Token/],
  ] as const)(
    "a refresh refused with %s is the error %s naming the profile and the next step, with no secret in it",
    async (refusal, code, message) => {
      const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 });
      server.signin.revokeSession(file.refreshToken, refusal);
      const { env, path } = seeded(file);
      const error = (await loginSessionKind
        .resolve(planOf(CONFIG, env), effects().fx)
        .catch((e: unknown) => e)) as AwsroleError;
      expect(error).toBeInstanceOf(AwsroleError);
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
      expect(error.message).toContain('profile "console"');
      expect(error.hint).toContain("awsrole login --console --profile console");
      expect(error.hint).toContain("aws login --profile console");
      for (const secret of [
        file.accessToken.secretAccessKey,
        file.accessToken.sessionToken,
        file.refreshToken,
        file.dpopKey,
      ]) {
        expect(`${error.message} ${error.hint}`).not.toContain(secret);
      }
      // A refused refresh leaves the file as it was.
      expect(JSON.parse(readFileSync(path, "utf8"))).toEqual(file);
    },
  );

  it("a sign-in endpoint that fails (HTTP 500) while the keys are still valid: a warning, and the keys serve until they expire", async () => {
    const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 120 });
    const { env } = seeded(file);
    server.injectServiceFault("signin", "http500");
    const r = effects();
    const credentials = await loginSessionKind.resolve(planOf(CONFIG, env), r.fx);
    expect(credentials.accessKeyId).toBe(file.accessToken.accessKeyId);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /could not refresh the console login session of profile "console": .*HTTP 500.*using its keys until they expire/,
      ),
    ]);
  });

  it("the same failure with expired keys is an error", async () => {
    const { env } = seeded(server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 }));
    server.injectServiceFault("signin", "http500");
    await expect(loginSessionKind.resolve(planOf(CONFIG, env), effects().fx)).rejects.toMatchObject({
      code: "LoginRefreshFailed",
      message: expect.stringMatching(/has expired keys and could not be refreshed: .*HTTP 500/),
    });
  });

  it("a proof from a key the session is not bound to is refused by the endpoint (the emulator checks the proof)", async () => {
    const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 });
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ format: "pem", type: "sec1" })
      .toString();
    const { env } = seeded({ ...file, dpopKey: other });
    await expect(loginSessionKind.resolve(planOf(CONFIG, env), effects().fx)).rejects.toMatchObject({
      code: "LoginRefreshFailed",
    });
    expect(tokenCalls()).toEqual([expect.objectContaining({ status: 400, errorCode: "ValidationException" })]);
  });

  it("a missing cache file names the file and says to sign in", async () => {
    const source = planOf(CONFIG, { AWS_LOGIN_CACHE_DIRECTORY: join(dir, "nowhere") });
    await expect(loginSessionKind.resolve(source, effects({ offline: true }).fx)).rejects.toMatchObject({
      code: "LoginCacheMissing",
      message: `Profile "console" uses the console login session ${CONSOLE_USER}, but its cache file ${source.cacheFile} does not exist.`,
      hint: expect.stringContaining("awsrole login --console --profile console"),
    });
  });

  it.each([
    ["not JSON", "{", /is not valid JSON/],
    [
      "without a refresh token",
      (f: LoginCacheFile) => JSON.stringify({ ...f, refreshToken: "" }),
      /lacks refreshToken/,
    ],
    [
      "without an account id",
      (f: LoginCacheFile) => JSON.stringify({ ...f, accessToken: { ...f.accessToken, accountId: undefined } }),
      /lacks accessToken\.accountId/,
    ],
    [
      "with a key that is not P-256",
      (f: LoginCacheFile) =>
        JSON.stringify({
          ...f,
          accessToken: { ...f.accessToken, expiresAt: "2000-01-01T00:00:00Z" },
          dpopKey: generateKeyPairSync("ec", { namedCurve: "secp384r1" })
            .privateKey.export({ format: "pem", type: "sec1" })
            .toString(),
        }),
      /dpopKey .* cannot sign: it is not a P-256/,
    ],
    [
      "with a key that is not PEM",
      (f: LoginCacheFile) =>
        JSON.stringify({
          ...f,
          accessToken: { ...f.accessToken, expiresAt: "2000-01-01T00:00:00Z" },
          dpopKey: "nonsense",
        }),
      /dpopKey .* cannot sign: it is not a PEM private key/,
    ],
  ])("a cache file %s is a clear error", async (_name, content, message) => {
    const file = server.signin.createLoginSession(CONSOLE_USER);
    const { env, path } = seeded(file);
    writeFileSync(path, typeof content === "string" ? content : content(file));
    const error = (await loginSessionKind
      .resolve(planOf(CONFIG, env), effects().fx)
      .catch((e: unknown) => e)) as AwsroleError;
    expect(error).toMatchObject({ code: "LoginCacheInvalid", message });
    expect(error.message).not.toContain("-----BEGIN");
    expect(tokenCalls()).toEqual([]);
  });

  it("describes itself and its cache entry", () => {
    const source = planOf(CONFIG, { HOME: "/h" });
    expect(loginSessionKind.describe(source)).toBe('the console login session of profile "console"');
    expect(loginSessionKind.cacheKeys!(source)).toEqual([
      {
        key: createHash("sha256").update(CONSOLE_USER).digest("hex"),
        store: "login",
        what: `console login session ${CONSOLE_USER}`,
      },
    ]);
  });
});
