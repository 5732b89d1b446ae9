// The emulator's sign-in token endpoint (`aws login`, login_session profiles). The JS SDK's own
// login provider (@aws-sdk/credential-provider-login, also reached through fromIni) is the
// reference client: it refreshes a seeded cache file in the AWS CLI's format against the
// emulator with a DPoP proof, and the emulator refuses proofs that are wrong. The DPoP checks
// are also unit-tested one by one, and the browser flow (authorize, code, PKCE) over raw HTTP.

import { GetCallerIdentityCommand, AssumeRoleCommand } from "@aws-sdk/client-sts";
import { fromIni } from "@aws-sdk/credential-provider-ini";
import { fromLoginCredentials } from "@aws-sdk/credential-provider-login";
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { DpopError, jwkThumbprint, SAME_DEVICE_CLIENT, verifyDpopProof, type LoginCacheFile } from "../sts/signin.js";
import { sts } from "./helpers.js";

const CONSOLE_USER = "arn:aws:iam::555555555555:user/console-user";
const CONSOLE_ROLE_SESSION = "arn:aws:sts::555555555555:assumed-role/ConsoleAdmin/admin";

let server: StsServer;
let dir: string;
const saved: Record<string, string | undefined> = {};
const ENV = [
  "AWS_LOGIN_CACHE_DIRECTORY",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_ENDPOINT_URL_SIGNIN",
  "AWS_ENDPOINT_URL_STS",
  "AWS_PROFILE",
  "AWS_REGION",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_EC2_METADATA_DISABLED",
];

beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH), loginKeySeconds: 900 });
  dir = mkdtempSync(join(tmpdir(), "awsrole-signin-"));
  mkdirSync(join(dir, "cache"));
  writeFileSync(
    join(dir, "config"),
    `[profile console]
login_session = ${CONSOLE_USER}
region = us-east-1

[profile console-admin]
login_session = ${CONSOLE_ROLE_SESSION}
region = us-east-1

[profile console-chain]
source_profile = console
role_arn = arn:aws:iam::555555555555:role/ChainTarget
role_session_name = chain-from-login
region = us-east-1
`,
  );
  for (const k of ENV) saved[k] = process.env[k];
  for (const k of ENV) delete process.env[k];
  Object.assign(process.env, {
    AWS_LOGIN_CACHE_DIRECTORY: join(dir, "cache"),
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    // The doc's endpoint variable for sign-in: the SDK's signin client must honour it.
    AWS_ENDPOINT_URL_SIGNIN: server.url,
    AWS_ENDPOINT_URL_STS: server.url,
    AWS_EC2_METADATA_DISABLED: "true",
  });
});
afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  server.reset();
});

const cachePath = (arn: string): string =>
  join(dir, "cache", `${createHash("sha256").update(arn, "utf8").digest("hex")}.json`);
function seed(arn: string, file: LoginCacheFile): string {
  writeFileSync(cachePath(arn), JSON.stringify(file), { mode: 0o600 });
  return cachePath(arn);
}
const tokenCalls = (): Array<{ status: number; errorCode?: string }> =>
  server.calls.filter((c) => c.action === "CreateOAuth2Token");

