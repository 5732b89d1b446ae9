// The IAM Identity Center token cache, ~/.aws/sso/cache, shared with the AWS
// CLI v2 (docs/sso.md): file names, the JSON of a token and the rule for when
// a token is refreshed. Pure: the kind (src/core/kinds/sso.ts) does the I/O
// through its effects.
//
// - A token file is `<sha1>.json`, the sha1 of the sso-session name, or of the
//   start URL exactly as written for the legacy form
//   (botocore/utils.py: SSOTokenLoader._generate_cache_key).
// - It is written as botocore's JSONFileCache with _sso_json_dumps writes it:
//   json.dumps with default separators, datetimes as %Y-%m-%dT%H:%M:%SZ.
// - The role credentials GetRoleCredentials returns are cached in the AWS CLI's
//   credential cache under SSOCredentialFetcher._create_cache_key, with the
//   body SSOCredentialFetcher._get_credentials builds ({"ProviderType": "sso", ...}).

import { pythonJsonDumps } from "./cache-key.js";
import { parseExpiration } from "./cache-policy.js";
import type { Env } from "./env.js";
import { sha1Hex } from "./sha1.js";

/** botocore tokens.py SSOTokenProvider._REFRESH_WINDOW: a token with less left is refreshed. */
export const SSO_REFRESH_WINDOW_SECONDS = 15 * 60;

/** The token cache directory: expanduser('~/.aws/sso/cache'), as the AWS CLI has no setting for it. */
export function ssoCacheDir(env: Env, home: () => string): string {
  const h = env.HOME !== undefined && env.HOME !== "" ? env.HOME : home();
  return `${h.replace(/\/+$/, "")}/.aws/sso/cache`;
}

/** The token file's name: sha1(session name) for the sso-session form, sha1(start URL as written) for the legacy one. */
export function ssoTokenFileName(sessionNameOrStartUrl: string): string {
  return `${sha1Hex(sessionNameOrStartUrl)}.json`;
}

/**
 * The client-registration file's key (botocore/utils.py:
 * SSOTokenFetcher._registration_cache_key): sha1 of
 * json.dumps({"tool": "botocore", "startUrl", "region", "scopes", "session_name"}, sort_keys=True).
 */
export function ssoRegistrationKey(args: { startUrl: string; region: string; scopes: string[] | null; sessionName: string | null }): string {
  return sha1Hex(
    pythonJsonDumps({ tool: "botocore", startUrl: args.startUrl, region: args.region, scopes: args.scopes, session_name: args.sessionName }, { sortKeys: true }),
  );
}

/**
 * The AWS CLI's credential-cache key for SSO role credentials
 * (SSOCredentialFetcher._create_cache_key): sha1 of the compact sorted JSON of
 * {accountId, roleName, sessionName} (sso-session form) or {accountId, roleName, startUrl}.
 */
export function ssoRoleCacheKey(args: { accountId: string; roleName: string; sessionName?: string; startUrl: string }): string {
  const last = args.sessionName !== undefined ? `"sessionName":${pythonJsonDumps(args.sessionName)}` : `"startUrl":${pythonJsonDumps(args.startUrl)}`;
  return sha1Hex(`{"accountId":${pythonJsonDumps(args.accountId)},"roleName":${pythonJsonDumps(args.roleName)},${last}}`);
}

/** A cached token, as read. Unknown members are kept so a rewrite loses nothing another tool wrote. */
export interface SsoToken {
  startUrl?: string;
  region?: string;
  accessToken: string;
  expiresAt: Date;
  /** The field as written (a rewrite keeps what was not changed). */
  raw: Record<string, unknown>;
  clientId?: string;
  clientSecret?: string;
  registrationExpiresAt?: Date;
  refreshToken?: string;
}

export type TokenRead = { status: "ok"; token: SsoToken } | { status: "invalid"; detail: string };

/**
 * Parses a token file as botocore's SSOTokenLoader accepts it: a JSON object
 * with accessToken and expiresAt ("Token for X is invalid" otherwise).
 */
