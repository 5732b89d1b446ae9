// In-process parts of `awsrole login`: the sign-in target with botocore's config errors,
// the AWS CLI's cache file names (test vectors from the aws-cli v2 tests), registration
// reuse, and the loopback redirect server (127.0.0.1 only, state checked).

import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import { loginTarget, parseScopes } from "../../src/commands/login.js";
import {
  formatUtc,
  pythonJsonDumps,
  registrationCacheKey,
  registrationUsable,
  tokenCacheKey,
} from "../../src/adapters/sso-login-files.js";
import { canOpenBrowser, startLoopbackCallback } from "../../src/adapters/oauth-loopback.js";

const paths = { configPath: "/home/u/.aws/config", credentialsPath: "/home/u/.aws/credentials" };
const config = (text: string) => buildConfig(parseIni(text, paths.configPath), undefined, paths);

const SESSION =
  "[sso-session s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = eu-west-1\nsso_registration_scopes = a, b ,\n";

describe("login target", () => {
  const message = (text: string, input: Parameters<typeof loginTarget>[1], env = {}) => {
    try {
      loginTarget(config(text), input, env);
    } catch (error) {
      return (error as Error).message;
    }
    return "no error";
  };

  it("an sso-session profile, a bare --sso-session and a legacy profile", () => {
    const c = config(
      `[profile p]\nsso_session = s\nsso_account_id = 1\n${SESSION}[profile old]\nsso_start_url = https://y/start/\nsso_region = us-east-1\n`,
    );
    expect(loginTarget(c, { profile: "p" }, {})).toMatchObject({
      sessionName: "s",
      startUrl: "https://x.awsapps.com/start",
      region: "eu-west-1",
      scopes: ["a", "b"],
      legacy: false,
    });
    expect(loginTarget(c, { ssoSession: "s" }, {})).toMatchObject({
      sessionName: "s",
      label: 'sso-session "s"',
      profile: undefined,
    });
    expect(loginTarget(c, {}, { AWS_PROFILE: "old" })).toMatchObject({
      sessionName: undefined,
      startUrl: "https://y/start/",
      legacy: true,
    });
  });

  it.each([
    [
      "[profile p]\nsso_session = nope\n",
      { profile: "p" },
      'The specified sso-session does not exist: "nope" (profile "p").',
    ],
    [
      "[profile p]\nsso_start_url = https://y\n",
      { profile: "p" },
      'The profile "p" is configured to use SSO but is missing required configuration: sso_region.',
    ],
    [
      `[profile p]\nsso_session = s\nsso_region = us-east-1\n${SESSION}`,
      { profile: "p" },
      'The value for sso_region is inconsistent between profile (us-east-1) and sso-session (eu-west-1) in profile "p".',
    ],
    [
      "[profile p]\nregion = x\n",
      { profile: "p" },
      'Profile "p" does not use IAM Identity Center (it has neither sso_session nor sso_start_url).',
    ],
    [
      "[sso-session s]\nsso_region = x\n",
      { ssoSession: "s" },
      'The sso-session "s" is missing required configuration: sso_start_url.',
    ],
    ["", { profile: "ghost" }, "The config profile (ghost) could not be found in /home/u/.aws/config."],
    [SESSION, { profile: "p", ssoSession: "s" }, "Give either a profile or --sso-session, not both."],
  ])("%j %j", (text, input, expected) => {
    expect(message(text, input)).toBe(expected);
  });

  it("parses sso_registration_scopes as the AWS CLI does", () => {
    expect(parseScopes(" sso:account:access , codewhisperer:completions,,")).toEqual([
      "sso:account:access",
      "codewhisperer:completions",
    ]);
    expect(parseScopes(undefined)).toEqual([]);
  });
});

