// IAM Identity Center in the emulator, driven by boto3's own sso-oidc and sso clients (the
// wire format botocore and the AWS CLI parse): the device-code flow with its approval step,
// SlowDown, the authorization-code flow with PKCE, refresh, the portal's calls with
// pagination and throttling, and STS accepting the role credentials (SSO-based chains).
// Skipped, with the reason in the test name, where python3 with boto3 is missing.

import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pkceChallenge } from "../sts/oidc.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";

const run = promisify(execFile);
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;
const skipNote = hasBoto3 ? "" : " (skipped: python3 with boto3 not found)";

const START_URL = "https://d-abc123.awsapps.com/start";
const DEV_ROLE = "AWSReservedSSO_Developer_0a1b2c3d4e5f6a7b";

let server: StsServer;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.reset();
  server.portal.setThrottle(undefined);
});

async function python(script: string, config: Record<string, unknown>): Promise<Record<string, unknown>> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  env.AWS_EC2_METADATA_DISABLED = "true";
  env.AWS_CONFIG_FILE = "/dev/null";
  env.AWS_SHARED_CREDENTIALS_FILE = "/dev/null";
  const { stdout } = await run(
    "python3",
    ["-c", PRELUDE + script, JSON.stringify({ url: server.url, startUrl: START_URL, ...config })],
    { env, timeout: 60_000 },
  );
  return JSON.parse(stdout) as Record<string, unknown>;
}

const PRELUDE = `
import json, sys, time, threading, urllib.request, urllib.error, base64, hashlib, secrets
import boto3
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
cfg = json.loads(sys.argv[1])
URL = cfg["url"]
def client(name, **kw):
    return boto3.client(name, region_name="us-east-1", endpoint_url=URL,
        config=Config(signature_version=UNSIGNED, retries=kw.pop("retries", {"total_max_attempts": 1, "mode": "standard"})), **kw)
def err(call):
    try:
        call()
        return {"code": "succeeded"}
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
                "error": e.response.get("error"), "error_description": e.response.get("error_description"),
                "message": e.response["Error"].get("Message")}
def hook(path):
    req = urllib.request.Request(URL + path, method="POST", data=b"")
    return json.loads(urllib.request.urlopen(req).read())
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
def browser_get(url, out):
    opener = urllib.request.build_opener(NoRedirect)
    try:
        r = opener.open(url)
        out["status"] = r.status
    except urllib.error.HTTPError as e:
        out["status"] = e.code
        out["location"] = e.headers.get("Location")
out = {}
`;

