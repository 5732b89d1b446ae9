// `awsrole login --console [profile]`: sign in with the console's credentials
// (root, IAM user or federated), as `aws login` (AWS CLI 2.32 and later) does,
// and write the same files it writes, so `aws`, every SDK and awsrole share the
// session (docs/login-session.md):
//
// - same device (default): OAuth 2.0 authorization code with PKCE (SHA-256)
//   against the sign-in service, the redirect on a loopback listener bound to
//   127.0.0.1 only (the state checked, a 10-minute limit);
// - --remote: the redirect goes to the sign-in service's confirmation page,
//   and the user pastes the code it shows (for a machine without a browser);
// - the code is exchanged at /v1/token with a DPoP proof from a new P-256 key,
//   the session goes to ~/.aws/login/cache/<sha256(ARN)>.json (0600, atomic),
//   and `login_session = ARN` (and `region`, when the profile had none) into
//   the profile, with a backup of the config file.
//
// URLs and prompts go to stderr; stdout stays empty. Ctrl-C exits 130 and
// writes nothing.
//
// `awsrole logout --console [profile]` removes the profile's cache file
// (`--all`: every console-login cache file), as `aws logout` does.

import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import { readCaBundle, resolveCaBundle } from "../adapters/ca-bundle.js";
import { configPaths, loadConfig } from "../adapters/config-files.js";
import { writeConfigSettings } from "../adapters/credentials-writer.js";
import { getString } from "../core/config.js";
import {
  configuredSigninEndpoint,
  isoSeconds,
  loginCacheDir,
  loginCacheFile,
  refusalOf,
  signinBaseUrl,
} from "../core/kinds/login-session.js";
import { chooseProfile } from "../core/plan.js";
import { canOpenBrowser, openBrowser } from "../adapters/oauth-loopback.js";
import type { Context } from "../context.js";
import { AwsroleError, InterruptedError, UsageError } from "../errors.js";

export const SAME_DEVICE_CLIENT = "arn:aws:signin:::devtools/same-device";
export const CROSS_DEVICE_CLIENT = "arn:aws:signin:::devtools/cross-device";
const LOGIN_TIMEOUT_MS = 10 * 60_000;

export interface LoginConsoleInput {
  profile: string | undefined;
  region?: string | undefined;
  /** The remote flow: paste the code the confirmation page shows. */
  remote?: boolean;
  /** Print the URL only; do not try to open a browser. */
  noBrowser?: boolean;
}

/** Settings that make `aws login` refuse a profile (AWS CLI 2.32.32, customizations/login/login.py). */
const OTHER_CREDENTIALS = [
  "aws_access_key_id",
  "aws_secret_access_key",
  "role_arn",
  "credential_process",
  "web_identity_token_file",
  "sso_session",
  "sso_start_url",
  "sso_account_id",
  "sso_role_name",
];

