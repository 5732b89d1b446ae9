// `awsrole login --console` and `awsrole logout --console` as a user runs them:
// the built CLI against the emulator's sign-in service (test/sts/signin.ts),
// which holds the authorize request until the "user" signs in, checks PKCE and
// the DPoP proof. What the login writes is then used by the JS SDK's own login
// provider, the reference reader of the AWS CLI's files.

import { fromLoginCredentials } from "@aws-sdk/credential-provider-login";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import type { LoginCacheFile } from "../sts/signin.js";
import { sts as stsClient } from "../emulator/helpers.js";
import { BIN, baseEnv, makeHome, runCli, type Home } from "./harness.js";

const CONSOLE_USER = "arn:aws:iam::555555555555:user/console-user";
let server: StsServer;
const homes: Home[] = [];

beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
  for (const h of homes) h.remove();
});
beforeEach(() => {
  server.reset();
  server.signin.autoApprove = undefined;
});

function home(config: string): { h: Home; env: Record<string, string> } {
  const h = makeHome({ config, credentials: "" });
  homes.push(h);
  return { h, env: baseEnv(h, server, { AWS_ENDPOINT_URL_SIGNIN: server.url, AWS_REGION: undefined }) };
}

const cacheFileOf = (h: Home, arn: string): string =>
  join(h.awsDir, "login", "cache", `${createHash("sha256").update(arn).digest("hex")}.json`);