describe("the AWS CLI's cache file names", () => {
  it.each([
    [{ startUrl: "https://d-abc123.awsapps.com/start" }, "40a89917e3175433e361b710a9d43528d7f1890a"],
    [{ startUrl: "https://x", sessionName: "admin" }, "d033e22ae348aeb5660fc2140aec35850c4da997"],
    [{ startUrl: "https://test.url/start" }, "f395038c92f1828cbb3991d2d6152d326b895606"],
  ])("token %j", (target, key) => {
    expect(tokenCacheKey(target)).toBe(key);
  });

  it("registration key: Python's json.dumps with sorted keys (aws-cli v2 test vector)", () => {
    expect(
      registrationCacheKey({
        startUrl: "https://d-abc123.awsapps.com/start",
        region: "us-west-2",
        scopes: null,
        sessionName: null,
      }),
    ).toBe("d75f79f67bab3f92a2b1450471c0c2574de0dca4");
    expect(pythonJsonDumps({ b: ["x", "y"], a: "é" })).toBe('{"a": "\\u00e9", "b": ["x", "y"]}');
  });

  it("timestamps without fractions, as botocore writes them", () => {
    expect(formatUtc(new Date("2026-12-01T10:00:00.123Z"))).toBe("2026-12-01T10:00:00Z");
  });

  it("a registration is reused until 15 minutes before expiry, by the flow that made it", () => {
    const now = new Date("2026-12-01T10:00:00Z");
    const device = { clientId: "c", clientSecret: "s", expiresAt: "2026-12-01T10:16:00Z" };
    const pkce = { ...device, grantTypes: ["authorization_code", "refresh_token"] };
    expect(registrationUsable(device, "device", now)).toBe(true);
    expect(registrationUsable(device, "pkce", now)).toBe(false);
    expect(registrationUsable(pkce, "pkce", now)).toBe(true);
    expect(registrationUsable(pkce, "device", now)).toBe(false);
    expect(registrationUsable({ ...device, expiresAt: "2026-12-01T10:15:00Z" }, "device", now)).toBe(false);
  });
});

describe("browser and loopback", () => {
  it.each([
    [{}, "linux", false],
    [{ DISPLAY: ":0" }, "linux", true],
    [{ WAYLAND_DISPLAY: "wayland-0" }, "linux", true],
    [{ DISPLAY: ":0", SSH_CONNECTION: "1 2 3 4" }, "linux", false],
    [{}, "darwin", true],
    [{ SSH_TTY: "/dev/pts/1" }, "darwin", false],
    [{ BROWSER: "w3m", SSH_TTY: "/dev/pts/1" }, "linux", true],
  ])("canOpenBrowser(%j, %s)", (env, platform, ok) => {
    expect(canOpenBrowser(env, platform as NodeJS.Platform).ok).toBe(ok);
  });

  it("listens on 127.0.0.1 only; a wrong state is refused and the wait goes on; the right one gives the code", async () => {
    let wrong = 0;
    const cb = await startLoopbackCallback({
      signal: new AbortController().signal,
      timeoutMs: 10_000,
      what: "test",
      onWrongState: () => wrong++,
    });
    const url = new URL(cb.redirectUri);
    expect(url.hostname).toBe("127.0.0.1");
    expect(url.pathname).toBe("/oauth/callback");
    const bad = await fetch(`${cb.redirectUri}?code=evil&state=not-it`);
    expect(bad.status).toBe(400);
    expect(wrong).toBe(1);
    const good = await fetch(`${cb.redirectUri}?code=abc&state=${cb.state}`);
    expect(good.status).toBe(200);
    await expect(cb.code).resolves.toBe("abc");
  });

  it("an error in the redirect (denied) ends the wait with one sentence", async () => {
    const cb = await startLoopbackCallback({
      signal: new AbortController().signal,
      timeoutMs: 10_000,
      what: 'sso-session "s"',
    });
    await fetch(`${cb.redirectUri}?error=access_denied&state=${cb.state}`);
    await expect(cb.code).rejects.toThrow('The browser sign-in for sso-session "s" did not complete (access_denied).');
  });

  it("ends at the deadline, and on Ctrl-C", async () => {
    const late = await startLoopbackCallback({ signal: new AbortController().signal, timeoutMs: 50, what: "x" });
    await expect(late.code).rejects.toMatchObject({ code: "LoginTimedOut" });
    const controller = new AbortController();
    const cut = await startLoopbackCallback({ signal: controller.signal, timeoutMs: 10_000, what: "x" });
    controller.abort();
    await expect(cut.code).rejects.toMatchObject({ code: "Interrupted", exitCode: 130 });
  });
});
