// IAM Identity Center (SSO) role credentials, as botocore's SSOProvider gets
// them (credentials.py: SSOProvider, SSOCredentialFetcher; tokens.py:
// SSOTokenProvider), docs/sso.md:
//
// - A profile uses this kind when it has sso_account_id or sso_role_name
//   (SSOProvider._load_sso_config); sso_session alone is a bearer-token profile.
// - Its settings are the profile's merged with the [sso-session NAME] it names
//   (sso_session), or sso_start_url and sso_region in the profile (the legacy form).
// - The role credentials are GetRoleCredentials from the access portal with the
//   token of ~/.aws/sso/cache, cached in the AWS CLI's credential cache under
//   the AWS CLI v2's key and body (also for a profile used as a source_profile,
//   which the AWS CLI does not cache: docs/sso.md). A cache hit reads no token.
// - An sso-session token with under 15 minutes left is refreshed with its
//   refresh token, under the cross-process lock of the token file, so twenty
//   processes on an expiring token refresh it once. Legacy tokens are not refreshable.
//
// Everything outside goes through the effects: the token file (readFile,
// writeSecretFile, withLock), the portal and OIDC (http), the clock (now). The
// warm path's offline effects answer a cached role session without the network.

import { homeDir } from "../../adapters/home.js";
import { AwsroleError, InterruptedError, ProfileConfigError } from "../../errors.js";
import { throughCache } from "../cached-session.js";
import { getString, type AwsConfig, type Profile } from "../config.js";
import type { Effects, StsResponse } from "../effects.js";
import { configuredServiceEndpoint } from "../endpoint.js";
import type { IniSection } from "../ini.js";
import { defaultPortalEndpoint, getRoleCredentials, PortalError } from "../sso-portal.js";
import {
  parseSsoToken,
  refreshDecision,
  refreshedTokenText,
  ssoCacheDir,
  ssoRoleCacheKey,
  ssoTimestamp,
  ssoTokenFileName,
  type SsoToken,
} from "../sso-token.js";
import type { CredentialKind, PlanContext, SourceBase } from "./types.js";

export interface SsoSource extends SourceBase {
  kind: "sso";
  profile: string;
  accountId: string;
  roleName: string;
  startUrl: string;
  /** sso_region: where the portal and the OIDC service are. */
  region: string;
  /** The [sso-session NAME] the profile uses; undefined for the legacy form. */
  session?: string;
  /** sso_registration_scopes of the session, comma-separated and stripped. */
  scopes?: string[];
  /** The portal's base URL, and where it came from. */
  portal: { url: string; origin: string };
  /** The OIDC service's base URL (refresh), and where it came from. */
  oidc: { url: string; origin: string };
}

declare module "./types.js" {
  interface SourceKinds {
    sso: SsoSource;
  }
}

/** botocore's trigger (SSOProvider._load_sso_config): sso_account_id or sso_role_name present. */
export function usesSsoRole(profile: Profile): boolean {
  return profile.values.sso_account_id !== undefined || profile.values.sso_role_name !== undefined;
}

/** The file and section a profile's settings are in, for hints. */
function where(profile: Profile, config: AwsConfig, key?: string): string {
  const origin = key !== undefined ? profile.origins[key] : undefined;
  const path = origin?.path ?? (profile.configSection ? config.configPath : config.credentialsPath);
  const section = profile.configSection?.name ?? profile.credentialsSection?.name ?? profile.name;
  return `[${section}] in ${path}`;
}

function sessionValue(section: IniSection, key: string): string | undefined {
  const value = section.values[key];
  return typeof value === "string" ? value : undefined;
}

/** parse_sso_registration_scopes: comma-separated, each stripped, empty ones dropped. */
export function parseScopes(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const scopes = raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return scopes.length > 0 ? scopes : undefined;
}