describe("the JS SDK's login provider against the sign-in endpoint", () => {
  it("the cache file name is the shared test vector", () => {
    expect(
      cachePath("arn:aws:sts::012345678910:assumed-role/Admin/admin").endsWith(
        "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json",
      ),
    ).toBe(true);
  });

  it("refreshes keys near expiry with a DPoP proof, writes them back, and STS accepts the new keys", async () => {
    const seeded = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: 60 });
    const path = seed(CONSOLE_USER, seeded);
    const credentials = await fromLoginCredentials({ profile: "console" })();
    expect(tokenCalls()).toEqual([expect.objectContaining({ service: "signin", status: 200 })]);
    expect(credentials.accessKeyId).not.toBe(seeded.accessToken.accessKeyId);
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.accountId).toBe("555555555555");
    const lifetime = credentials.expiration!.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(850_000);
    expect(lifetime).toBeLessThan(905_000);
    const written = JSON.parse(readFileSync(path, "utf8")) as LoginCacheFile;
    expect(written.accessToken.accessKeyId).toBe(credentials.accessKeyId);
    expect(written.refreshToken).toBe(seeded.refreshToken);
    const identity = await sts(server, credentials).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(CONSOLE_USER);
    // Valid keys: no second refresh.
    await fromLoginCredentials({ profile: "console" })();
    expect(tokenCalls()).toHaveLength(1);
  });

  it("keys that expire within seconds (keySeconds) are refreshed again on the next use", async () => {
    server.signin.keySeconds = 2;
    try {
      seed(
        CONSOLE_ROLE_SESSION,
        server.signin.createLoginSession(CONSOLE_ROLE_SESSION, { expiresInSeconds: -1, pkcs8: true }),
      );
      const first = await fromLoginCredentials({ profile: "console-admin" })();
      expect((await sts(server, first).send(new GetCallerIdentityCommand({}))).Arn).toBe(CONSOLE_ROLE_SESSION);
      await new Promise((r) => setTimeout(r, 2100));
      await expect(sts(server, first).send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: "ExpiredToken",
      });
      const second = await fromLoginCredentials({ profile: "console-admin" })();
      expect(second.accessKeyId).not.toBe(first.accessKeyId);
      expect(tokenCalls()).toHaveLength(2);
    } finally {
      server.signin.keySeconds = 900;
    }
  });

  it("fromIni: a role chain on a login_session profile refreshes the login keys and uses them as the AssumeRole source", async () => {
    seed(CONSOLE_USER, server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 }));
    const credentials = await fromIni({ profile: "console-chain" })();
    const identity = await sts(server, credentials).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe("arn:aws:sts::555555555555:assumed-role/ChainTarget/chain-from-login");
    const order = server.calls.map((c) => `${c.action}:${c.callerArn ?? "-"}`);
    expect(order.slice(0, 2)).toEqual(["CreateOAuth2Token:-", `AssumeRole:${CONSOLE_USER}`]);
  });

  it("a proof signed with another key than the session's is refused, and the SDK reports it", async () => {
    const seeded = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 });
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" })
      .privateKey.export({ format: "pem", type: "sec1" })
      .toString();
    seed(CONSOLE_USER, { ...seeded, dpopKey: other });
    await expect(fromLoginCredentials({ profile: "console" })()).rejects.toThrow(
      /Invalid DPoP proof: the key is not the one the refresh token is bound to/,
    );
    expect(tokenCalls()).toEqual([expect.objectContaining({ status: 400, errorCode: "ValidationException" })]);
  });

  it.each([
    ["USER_CREDENTIALS_CHANGED", /change in your password/],
    ["INSUFFICIENT_PERMISSIONS", /missing permission for the 'CreateOAuth2Token' action/],
    ["TOKEN_EXPIRED", /Your session has expired/],
  ] as const)("a session ended with %s gives the SDK's message for it", async (error, message) => {
    const seeded = server.signin.createLoginSession(CONSOLE_USER, { expiresInSeconds: -5 });
    server.signin.revokeSession(seeded.refreshToken, error);
    seed(CONSOLE_USER, seeded);
    await expect(fromLoginCredentials({ profile: "console" })()).rejects.toThrow(message);
    expect(tokenCalls()).toEqual([expect.objectContaining({ status: 400, errorCode: "AccessDeniedException" })]);
  });
});

// --- DPoP, unit by unit ---------------------------------------------------------------------

function proof(key: KeyObject, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const jwk = createPublicKey(key).export({ format: "jwk" });
  const h = Buffer.from(
    JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, ...header }),
  ).toString("base64url");
  const p = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const s = sign("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
  return `${h}.${p}.${s}`;
}