export async function runLoginConsole(input: LoginConsoleInput, ctx: Context): Promise<number> {
  const config = loadConfig(ctx.env);
  const name = chooseProfile(input.profile, ctx.env).name;
  const profile = config.profiles.get(name);
  const other = profile ? OTHER_CREDENTIALS.filter((k) => getString(profile, k) !== undefined) : [];
  if (other.length > 0) {
    throw new AwsroleError(
      "LoginProfileHasCredentials",
      `Profile "${name}" already gets credentials another way (${other.join(", ")}), so it cannot also hold a console login session.`,
      { hint: `Sign in with another profile name: awsrole login --console --profile ${name}-console.` },
    );
  }
  const profileRegion = profile ? getString(profile, "region")?.trim() || undefined : undefined;
  const region =
    input.region?.trim() ||
    profileRegion ||
    ctx.env.AWS_REGION?.trim() ||
    ctx.env.AWS_DEFAULT_REGION?.trim() ||
    undefined;
  if (!region) {
    throw new UsageError(
      `Profile "${name}" has no region, and the sign-in service is regional.`,
      `Pass --region, for example: awsrole login --console --profile ${name} --region us-east-1.`,
    );
  }
  const endpoint = profile ? configuredSigninEndpoint(config, profile, ctx.env) : envEndpoint(ctx.env);
  const base = signinBaseUrl(name, endpoint, region);

  const crypto = await import("node:crypto");
  const { dpopProof, loadDpopKey } = await import("../core/dpop.js");
  const pem = crypto
    .generateKeyPairSync("ec", { namedCurve: "P-256" })
    .privateKey.export({ format: "pem", type: "sec1" })
    .toString();
  const dpop = await loadDpopKey(pem);
  // RFC 7636: 64 unbiased characters of the unreserved set, the challenge its SHA-256 (the SSO login's).
  const { boundedTransport, pkceChallenge, pkceVerifier } = await import("../adapters/sso-oidc.js");
  const verifier = pkceVerifier();
  const challenge = pkceChallenge(verifier);
  const state = crypto.randomUUID();
  const clientId = input.remote ? CROSS_DEVICE_CLIENT : SAME_DEVICE_CLIENT;

  const authorize = (redirectUri: string): string =>
    `${base}/v1/authorize?${new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      state,
      code_challenge_method: "SHA-256",
      scope: "openid",
      redirect_uri: redirectUri,
      code_challenge: challenge,
    }).toString()}`;

  let code: string;
  let redirectUri: string;
  if (input.remote) {
    redirectUri = `${base}/v1/sessions/confirmation`;
    ctx.stderr.write(`Sign in to the AWS console on any device, at:\n\n  ${authorize(redirectUri)}\n\n`);
    const pasted = await readPasted("Then paste the code the page shows here: ", ctx);
    code = codeFromPaste(pasted, state);
  } else {
    const callback = await loopbackCallback(state, ctx);
    try {
      redirectUri = callback.redirectUri;
      const url = authorize(redirectUri);
      // The same browser rules as the IAM Identity Center login (BROWSER, then the platform's opener).
      const browser = input.noBrowser ? { ok: false } : canOpenBrowser(ctx.env);
      const opened = browser.ok && (await openBrowser(url, ctx.env));
      const why = "why" in browser && browser.why ? ` (${browser.why})` : "";
      ctx.stderr.write(
        opened
          ? `Sign in to the AWS console in the browser; if it did not open, visit:\n\n  ${url}\n\n`
          : `Open this URL in a browser on this machine and sign in${why}; on another device, use --remote instead:\n\n  ${url}\n\n`,
      );
      code = await callback.code;
    } finally {
      callback.close();
    }
  }

  const tokenUrl = `${base}/v1/token`;
  const body = JSON.stringify({ clientId, grantType: "authorization_code", code, codeVerifier: verifier, redirectUri });
  // The project's bounded request (a deadline, a size limit, AWS_CA_BUNDLE / ca_bundle), as every other call.
  const bundle = resolveCaBundle(ctx.env, profile);
  const http = boundedTransport(ctx.signal, bundle ? () => readCaBundle(bundle) : undefined);
  let response: { status: number; body: string };
  try {
    response = await http({
      url: tokenUrl,
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        DPoP: await dpopProof(dpop, "POST", tokenUrl, ctx.now()),
      },
      body,
      deadlineMs: 30_000,
      maxBytes: 64 * 1024,
    });
  } catch (error) {
    if (ctx.signal.aborted) throw new InterruptedError();
    throw new AwsroleError("LoginFailed", `Could not reach the sign-in endpoint ${tokenUrl} (${causeOf(error)}).`, {
      hint: "Check the network, and AWS_ENDPOINT_URL_SIGNIN if you set it.",
    });
  }
  const text = response.body;
  if (response.status !== 200) {
    const refusal = refusalOf({ status: response.status, headers: {}, body: text });
    const why =
      refusal === "INSUFFICIENT_PERMISSIONS"
        ? ": the identity lacks permission for signin:CreateOAuth2Token"
        : refusal
          ? ` (${refusal})`
          : "";
    throw new AwsroleError(
      "LoginFailed",
      `The sign-in service refused the login for profile "${name}" (HTTP ${response.status})${why}.`,
      {
        hint:
          refusal === "INSUFFICIENT_PERMISSIONS"
            ? "Ask for signin:CreateOAuth2Token (policy SignInLocalDevelopmentAccess), then sign in again."
            : "Sign in again: awsrole login --console.",
      },
    );
  }
  const session = sessionOf(text, ctx.now(), clientId, pem);
  if (!session)
    throw new AwsroleError(
      "LoginFailed",
      `The sign-in service answered the login for profile "${name}" without usable keys or identity.`,
      { hint: "Try again." },
    );

  const cacheFile = loginCacheFile(session.arn, ctx.env);
  writeSecretFile(cacheFile, `${JSON.stringify(session.file, null, 2)}\n`);
  const settings: Record<string, string> = { login_session: session.arn };
  if (!profileRegion) settings.region = region;
  const { configPath } = configPaths(ctx.env);
  const written = writeConfigSettings(
    configPath,
    name === "default" ? "default" : `profile ${name}`,
    settings,
    ctx.now(),
  );
  ctx.stderr.write(
    `Signed in as ${session.arn}; profile "${name}" uses the session (keys refreshed for up to 12 hours).\n` +
      (written.backupPath
        ? `Updated ${written.path} (backup: ${written.backupPath}).\n`
        : written.created
          ? `Created ${written.path}.\n`
          : ""),
  );
  return 0;
}