describe("sso-oidc, with boto3's client", () => {
  it.skipIf(!hasBoto3)(
    `device code: pending until approved, then a token; SlowDown when polling too fast; refresh; the refusals${skipNote}`,
    async () => {
      // A 3-second interval keeps "too fast" unambiguous on a loaded machine.
      server.oidc.deviceInterval = 3;
      const out = await python(
        `
oidc = client("sso-oidc")
reg = oidc.register_client(clientName="botocore-client-dev", clientType="public", scopes=["sso:account:access"])
out["reg"] = {k: reg[k] for k in ("clientIdIssuedAt", "clientSecretExpiresAt")}
auth = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=cfg["startUrl"])
out["auth"] = {k: auth[k] for k in ("userCode", "verificationUri", "verificationUriComplete", "expiresIn", "interval")}
grant = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], ` +
          `grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=auth["deviceCode"])
out["pending"] = err(lambda: oidc.create_token(**grant))
out["tooFast"] = err(lambda: oidc.create_token(**grant))
hook("/__emulator/sso/approve?user_code=" + auth["userCode"])
time.sleep(auth["interval"] + 5 + 0.3)
tok = oidc.create_token(**grant)
out["token"] = {"tokenType": tok["tokenType"], "expiresIn": tok["expiresIn"], "hasRefresh": "refreshToken" in tok, "prefix": tok["accessToken"][:3]}
out["reused"] = err(lambda: oidc.create_token(**grant))
ref = oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken=tok["refreshToken"])
out["refreshed"] = {"new": ref["accessToken"] != tok["accessToken"], "sameRefresh": ref["refreshToken"] == tok["refreshToken"]}
out["badRefresh"] = err(lambda: oidc.create_token(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="refresh_token", refreshToken="nope"))
out["badSecret"] = err(lambda: oidc.create_token(**dict(grant, clientSecret="wrong")))
out["badStartUrl"] = err(lambda: oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=cfg["startUrl"] + "/"))
out["badGrant"] = err(lambda: oidc.create_token(**dict(grant, grantType="password")))
legacy = oidc.register_client(clientName="1700000000", clientType="public")
la = oidc.start_device_authorization(clientId=legacy["clientId"], clientSecret=legacy["clientSecret"], startUrl=cfg["startUrl"])
hook("/__emulator/sso/approve?user_code=" + la["userCode"] + "&user=bob")
lt = oidc.create_token(clientId=legacy["clientId"], clientSecret=legacy["clientSecret"], ` +
          `grantType="urn:ietf:params:oauth:grant-type:device_code", deviceCode=la["deviceCode"])
out["legacyHasRefresh"] = "refreshToken" in lt
ea = oidc.start_device_authorization(clientId=reg["clientId"], clientSecret=reg["clientSecret"], startUrl=cfg["startUrl"])
hook("/__emulator/clock?advance=601")
out["expired"] = err(lambda: oidc.create_token(**dict(grant, deviceCode=ea["deviceCode"])))
print(json.dumps(out))
`,
        {},
      ).finally(() => {
        server.oidc.deviceInterval = 1;
      });
      expect(out.reg).toMatchObject({
        clientIdIssuedAt: expect.any(Number),
        clientSecretExpiresAt: expect.any(Number),
      });
      const reg = out.reg as { clientIdIssuedAt: number; clientSecretExpiresAt: number };
      expect(reg.clientSecretExpiresAt - reg.clientIdIssuedAt).toBe(90 * 24 * 3600);
      expect(out.auth).toEqual({
        userCode: expect.stringMatching(/^[A-Z]{4}-[A-Z]{4}$/),
        verificationUri: `${server.url}/device`,
        verificationUriComplete: expect.stringMatching(
          new RegExp(`^${server.url}/device\\?user_code=[A-Z]{4}-[A-Z]{4}$`),
        ),
        expiresIn: 600,
        interval: 3,
      });
      // botocore reads the code from x-amzn-ErrorType and the modelled members from the body.
      expect(out.pending).toEqual({
        code: "AuthorizationPendingException",
        status: 400,
        error: "authorization_pending",
        error_description: "Authorization is still pending",
        message: "Authorization is still pending",
      });
      expect(out.tooFast).toMatchObject({ code: "SlowDownException", status: 400, error: "slow_down" });
      expect(out.token).toEqual({ tokenType: "Bearer", expiresIn: 3600, hasRefresh: true, prefix: "aoa" });
      expect(out.reused).toMatchObject({ code: "InvalidGrantException", status: 400, error: "invalid_grant" });
      expect(out.refreshed).toEqual({ new: true, sameRefresh: true });
      expect(out.badRefresh).toMatchObject({ code: "InvalidGrantException", status: 400, error: "invalid_grant" });
      expect(out.badSecret).toMatchObject({ code: "InvalidClientException", status: 401, error: "invalid_client" });
      expect(out.badStartUrl).toMatchObject({ code: "InvalidRequestException", status: 400, error: "invalid_request" });
      expect(out.badGrant).toMatchObject({ code: "UnsupportedGrantTypeException", status: 400 });
      // A client registered without scopes (the legacy form) gets no refresh token.
      expect(out.legacyHasRefresh).toBe(false);
      expect(out.expired).toMatchObject({ code: "ExpiredTokenException", status: 400, error: "expired_token" });
      const tokenCalls = server.calls.filter((c) => c.action === "CreateToken");
      expect(tokenCalls.every((c) => c.service === "sso-oidc")).toBe(true);
      expect(tokenCalls.map((c) => c.errorCode ?? c.status)).toContain("SlowDownException");
    },
    60_000,
  );

  it.skipIf(!hasBoto3)(
    `authorization code with PKCE: /authorize waits for approval, redirects with code and state; verifier, redirect and reuse are checked${skipNote}`,
    async () => {
      const out = await python(
        `
import urllib.parse
oidc = client("sso-oidc")
reg = oidc.register_client(clientName="botocore-client-dev", clientType="public", scopes=["sso:account:access"],
    grantTypes=["authorization_code", "refresh_token"], redirectUris=["http://127.0.0.1/oauth/callback"], issuerUrl=cfg["startUrl"])
def authorize(verifier, state, redirect):
    q = urllib.parse.urlencode({"response_type": "code", "client_id": reg["clientId"], "redirect_uri": redirect, "state": state,
        "code_challenge_method": "S256", "scopes": "sso:account:access", "code_challenge": ` +
          `base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")})
    res = {}
    t = threading.Thread(target=browser_get, args=(URL + "/authorize?" + q, res))
    t.start()
    for _ in range(100):
        if hook("/__emulator/pending")["sso"]:
            break
        time.sleep(0.05)
    out.setdefault("pendingSeen", []).append(hook("/__emulator/pending")["sso"])
    hook("/__emulator/sso/approve-authorizations")
    t.join(10)
    return res
verifier = secrets.token_urlsafe(48)[:64]
redirect = "http://127.0.0.1:51234/oauth/callback"
res = authorize(verifier, "state-1", redirect)
loc = urllib.parse.urlparse(res["location"])
params = dict(urllib.parse.parse_qsl(loc.query))
out["redirect"] = {"status": res["status"], "target": loc.scheme + "://" + loc.netloc + loc.path, "state": params.get("state"), "hasCode": "code" in params}
g = dict(clientId=reg["clientId"], clientSecret=reg["clientSecret"], grantType="authorization_code", redirectUri=redirect)
out["wrongRedirect"] = err(lambda: oidc.create_token(**dict(g, code=params["code"], codeVerifier=verifier, redirectUri="http://127.0.0.1:9/oauth/callback")))
res2 = authorize(verifier, "state-2", redirect)
code2 = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(res2["location"]).query))["code"]
out["wrongVerifier"] = err(lambda: oidc.create_token(**dict(g, code=code2, codeVerifier=secrets.token_urlsafe(48)[:64])))
res3 = authorize(verifier, "state-3", redirect)
code3 = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(res3["location"]).query))["code"]
tok = oidc.create_token(**dict(g, code=code3, codeVerifier=verifier))
out["token"] = {"hasRefresh": "refreshToken" in tok, "expiresIn": tok["expiresIn"]}
out["reused"] = err(lambda: oidc.create_token(**dict(g, code=code3, codeVerifier=verifier)))
bad = {}
browser_get(URL + "/authorize?" + urllib.parse.urlencode({"response_type": "code", "client_id": ` +
          `reg["clientId"], "redirect_uri": "http://evil.example/cb", "state": "s", "code_challenge_method": ` +
          `"S256", "code_challenge": "x" * 43}), bad)
out["unregisteredRedirect"] = bad["status"]
out["badIssuer"] = err(lambda: oidc.register_client(clientName="x", clientType="public", ` +
          `grantTypes=["authorization_code"], redirectUris=["http://127.0.0.1/oauth/callback"], ` +
          `issuerUrl="https://other.awsapps.com/start"))
print(json.dumps(out))
`,
        {},
      );
      expect(out.pendingSeen).toEqual([
        [{ kind: "authorize", clientId: expect.any(String) }],
        [expect.objectContaining({ kind: "authorize" })],
        [expect.objectContaining({ kind: "authorize" })],
      ]);
      expect(out.redirect).toEqual({
        status: 302,
        target: "http://127.0.0.1:51234/oauth/callback",
        state: "state-1",
        hasCode: true,
      });
      expect(out.wrongRedirect).toMatchObject({ code: "InvalidGrantException", error: "invalid_grant" });
      expect(out.wrongVerifier).toMatchObject({
        code: "InvalidGrantException",
        error: "invalid_grant",
        error_description: "Code verifier does not match the code challenge",
      });
      expect(out.token).toEqual({ hasRefresh: true, expiresIn: 3600 });
      expect(out.reused).toMatchObject({ code: "InvalidGrantException" });
      expect(out.unregisteredRedirect).toBe(400);
      expect(out.badIssuer).toMatchObject({ code: "InvalidClientMetadataException", status: 400 });
    },
    60_000,
  );

  it("PKCE S256 matches RFC 7636's test vector", () => {
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe(
      "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    );
  });

  it("a denied device code answers AccessDeniedException; injected errors come before the grant is looked at", async () => {
    const register = (await (
      await fetch(`${server.url}/client/register`, {
        method: "POST",
        body: JSON.stringify({ clientName: "t", clientType: "public" }),
      })
    ).json()) as { clientId: string; clientSecret: string };
    const start = (await (
      await fetch(`${server.url}/device_authorization`, {
        method: "POST",
        body: JSON.stringify({ ...register, startUrl: START_URL }),
      })
    ).json()) as { deviceCode: string; userCode: string };
    server.oidc.denyUserCode(start.userCode);
    const token = (): Promise<Response> =>
      fetch(`${server.url}/token`, {
        method: "POST",
        body: JSON.stringify({
          ...register,
          grantType: "urn:ietf:params:oauth:grant-type:device_code",
          deviceCode: start.deviceCode,
        }),
      });
    const denied = await token();
    expect(denied.status).toBe(400);
    expect(denied.headers.get("x-amzn-errortype")).toBe("AccessDeniedException");
    expect(await denied.json()).toEqual({ error: "access_denied", error_description: "Authorization was denied" });
    server.oidc.injectCreateTokenError("InternalServerException");
    const injected = await token();
    expect(injected.status).toBe(500);
    expect(injected.headers.get("x-amzn-errortype")).toBe("InternalServerException");
  });
});

describe("the SSO portal, with boto3's client", () => {
  it.skipIf(!hasBoto3)(
    `lists accounts and roles page by page, hands out role credentials STS accepts (chains too), logs out${skipNote}`,
    async () => {
      const alice = server.oidc.issueToken({ userName: "alice" });
      const bob = server.oidc.issueToken({ userName: "bob" });
      const out = await python(
        `
sso = client("sso")
pages = list(sso.get_paginator("list_accounts").paginate(accessToken=cfg["alice"], PaginationConfig={"PageSize": 2}))
out["accountPages"] = [[a["accountName"] for a in p["accountList"]] for p in pages]
out["accountFields"] = pages[0]["accountList"][0]
rp = list(sso.get_paginator("list_account_roles").paginate(accessToken=cfg["alice"], accountId="555555555555", PaginationConfig={"PageSize": 1}))
out["rolePages"] = [[r["roleName"] for r in p["roleList"]] for p in rp]
out["bobAccounts"] = [a["accountId"] for a in sso.list_accounts(accessToken=cfg["bob"])["accountList"]]
rc = sso.get_role_credentials(accessToken=cfg["alice"], accountId="555555555555", roleName="Developer")["roleCredentials"]
out["expiration"] = rc["expiration"]
out["now"] = int(time.time() * 1000)
sts = boto3.client("sts", region_name="us-east-1", endpoint_url=URL, ` +
          `aws_access_key_id=rc["accessKeyId"], aws_secret_access_key=rc["secretAccessKey"], ` +
          `aws_session_token=rc["sessionToken"])
out["identity"] = sts.get_caller_identity()["Arn"]
chained = sts.assume_role(RoleArn="arn:aws:iam::555555555555:role/ChainTarget", RoleSessionName="from-sso")
out["chained"] = chained["AssumedRoleUser"]["Arn"]
ro = sso.get_role_credentials(accessToken=cfg["alice"], accountId="555555555555", roleName="ReadOnly")["roleCredentials"]
rosts = boto3.client("sts", region_name="us-east-1", endpoint_url=URL, ` +
          `aws_access_key_id=ro["accessKeyId"], aws_secret_access_key=ro["secretAccessKey"], ` +
          `aws_session_token=ro["sessionToken"])
def assume_from_readonly():
    rosts.assume_role(RoleArn="arn:aws:iam::555555555555:role/ChainTarget", RoleSessionName="xx")
out["readOnlyChain"] = err(assume_from_readonly)
out["sandboxLifetime"] = sso.get_role_credentials(accessToken=cfg["alice"], ` +
          `accountId="777777777777", roleName="Developer")["roleCredentials"]["expiration"] - out["now"]
out["notAssigned"] = err(lambda: sso.get_role_credentials(accessToken=cfg["bob"], accountId="555555555555", roleName="Developer"))
out["unknownToken"] = err(lambda: sso.list_accounts(accessToken="nope"))
out["unknownAccount"] = err(lambda: sso.list_account_roles(accessToken=cfg["alice"], accountId="999999999999"))
sso.logout(accessToken=cfg["alice"])
out["afterLogout"] = err(lambda: sso.get_role_credentials(accessToken=cfg["alice"], accountId="555555555555", roleName="Developer"))
print(json.dumps(out))
`,
        { alice: alice.accessToken, bob: bob.accessToken },
      );
      expect(out.accountPages).toEqual([["sso-dev", "sso-prod"], ["sso-sandbox"]]);
      expect(out.accountFields).toEqual({
        accountId: "555555555555",
        accountName: "sso-dev",
        emailAddress: "dev@example.com",
      });
      expect(out.rolePages).toEqual([["Developer"], ["ReadOnly"]]);
      expect(out.bobAccounts).toEqual(["666666666666"]);
      // expiration is epoch milliseconds, one hour (the permission set's duration) ahead on the
      // emulator's clock (which earlier tests moved on).
      const skew = server.now().getTime() - (out.now as number);
      expect(Math.abs((out.expiration as number) - (out.now as number) - skew - 3600_000)).toBeLessThan(5000);
      expect((out.sandboxLifetime as number) - skew).toBeGreaterThan(28800_000 - 5000);
      expect(out.identity).toBe(`arn:aws:sts::555555555555:assumed-role/${DEV_ROLE}/alice`);
      expect(out.chained).toBe("arn:aws:sts::555555555555:assumed-role/ChainTarget/from-sso");
      expect(out.readOnlyChain).toMatchObject({ code: "AccessDenied", status: 403 });
      expect(out.notAssigned).toMatchObject({ code: "ForbiddenException", status: 403, message: "No access" });
      expect(out.unknownToken).toEqual({
        code: "UnauthorizedException",
        status: 401,
        error: null,
        error_description: null,
        message: "Session token not found or invalid",
      });
      expect(out.unknownAccount).toMatchObject({ code: "ResourceNotFoundException", status: 404 });
      expect(out.afterLogout).toMatchObject({ code: "UnauthorizedException", status: 401 });
      const portalCalls = server.calls.filter((c) => c.service === "sso").map((c) => c.action);
      expect(portalCalls).toContain("Logout");
      expect(server.calls.find((c) => c.action === "GetRoleCredentials")?.params).toMatchObject({
        account_id: "555555555555",
        role_name: "Developer",
      });
    },
    60_000,
  );

  it.skipIf(!hasBoto3)(
    `throttling: TooManyRequestsException (429) that botocore retries as throttling; an expired token is UnauthorizedException${skipNote}`,
    async () => {
      const alice = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 60 });
      server.portal.setThrottle({ everyNth: 2, operations: ["ListAccountRoles"] });
      const out = await python(
        `
sso = client("sso", retries={"total_max_attempts": 5, "mode": "standard"})
names = []
for account in ("555555555555", "666666666666", "777777777777"):
    for p in sso.get_paginator("list_account_roles").paginate(accessToken=cfg["alice"], accountId=account, PaginationConfig={"PageSize": 1}):
        names += [r["accountId"] + "/" + r["roleName"] for r in p["roleList"]]
out["roles"] = names
once = client("sso")
out["noRetry"] = [err(lambda: once.list_account_roles(accessToken=cfg["alice"], accountId="555555555555")) for _ in range(2)]
hook("/__emulator/clock?advance=61")
out["expired"] = err(lambda: once.list_accounts(accessToken=cfg["alice"]))
print(json.dumps(out))
`,
        { alice: alice.accessToken },
      );
      expect(out.roles).toEqual([
        "555555555555/Developer",
        "555555555555/ReadOnly",
        "666666666666/ReadOnly",
        "777777777777/Developer",
      ]);
      const throttled = server.calls.filter((c) => c.action === "ListAccountRoles" && c.status === 429);
      expect(throttled.length).toBeGreaterThanOrEqual(3);
      expect(throttled[0]!.errorCode).toBe("TooManyRequestsException");
      expect((out.noRetry as Array<{ code: string }>).map((r) => r.code).sort()).toEqual([
        "TooManyRequestsException",
        "succeeded",
      ]);
      expect(out.expired).toMatchObject({ code: "UnauthorizedException", status: 401 });
    },
    60_000,
  );

  it("perSecond throttling refuses calls beyond the rate within a second", async () => {
    const token = server.oidc.issueToken().accessToken;
    server.portal.setThrottle({ perSecond: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${server.url}/assignment/accounts`, { headers: { "x-amz-sso_bearer_token": token } });
      statuses.push(res.status);
      if (res.status === 429) expect(res.headers.get("x-amzn-errortype")).toBe("TooManyRequestsException");
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
  });

  it("STS still answers POST / and GET /?Action next to the JSON services", async () => {
    const post = await fetch(`${server.url}/`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "Action=GetCallerIdentity&Version=2011-06-15",
    });
    expect(post.status).toBe(403);
    expect(await post.text()).toContain("<Code>MissingAuthenticationToken</Code>");
    const get = await fetch(`${server.url}/?Action=GetCallerIdentity&Version=2011-06-15`);
    expect(await get.text()).toContain("<Code>MissingAuthenticationToken</Code>");
  });
});