/** The profile's SSO settings, merged with its sso-session and checked as botocore checks them. */
export function ssoSettings(
  profile: Profile,
  config: AwsConfig,
): { accountId: string; roleName: string; startUrl: string; region: string; session?: string; scopes?: string[] } {
  const name = profile.name;
  const values: Record<string, string | undefined> = {};
  for (const key of ["sso_role_name", "sso_account_id", "sso_start_url", "sso_region", "sso_registration_scopes"])
    values[key] = getString(profile, key);
  const sessionName = getString(profile, "sso_session");
  if (sessionName !== undefined) {
    const section = config.ssoSessions.get(sessionName);
    if (!section) {
      const known = [...config.ssoSessions.keys()];
      throw new ProfileConfigError(
        "SsoSessionNotFound",
        name,
        `The specified sso-session does not exist: "${sessionName}" (sso_session of profile "${name}", ${where(profile, config, "sso_session")}).`,
        known.length > 0
          ? `Define [sso-session ${sessionName}] in ${config.configPath}, or set sso_session to one of: ${known.join(", ")}.`
          : `Define [sso-session ${sessionName}] with sso_start_url and sso_region in ${config.configPath}.`,
        { setting: "sso_session" },
      );
    }
    // _resolve_sso_session_reference: every key of the session must agree with the profile's.
    for (const key of Object.keys(section.values)) {
      const own = getString(profile, key);
      const theirs = sessionValue(section, key);
      if (own !== undefined && theirs !== undefined && own !== theirs) {
        throw new ProfileConfigError(
          "SsoSessionConflict",
          name,
          `The value for ${key} is inconsistent between profile (${own}) and sso-session (${theirs}).`,
          `Remove ${key} from ${where(profile, config, key)} (profile "${name}"), or make it match [sso-session ${sessionName}] in ${config.configPath}.`,
          { setting: key },
        );
      }
      if (theirs !== undefined) values[key] = theirs;
    }
  }
  // _ALL_REQUIRED_CONFIG_VARS, in botocore's order.
  const missing = ["sso_role_name", "sso_account_id", "sso_start_url", "sso_region"].filter(
    (k) => values[k] === undefined || values[k] === "",
  );
  if (missing.length > 0) {
    const inSession = sessionName !== undefined && missing.some((k) => k === "sso_start_url" || k === "sso_region");
    throw new ProfileConfigError(
      "SsoMissingConfig",
      name,
      `The profile "${name}" is configured to use SSO but is missing required configuration: ${missing.join(", ")}`,
      inSession
        ? `Add ${missing.join(" and ")} to [sso-session ${sessionName}] or ${where(profile, config)}.`
        : `Add ${missing.join(" and ")} to ${where(profile, config)}${sessionName === undefined ? " (or sso_session = NAME and its [sso-session NAME])" : ""}.`,
      { setting: profile.values.sso_account_id !== undefined ? "sso_account_id" : "sso_role_name" },
    );
  }
  const scopes = sessionName !== undefined ? parseScopes(values.sso_registration_scopes) : undefined;
  return {
    accountId: values.sso_account_id!,
    roleName: values.sso_role_name!,
    startUrl: values.sso_start_url!,
    region: values.sso_region!,
    ...(sessionName !== undefined ? { session: sessionName } : {}),
    ...(scopes !== undefined ? { scopes } : {}),
  };
}

/**
 * The portal and OIDC endpoints (botocore ConfiguredEndpointProvider). botocore
 * reads [services] and endpoint_url from the selected profile; a source profile
 * is planned without it, so below the top only the environment applies.
 */
function endpoints(profile: Profile, at: PlanContext, region: string): Pick<SsoSource, "portal" | "oidc"> {
  const top = at.topLevel ? profile : undefined;
  const portal = configuredServiceEndpoint(at.config, top, at.env, "sso") ?? {
    url: defaultPortalEndpoint(region),
    origin: `the access portal for ${region}`,
  };
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  const oidc = configuredServiceEndpoint(at.config, top, at.env, "sso_oidc") ?? {
    url: `https://oidc.${region}.${suffix}`,
    origin: `the sso-oidc endpoint for ${region}`,
  };
  return { portal, oidc };
}

export function ssoKeyOf(source: SsoSource): string {
  return ssoRoleCacheKey({
    accountId: source.accountId,
    roleName: source.roleName,
    startUrl: source.startUrl,
    ...(source.session !== undefined ? { sessionName: source.session } : {}),
  });
}

/** The token file of a source: sha1 of the session name, or of the start URL as written. */
export function tokenPathOf(source: Pick<SsoSource, "session" | "startUrl">, env: Effects["env"]): string {
  return `${ssoCacheDir(env, () => homeDir(env))}/${ssoTokenFileName(source.session ?? source.startUrl)}`;
}

function loginCommands(source: SsoSource): string {
  return `awsrole login --profile ${source.profile} (or aws sso login --profile ${source.profile})`;
}

function sessionLabel(source: SsoSource): string {
  return source.session !== undefined ? `sso-session "${source.session}"` : `start URL ${source.startUrl}`;
}

function readToken(source: SsoSource, fx: Effects, path: string): SsoToken {
  let text: string;
  try {
    text = fx.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException)?.code !== "ENOENT")
      throw tokenUnreadable(source, path, (error as NodeJS.ErrnoException)?.code ?? "error");
    throw new AwsroleError(
      "SsoTokenMissing",
      `Error loading SSO Token: Token for ${source.session ?? source.startUrl} does not exist (profile "${source.profile}", ${sessionLabel(source)}).`,
      { hint: `Log in first: ${loginCommands(source)}.` },
    );
  }
  const parsed = parseSsoToken(text);
  if (parsed.status !== "ok") throw tokenUnreadable(source, path, parsed.detail);
  return parsed.token;
}