describe("DPoP proof verification", () => {
  const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
  const url = "http://127.0.0.1:1234/v1/token";
  const now = 1_800_000_000;
  const claims = (): Record<string, unknown> => ({ htm: "POST", htu: url, iat: now, jti: randomUUID() });
  const check = (seen = new Set<string>()) => ({
    method: "POST",
    url,
    nowSeconds: now,
    maxAgeSeconds: 300,
    seenJtis: seen,
  });
  const refused = (text: string | undefined, why: RegExp): void => {
    expect(() => verifyDpopProof(text, check())).toThrow(DpopError);
    expect(() => verifyDpopProof(text, check())).toThrow(why);
  };

  it("RFC 9449's example key has the RFC's thumbprint", () => {
    expect(
      jwkThumbprint({
        kty: "EC",
        crv: "P-256",
        x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs",
        y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA",
      }),
    ).toBe("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I");
  });

  it("accepts a good proof and returns the key's thumbprint; the same jti twice is refused", () => {
    const seen = new Set<string>();
    const good = proof(key, claims());
    const jwk = createPublicKey(key).export({ format: "jwk" }) as { crv: string; kty: string; x: string; y: string };
    expect(verifyDpopProof(good, check(seen))).toBe(jwkThumbprint(jwk));
    expect(() => verifyDpopProof(good, check(seen))).toThrow(/already used/);
  });

  it("refuses each broken part", () => {
    refused(undefined, /missing/);
    refused("a.b", /compact JWS/);
    refused(proof(key, claims(), { typ: "JWT" }), /typ must be dpop\+jwt/);
    refused(proof(key, claims(), { alg: "RS256" }), /alg must be ES256/);
    refused(proof(key, claims(), { jwk: { kty: "EC", crv: "P-384", x: "a", y: "b" } }), /P-256/);
    const d = createPublicKey(key).export({ format: "jwk" });
    refused(proof(key, claims(), { jwk: { kty: "EC", crv: "P-256", x: d.x, y: d.y, d: "secret" } }), /private key/);
    const other = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const [h] = proof(key, claims()).split(".");
    const [, p, s] = proof(other, claims()).split(".");
    refused(`${h}.${p}.${s}`, /signature does not verify/);
    refused(proof(key, { ...claims(), htm: "GET" }), /htm/);
    refused(proof(key, { ...claims(), htu: "http://127.0.0.1:1234/v1/token?x=1" }), /htu/);
    refused(proof(key, { ...claims(), iat: now - 301 }), /iat/);
    refused(proof(key, { ...claims(), iat: String(now) }), /iat/);
    refused(proof(key, { ...claims(), jti: undefined }), /jti is missing/);
  });
});

// --- the browser flow -----------------------------------------------------------------------

