// The SSO side of the emulator without external clients: the world's sso section is validated
// with the path of the bad field, expiry rules on the emulator clock (client registration,
// 12-hour login session, authorization codes), and the emulator as a process with the demo's
// auto-approval flags and HTTP hooks.

import { spawn, type ChildProcess } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { validateWorld, WorldError } from "../sts/world.js";

const START_URL = "https://d-abc123.awsapps.com/start";
const CONSOLE_USER = "arn:aws:iam::555555555555:user/console-user";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

const post = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

function dpop(key: KeyObject, url: string): string {
  const jwk = createPublicKey(key).export({ format: "jwk" });
  const h = Buffer.from(
    JSON.stringify({ typ: "dpop+jwt", alg: "ES256", jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } }),
  ).toString("base64url");
  const p = Buffer.from(
    JSON.stringify({ htm: "POST", htu: url, iat: Math.floor(Date.now() / 1000), jti: randomUUID() }),
  ).toString("base64url");
  return `${h}.${p}.${sign("sha256", Buffer.from(`${h}.${p}`), { key, dsaEncoding: "ieee-p1363" }).toString("base64url")}`;
}

describe("the world's sso section", () => {
  const base = (sso: unknown): unknown => ({
    users: [],
    roles: [
      {
        arn: "arn:aws:iam::555555555555:role/Dev",
        trustPolicy: {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { AWS: "arn:aws:iam::555555555555:root" }, Action: "sts:AssumeRole" },
          ],
        },
      },
    ],
    sso,
  });
  const ok = {
    startUrl: START_URL,
    accounts: [{ accountId: "555555555555", accountName: "dev", emailAddress: "d@example.com" }],
    users: [{ userName: "alice", assignments: [{ accountId: "555555555555", roleName: "Dev" }] }],
  };

  it("defaults roleArn to the role of that name in the account", () => {
    expect(validateWorld(base(ok)).sso?.users[0]?.assignments[0]).toEqual({
      accountId: "555555555555",
      roleName: "Dev",
      roleArn: "arn:aws:iam::555555555555:role/Dev",
      sessionDuration: 3600,
    });
  });

  it.each([
    [{ ...ok, startUrl: "d-abc" }, "sso.startUrl"],
    [{ ...ok, extra: 1 }, "sso.extra: unknown field"],
    [
      { ...ok, users: [{ userName: "alice", assignments: [{ accountId: "666666666666", roleName: "Dev" }] }] },
      "sso.users[0].assignments[0].accountId: account 666666666666 is not in sso.accounts",
    ],
    [
      { ...ok, users: [{ userName: "alice", assignments: [{ accountId: "555555555555", roleName: "Nope" }] }] },
      "sso.users[0].assignments[0].roleArn: role arn:aws:iam::555555555555:role/Nope is not in roles",
    ],
    [
      {
        ...ok,
        users: [
          { userName: "alice", assignments: [{ accountId: "555555555555", roleName: "Dev", sessionDuration: 60 }] },
        ],
      },
      "sso.users[0].assignments[0].sessionDuration",
    ],
    [{ ...ok, users: [ok.users[0], ok.users[0]] }, 'sso.users[1].userName: duplicate user "alice"'],
  ])("refuses %j naming %s", (sso, where) => {
    expect(() => validateWorld(base(sso))).toThrow(WorldError);
    expect(() => validateWorld(base(sso))).toThrow(where);
  });
});