export interface LogoutConsoleInput {
  profile: string | undefined;
  all?: boolean;
}

/** Removes the profile's console-login cache file, or with --all every one, as `aws logout [--all]`. */
export async function runLogoutConsole(input: LogoutConsoleInput, ctx: Context): Promise<number> {
  if (input.all) {
    const dir = loginCacheDir(ctx.env);
    let names: string[] = [];
    try {
      names = readdirSync(dir).filter((n) => /^[0-9a-f]{64}\.json$/.test(n));
    } catch {}
    for (const n of names) rmSync(`${dir}/${n}`, { force: true });
    ctx.stderr.write(`Removed ${names.length} console login session${names.length === 1 ? "" : "s"} from ${dir}.\n`);
    return 0;
  }
  const config = loadConfig(ctx.env);
  const name = chooseProfile(input.profile, ctx.env).name;
  const profile = config.profiles.get(name);
  const arn = profile ? getString(profile, "login_session")?.trim() : undefined;
  if (!arn) {
    throw new AwsroleError(
      "NotLoginSession",
      `Profile "${name}" has no login_session, so there is no console login session to end.`,
      {
        hint: "Name the profile that `awsrole login --console` (or `aws login`) signed in, or pass --all.",
      },
    );
  }
  const file = loginCacheFile(arn, ctx.env);
  let removed = true;
  try {
    rmSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    removed = false;
  }
  ctx.stderr.write(
    removed
      ? `Ended the console login session of profile "${name}" (removed ${file}).\n`
      : `Profile "${name}" had no console login session cached (${file}).\n`,
  );
  return 0;
}