describe("the same-device login flow over HTTP", () => {
  it("authorize waits for the console sign-in, redirects with code and state; the code with PKCE and DPoP gives keys STS accepts", async () => {
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const verifier = "x".repeat(20) + randomUUID().replace(/-/g, "") + "y".repeat(12);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const redirect = "http://127.0.0.1:45678/oauth/callback";
    const query = new URLSearchParams({
      response_type: "code",
      client_id: SAME_DEVICE_CLIENT,
      state: "st-1",
      code_challenge_method: "SHA-256",
      scope: "openid",
      redirect_uri: redirect,
      code_challenge: challenge,
    });
    const browser = fetch(`${server.url}/v1/authorize?${query}`, { redirect: "manual" });
    for (let i = 0; i < 100 && server.signin.pendingLoginCount() === 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(server.signin.approveLogins(CONSOLE_USER)).toBe(1);
    const res = await browser;
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get("location")!);
    expect(`${location.origin}${location.pathname}`).toBe(redirect);
    expect(location.searchParams.get("state")).toBe("st-1");
    const code = location.searchParams.get("code")!;

    const token = (
      body: Record<string, string>,
      dpop = proof(key, {
        htm: "POST",
        htu: `${server.url}/v1/token`,
        iat: Math.floor(Date.now() / 1000),
        jti: randomUUID(),
      }),
    ): Promise<Response> =>
      fetch(`${server.url}/v1/token`, {
        method: "POST",
        headers: { "Content-Type": "application/json", DPoP: dpop },
        body: JSON.stringify(body),
      });
    const exchange = { clientId: SAME_DEVICE_CLIENT, grantType: "authorization_code", code, redirectUri: redirect };
    const noProof = await fetch(`${server.url}/v1/token`, {
      method: "POST",
      body: JSON.stringify({ ...exchange, codeVerifier: verifier }),
    });
    expect(noProof.status).toBe(400);
    expect(noProof.headers.get("x-amzn-errortype")).toBe("ValidationException");
    expect(await noProof.json()).toEqual({
      error: "INVALID_REQUEST",
      message: "Invalid DPoP proof: the DPoP header is missing",
    });

    const ok = await token({ ...exchange, codeVerifier: verifier });
    expect(ok.status).toBe(200);
    const out = (await ok.json()) as {
      accessToken: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
      tokenType: string;
      expiresIn: number;
      refreshToken: string;
      idToken: string;
    };
    expect(out.tokenType).toBe("aws_sigv4");
    expect(out.expiresIn).toBe(900);
    expect(JSON.parse(Buffer.from(out.idToken.split(".")[1]!, "base64url").toString()).sub).toBe(CONSOLE_USER);
    const client = sts(server, out.accessToken);
    expect((await client.send(new GetCallerIdentityCommand({}))).Arn).toBe(CONSOLE_USER);
    const chained = await client.send(
      new AssumeRoleCommand({ RoleArn: "arn:aws:iam::555555555555:role/ChainTarget", RoleSessionName: "from-login" }),
    );
    expect(chained.AssumedRoleUser?.Arn).toBe("arn:aws:sts::555555555555:assumed-role/ChainTarget/from-login");

    // The code is single-use; the refresh token is bound to this DPoP key.
    expect((await token({ ...exchange, codeVerifier: verifier })).status).toBe(400);
    const refreshed = await token({
      clientId: SAME_DEVICE_CLIENT,
      grantType: "refresh_token",
      refreshToken: out.refreshToken,
    });
    expect(refreshed.status).toBe(200);
    const otherKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const stolen = await token(
      { clientId: SAME_DEVICE_CLIENT, grantType: "refresh_token", refreshToken: out.refreshToken },
      proof(otherKey, {
        htm: "POST",
        htu: `${server.url}/v1/token`,
        iat: Math.floor(Date.now() / 1000),
        jti: randomUUID(),
      }),
    );
    expect(stolen.status).toBe(400);
  });

  it("a wrong code verifier is refused; the remote flow's confirmation page shows what to paste", async () => {
    const verifier = "v".repeat(64);
    const query = new URLSearchParams({
      response_type: "code",
      client_id: "arn:aws:signin:::devtools/cross-device",
      state: "st-2",
      code_challenge_method: "SHA-256",
      scope: "openid",
      redirect_uri: `${server.url}/v1/sessions/confirmation`,
      code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    });
    server.signin.autoApprove = CONSOLE_USER;
    try {
      const res = await fetch(`${server.url}/v1/authorize?${query}`);
      expect(res.status).toBe(200);
      const paste = /<pre id="code">([^<]+)<\/pre>/.exec(await res.text())![1]!;
      const fields = new URLSearchParams(Buffer.from(paste, "base64").toString());
      expect(fields.get("state")).toBe("st-2");
      const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
      const bad = await fetch(`${server.url}/v1/token`, {
        method: "POST",
        headers: {
          DPoP: proof(key, {
            htm: "POST",
            htu: `${server.url}/v1/token`,
            iat: Math.floor(Date.now() / 1000),
            jti: randomUUID(),
          }),
        },
        body: JSON.stringify({
          clientId: "arn:aws:signin:::devtools/cross-device",
          grantType: "authorization_code",
          code: fields.get("code"),
          codeVerifier: "w".repeat(64),
          redirectUri: `${server.url}/v1/sessions/confirmation`,
        }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toBe(
        "codeVerifier does not match the code challenge",
      );
    } finally {
      server.signin.autoApprove = undefined;
    }
  });
});
