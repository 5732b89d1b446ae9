// The hand-written OIDC client against the emulator's sso-oidc service: each call's
// request shape, the error types CreateToken answers, refresh keeping the refresh token,
// PKCE, and the endpoint lookup (botocore ConfiguredEndpointProvider order).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import {
  authorizeUrl,
  boundedTransport,
  DEVICE_CODE_GRANT,
  OidcError,
  oidcClient,
  pkceChallenge,
  pkceVerifier,
  resolveOidcEndpoint,
} from "../../src/adapters/sso-oidc.js";
import { pkceChallenge as emulatorChallenge } from "../sts/oidc.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";

const START_URL = "https://d-abc123.awsapps.com/start";

let server: StsServer;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const client = () => oidcClient(server.url, boundedTransport(new AbortController().signal));

async function rejection(promise: Promise<unknown>): Promise<OidcError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OidcError);
  return error as OidcError;
}

describe("sso-oidc client", () => {
  it("runs the device-code flow: pending until approved, then a token", async () => {
    const oidc = client();
    const reg = await oidc.registerClient({ clientName: "botocore-client-dev", scopes: ["sso:account:access"] });
    expect(reg.clientSecretExpiresAt).toBeGreaterThan(Date.now() / 1000);
    const device = await oidc.startDeviceAuthorization({
      clientId: reg.clientId,
      clientSecret: reg.clientSecret,
      startUrl: START_URL,
    });
    expect(device.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(device.interval).toBe(1);
    const poll = () =>
      oidc.createToken({
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        grantType: DEVICE_CODE_GRANT,
        deviceCode: device.deviceCode,
      });
    const pending = await rejection(poll());
    expect(pending.type).toBe("AuthorizationPendingException");
    expect(pending.error).toBe("authorization_pending");
    server.oidc.approveUserCode(device.userCode);
    await new Promise((r) => setTimeout(r, 1100));
    const token = await poll();
    expect(token.accessToken).toMatch(/^aoa/);
    expect(token.expiresIn).toBe(3600);
    expect(token.refreshToken).toMatch(/^aor/);
  });

  it("names SlowDown, ExpiredToken and InvalidGrant by their types", async () => {
    const oidc = client();
    const reg = await oidc.registerClient({ clientName: "x", scopes: ["sso:account:access"] });
    const refresh = () =>
      oidc.createToken({
        clientId: reg.clientId,
        clientSecret: reg.clientSecret,
        grantType: "refresh_token",
        refreshToken: "nope",
      });
    expect((await rejection(refresh())).type).toBe("InvalidGrantException");
    server.oidc.injectCreateTokenError("SlowDownException");
    expect((await rejection(refresh())).type).toBe("SlowDownException");
    server.oidc.injectCreateTokenError("ExpiredTokenException");
    const expired = await rejection(refresh());
    expect(expired.type).toBe("ExpiredTokenException");
    expect(expired.status).toBe(400);
  });

  it("refreshes with a refresh token and returns it again", async () => {
    const seeded = server.oidc.issueToken();
    const token = await client().createToken({
      clientId: seeded.clientId,
      clientSecret: seeded.clientSecret,
      grantType: "refresh_token",
      refreshToken: seeded.refreshToken!,
    });
    expect(token.accessToken).not.toBe(seeded.accessToken);
    expect(token.refreshToken).toBe(seeded.refreshToken);
    server.oidc.revokeRefreshToken(seeded.refreshToken!);
    const refused = await rejection(
      client().createToken({
        clientId: seeded.clientId,
        clientSecret: seeded.clientSecret,
        grantType: "refresh_token",
        refreshToken: seeded.refreshToken!,
      }),
    );
    expect(refused.type).toBe("InvalidGrantException");
  });

  it("makes PKCE verifiers the service accepts", () => {
    for (let i = 0; i < 50; i++) {
      const v = pkceVerifier();
      expect(v).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
      expect(pkceChallenge(v)).toBe(emulatorChallenge(v));
      expect(pkceChallenge(v)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
    // computed with Python's hashlib + base64.urlsafe_b64encode, padding stripped
    expect(pkceChallenge("dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc",
    );
  });

  it("builds the authorize URL with space-separated scopes", () => {
    const url = new URL(
      authorizeUrl("https://oidc.eu-west-1.amazonaws.com/", {
        clientId: "c",
        redirectUri: "http://127.0.0.1:5/oauth/callback",
        state: "s",
        codeChallenge: "x",
        scopes: ["a", "b"],
      }),
    );
    expect(url.pathname).toBe("/authorize");
    expect(url.searchParams.get("scopes")).toBe("a b");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
  });

  it("a server that cannot be reached is one sentence naming the endpoint", async () => {
    const oidc = oidcClient("http://127.0.0.1:1", boundedTransport(new AbortController().signal));
    await expect(oidc.registerClient({ clientName: "x" })).rejects.toThrow(
      /Cannot reach IAM Identity Center at http:\/\/127\.0\.0\.1:1 for RegisterClient: ECONNREFUSED/,
    );
  });
});

describe("sso-oidc endpoint", () => {
  const paths = { configPath: "/c", credentialsPath: "/k" };
  const config = buildConfig(
    parseIni(
      "[profile p]\nservices = s\nendpoint_url = http://own\n[services s]\nsso_oidc =\n  endpoint_url = http://svc/\n[profile q]\nregion = x\n",
      "/c",
    ),
    undefined,
    paths,
  );
  const p = config.profiles.get("p");
  it.each([
    [
      { AWS_ENDPOINT_URL_SSO_OIDC: "http://a/", AWS_ENDPOINT_URL: "http://b" },
      "p",
      "http://a",
      "AWS_ENDPOINT_URL_SSO_OIDC",
    ],
    [{ AWS_ENDPOINT_URL: "http://b" }, "p", "http://b", "AWS_ENDPOINT_URL"],
    [{}, "p", "http://svc", "[services s] sso_oidc.endpoint_url"],
    [
      { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true", AWS_ENDPOINT_URL: "http://b" },
      "p",
      "https://oidc.eu-west-1.amazonaws.com",
      "the sso-oidc endpoint for eu-west-1",
    ],
    [{}, "q", "https://oidc.eu-west-1.amazonaws.com", "the sso-oidc endpoint for eu-west-1"],
  ])("%j for %s", (env, name, url, origin) => {
    expect(resolveOidcEndpoint(config, config.profiles.get(name), env, "eu-west-1")).toEqual({ url, origin });
  });
  it("falls back to the profile's endpoint_url", () => {
    const own = buildConfig(parseIni("[profile p]\nendpoint_url = http://own\n", "/c"), undefined, paths);
    expect(resolveOidcEndpoint(own, own.profiles.get("p"), {}, "us-east-1").url).toBe("http://own");
    expect(p).toBeDefined();
  });
});