describe("expiry on the emulator clock", () => {
  let server: StsServer;
  beforeAll(async () => {
    server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
  });
  afterAll(() => server.close());

  it("a refresh with an expired client registration is InvalidClientException", async () => {
    const token = server.oidc.issueToken({ registrationSeconds: 60 });
    const refresh = {
      clientId: token.clientId,
      clientSecret: token.clientSecret,
      grantType: "refresh_token",
      refreshToken: token.refreshToken,
    };
    expect((await post(`${server.url}/token`, refresh)).status).toBe(200);
    server.advanceClock(61);
    const res = await post(`${server.url}/token`, refresh);
    expect(res.status).toBe(401);
    expect(res.headers.get("x-amzn-errortype")).toBe("InvalidClientException");
    expect(await res.json()).toEqual({ error: "invalid_client", error_description: "Client registration has expired" });
  });

  it("a login session stops refreshing after 12 hours (TOKEN_EXPIRED); an authorization code after 5 minutes (AUTHCODE_EXPIRED)", async () => {
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const pem = key.export({ format: "pem", type: "sec1" }).toString();
    const session = server.signin.createLoginSession(CONSOLE_USER, { dpopKeyPem: pem });
    const url = `${server.url}/v1/token`;
    const refresh = { clientId: session.clientId, grantType: "refresh_token", refreshToken: session.refreshToken };
    expect((await post(url, refresh, { DPoP: dpop(key, url) })).status).toBe(200);
    server.advanceClock(12 * 3600);
    const res = await post(url, refresh, { DPoP: dpop(key, url) });
    expect(res.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
    expect(((await res.json()) as { error: string }).error).toBe("TOKEN_EXPIRED");

    server.signin.autoApprove = CONSOLE_USER;
    try {
      const verifier = "a".repeat(64);
      const redirect = "http://127.0.0.1:40000/oauth/callback";
      const q = new URLSearchParams({
        response_type: "code",
        client_id: session.clientId,
        state: "s",
        code_challenge_method: "SHA-256",
        scope: "openid",
        redirect_uri: redirect,
        code_challenge: createHash("sha256").update(verifier).digest("base64url"),
      });
      const code = new URL(
        (await fetch(`${server.url}/v1/authorize?${q}`, { redirect: "manual" })).headers.get("location")!,
      ).searchParams.get("code");
      server.advanceClock(301);
      const late = await post(
        url,
        {
          clientId: session.clientId,
          grantType: "authorization_code",
          code,
          codeVerifier: verifier,
          redirectUri: redirect,
        },
        { DPoP: dpop(key, url) },
      );
      expect(((await late.json()) as { error: string }).error).toBe("AUTHCODE_EXPIRED");
    } finally {
      server.signin.autoApprove = undefined;
    }
  });
});

describe("faults of the JSON services", () => {
  it("http500, reset-connection and hang answer the next portal calls only; STS and the other services are untouched", async () => {
    const server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
    try {
      const token = server.oidc.issueToken().accessToken;
      const accounts = (signal?: AbortSignal): Promise<Response> =>
        fetch(`${server.url}/assignment/accounts`, {
          headers: { "x-amz-sso_bearer_token": token },
          ...(signal ? { signal } : {}),
        });
      server.injectServiceFault("sso", "http500");
      server.injectServiceFault("sso", "reset-connection");
      server.injectServiceFault("sso", "hang");
      const register = await post(`${server.url}/client/register`, { clientName: "x", clientType: "public" });
      expect(register.status).toBe(200);
      const sts = await fetch(`${server.url}/?Action=GetCallerIdentity&Version=2011-06-15`);
      expect(sts.status).toBe(403);
      const failed = await accounts();
      expect(failed.status).toBe(500);
      expect(failed.headers.get("x-amzn-errortype")).toBe("InternalServerException");
      await expect(accounts()).rejects.toThrow();
      await expect(accounts(AbortSignal.timeout(500))).rejects.toThrow();
      expect((await accounts()).status).toBe(200);
      expect(server.calls.filter((c) => c.fault).map((c) => `${c.service}:${c.action}:${c.fault}:${c.status}`)).toEqual(
        ["sso:ListAccounts:http500:500", "sso:ListAccounts:reset-connection:0", "sso:ListAccounts:hang:0"],
      );
      expect(() => server.injectServiceFault("sso", "throttle" as never)).toThrow(RangeError);
    } finally {
      await server.close();
    }
  });
});

describe("auto-approval options", () => {
  it("refuse a user or ARN the world does not have, at start", async () => {
    const world = loadWorld(SSO_WORLD_PATH);
    await expect(startSts({ world, autoApproveSso: "mallory" })).rejects.toThrow(
      'autoApproveSso: "mallory" is not a user',
    );
    await expect(startSts({ world, autoApproveLogin: "arn:aws:iam::555555555555:user/nobody" })).rejects.toThrow(
      "autoApproveLogin:",
    );
    const ok = await startSts({
      world,
      autoApproveSso: "alice",
      autoApproveLogin: "arn:aws:sts::555555555555:assumed-role/ConsoleAdmin/admin",
    });
    await ok.close();
  });
});

describe("the emulator as a process, as the demo runs it", () => {
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const main = fileURLToPath(new URL("../sts/main.ts", import.meta.url));
    child = spawn(
      process.execPath,
      ["--import", "tsx", main, "--world", SSO_WORLD_PATH, "--auto-approve-sso", "bob", "--login-key-seconds", "5"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    url = await new Promise<string>((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /STS listening on (\S+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once("exit", (code) => reject(new Error(`emulator exited ${code}`)));
    });
  }, 30_000);
  afterAll(() => {
    child.kill("SIGTERM");
  });

  it("--auto-approve-sso approves the device code at once; --login-key-seconds shortens login keys; the HTTP hooks seed sessions", async () => {
    const reg = (await (
      await post(`${url}/client/register`, { clientName: "demo", clientType: "public", scopes: ["sso:account:access"] })
    ).json()) as { clientId: string; clientSecret: string };
    const start = (await (await post(`${url}/device_authorization`, { ...reg, startUrl: START_URL })).json()) as {
      deviceCode: string;
    };
    const token = (await (
      await post(`${url}/token`, { ...reg, grantType: DEVICE_GRANT, deviceCode: start.deviceCode })
    ).json()) as { accessToken: string };
    const accounts = (await (
      await fetch(`${url}/assignment/accounts`, { headers: { "x-amz-sso_bearer_token": token.accessToken } })
    ).json()) as { accountList: Array<{ accountId: string }> };
    expect(accounts.accountList.map((a) => a.accountId)).toEqual(["666666666666"]);

    const session = (await (
      await fetch(`${url}/__emulator/signin/session?arn=${encodeURIComponent(CONSOLE_USER)}`, { method: "POST" })
    ).json()) as { accessToken: { expiresAt: string } };
    const lifetime = Date.parse(session.accessToken.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(2000);
    expect(lifetime).toBeLessThanOrEqual(5000);
    expect(
      (await fetch(`${url}/__emulator/sso/throttle?every_nth=1&operations=ListAccounts`, { method: "POST" })).status,
    ).toBe(200);
    const throttled = await fetch(`${url}/assignment/accounts`, {
      headers: { "x-amz-sso_bearer_token": token.accessToken },
    });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("x-amzn-errortype")).toBe("TooManyRequestsException");
    await fetch(`${url}/__emulator/sso/throttle`, { method: "POST" });
    expect(
      (await fetch(`${url}/assignment/accounts`, { headers: { "x-amz-sso_bearer_token": token.accessToken } })).status,
    ).toBe(200);
    const unknown = await fetch(`${url}/__emulator/nope`, { method: "POST" });
    expect(unknown.status).toBe(404);
  });
});