/** Runs the CLI, hands each stderr chunk to `onStderr`, and lets the test write to its stdin. */
function running(
  args: string[],
  env: Record<string, string>,
  onStderr: (all: string, write: (s: string) => void) => void,
) {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
    onStderr(stderr, (s) => child.stdin.write(s));
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const urlIn = (text: string): string | undefined => /(http:\/\/127\.0\.0\.1:\d+\/v1\/authorize\?\S+)/.exec(text)?.[1];

describe("awsrole login --console", () => {
  it("same device: the loopback redirect on 127.0.0.1 gets the code; the AWS CLI's files are written and the JS SDK uses them", async () => {
    const { h, env } = home("[profile other]\nregion = us-east-1\n");
    let visited = false;
    const run = running(
      ["login", "--console", "--profile", "console", "--region", "us-east-1", "--no-browser"],
      env,
      (all) => {
        const url = urlIn(all);
        if (!url || visited) return;
        visited = true;
        const authorize = new URL(url);
        expect(authorize.searchParams.get("client_id")).toBe("arn:aws:signin:::devtools/same-device");
        expect(authorize.searchParams.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/callback$/);
        expect(authorize.searchParams.get("code_challenge_method")).toBe("SHA-256");
        // The browser: the sign-in page waits for the user, then redirects to the loopback listener.
        void fetch(url, { redirect: "follow" }).then((r) => r.text());
        const approve = setInterval(() => {
          if (server.signin.pendingLoginCount() > 0) {
            clearInterval(approve);
            server.signin.approveLogins(CONSOLE_USER);
          }
        }, 20);
      },
    );
    const result = await run.done;
    expect(result.stderr).toContain(`Signed in as ${CONSOLE_USER}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    const path = cacheFileOf(h, CONSOLE_USER);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, "utf8")) as LoginCacheFile;
    expect(Object.keys(file).sort()).toEqual([
      "accessToken",
      "clientId",
      "dpopKey",
      "idToken",
      "refreshToken",
      "tokenType",
    ]);
    expect(file.accessToken.accountId).toBe("555555555555");
    expect(file.dpopKey).toMatch(/^-----BEGIN EC PRIVATE KEY-----/);
    const config = readFileSync(join(h.awsDir, "config"), "utf8");
    expect(config).toBe(
      `[profile other]\nregion = us-east-1\n\n[profile console]\nlogin_session = ${CONSOLE_USER}\nregion = us-east-1\n`,
    );
    expect(readdirSync(h.awsDir).filter((n) => n.startsWith("config.awsrole-backup-"))).toHaveLength(1);
    // The calls: the authorize page, then one token call with PKCE and DPoP.
    expect(server.calls.filter((c) => c.service === "signin").map((c) => `${c.action} ${c.status}`)).toEqual([
      "SigninAuthorize 302",
      "CreateOAuth2Token 200",
    ]);

    // The JS SDK reads the session awsrole wrote, and STS takes its keys.
    const saved = { dir: process.env.AWS_LOGIN_CACHE_DIRECTORY };
    process.env.AWS_LOGIN_CACHE_DIRECTORY = join(h.awsDir, "login", "cache");
    try {
      const credentials = await fromLoginCredentials({
        profile: "console",
        configFilepath: join(h.awsDir, "config"),
      })();
      expect(credentials.accessKeyId).toBe(file.accessToken.accessKeyId);
      expect((await stsClient(server, credentials).send(new GetCallerIdentityCommand({}))).Arn).toBe(CONSOLE_USER);
    } finally {
      if (saved.dir === undefined) delete process.env.AWS_LOGIN_CACHE_DIRECTORY;
      else process.env.AWS_LOGIN_CACHE_DIRECTORY = saved.dir;
    }

    // And awsrole resolves the profile from it, with no further sign-in call.
    server.reset();
    const whoami = await runCli(["whoami", "--profile", "console", "--output", "json"], env);
    expect(whoami.stderr).toBe("");
    expect(JSON.parse(whoami.stdout).Arn).toBe(CONSOLE_USER);
    expect(server.calls.map((c) => c.action)).toEqual(["GetCallerIdentity"]);

    // logout --console removes the session; the profile is left as it is.
    const logout = await runCli(["logout", "--console", "--profile", "console"], env);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toBe("");
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(join(h.awsDir, "config"), "utf8")).toBe(config);
    const after = await runCli(["export", "console"], env);
    expect(after.code).toBe(1);
    expect(after.stdout).toBe("");
    expect(after.stderr).toMatch(/its cache file .* does not exist/);
  }, 60_000);

  it("opens the browser named by BROWSER (as the SSO login does); the redirect completes the login", async () => {
    const { h, env } = home("[profile console]\nregion = us-east-1\n");
    server.signin.autoApprove = CONSOLE_USER;
    const browser = join(h.dir, "browser.mjs");
    writeFileSync(browser, 'const r = await fetch(process.argv[2], { redirect: "follow" });\nawait r.text();\n');
    const result = await runCli(["login", "--console", "console"], {
      ...env,
      BROWSER: `"${process.execPath}" "${browser}"`,
    });
    expect(result.stderr).toContain("Sign in to the AWS console in the browser; if it did not open, visit:");
    expect(result.stderr).toContain(`Signed in as ${CONSOLE_USER}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    expect(existsSync(cacheFileOf(h, CONSOLE_USER))).toBe(true);
  });

  it("with no display and no BROWSER it says to open the URL here or use --remote", async () => {
    const { env } = home("[profile console]\nregion = us-east-1\n");
    let sent = false;
    const run = running(["login", "--console", "console"], env, (all) => {
      if (!urlIn(all) || sent) return;
      sent = true;
      run.child.kill("SIGINT");
    });
    const result = await run.done;
    expect(result.stderr).toContain(
      "Open this URL in a browser on this machine and sign in (no DISPLAY or WAYLAND_DISPLAY is set); on another device, use --remote instead:",
    );
    expect(result.code).toBe(130);
  });

  it("--remote: the user pastes the code the confirmation page shows", async () => {
    const { h, env } = home("[profile console]\nregion = us-east-1\n");
    server.signin.autoApprove = CONSOLE_USER;
    let pasted = false;
    const run = running(["login", "--console", "--remote", "console"], env, (all, write) => {
      const url = urlIn(all);
      if (!url || pasted || !all.includes("paste the code")) return;
      pasted = true;
      expect(new URL(url).searchParams.get("redirect_uri")).toBe(`${server.url}/v1/sessions/confirmation`);
      void fetch(url, { redirect: "follow" })
        .then((r) => r.text())
        .then((page) => write(`${/<pre id="code">([^<]+)<\/pre>/.exec(page)![1]}\n`));
    });
    const result = await run.done;
    expect(result.stderr).toContain(`Signed in as ${CONSOLE_USER}`);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("");
    const file = JSON.parse(readFileSync(cacheFileOf(h, CONSOLE_USER), "utf8")) as LoginCacheFile;
    expect(file.clientId).toBe("arn:aws:signin:::devtools/cross-device");
    // The profile had a region: only login_session is added.
    expect(readFileSync(join(h.awsDir, "config"), "utf8")).toBe(
      `[profile console]\nregion = us-east-1\nlogin_session = ${CONSOLE_USER}\n`,
    );
  }, 60_000);

  it("a pasted code from another sign-in (wrong state) is refused, and nothing is written", async () => {
    const { h, env } = home("[profile console]\nregion = us-east-1\n");
    const bogus = Buffer.from("code=abc&state=not-ours").toString("base64");
    const result = await runCli(["login", "--console", "--remote", "console"], env, { input: `${bogus}\n` });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/The pasted text is not the code of this sign-in/);
    expect(existsSync(join(h.awsDir, "login"))).toBe(false);
    expect(readFileSync(join(h.awsDir, "config"), "utf8")).toBe("[profile console]\nregion = us-east-1\n");
  });

  it("Ctrl-C while waiting for the browser exits 130 and writes nothing", async () => {
    const { h, env } = home("[profile console]\nregion = us-east-1\n");
    let sent = false;
    const run = running(["login", "--console", "console", "--no-browser"], env, (all) => {
      if (!urlIn(all) || sent) return;
      sent = true;
      run.child.kill("SIGINT");
    });
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain("awsrole: interrupted.");
    expect(result.stdout).toBe("");
    expect(existsSync(join(h.awsDir, "login"))).toBe(false);
    expect(readFileSync(join(h.awsDir, "config"), "utf8")).toBe("[profile console]\nregion = us-east-1\n");
  });

  it("a profile that already has other credentials is refused, as aws login does", async () => {
    const { env } = home(
      "[profile roled]\nrole_arn = arn:aws:iam::555555555555:role/ChainTarget\nsource_profile = x\nregion = us-east-1\n",
    );
    const result = await runCli(["login", "--console", "roled"], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/Profile "roled" already gets credentials another way \(role_arn\)/);
  });

  it("console-only options without --console are usage errors naming the flag", async () => {
    const { env } = home("");
    for (const args of [
      ["login", "console", "--remote"],
      ["logout", "--all"],
    ]) {
      const result = await runCli(args, env);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/--console/);
    }
  });
});