export function parseSsoToken(text: string): TokenRead {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return { status: "invalid", detail: text.trim() === "" ? "empty file" : "not valid JSON" };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return { status: "invalid", detail: "not a JSON object" };
  const raw = doc as Record<string, unknown>;
  if (typeof raw.accessToken !== "string" || raw.accessToken === "") return { status: "invalid", detail: "no accessToken" };
  const expiresAt = parseExpiration(raw.expiresAt);
  if (expiresAt === undefined) return { status: "invalid", detail: "no expiresAt timestamp" };
  const token: SsoToken = { accessToken: raw.accessToken, expiresAt, raw };
  const str = (k: string) => (typeof raw[k] === "string" && raw[k] !== "" ? (raw[k] as string) : undefined);
  const startUrl = str("startUrl");
  if (startUrl !== undefined) token.startUrl = startUrl;
  const region = str("region");
  if (region !== undefined) token.region = region;
  const clientId = str("clientId");
  if (clientId !== undefined) token.clientId = clientId;
  const clientSecret = str("clientSecret");
  if (clientSecret !== undefined) token.clientSecret = clientSecret;
  const refreshToken = str("refreshToken");
  if (refreshToken !== undefined) token.refreshToken = refreshToken;
  const registrationExpiresAt = parseExpiration(raw.registrationExpiresAt);
  if (registrationExpiresAt !== undefined) token.registrationExpiresAt = registrationExpiresAt;
  return { status: "ok", token };
}

/** botocore's datetime format in the SSO cache: %Y-%m-%dT%H:%M:%SZ (whole seconds, UTC). */
export function ssoTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * A refreshed token, as SSOTokenProvider._attempt_create_token builds it:
 * startUrl, region, accessToken, expiresAt, clientId, clientSecret,
 * registrationExpiresAt, refreshToken, in that order, through json.dumps.
 * The old refresh token is kept when the response has none.
 */
export function refreshedTokenText(
  old: SsoToken,
  session: { startUrl: string; region: string },
  response: { accessToken: string; expiresIn: number; refreshToken?: string },
  now: Date,
): string {
  const doc: Record<string, unknown> = {
    startUrl: session.startUrl,
    region: session.region,
    accessToken: response.accessToken,
    expiresAt: ssoTimestamp(new Date(now.getTime() + response.expiresIn * 1000)),
    clientId: old.clientId,
    clientSecret: old.clientSecret,
    registrationExpiresAt: old.raw.registrationExpiresAt,
    refreshToken: response.refreshToken ?? old.refreshToken,
  };
  return pythonJsonDumps(doc);
}

export type RefreshDecision = { refresh: false; why: string } | { refresh: true };

/**
 * Whether botocore's SSOTokenProvider._refresher would refresh this token now:
 * sso-session form only, under 15 minutes left, with refreshToken, clientId,
 * clientSecret and registrationExpiresAt all present and the registration not
 * yet expired.
 */
export function refreshDecision(token: SsoToken, sessionForm: boolean, now: Date): RefreshDecision {
  if (token.expiresAt.getTime() - now.getTime() >= SSO_REFRESH_WINDOW_SECONDS * 1000) return { refresh: false, why: "more than 15 minutes left" };
  if (!sessionForm) return { refresh: false, why: "a legacy (sso_start_url in the profile) token cannot be refreshed" };
  const missing = (["refreshToken", "clientId", "clientSecret", "registrationExpiresAt"] as const).filter((k) => token[k] === undefined);
  if (missing.length > 0) return { refresh: false, why: `the token has no ${missing.join(", ")}` };
  if (token.registrationExpiresAt!.getTime() <= now.getTime()) {
    return { refresh: false, why: `the client registration expired at ${ssoTimestamp(token.registrationExpiresAt!)}` };
  }
  return { refresh: true };
}

/**
 * The cache entry the AWS CLI v2 writes for role credentials
 * (SSOCredentialFetcher._get_credentials, JSONFileCache): json.dumps with
 * default separators, Expiration from epoch milliseconds as %Y-%m-%dT%H:%M:%SZ.
 */
export function ssoRoleCacheEntry(c: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string; accountId: string }): string {
  return pythonJsonDumps({
    ProviderType: "sso",
    Credentials: { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration, AccountId: c.accountId },
  });
}
