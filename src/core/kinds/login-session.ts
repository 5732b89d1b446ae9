// Console-login credentials: the profiles `aws login` (AWS CLI 2.32 and later)
// creates, with `login_session = <ARN>` (docs/login-session.md). botocore's
// LoginProvider comes after the credentials-file keys and before
// credential_process (ProfileProviderBuilder.providers).
//
// The AWS CLI keeps the session in ~/.aws/login/cache/<sha256(ARN)>.json
// (or $AWS_LOGIN_CACHE_DIRECTORY): 15-minute keys, and a refresh token bound to
// a P-256 key (DPoP) that yields new keys for up to 12 hours. Keys with more
// than 5 minutes left are used as they are (botocore's
// LoginCredentialFetcher._REFRESH_THRESHOLD), which needs only the file: the
// warm path serves them with no network and no node:crypto. Nearer expiry the
// keys are refreshed at the sign-in token endpoint (CreateOAuth2Token) under
// the cross-process lock of the cache file, so many processes refresh once,
// and the file is written back atomically with mode 0600 in the AWS CLI's
// format, so `aws` and every SDK go on sharing the session.

import { AwsroleError, InterruptedError } from "../../errors.js";
import { getString, type AwsConfig, type Profile } from "../config.js";
import { NeedsOnline, type Effects, type HttpResponse } from "../effects.js";
import { sha256Hex } from "../sha256.js";
import type { CredentialKind, Credentials, PlanContext, SourceBase, SourceCacheKey } from "./types.js";
import { parseArn } from "../arn.js";
import { expandHome, homeDir } from "../../adapters/home.js";

export interface LoginSessionSource extends SourceBase {
  kind: "login-session";
  profile: string;
  /** The login_session setting: the ARN of the console identity (the id token's `sub`). */
  loginSession: string;
  /** The cache file the AWS CLI keeps this session in. */
  cacheFile: string;
  /** A configured sign-in endpoint (AWS_ENDPOINT_URL_SIGNIN and the rest), with where it was set. */
  endpoint?: { url: string; origin: string };
  /** The profile's region, then AWS_REGION, AWS_DEFAULT_REGION: names the default endpoint. */
  region?: string;
}

declare module "./types.js" {
  interface SourceKinds {
    "login-session": LoginSessionSource;
  }
}

/** Keys with this much left or less are refreshed first (botocore, the JS SDK: 5 minutes). */
export const LOGIN_REFRESH_MS = 5 * 60_000;
/** The token endpoint's answer is a few KiB. */
const TOKEN_MAX_BYTES = 64 * 1024;
const TOKEN_DEADLINE_MS = 10_000;

/** The cache file's JSON as the AWS CLI writes it; fields awsrole does not know are kept as they are. */
export interface LoginCacheFile {
  accessToken: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    accountId: string;
    expiresAt: string;
    [k: string]: unknown;
  };
  tokenType?: string;
  clientId: string;
  refreshToken: string;
  idToken?: string;
  dpopKey: string;
  /** Read by the JS SDK when present; the AWS CLI never writes it. */
  signInRegion?: string;
  [k: string]: unknown;
}

export const loginSessionKind: CredentialKind<LoginSessionSource> = {
  // Signed in to the console as an assumed role (federation): its keys are that role's session.
  givesRoleSession: (profile) =>
    parseArn(getString(profile, "login_session")?.trim())?.resource.startsWith("assumed-role/") ?? false,
  kind: "login-session",
  uses: (profile) => nonEmpty(getString(profile, "login_session")) !== undefined,
  plan(profile, at) {
    const loginSession = nonEmpty(getString(profile, "login_session"))!;
    const endpoint = configuredSigninEndpoint(at.config, profile, at.env);
    const region =
      nonEmpty(getString(profile, "region")) ?? nonEmpty(at.env.AWS_REGION) ?? nonEmpty(at.env.AWS_DEFAULT_REGION);
    return {
      kind: "login-session",
      profile: profile.name,
      loginSession,
      cacheFile: loginCacheFile(loginSession, at.env),
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
    };
  },
  resolve: resolveLoginSession,
  describe: (source) => `the console login session of profile "${source.profile}"`,
  explain: (source) =>
    `console login session ${source.loginSession} of profile "${source.profile}" (keys in ${source.cacheFile}, ` +
    `refreshed through ${source.endpoint ? source.endpoint.origin : source.region ? `the sign-in endpoint of ${source.region}` : "the sign-in endpoint"})`,
  cacheKeys: (source): SourceCacheKey[] => [
    { key: sha256Hex(source.loginSession), store: "login", what: `console login session ${source.loginSession}` },
  ],
};