/** The configured endpoint when the profile does not exist yet: only the variables apply. */
function envEndpoint(env: Context["env"]): { url: string; origin: string } | undefined {
  if ((env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").trim().toLowerCase() === "true") return undefined;
  const signin = env.AWS_ENDPOINT_URL_SIGNIN?.trim();
  if (signin) return { url: signin, origin: "AWS_ENDPOINT_URL_SIGNIN" };
  const global = env.AWS_ENDPOINT_URL?.trim();
  return global ? { url: global, origin: "AWS_ENDPOINT_URL" } : undefined;
}

interface Callback {
  redirectUri: string;
  code: Promise<string>;
  close(): void;
}

/** A one-shot listener on 127.0.0.1 (never all interfaces) for /oauth/callback?code&state. */
async function loopbackCallback(state: string, ctx: Context): Promise<Callback> {
  const { createServer } = await import("node:http");
  let settle!: { resolve: (code: string) => void; reject: (error: unknown) => void };
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Rejected by Ctrl-C or the time limit perhaps before anyone awaits it (while
  // the browser opens): the awaiting code sees the rejection, Node must not.
  code.catch(() => {});
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method !== "GET" || url.pathname !== "/oauth/callback") {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("Not found\n");
      return;
    }
    const answer = (status: number, text: string): void => {
      res
        .writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" })
        .end(`<!doctype html><p>${text}</p>\n`);
    };
    if (url.searchParams.get("state") !== state) {
      // Not our request (or a forged one): keep waiting for the real redirect.
      answer(400, "This sign-in does not belong to the waiting awsrole login.");
      return;
    }
    const error = url.searchParams.get("error");
    const got = url.searchParams.get("code");
    if (error || !got) {
      answer(400, "Sign-in was cancelled. You can close this tab.");
      settle.reject(
        new AwsroleError(
          "LoginDenied",
          `The console sign-in was not completed${error ? ` (${error.replace(/[^\w.-]/g, "?").slice(0, 64)})` : ""}.`,
          { hint: "Run awsrole login --console again." },
        ),
      );
      return;
    }
    answer(200, "Signed in. You can close this tab and return to the terminal.");
    settle.resolve(got);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const onAbort = (): void => settle.reject(new InterruptedError());
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const timer = setTimeout(
    () =>
      settle.reject(
        new AwsroleError("LoginTimedOut", "The console sign-in was not completed within 10 minutes.", {
          hint: "Run awsrole login --console again (or --remote on a machine without a browser).",
        }),
      ),
    LOGIN_TIMEOUT_MS,
  );
  return {
    redirectUri: `http://127.0.0.1:${port}/oauth/callback`,
    code,
    close() {
      clearTimeout(timer);
      ctx.signal.removeEventListener("abort", onAbort);
      server.closeAllConnections();
      server.close();
    },
  };
}

/** The remote flow's paste: base64 of `code=…&state=…`; the state must be ours. */
export function codeFromPaste(pasted: string, state: string): string {
  const params = new URLSearchParams(Buffer.from(pasted.trim(), "base64").toString("utf8"));
  const code = params.get("code");
  if (!code || params.get("state") !== state) {
    throw new AwsroleError("LoginBadCode", "The pasted text is not the code of this sign-in.", {
      hint: "Paste the whole code the confirmation page shows, from the sign-in that awsrole printed.",
    });
  }
  return code;
}

async function readPasted(prompt: string, ctx: Context): Promise<string> {
  const { createInterface } = await import("node:readline");
  const rl = createInterface({ input: process.stdin, terminal: false });
  ctx.stderr.write(prompt);
  try {
    return await new Promise<string>((resolve, reject) => {
      const onAbort = (): void => reject(new InterruptedError());
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      rl.once("line", (line) => resolve(line));
      rl.once("close", () =>
        reject(
          new AwsroleError("LoginBadCode", "No code was pasted (end of input).", {
            hint: "Run awsrole login --console --remote again and paste the code.",
          }),
        ),
      );
    });
  } finally {
    rl.close();
  }
}

/** The token answer as the AWS CLI's cache file, with the identity from the id token's `sub`. */
function sessionOf(
  text: string,
  now: Date,
  clientId: string,
  dpopKey: string,
): { arn: string; file: Record<string, unknown> } | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const output = (parsed.tokenOutput ?? parsed) as Record<string, unknown>;
  const keys = output.accessToken as Record<string, unknown> | undefined;
  const idToken = output.idToken;
  const refreshToken = output.refreshToken;
  if (
    typeof keys !== "object" ||
    keys === null ||
    typeof idToken !== "string" ||
    typeof refreshToken !== "string" ||
    refreshToken === ""
  )
    return undefined;
  const { accessKeyId, secretAccessKey, sessionToken } = keys;
  const printable = (v: unknown): v is string => typeof v === "string" && /^[\x21-\x7e]+$/.test(v);
  if (!printable(accessKeyId) || !printable(secretAccessKey) || !printable(sessionToken)) return undefined;
  let sub: unknown;
  try {
    sub = (JSON.parse(Buffer.from(idToken.split(".")[1] ?? "", "base64url").toString("utf8")) as { sub?: unknown }).sub;
  } catch {
    return undefined;
  }
  const arn = typeof sub === "string" ? /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):[\x21-\x7e]+$/.exec(sub) : null;
  if (!arn) return undefined;
  const expiresIn = typeof output.expiresIn === "number" && output.expiresIn > 0 ? output.expiresIn : 900;
  return {
    arn: arn[0],
    file: {
      accessToken: {
        accessKeyId,
        secretAccessKey,
        sessionToken,
        accountId: arn[1],
        expiresAt: isoSeconds(new Date(now.getTime() + expiresIn * 1000)),
      },
      tokenType: typeof output.tokenType === "string" ? output.tokenType : "aws_sigv4",
      clientId,
      refreshToken,
      idToken,
      dpopKey,
    },
  };
}

/** Temp file in the same directory, fsync, rename; 0600 file in a 0700 directory. */
function writeSecretFile(path: string, text: string): void {
  const dir = path.slice(0, path.lastIndexOf("/"));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${dir}/.${path.slice(dir.length + 1)}.${process.pid}.${Date.now()}.tmp`;
  const fd = openSync(temp, "wx", 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new AwsroleError(
      "WriteFailed",
      `Could not write ${path} (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
      { hint: "Check the directory's permissions and free disk space." },
    );
  }
}

function causeOf(error: unknown): string {
  const e = error as Error;
  return e.cause instanceof Error ? e.cause.message : e.message;
}