function tokenUnreadable(source: SsoSource, path: string, detail: string): AwsroleError {
  return new AwsroleError(
    "SsoTokenInvalid",
    `Error loading SSO Token: Token for ${source.session ?? source.startUrl} is invalid (${path}: ${detail}; profile "${source.profile}").`,
    {
      hint: `Log in again: ${loginCommands(source)}.`,
    },
  );
}

function expiredError(source: SsoSource, token: SsoToken, why: string): AwsroleError {
  const context = `profile "${source.profile}", ${sessionLabel(source)}, expired ${ssoTimestamp(token.expiresAt)}`;
  const message =
    source.session !== undefined
      ? `Error when retrieving token from sso: Token has expired and refresh failed (${context}: ${why}).`
      : `The SSO session associated with this profile has expired or is otherwise invalid (${context}).`;
  return new AwsroleError("SsoTokenExpired", message, { hint: `Log in again: ${loginCommands(source)}.` });
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/**
 * The access token to call the portal with: the cached one, refreshed first
 * when botocore would refresh it (under the token file's lock; whoever waited
 * re-reads what the holder wrote). Expired and not refreshed: the error.
 */
export async function accessTokenFor(source: SsoSource, fx: Effects): Promise<SsoToken> {
  const path = tokenPathOf(source, fx.env);
  let token = readToken(source, fx, path);
  let decision = refreshDecision(token, source.session !== undefined, fx.now());
  if (decision.refresh) {
    token = await fx.withLock(path, async () => {
      const current = readToken(source, fx, path);
      const still = refreshDecision(current, true, fx.now());
      if (!still.refresh) {
        decision = still;
        return current;
      }
      try {
        return await refreshToken(source, current, fx, path);
      } catch (error) {
        // Ctrl-C while refreshing: an interruption, not a failed refresh to shrug off.
        if (fx.signal.aborted) throw new InterruptedError();
        if (error instanceof AwsroleError && error.code === "Interrupted") throw error;
        if ((error as Error)?.name === "NeedsOnline") throw error;
        // botocore: "SSO token refresh attempt failed", and the old token is used while it lasts.
        decision = { refresh: false, why: `the refresh failed: ${(error as Error).message}` };
        fx.debug(`SSO token refresh for ${sessionLabel(source)} failed: ${(error as Error).message}`);
        return current;
      }
    });
  }
  if (token.expiresAt.getTime() <= fx.now().getTime())
    throw expiredError(source, token, decision.refresh ? "refreshed" : decision.why);
  return token;
}

async function refreshToken(source: SsoSource, token: SsoToken, fx: Effects, path: string): Promise<SsoToken> {
  // Loaded only here: a refresh is rare, and the warm path never gets this far.
  const { oidcClient } = await import("../../adapters/sso-oidc.js");
  const client = oidcClient(source.oidc.url, (request) => fx.http(request));
  const response = await client.createToken({
    grantType: "refresh_token",
    clientId: token.clientId!,
    clientSecret: token.clientSecret!,
    refreshToken: token.refreshToken!,
  });
  const text = refreshedTokenText(token, { startUrl: source.startUrl, region: source.region }, response, fx.now());
  fx.writeSecretFile(path, text);
  fx.debug(`refreshed the SSO token for ${sessionLabel(source)} (${path})`);
  const parsed = parseSsoToken(text);
  if (parsed.status !== "ok") throw tokenUnreadable(source, path, parsed.detail);
  return parsed.token;
}

/** GetRoleCredentials with a usable token, as the body the AWS CLI v2 caches. */
async function fetchRoleCredentials(source: SsoSource, fx: Effects): Promise<StsResponse> {
  const token = await accessTokenFor(source, fx);
  let c: Awaited<ReturnType<typeof getRoleCredentials>>;
  try {
    c = await getRoleCredentials(
      (r) => fx.http(r),
      source.portal.url,
      { accessToken: token.accessToken, accountId: source.accountId, roleName: source.roleName },
      (ms) => sleep(ms, fx.signal),
    );
  } catch (error) {
    if (fx.signal.aborted) throw new InterruptedError();
    if (error instanceof PortalError) throw portalRefused(source, error);
    throw error;
  }
  const response: StsResponse & {
    ProviderType: "sso";
    Credentials: StsResponse["Credentials"] & { AccountId: string };
  } = {
    ProviderType: "sso",
    Credentials: {
      AccessKeyId: c.accessKeyId,
      SecretAccessKey: c.secretAccessKey,
      SessionToken: c.sessionToken,
      Expiration: ssoTimestamp(new Date(c.expiration)),
      AccountId: source.accountId,
    },
  };
  return response;
}

function portalRefused(source: SsoSource, error: PortalError): AwsroleError {
  const who = `role ${source.roleName} in account ${source.accountId} (profile "${source.profile}")`;
  if (error.type === "UnauthorizedException") {
    return new AwsroleError(
      "SsoTokenExpired",
      `The SSO session associated with this profile has expired or is otherwise invalid (profile "${source.profile}", ${sessionLabel(source)}).`,
      { hint: `Log in again: ${loginCommands(source)}.` },
    );
  }
  if (error.type === "ForbiddenException" || error.status === 403) {
    return new AwsroleError("SsoRoleForbidden", `IAM Identity Center does not give you the ${who}: ${error.type}.`, {
      hint: `Check sso_account_id and sso_role_name of profile "${source.profile}" against the roles your user is assigned (the AWS access portal lists them).`,
    });
  }
  if (error.type === "ResourceNotFoundException" || error.status === 404) {
    return new AwsroleError(
      "SsoRoleForbidden",
      `IAM Identity Center knows no account ${source.accountId} for the ${who}.`,
      {
        hint: `Check sso_account_id of profile "${source.profile}".`,
      },
    );
  }
  return new AwsroleError(
    "SsoPortalError",
    `GetRoleCredentials for the ${who} failed at ${source.portal.url}: ${error.type} (HTTP ${error.status}).`,
    {
      hint:
        error.type === "TooManyRequestsException"
          ? "The portal is throttling; try again in a moment."
          : "Run with --debug for details.",
    },
  );
}

/** What `chain` and `whoami` show about a source's token (never the token itself). */
export interface SsoTokenStatus {
  session: string | null;
  startUrl: string;
  region: string;
  accountId: string;
  roleName: string;
  tokenFile: string;
  /** "ok", "missing" or "invalid". */
  token: "ok" | "missing" | "invalid";
  tokenExpiresAt: Date | null;
  /** Whether awsrole (and the AWS CLI) can refresh it: sso-session form, a refresh token and an unexpired registration. */
  refreshable: boolean;
}

/** The token of an SSO source as it is on disk now; read with the function given (so the warm path is untouched). */
export function ssoTokenStatus(
  source: SsoSource,
  env: Effects["env"],
  readFile: (path: string) => string,
  now: Date,
): SsoTokenStatus {
  const tokenFile = tokenPathOf(source, env);
  const base = {
    session: source.session ?? null,
    startUrl: source.startUrl,
    region: source.region,
    accountId: source.accountId,
    roleName: source.roleName,
    tokenFile,
  };
  let text: string;
  try {
    text = readFile(tokenFile);
  } catch {
    return { ...base, token: "missing", tokenExpiresAt: null, refreshable: false };
  }
  const parsed = parseSsoToken(text);
  if (parsed.status !== "ok") return { ...base, token: "invalid", tokenExpiresAt: null, refreshable: false };
  const t = parsed.token;
  const refreshable =
    source.session !== undefined &&
    t.refreshToken !== undefined &&
    t.clientId !== undefined &&
    t.clientSecret !== undefined &&
    t.registrationExpiresAt !== undefined &&
    t.registrationExpiresAt.getTime() > now.getTime();
  return { ...base, token: "ok", tokenExpiresAt: t.expiresAt, refreshable };
}

export const sso: CredentialKind<SsoSource> = {
  kind: "sso",
  uses: (profile) => usesSsoRole(profile),
  // Role credentials of a permission set: a session of an AWSReservedSSO_ role.
  givesRoleSession: () => true,
  plan(profile, at) {
    const settings = ssoSettings(profile, at.config);
    return { kind: "sso", profile: profile.name, ...settings, ...endpoints(profile, at, settings.region) };
  },
  async resolve(source, fx) {
    // Cached under the AWS CLI v2's key, also as a source_profile (docs/sso.md).
    const { credentials } = await throughCache(fx, ssoKeyOf(source), () => fetchRoleCredentials(source, fx));
    return { ...credentials, accountId: source.accountId };
  },
  describe: (source) =>
    `the IAM Identity Center role ${source.roleName} in account ${source.accountId} (profile "${source.profile}")`,
  explain: (source) =>
    `IAM Identity Center role ${source.roleName} in account ${source.accountId} (GetRoleCredentials), ` +
    `${source.session !== undefined ? `sso-session "${source.session}"` : "legacy sso_start_url"} ${source.startUrl} in ${source.region}`,
  cacheKeys: (source) => [
    { key: ssoKeyOf(source), store: "cli", what: `GetRoleCredentials ${source.roleName} in ${source.accountId}` },
  ],
};