/** $AWS_LOGIN_CACHE_DIRECTORY, else ~/.aws/login/cache (botocore: the login token cache). */
export function loginCacheDir(env: PlanContext["env"]): string {
  // The one home-directory rule (src/adapters/home.ts, os.path.expanduser), as for every other file.
  const configured = nonEmpty(env.AWS_LOGIN_CACHE_DIRECTORY);
  if (configured) return expandHome(configured, env);
  return `${homeDir(env).replace(/\/+$/, "")}/.aws/login/cache`;
}

/** The file name is the SHA-256 (hex) of the login_session value exactly as written. */
export function loginCacheFile(loginSession: string, env: PlanContext["env"]): string {
  return `${loginCacheDir(env).replace(/\/+$/, "")}/${sha256Hex(loginSession)}.json`;
}

/**
 * The sign-in token endpoint: a configured one (botocore's
 * ConfiguredEndpointProvider for service "signin"), else
 * https://{region}.signin.aws.amazon.com, in China …signin.amazonaws.cn and in
 * GovCloud …signin.amazonaws-us-gov.com.
 */
export function signinTokenUrl(source: LoginSessionSource, file: Pick<LoginCacheFile, "signInRegion">): string {
  const region = nonEmpty(typeof file.signInRegion === "string" ? file.signInRegion : undefined) ?? source.region;
  return `${signinBaseUrl(source.profile, source.endpoint, region)}/v1/token`;
}

/** The sign-in service's base URL for a profile (no trailing slash). */
export function signinBaseUrl(
  profile: string,
  endpoint: { url: string } | undefined,
  region: string | undefined,
): string {
  if (endpoint) return endpoint.url.replace(/\/+$/, "");
  if (!region) {
    throw new AwsroleError(
      "LoginNoRegion",
      `Profile "${profile}" uses a console login session, but no region is set, so the sign-in endpoint is unknown.`,
      { hint: `Add region to the profile "${profile}" or set AWS_REGION.` },
    );
  }
  if (!/^[a-z0-9-]{1,64}$/.test(region)) {
    throw new AwsroleError(
      "LoginNoRegion",
      `Profile "${profile}" has region = ${region}, which is not a region name, so the sign-in endpoint is unknown.`,
      { hint: "Set region to a name such as us-east-1." },
    );
  }
  const domain = region.startsWith("cn-")
    ? "signin.amazonaws.cn"
    : region.startsWith("us-gov-")
      ? "signin.amazonaws-us-gov.com"
      : "signin.aws.amazon.com";
  return `https://${region}.${domain}`;
}

async function resolveLoginSession(source: LoginSessionSource, fx: Effects): Promise<Credentials> {
  const first = readLoginCache(source, fx);
  if (!fx.refresh && isFresh(first, fx.now())) {
    fx.debug(`login session of profile "${source.profile}": using the keys in ${source.cacheFile}`);
    return toCredentials(first);
  }
  // Online from here: the lock, the endpoint, the key. Offline effects stop at the lock.
  return fx.withLock(source.cacheFile, async () => {
    // Another process may have refreshed the session while we waited for the lock
    // (with --refresh, only keys other than the ones we first saw count as new).
    const again = readLoginCache(source, fx);
    const renewed = again.accessToken.accessKeyId !== first.accessToken.accessKeyId;
    if ((!fx.refresh || renewed) && isFresh(again, fx.now())) {
      fx.debug(`login session of profile "${source.profile}": refreshed by another process`);
      return toCredentials(again);
    }
    return refresh(source, again, fx);
  });
}

function isFresh(file: LoginCacheFile, now: Date): boolean {
  return Date.parse(file.accessToken.expiresAt) - now.getTime() > LOGIN_REFRESH_MS;
}

function toCredentials(file: LoginCacheFile): Credentials {
  const t = file.accessToken;
  return {
    accessKeyId: t.accessKeyId,
    secretAccessKey: t.secretAccessKey,
    sessionToken: t.sessionToken,
    expiration: new Date(Date.parse(t.expiresAt)),
    accountId: t.accountId,
  };
}

const signInAgain = (source: LoginSessionSource, lead = "Sign in again"): string =>
  `${lead}: awsrole login --console --profile ${source.profile} (or aws login --profile ${source.profile}).`;

