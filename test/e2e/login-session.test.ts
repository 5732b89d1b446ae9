// login_session profiles end to end (docs/login-session.md): the built CLI over a
// cache file seeded in the AWS CLI's format by the emulator's sign-in service
// (test/sts/signin.ts, which verifies each DPoP proof). The JS SDK's own login
// provider (fromIni / fromLoginCredentials) is the reference implementation:
// it reads what awsrole wrote back, and its STS calls for a role chain on a
// login profile are the ones awsrole must make.

import { fromIni } from "@aws-sdk/credential-provider-ini";
import { fromLoginCredentials } from "@aws-sdk/credential-provider-login";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsCall, type StsServer } from "../sts/server.js";
import type { LoginCacheFile } from "../sts/signin.js";
import { BIN, baseEnv, runRecorded, makeHome, parseEnvExport, runCli, type Home } from "./harness.js";

const CONSOLE_USER = "arn:aws:iam::555555555555:user/console-user";
const CHAIN_TARGET = "arn:aws:iam::555555555555:role/ChainTarget";
const CONFIG = `[profile console]
login_session = ${CONSOLE_USER}
region = us-east-1

[profile console-chain]
source_profile = console
role_arn = ${CHAIN_TARGET}
role_session_name = chain-from-login
region = us-east-1
`;

let server: StsServer;
const homes: Home[] = [];

beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
  for (const h of homes) h.remove();
});
beforeEach(() => server.reset());

