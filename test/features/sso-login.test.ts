// `awsrole login` as a user sees it, in a real pseudo-terminal (test/features/pty-run.py),
// against the emulator's IAM Identity Center with its approval step driven by the test:
// the device-code flow (automatic without a display), the browser flow with PKCE (BROWSER
// is a script that plays the browser), Ctrl-C leaving nothing behind, the registration
// reused only by the flow that made it, SlowDown, and the AWS CLI v1 (botocore) using the
// token awsrole wrote.

import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BIN, ROOT, baseEnv, makeHome, runCli, type Home } from "../e2e/harness.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsCall, type StsServer } from "../sts/server.js";

const run = promisify(execFile);
const PTY = join(ROOT, "test", "features", "pty-run.py");
const CLI = `"${process.execPath}" "${BIN}"`;
const hasPython = (process.env.PATH ?? "").split(":").some((dir) => existsSync(join(dir, "python3")));
const hasAwsCli = spawnSync("aws", ["--version"], { stdio: "ignore" }).status === 0;

const START_URL = "https://d-abc123.awsapps.com/start";
const CONFIG = `[profile dev]
sso_session = my-sso
sso_account_id = 555555555555
sso_role_name = Developer
region = us-east-1

[sso-session my-sso]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile legacy]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_account_id = 555555555555
sso_role_name = Developer
region = us-east-1
`;
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

let server: StsServer;
const homes: Home[] = [];
/** When the emulator answered each call (taken as it logs the call; the call log has no times). */
const answeredAt = new WeakMap<StsCall, number>();
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH), onCall: (call) => answeredAt.set(call, Date.now()) });
});
afterEach(() => {
  server.reset();
  server.oidc.deviceInterval = 1;
});
afterAll(async () => {
  await server.close();
  for (const h of homes) h.remove();
});

function home(): Home {
  const h = makeHome({ config: CONFIG });
  homes.push(h);
  return h;
}

/** The environment of a terminal with no display: SSO endpoints on the emulator. */
function env(h: Home, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseEnv(h, server),
    AWS_ENDPOINT_URL_SSO_OIDC: server.url,
    AWS_ENDPOINT_URL_SSO: server.url,
    TERM: "xterm",
    ...extra,
  };
}

const ssoCache = (h: Home) => join(h.awsDir, "sso", "cache");
const ssoFiles = (h: Home) => (existsSync(ssoCache(h)) ? readdirSync(ssoCache(h)).sort() : []);
const oidcCalls = () =>
  server.calls
    .filter((c) => c.service === "sso-oidc")
    .map((c) => `${c.action}${c.errorCode ? ` -> ${c.errorCode}` : ""}`);

interface PtyResult {
  output: string;
  exit: number;
  timedOut: boolean;
  pendingSteps: number;
}

function inPty(
  script: string,
  environment: Record<string, string>,
  steps: Array<{ expect: string; send: string }> = [],
  timeout = 30,
): Promise<PtyResult> {
  const spec = { argv: ["bash", "-c", script], env: environment, steps, timeout };
  return run("python3", [PTY, JSON.stringify(spec)], { encoding: "utf8", timeout: (timeout + 10) * 1000 }).then(
    ({ stdout }) => JSON.parse(stdout) as PtyResult,
  );
}

/**
 * Whether the CLI has polled CreateToken since its last StartDeviceAuthorization. It polls once
 * before it shows the code, so only then can a user have read the code and approved it.
 */
function polledSinceDeviceStart(): boolean {
  let polled = false;
  for (const c of server.calls) {
    if (c.action === "StartDeviceAuthorization" && !c.errorCode) polled = false;
    else if (c.action === "CreateToken") polled = true;
  }
  return polled;
}

/**
 * Plays the user in the browser: waits for what the emulator holds, then approves it; a device
 * code only once it is on the terminal (polledSinceDeviceStart), as no user can approve earlier.
 * Waits until stop.done: the terminal's own timeout (inPty) bounds the wait.
 */