/** Reads and checks the cache file; every problem names the file and the next step, never a value from it. */
export function readLoginCache(source: LoginSessionSource, fx: Pick<Effects, "readFile">): LoginCacheFile {
  let text: string;
  try {
    text = fx.readFile(source.cacheFile);
  } catch (error) {
    if (error instanceof NeedsOnline) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new AwsroleError(
        "LoginCacheMissing",
        `Profile "${source.profile}" uses the console login session ${source.loginSession}, but its cache file ${source.cacheFile} does not exist.`,
        {
          hint: `${signInAgain(source, "Sign in")} AWS_LOGIN_CACHE_DIRECTORY, when set, moves the cache.`,
        },
      );
    }
    throw new AwsroleError(
      "LoginCacheUnreadable",
      `Cannot read the console login cache file ${source.cacheFile} of profile "${source.profile}" (${code ?? "error"}).`,
      {
        hint: "Check the file's owner and permissions.",
      },
    );
  }
  const invalid = (what: string): AwsroleError =>
    new AwsroleError(
      "LoginCacheInvalid",
      `The console login cache file ${source.cacheFile} of profile "${source.profile}" ${what}.`,
      { hint: signInAgain(source) },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalid("is not a JSON object");
  const file = parsed as Record<string, unknown>;
  const token = file.accessToken as Record<string, unknown> | undefined;
  const missing: string[] = [];
  if (typeof token !== "object" || token === null || Array.isArray(token)) missing.push("accessToken");
  else
    for (const k of ["accessKeyId", "secretAccessKey", "sessionToken", "accountId", "expiresAt"])
      if (!isText(token[k])) missing.push(`accessToken.${k}`);
  for (const k of ["clientId", "refreshToken", "dpopKey"]) if (!isText(file[k])) missing.push(k);
  if (missing.length > 0) throw invalid(`lacks ${missing.join(", ")}`);
  if (Number.isNaN(Date.parse(token!.expiresAt as string)))
    throw invalid("has an accessToken.expiresAt that is not a date");
  return file as LoginCacheFile;
}

async function refresh(source: LoginSessionSource, file: LoginCacheFile, fx: Effects): Promise<Credentials> {
  const url = signinTokenUrl(source, file);
  // Loaded only now: node:crypto is not needed while the keys are valid.
  const { dpopProof, DpopKeyError, loadDpopKey } = await import("../dpop.js");
  let proof: string;
  try {
    proof = await dpopProof(await loadDpopKey(file.dpopKey), "POST", url, fx.now());
  } catch (error) {
    if (!(error instanceof DpopKeyError)) throw error;
    throw new AwsroleError(
      "LoginCacheInvalid",
      `The dpopKey in the console login cache file ${source.cacheFile} of profile "${source.profile}" cannot sign: ${error.message}.`,
      {
        hint: signInAgain(source),
      },
    );
  }
  fx.debug(`login session of profile "${source.profile}": refreshing at ${url}`);
  const stillValid = Date.parse(file.accessToken.expiresAt) > fx.now().getTime();
  let response: HttpResponse;
  try {
    response = await fx.http({
      url,
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", DPoP: proof },
      body: JSON.stringify({ clientId: file.clientId, grantType: "refresh_token", refreshToken: file.refreshToken }),
      deadlineMs: TOKEN_DEADLINE_MS,
      maxBytes: TOKEN_MAX_BYTES,
    });
  } catch (error) {
    if (error instanceof NeedsOnline || error instanceof InterruptedError || fx.signal.aborted)
      throw fx.signal.aborted ? new InterruptedError() : error;
    return keepOrFail(
      source,
      file,
      fx,
      stillValid,
      `the sign-in endpoint ${url} could not be reached (${(error as Error).message})`,
    );
  }
  if (response.status !== 200) {
    const refusal = refusalOf(response);
    if (refusal === "TOKEN_EXPIRED" || refusal === "USER_CREDENTIALS_CHANGED") {
      throw new AwsroleError(
        "LoginSessionExpired",
        `The console login session of profile "${source.profile}" has expired or its credentials have changed (the sign-in service answered ${refusal}).`,
        {
          hint: signInAgain(source),
        },
      );
    }
    if (refusal === "INSUFFICIENT_PERMISSIONS") {
      throw new AwsroleError(
        "LoginNotPermitted",
        `The console login session of profile "${source.profile}" cannot be refreshed: ${source.loginSession} lacks permission for signin:CreateOAuth2Token.`,
        {
          hint: `Ask for signin:CreateOAuth2Token (policy SignInLocalDevelopmentAccess), then ${signInAgain(source, "sign in again")}`,
        },
      );
    }
    return keepOrFail(
      source,
      file,
      fx,
      stillValid,
      `the sign-in endpoint ${url} answered HTTP ${response.status}${refusal ? ` (${refusal})` : ""}`,
    );
  }
  const fresh = tokenOutputOf(response.body);
  if (!fresh) return keepOrFail(source, file, fx, stillValid, `the sign-in endpoint ${url} answered without new keys`);
  const updated: LoginCacheFile = {
    ...file,
    accessToken: {
      ...file.accessToken,
      accessKeyId: fresh.accessKeyId,
      secretAccessKey: fresh.secretAccessKey,
      sessionToken: fresh.sessionToken,
      expiresAt: isoSeconds(new Date(fx.now().getTime() + fresh.expiresIn * 1000)),
    },
    refreshToken: fresh.refreshToken ?? file.refreshToken,
  };
  fx.writeSecretFile(source.cacheFile, `${JSON.stringify(updated, null, 2)}\n`);
  return toCredentials(updated);
}