/** A HOME with the config above and the seeded session in ~/.aws/login/cache. */
function seededHome(file: LoginCacheFile): { h: Home; env: Record<string, string>; path: string } {
  const h = makeHome({ config: CONFIG, credentials: "" });
  homes.push(h);
  const dir = join(h.awsDir, "login", "cache");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${createHash("sha256").update(CONSOLE_USER).digest("hex")}.json`);
  writeFileSync(path, JSON.stringify(file, null, 4), { mode: 0o600 });
  return { h, env: baseEnv(h, server, { AWS_ENDPOINT_URL_SIGNIN: server.url, AWS_REGION: "us-east-1" }), path };
}

const tokenCalls = (): StsCall[] => server.calls.filter((c) => c.action === "CreateOAuth2Token");
const readFile = (path: string): LoginCacheFile => JSON.parse(readFileSync(path, "utf8")) as LoginCacheFile;

/** What each call did, as the comparison with the SDK sees it. */
const shape = (calls: StsCall[]): string[] =>
  calls.map((c) =>
    [c.service ?? "sts", c.action, c.status, c.callerArn ?? "-", c.params.RoleArn ?? "", c.params.RoleSessionName ?? ""]
      .filter((part) => part !== "")
      .join(" "),
  );

/** The JS SDK with the same files and endpoints as the CLI gets (it reads process.env). */
async function withSdkEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const keys = [
    "HOME",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_LOGIN_CACHE_DIRECTORY",
    "AWS_ENDPOINT_URL_SIGNIN",
    "AWS_ENDPOINT_URL_STS",
    "AWS_REGION",
    "AWS_PROFILE",
  ];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, {
    HOME: env.HOME,
    AWS_CONFIG_FILE: join(env.HOME!, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(env.HOME!, ".aws", "credentials"),
    AWS_LOGIN_CACHE_DIRECTORY: join(env.HOME!, ".aws", "login", "cache"),
    AWS_ENDPOINT_URL_SIGNIN: env.AWS_ENDPOINT_URL_SIGNIN,
    AWS_ENDPOINT_URL_STS: env.AWS_ENDPOINT_URL_STS,
    AWS_REGION: env.AWS_REGION,
  });
  try {
    return await fn();
  } finally {
    for (const k of keys) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

describe("a login_session profile at the top", () => {
  it("keys with time left come straight from the AWS CLI's file: the warm path, no network, no SDK, no node:crypto", async () => {
    const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 900 });
    const { env } = seededHome(file);
    const { code, modules, stdout } = await runRecorded(["export", "console"], env);
    expect(code).toBe(0);
    const vars = parseEnvExport(stdout);
    expect(vars.AWS_ACCESS_KEY_ID).toBe(file.accessToken.accessKeyId);
    expect(vars.AWS_SESSION_TOKEN).toBe(file.accessToken.sessionToken);
    expect(server.calls).toEqual([]);
    expect(modules.filter((m) => m.startsWith("/"))).toEqual([BIN]);
    expect(
      modules.filter((m) => m.startsWith("read:") && (m.includes("node_modules") || m.endsWith("cli.cjs"))),
    ).toEqual([]);
    expect(modules).not.toContain("node:crypto");
    expect(modules).not.toContain("node:http");
  });

  it("near expiry: one DPoP refresh, the file rewritten (0600) in the CLI's format, and the JS SDK's provider reads it without refreshing again", async () => {
    const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 200 });
    const { h, env, path } = seededHome(file);
    const result = await runCli(["export", "console", "--format", "json"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const exported = JSON.parse(result.stdout) as { AccessKeyId: string; Expiration: string };
    expect(exported.AccessKeyId).not.toBe(file.accessToken.accessKeyId);
    expect(shape(tokenCalls())).toEqual(["signin CreateOAuth2Token 200 -"]);
    const written = readFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(written.accessToken.accessKeyId).toBe(exported.AccessKeyId);
    expect(written.refreshToken).toBe(file.refreshToken);
    expect(written.dpopKey).toBe(file.dpopKey);
    expect(readdirSync(join(h.awsDir, "login", "cache"))).toEqual([path.split("/").pop()]);

    server.reset();
    const sdk = await withSdkEnv(env, () => fromLoginCredentials({ profile: "console" })());
    expect(sdk.accessKeyId).toBe(exported.AccessKeyId);
    expect(tokenCalls()).toEqual([]);
    // And the keys work.
    const whoami = await runCli(["whoami", "--profile", "console", "--output", "json"], env);
    expect(JSON.parse(whoami.stdout).Arn).toBe(CONSOLE_USER);
  });

  it("a file the JS SDK refreshed (its own JSON layout) is read by awsrole", async () => {
    const { env, path } = seededHome(
      server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5, pkcs8: true }),
    );
    const sdk = await withSdkEnv(env, () => fromLoginCredentials({ profile: "console" })());
    server.reset();
    const result = await runCli(["export", "console", "--format", "json"], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).AccessKeyId).toBe(sdk.accessKeyId);
    expect(server.calls).toEqual([]);
    expect(readFile(path).accessToken.accessKeyId).toBe(sdk.accessKeyId);
  });

  it.each([
    ["TOKEN_EXPIRED", /has expired or its credentials have changed/],
    ["USER_CREDENTIALS_CHANGED", /has expired or its credentials have changed/],
    ["INSUFFICIENT_PERMISSIONS", /lacks permission for signin:CreateOAuth2Token/],
  ] as const)(
    "a refresh refused with %s: exit 1, the message and the next step on stderr, nothing on stdout, no secret",
    async (refusal, message) => {
      const file = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 });
      server.signin.revokeSession(file.refreshToken, refusal);
      const { env, path } = seededHome(file);
      const result = await runCli(["export", "console"], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain("awsrole login --console --profile console");
      expect(result.stderr).toContain("aws login --profile console");
      expect(result.stderr).not.toMatch(/\n\s+at /);
      for (const secret of [
        file.accessToken.secretAccessKey,
        file.accessToken.sessionToken,
        file.refreshToken,
        "PRIVATE KEY",
      ])
        expect(result.stderr).not.toContain(secret);
      expect(readFile(path)).toEqual(file);
      expect(shape(tokenCalls())).toEqual(["signin CreateOAuth2Token 400 -"]);
    },
  );

  it("no cache file: exit 1, names the file and says to sign in", async () => {
    const h = makeHome({ config: CONFIG, credentials: "" });
    homes.push(h);
    const result = await runCli(["export", "console"], baseEnv(h, server, { AWS_ENDPOINT_URL_SIGNIN: server.url }));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`its cache file ${join(h.awsDir, "login", "cache")}/`);
    expect(result.stderr).toContain("awsrole login --console --profile console");
  });

  it("chain names the login session and its cache file", async () => {
    const { env, path } = seededHome(server.signin.createLoginSession(CONSOLE_USER));
    const result = await runCli(["chain", "console-chain"], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `source: console login session ${CONSOLE_USER} of profile "console" (keys in ${path}, refreshed through AWS_ENDPOINT_URL_SIGNIN)`,
    );
    expect(server.calls).toEqual([]);
  });
});

describe("the other commands know the kind", () => {
  it("whoami names the console login session; cache list shows it beside the role sessions; doctor lists the profile as login-session", async () => {
    const { env, path } = seededHome(server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 900 }));
    const whoami = await runCli(["whoami", "--profile", "console"], env);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toMatch(
      new RegExp(
        `^Login +console login session ${CONSOLE_USER} \\(keys renewed until the sign-in ends, at most 12 hours\\)$`,
        "m",
      ),
    );
    expect((await runCli(["export", "console-chain"], env)).code).toBe(0);

    const list = JSON.parse((await runCli(["cache", "list", "--output", "json"], env)).stdout) as Array<{
      kind: string;
      profiles: string[];
      file: string;
      usable: boolean;
      arn: string;
    }>;
    expect(list.map((r) => [r.kind, r.profiles, r.usable])).toEqual([
      ["assume-role", ["console-chain"], true],
      ["login-session", ["console"], true],
    ]);
    expect(list[1]!.file).toBe(path);
    expect(list[1]!.arn).toBe(CONSOLE_USER);
    const text = await runCli(["cache", "list"], env);
    expect(text.stdout).toContain(`Console login sessions in ~/.aws/login/cache:\nconsole: keys usable, `);
    expect(text.stdout).toContain(`  ${CONSOLE_USER}\n  ${path.split("/").pop()}\n`);
    // cache clear forgets role sessions only; ending a sign-in is logout --console.
    expect((await runCli(["cache", "clear"], env)).code).toBe(0);
    expect(existsSync(path)).toBe(true);

    const doctor = JSON.parse((await runCli(["doctor", "--output", "json"], env)).stdout) as {
      profiles: Array<{ name: string; kind: string; account?: string }>;
    };
    expect(doctor.profiles.find((p) => p.name === "console")).toMatchObject({
      kind: "login-session",
      account: "555555555555",
    });
  });
});

describe("a role chain on a login_session profile", () => {
  it("makes the same calls as the JS SDK's fromIni: the refresh, then AssumeRole as the console identity", async () => {
    const sdkHome = seededHome(server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 }));
    await withSdkEnv(sdkHome.env, () => fromIni({ profile: "console-chain" })());
    const sdkCalls = shape(server.calls);
    // The one difference: the JS SDK always sends DurationSeconds=3600; awsrole sends it only
    // when duration_seconds is set, as botocore does (STS's default is the same 3600).
    const sdkDuration = server.calls.map((c) => c.params.DurationSeconds);
    server.reset();
    const ours = seededHome(server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 }));
    const result = await runCli(["export", "console-chain"], ours.env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(shape(server.calls)).toEqual(sdkCalls);
    expect(sdkDuration).toEqual([undefined, "3600"]);
    expect(server.calls.map((c) => c.params.DurationSeconds)).toEqual([undefined, undefined]);
    expect(sdkCalls).toEqual([
      "signin CreateOAuth2Token 200 -",
      `sts AssumeRole 200 ${CONSOLE_USER} ${CHAIN_TARGET} chain-from-login`,
    ]);
    // The hop is cached as any role hop; the login file was refreshed once.
    server.reset();
    expect((await runCli(["export", "console-chain"], ours.env)).code).toBe(0);
    expect(server.calls).toEqual([]);
  });
});

describe("stampede", () => {
  it("twenty processes on an expiring session refresh it once; all get the same keys; no .tmp or .lock is left", async () => {
    const { h, env, path } = seededHome(server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 60 }));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runCli(["export", "console"], env, { timeoutMs: 60_000 })),
    );
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    expect(tokenCalls()).toHaveLength(1);
    const keys = new Set(results.map((r) => parseEnvExport(r.stdout).AWS_ACCESS_KEY_ID));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toBe(readFile(path).accessToken.accessKeyId);
    const dir = join(h.awsDir, "login", "cache");
    expect(readdirSync(dir)).toEqual([path.split("/").pop()]);
    expect(existsSync(path.replace(/\.json$/, ".lock"))).toBe(false);
  }, 90_000);
});