async function approveWhenPending(kind: "device" | "authorize", stop: { done: boolean }): Promise<string | undefined> {
  // Device codes left pending by an earlier test (Ctrl-C) are not this login's.
  const stale = new Set(server.oidc.pending().map((p) => p.userCode));
  while (!stop.done) {
    const pending = server.oidc.pending().find((p) => p.kind === kind && !(kind === "device" && stale.has(p.userCode)));
    if (pending && (kind === "authorize" || polledSinceDeviceStart())) {
      if (kind === "device") server.oidc.approveUserCode(pending.userCode!);
      else server.oidc.approveAuthorizations();
      return pending.userCode ?? "authorize";
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

/** A "browser" for BROWSER: fetches the URL and follows the redirect to the loopback server. */
function browserScript(h: Home): string {
  const path = join(h.dir, "browser.mjs");
  writeFileSync(path, 'const r = await fetch(process.argv[2], { redirect: "follow" });\nawait r.text();\n');
  return `"${process.execPath}" "${path}"`;
}

describe.skipIf(!hasPython)("awsrole login on a terminal", () => {
  it("device code without a display: URL and code on the terminal, approved, token written as the AWS CLI does", async () => {
    const h = home();
    const stop = { done: false };
    const approval = approveWhenPending("device", stop);
    const result = await inPty(`out="$(${CLI} login dev)"; code=$?; echo "EXIT=$code OUT=[$out]"`, env(h));
    stop.done = true;
    const userCode = await approval;
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain("EXIT=0 OUT=[]");
    expect(result.output).toContain(
      "No browser can be opened here (no DISPLAY or WAYLAND_DISPLAY is set), so this login uses a device code.",
    );
    expect(result.output).toContain(`${server.url}/device`);
    expect(result.output).toContain(`and enter the code:\n\n  ${userCode}\n`);
    expect(result.output).toContain(`Logged in to ${START_URL} for profile "dev" (sso-session "my-sso")`);
    // CreateToken is tried once before the code is shown, then polled.
    expect(oidcCalls()).toEqual([
      "RegisterClient",
      "StartDeviceAuthorization",
      "CreateToken -> AuthorizationPendingException",
      ...oidcCalls().slice(3),
    ]);
    expect(oidcCalls().at(-1)).toBe("CreateToken");

    const tokenPath = join(ssoCache(h), `${sha1("my-sso")}.json`);
    const token = JSON.parse(readFileSync(tokenPath, "utf8")) as Record<string, string>;
    expect(Object.keys(token).sort()).toEqual([
      "accessToken",
      "clientId",
      "clientSecret",
      "expiresAt",
      "refreshToken",
      "region",
      "registrationExpiresAt",
      "startUrl",
    ]);
    expect(token.startUrl).toBe(START_URL);
    expect(token.expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(statSync(tokenPath).mode & 0o777).toBe(0o600);
    expect(ssoFiles(h)).toHaveLength(2); // the token and the client registration
    for (const f of ssoFiles(h)) expect(statSync(join(ssoCache(h), f)).mode & 0o777).toBe(0o600);
    // awsrole's own SSO kind resolves the profile with that token.
    const who = await runCli(["whoami", "dev"], env(h));
    expect(who.code).toBe(0);
    expect(who.stdout).toContain("assumed-role/AWSReservedSSO_Developer_0a1b2c3d4e5f6a7b/alice");
  });

  it("the browser flow with PKCE: the redirect comes back to 127.0.0.1, and the registration is for the authorization code", async () => {
    const h = home();
    const stop = { done: false };
    const approval = approveWhenPending("authorize", stop);
    const result = await inPty(`${CLI} login dev; echo "EXIT=$?"`, env(h, { BROWSER: browserScript(h) }));
    stop.done = true;
    expect(await approval).toBe("authorize");
    expect(result.output).toContain("Opened the IAM Identity Center sign-in page in your browser.");
    expect(result.output).toContain("EXIT=0");
    const authorize = server.calls.find((c) => c.action === "Authorize")!;
    expect(authorize.params.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
    expect(authorize.params.code_challenge_method).toBe("S256");
    expect(authorize.params.scopes).toBe("sso:account:access");
    expect(oidcCalls()).toEqual(["RegisterClient", "Authorize", "CreateToken"]);
    const token = JSON.parse(readFileSync(join(ssoCache(h), `${sha1("my-sso")}.json`), "utf8")) as Record<
      string,
      string
    >;
    expect(token.refreshToken).toMatch(/^aor/);
    const registration = ssoFiles(h)
      .map((f) => JSON.parse(readFileSync(join(ssoCache(h), f), "utf8")) as Record<string, unknown>)
      .find((r) => r.grantTypes !== undefined)!;
    expect(registration.grantTypes).toEqual(["authorization_code", "refresh_token"]);
    expect(registration.clientId).toBe(token.clientId);
  });

  it("Ctrl-C while waiting for the device code exits 130 and writes nothing", async () => {
    const h = home();
    const result = await inPty(`${CLI} login dev --use-device-code; echo "EXIT=$?"`, env(h), [
      { expect: "Waiting for the sign-in", send: "\u0003" },
    ]);
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain("EXIT=130");
    expect(ssoFiles(h)).toEqual([]);
  });

  it("--no-browser prints the URL and opens nothing; Ctrl-C while waiting exits 130 and writes nothing", async () => {
    const h = home();
    const marker = join(h.dir, "browser-ran");
    const result = await inPty(
      `${CLI} login dev --no-browser; echo "EXIT=$?"`,
      env(h, { BROWSER: `touch ${marker}` }),
      [{ expect: "Waiting for the sign-in", send: "\u0003" }],
    );
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain("Open this URL in a browser on this machine to sign in:");
    expect(result.output).toMatch(
      /\/authorize\?response_type=code&client_id=[^&]+&redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A\d+%2Foauth%2Fcallback&state=/,
    );
    expect(result.output).toContain("EXIT=130");
    expect(existsSync(marker)).toBe(false);
    expect(ssoFiles(h)).toEqual([]);
  });

  it("reuses the registration for the same flow only", async () => {
    const h = home();
    server.oidc.autoApprove = "alice";
    try {
      for (const args of [["--use-device-code"], ["--use-device-code"]]) {
        const r = await inPty(`${CLI} login dev ${args.join(" ")}; echo "EXIT=$?"`, env(h));
        expect(r.output).toContain("EXIT=0");
      }
      expect(oidcCalls().filter((c) => c === "RegisterClient")).toHaveLength(1);
      // A device-code registration is not used by the browser flow: a new one is made.
      const r = await inPty(`${CLI} login dev; echo "EXIT=$?"`, env(h, { BROWSER: browserScript(h) }));
      expect(r.output).toContain("EXIT=0");
      expect(oidcCalls().filter((c) => c === "RegisterClient")).toHaveLength(2);
    } finally {
      server.oidc.autoApprove = undefined;
    }
  });

  it("a cached registration the service refuses is replaced by a new one", async () => {
    const h = home();
    server.oidc.autoApprove = "alice";
    try {
      const first = await inPty(`${CLI} login dev --use-device-code; echo "EXIT=$?"`, env(h));
      expect(first.output).toContain("EXIT=0");
      // The service forgets the client (as after a revocation): the file still says it is valid.
      const regFile = ssoFiles(h).find((f) => f !== `${sha1("my-sso")}.json`)!;
      const reg = JSON.parse(readFileSync(join(ssoCache(h), regFile), "utf8")) as Record<string, string>;
      writeFileSync(join(ssoCache(h), regFile), JSON.stringify({ ...reg, clientId: "forgotten" }));
      server.reset();
      const again = await inPty(`${CLI} login dev --use-device-code; echo "EXIT=$?"`, env(h));
      expect(again.output).toContain("EXIT=0");
      expect(oidcCalls()).toEqual([
        "StartDeviceAuthorization -> InvalidClientException",
        "RegisterClient",
        "StartDeviceAuthorization",
        "CreateToken",
      ]);
      const token = JSON.parse(readFileSync(join(ssoCache(h), `${sha1("my-sso")}.json`), "utf8")) as Record<
        string,
        string
      >;
      expect(token.clientId).not.toBe("forgotten");
      expect(JSON.parse(readFileSync(join(ssoCache(h), regFile), "utf8")).clientId).toBe(token.clientId);
    } finally {
      server.oidc.autoApprove = undefined;
    }
  });

  it("SlowDown adds 5 seconds to the polling interval", async () => {
    const h = home();
    server.oidc.injectCreateTokenError("SlowDownException");
    const stop = { done: false };
    const approval = approveWhenPending("device", stop);
    const result = await inPty(`${CLI} login dev --use-device-code; echo "EXIT=$?"`, env(h), [], 30);
    stop.done = true;
    await approval;
    expect(result.output).toContain("EXIT=0");
    const polls = server.calls.filter((c) => c.action === "CreateToken");
    expect(polls.map((c) => c.errorCode ?? "ok")).toEqual(["SlowDownException", "ok"]);
    // The server's interval is 1 s; after SlowDown the next poll waits 1 + 5 s. Timed by the
    // emulator as it answers, not by a watcher polling the call log, whose ticks a loaded machine delays.
    expect(answeredAt.get(polls[1]!)! - answeredAt.get(polls[0]!)!).toBeGreaterThanOrEqual(5800);
  }, 40_000);

  it("a legacy profile always uses the device code", async () => {
    const h = home();
    server.oidc.autoApprove = "alice";
    try {
      const r = await inPty(`${CLI} login legacy; echo "EXIT=$?"`, env(h, { BROWSER: browserScript(h) }));
      expect(r.output).toContain("EXIT=0");
      expect(oidcCalls()).toEqual(["RegisterClient", "StartDeviceAuthorization", "CreateToken"]);
      const token = JSON.parse(readFileSync(join(ssoCache(h), `${sha1(START_URL)}.json`), "utf8")) as Record<
        string,
        string
      >;
      expect(token.refreshToken).toBeUndefined();
    } finally {
      server.oidc.autoApprove = undefined;
    }
  });

  it.skipIf(!hasAwsCli)(
    "the AWS CLI v1 (botocore) uses the token awsrole login wrote",
    async () => {
      const h = home();
      server.oidc.autoApprove = "alice";
      try {
        const r = await inPty(`${CLI} login dev --use-device-code; echo "EXIT=$?"`, env(h));
        expect(r.output).toContain("EXIT=0");
      } finally {
        server.oidc.autoApprove = undefined;
      }
      server.reset();
      const { stdout } = await run("aws", ["sts", "get-caller-identity", "--profile", "dev", "--output", "json"], {
        env: env(h),
        encoding: "utf8",
        timeout: 60_000,
      });
      expect((JSON.parse(stdout) as { Arn: string }).Arn).toBe(
        "arn:aws:sts::555555555555:assumed-role/AWSReservedSSO_Developer_0a1b2c3d4e5f6a7b/alice",
      );
      // botocore read the token file: no login call, only the portal and STS.
      expect(server.calls.filter((c) => c.service === "sso-oidc")).toEqual([]);
      expect(server.calls.map((c) => c.action)).toEqual(["GetRoleCredentials", "GetCallerIdentity"]);
    },
    90_000,
  );
});