/** A failure that is not a refusal: keys that have not expired yet still serve (botocore, the JS SDK). */
function keepOrFail(
  source: LoginSessionSource,
  file: LoginCacheFile,
  fx: Effects,
  stillValid: boolean,
  why: string,
): Credentials {
  if (stillValid) {
    fx.warn(
      `could not refresh the console login session of profile "${source.profile}": ${why}; using its keys until they expire.`,
    );
    return toCredentials(file);
  }
  throw new AwsroleError(
    "LoginRefreshFailed",
    `The console login session of profile "${source.profile}" has expired keys and could not be refreshed: ${why}.`,
    {
      hint: `Try again; if it persists, ${signInAgain(source, "sign in again")}`,
    },
  );
}

/** The OAuth2ErrorCode of a refusal (`{"error": "TOKEN_EXPIRED", "message": …}`), when there is one. */
export function refusalOf(response: HttpResponse): string | undefined {
  try {
    const body = JSON.parse(response.body) as { error?: unknown };
    return typeof body.error === "string" && /^[A-Za-z_]{1,64}$/.test(body.error) ? body.error : undefined;
  } catch {
    return undefined;
  }
}

/** CreateOAuth2Token's answer: the bare tokenOutput (or one wrapped in `tokenOutput`). */
function tokenOutputOf(
  body: string,
):
  | { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiresIn: number; refreshToken?: string }
  | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const output = ((parsed as { tokenOutput?: unknown }).tokenOutput ?? parsed) as Record<string, unknown>;
  const keys = output.accessToken as Record<string, unknown> | undefined;
  if (typeof keys !== "object" || keys === null) return undefined;
  const { accessKeyId, secretAccessKey, sessionToken } = keys;
  if (!isText(accessKeyId) || !isText(secretAccessKey) || !isText(sessionToken)) return undefined;
  // Values that would break a header or a shell line are not credentials.
  if (![accessKeyId, secretAccessKey, sessionToken].every((v) => /^[\x21-\x7e]+$/.test(v))) return undefined;
  const expiresIn =
    typeof output.expiresIn === "number" && Number.isFinite(output.expiresIn) && output.expiresIn > 0
      ? output.expiresIn
      : 900;
  return {
    accessKeyId,
    secretAccessKey,
    sessionToken,
    expiresIn,
    ...(isText(output.refreshToken) ? { refreshToken: output.refreshToken } : {}),
  };
}

/** botocore ConfiguredEndpointProvider for service "signin", first match wins. */
export function configuredSigninEndpoint(
  config: AwsConfig,
  profile: Profile,
  env: PlanContext["env"],
): { url: string; origin: string } | undefined {
  const ignore =
    isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) || isTrue(getString(profile, "ignore_configured_endpoint_urls"));
  if (ignore) return undefined;
  const fromEnv = nonEmpty(env.AWS_ENDPOINT_URL_SIGNIN);
  if (fromEnv) return { url: fromEnv, origin: "AWS_ENDPOINT_URL_SIGNIN" };
  const global = nonEmpty(env.AWS_ENDPOINT_URL);
  if (global) return { url: global, origin: "AWS_ENDPOINT_URL" };
  const servicesName = getString(profile, "services");
  const section = servicesName === undefined ? undefined : config.services.get(servicesName);
  const signin = section?.values.signin;
  const url = typeof signin === "object" ? nonEmpty(signin.endpoint_url) : undefined;
  if (url) return { url, origin: `[services ${servicesName}] signin.endpoint_url` };
  const own = nonEmpty(getString(profile, "endpoint_url"));
  if (own) return { url: own, origin: `endpoint_url of profile "${profile.name}"` };
  return undefined;
}

/** The AWS CLI's timestamp form: seconds, UTC, `Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === "true";
}
