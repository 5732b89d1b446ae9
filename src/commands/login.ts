// `awsrole login [profile] | --sso-session NAME`: sign in to IAM Identity Center
// and write the token where the AWS CLI v2 keeps it (~/.aws/sso/cache), as
// `aws sso login` does (awscli/customizations/sso/utils.py: do_sso_login), so
// awsrole, the AWS CLI and the SDKs all use that session (docs/sso.md, "Logging in").
//
// Two flows:
// - authorization code with PKCE (the default for an sso-session): the browser
//   opens the authorize page, the redirect comes back to a server on 127.0.0.1;
// - device code (--use-device-code, the legacy form always, and automatically
//   where no browser can be opened): the user enters a code on any device.
// URL and code go to stderr; stdout stays empty. Nothing is written before the
// token is issued, so Ctrl-C (exit 130) leaves no file behind.

import type { Context } from "../context.js";
import { AwsroleError, ProfileConfigError, stripControl, UsageError } from "../errors.js";
import type { AwsConfig, Profile } from "../core/config.js";
import type { IniSection } from "../core/ini.js";
import { chooseProfile } from "../core/plan.js";
import { loadConfig } from "../adapters/config-files.js";
import { readCaBundle, resolveCaBundle } from "../adapters/ca-bundle.js";
import {
  authorizeUrl,
  boundedTransport,
  DEFAULT_SSO_SCOPES,
  DEVICE_CODE_GRANT,
  OidcError,
  oidcClient,
  pkceChallenge,
  pkceVerifier,
  resolveOidcEndpoint,
  type OidcClient,
  type TokenOutput,
} from "../adapters/sso-oidc.js";
import {
  formatUtc,
  readRegistration,
  registrationFileName,
  registrationUsable,
  ssoCacheDir,
  tokenFileName,
  writeSecretJson,
  type RegistrationFile,
  type SsoTokenFile,
} from "../adapters/sso-login-files.js";
import { canOpenBrowser, openBrowser, sleep, startLoopbackCallback } from "../adapters/oauth-loopback.js";
import { join } from "node:path";

export interface LoginInput {
  profile?: string | undefined;
  ssoSession?: string | undefined;
  useDeviceCode?: boolean;
  noBrowser?: boolean;
}

/** What to sign in to: an sso-session, or a legacy profile's start URL. */
export interface SsoLoginTarget {
  /** For messages: `sso-session "dev"` or `profile "old"`. */
  label: string;
  /** Undefined for the legacy form. */
  sessionName: string | undefined;
  startUrl: string;
  region: string;
  /** sso_registration_scopes, comma-separated and stripped; [] when unset. */
  scopes: string[];
  legacy: boolean;
  /** The profile whose settings (endpoint_url, services, ca_bundle) apply. */
  profile: Profile | undefined;
}

const WAITING = "Waiting for the sign-in (Ctrl-C to stop)...\n";

/** The AWS CLI's 10-minute limit for the browser flow. */
export const PKCE_TIMEOUT_MS = 10 * 60 * 1000;

const str = (section: IniSection | Profile, key: string): string | undefined => {
  const value = section.values[key];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
};

/** awscli/customizations/sso/utils.py: parse_sso_registration_scopes. */
export function parseScopes(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/**
 * The sign-in target of `awsrole login` with botocore's errors (SSOProvider
 * _load_sso_config): a missing key, an unknown sso-session, a value that differs
 * between the profile and its sso-session.
 */
export function loginTarget(
  config: AwsConfig,
  input: LoginInput,
  env: Readonly<Record<string, string | undefined>>,
): SsoLoginTarget {
  if (input.ssoSession !== undefined) {
    if (input.profile !== undefined)
      throw new UsageError(
        "Give either a profile or --sso-session, not both.",
        "awsrole login PROFILE, or awsrole login --sso-session NAME.",
      );
    return sessionTarget(config, input.ssoSession, undefined, `sso-session "${input.ssoSession}"`);
  }
  const choice = chooseProfile(input.profile, env);
  const profile = config.profiles.get(choice.name);
  if (!profile) {
    throw new ProfileConfigError(
      "ProfileNotFound",
      choice.name,
      `The config profile (${choice.name}) could not be found in ${config.configPath}.`,
      "Name a profile with sso_session (or sso_start_url), or use --sso-session NAME.",
    );
  }
  const sessionName = str(profile, "sso_session");
  if (sessionName !== undefined) {
    const target = sessionTarget(
      config,
      sessionName,
      profile,
      `profile "${profile.name}" (sso-session "${sessionName}")`,
    );
    for (const key of ["sso_start_url", "sso_region"] as const) {
      const own = str(profile, key);
      const session = key === "sso_start_url" ? target.startUrl : target.region;
      if (own !== undefined && own !== session) {
        throw new ProfileConfigError(
          "SsoInconsistent",
          profile.name,
          `The value for ${key} is inconsistent between profile (${own}) and sso-session (${session}) in profile "${profile.name}".`,
          `Remove ${key} from [profile ${profile.name}]; the sso-session sets it.`,
        );
      }
    }
    return target;
  }
  const startUrl = str(profile, "sso_start_url");
  const region = str(profile, "sso_region");
  if (startUrl === undefined && region === undefined) {
    throw new ProfileConfigError(
      "NotSsoProfile",
      profile.name,
      `Profile "${profile.name}" does not use IAM Identity Center (it has neither sso_session nor sso_start_url).`,
      "Add sso_session = NAME and an [sso-session NAME] section, or log in with --sso-session NAME.",
    );
  }
  const missing = [
    startUrl === undefined ? "sso_start_url" : undefined,
    region === undefined ? "sso_region" : undefined,
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new ProfileConfigError(
      "SsoMissingConfig",
      profile.name,
      `The profile "${profile.name}" is configured to use SSO but is missing required configuration: ${missing.join(", ")}.`,
      `Add ${missing.join(" and ")} to [profile ${profile.name}].`,
    );
  }
  return {
    label: `profile "${profile.name}"`,
    sessionName: undefined,
    startUrl: startUrl!,
    region: region!,
    scopes: [],
    legacy: true,
    profile,
  };
}

function sessionTarget(config: AwsConfig, name: string, profile: Profile | undefined, label: string): SsoLoginTarget {
  const section = config.ssoSessions.get(name);
  if (!section) {
    const hint = `Add an [sso-session ${name}] section with sso_start_url and sso_region to ${config.configPath}.`;
    if (profile)
      throw new ProfileConfigError(
        "SsoSessionNotFound",
        profile.name,
        `The specified sso-session does not exist: "${name}" (profile "${profile.name}").`,
        hint,
      );
    throw new AwsroleError("SsoSessionNotFound", `The specified sso-session does not exist: "${name}".`, { hint });
  }
  const startUrl = str(section, "sso_start_url");
  const region = str(section, "sso_region");
  const missing = [
    startUrl === undefined ? "sso_start_url" : undefined,
    region === undefined ? "sso_region" : undefined,
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new AwsroleError(
      "SsoMissingConfig",
      `The sso-session "${name}" is missing required configuration: ${missing.join(", ")}.`,
      {
        hint: `Add ${missing.join(" and ")} to [sso-session ${name}] in ${config.configPath}.`,
      },
    );
  }
  return {
    label,
    sessionName: name,
    startUrl: startUrl!,
    region: region!,
    scopes: parseScopes(str(section, "sso_registration_scopes")),
    legacy: false,
    profile,
  };
}

export async function runLogin(input: LoginInput, ctx: Context): Promise<number> {
  const config = loadConfig(ctx.env);
  const target = loginTarget(config, input, ctx.env);
  const endpoint = resolveOidcEndpoint(config, target.profile, ctx.env, target.region);
  const bundle = resolveCaBundle(ctx.env, target.profile);
  const oidc = oidcClient(endpoint.url, boundedTransport(ctx.signal, bundle ? () => readCaBundle(bundle) : undefined));
  if (ctx.debug) ctx.stderr.write(`awsrole: sso-oidc endpoint ${endpoint.url} (${endpoint.origin})\n`);

  let flow: "pkce" | "device" = "pkce";
  if (target.legacy) flow = "device";
  else if (input.useDeviceCode) flow = "device";
  else if (!input.noBrowser) {
    const browser = canOpenBrowser(ctx.env);
    if (!browser.ok) {
      flow = "device";
      ctx.stderr.write(`No browser can be opened here (${browser.why}), so this login uses a device code.\n`);
    }
  }

  const dir = ssoCacheDir(ctx.env);
  const registrationPath = join(
    dir,
    registrationFileName({
      startUrl: target.startUrl,
      region: target.region,
      scopes: target.legacy || target.scopes.length === 0 ? null : target.scopes,
      sessionName: target.sessionName ?? null,
    }),
  );
  const cached = readRegistration(registrationPath);
  let reuse = cached !== undefined && registrationUsable(cached, flow, ctx.now()) ? cached : undefined;
  let registration = reuse ?? (await register(oidc, target, flow, ctx.now()));

  let token: TokenOutput;
  if (flow === "pkce") token = await pkceFlow(oidc, target, registration, input, ctx);
  else {
    try {
      token = await deviceFlow(oidc, target, registration, input, ctx);
    } catch (error) {
      // A cached registration the service no longer knows (revoked, or made against
      // another directory): register again once, as a first login would.
      if (!(reuse && error instanceof StaleRegistration))
        throw error instanceof StaleRegistration ? error.reported : error;
      if (ctx.debug) ctx.stderr.write("awsrole: the cached client registration was refused; registering again\n");
      reuse = undefined;
      registration = await register(oidc, target, flow, ctx.now());
      token = await deviceFlow(oidc, target, registration, input, ctx).catch((e: unknown) => {
        throw e instanceof StaleRegistration ? e.reported : e;
      });
    }
  }

  // Everything is known: only now is anything written (Ctrl-C before this point leaves no file).
  const now = ctx.now();
  if (!reuse) writeSecretJson(registrationPath, dir, registration);
  const file: SsoTokenFile = {
    startUrl: target.startUrl,
    region: target.region,
    accessToken: token.accessToken,
    expiresAt: formatUtc(new Date(now.getTime() + token.expiresIn * 1000)),
    clientId: registration.clientId,
    clientSecret: registration.clientSecret,
    registrationExpiresAt: registration.expiresAt,
  };
  if (token.refreshToken !== undefined) file.refreshToken = token.refreshToken;
  const tokenPath = join(dir, tokenFileName(target));
  writeSecretJson(tokenPath, dir, file);
  ctx.stderr.write(
    `Logged in to ${target.startUrl} for ${target.label}; the token is valid until ${file.expiresAt}` +
      `${token.refreshToken ? " and is refreshed when it runs out" : ""}.\n`,
  );
  if (ctx.debug) ctx.stderr.write(`awsrole: wrote ${tokenPath}\n`);
  return 0;
}

/** StartDeviceAuthorization refused the client registration (InvalidClientException). */
class StaleRegistration extends Error {
  constructor(readonly reported: unknown) {
    super("the client registration was refused");
  }
}

async function register(
  oidc: OidcClient,
  target: SsoLoginTarget,
  flow: "pkce" | "device",
  now: Date,
): Promise<RegistrationFile> {
  // awscli utils.py: clientName botocore-client-<session> (legacy: the time), scopes only for an sso-session.
  const clientName =
    target.sessionName !== undefined
      ? `botocore-client-${target.sessionName}`
      : `botocore-client-${Math.floor(now.getTime() / 1000)}`;
  const scopes = target.legacy
    ? undefined
    : target.scopes.length > 0
      ? target.scopes
      : flow === "pkce"
        ? DEFAULT_SSO_SCOPES
        : undefined;
  const grantTypes = flow === "pkce" ? ["authorization_code", "refresh_token"] : undefined;
  const out = await oidc
    .registerClient({
      clientName,
      scopes,
      ...(grantTypes
        ? { grantTypes, redirectUris: ["http://127.0.0.1/oauth/callback"], issuerUrl: target.startUrl }
        : {}),
    })
    .catch((error: unknown) => {
      throw refused(error, "register this device", target);
    });
  const registration: RegistrationFile = {
    clientId: out.clientId,
    clientSecret: out.clientSecret,
    expiresAt: formatUtc(new Date(out.clientSecretExpiresAt * 1000)),
  };
  if (grantTypes) {
    registration.scopes = scopes ?? DEFAULT_SSO_SCOPES;
    registration.grantTypes = grantTypes;
  }
  return registration;
}

async function pkceFlow(
  oidc: OidcClient,
  target: SsoLoginTarget,
  registration: RegistrationFile,
  input: LoginInput,
  ctx: Context,
): Promise<TokenOutput> {
  const verifier = pkceVerifier();
  const callback = await startLoopbackCallback({
    signal: ctx.signal,
    timeoutMs: PKCE_TIMEOUT_MS,
    what: target.label,
    onWrongState: () =>
      ctx.stderr.write(
        "A sign-in redirect with the wrong state reached the local server and was refused; still waiting.\n",
      ),
  });
  try {
    const url = authorizeUrl(oidc.endpoint, {
      clientId: registration.clientId,
      redirectUri: callback.redirectUri,
      state: callback.state,
      codeChallenge: pkceChallenge(verifier),
      scopes: registration.scopes ?? DEFAULT_SSO_SCOPES,
    });
    const opened = input.noBrowser ? false : await openBrowser(url, ctx.env);
    ctx.stderr.write(
      opened
        ? `Opened the IAM Identity Center sign-in page in your browser. If it did not open, open this URL:\n\n  ${url}\n\n${WAITING}`
        : `${input.noBrowser ? "" : "Could not open a browser. "}Open this URL in a browser on this machine to sign in:\n\n  ${url}\n\n${WAITING}`,
    );
    const code = await callback.code;
    return await oidc
      .createToken({
        clientId: registration.clientId,
        clientSecret: registration.clientSecret,
        grantType: "authorization_code",
        code,
        codeVerifier: verifier,
        redirectUri: callback.redirectUri,
      })
      .catch((error: unknown) => {
        throw refused(error, "issue a token", target);
      });
  } finally {
    callback.close();
  }
}

async function deviceFlow(
  oidc: OidcClient,
  target: SsoLoginTarget,
  registration: RegistrationFile,
  input: LoginInput,
  ctx: Context,
): Promise<TokenOutput> {
  const device = await oidc
    .startDeviceAuthorization({
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      startUrl: target.startUrl,
    })
    .catch((error: unknown) => {
      const reported = refused(error, "start a device authorization", target);
      throw error instanceof OidcError && error.type === "InvalidClientException"
        ? new StaleRegistration(reported)
        : reported;
    });
  const deadline = Date.now() + device.expiresIn * 1000;
  let interval = device.interval;
  const poll = () =>
    oidc.createToken({
      clientId: registration.clientId,
      clientSecret: registration.clientSecret,
      grantType: DEVICE_CODE_GRANT,
      deviceCode: device.deviceCode,
    });
  let shown = false;
  // botocore tries once before showing the code (an already approved session needs no prompt).
  for (;;) {
    try {
      return await poll();
    } catch (error) {
      if (!(error instanceof OidcError)) throw error;
      if (error.type === "SlowDownException") interval += 5;
      else if (error.type === "ExpiredTokenException") {
        throw new AwsroleError(
          "DeviceCodeExpired",
          `The device code for ${target.label} expired before the sign-in was approved.`,
          {
            hint: `Run awsrole login again and approve the code within ${Math.round(device.expiresIn / 60)} minutes.`,
          },
        );
      } else if (error.type === "AccessDeniedException") {
        throw new AwsroleError("LoginDenied", `The sign-in for ${target.label} was denied.`, {
          hint: "Run awsrole login again and approve the request.",
        });
      } else if (error.type !== "AuthorizationPendingException") throw refused(error, "issue a token", target);
    }
    if (!shown) {
      shown = true;
      // The server's words reach the terminal and the browser: shown without
      // control characters, and only an https page is opened.
      const complete = device.verificationUriComplete ?? device.verificationUri;
      const openable = /^https:\/\//i.test(complete) || /^http:\/\/(127\.0\.0\.1|localhost)[:/]/i.test(complete);
      const opened =
        openable && !input.noBrowser && canOpenBrowser(ctx.env).ok ? await openBrowser(complete, ctx.env) : false;
      ctx.stderr.write(
        `${opened ? "Opened the sign-in page in your browser. If it did not open, or to" : "To"} sign in from any device, open this URL:\n\n` +
          `  ${stripControl(device.verificationUri)}\n\nand enter the code:\n\n  ${stripControl(device.userCode)}\n\n${WAITING}`,
      );
    }
    if (Date.now() + interval * 1000 > deadline) {
      throw new AwsroleError(
        "DeviceCodeExpired",
        `The device code for ${target.label} expired before the sign-in was approved.`,
        {
          hint: `Run awsrole login again and approve the code within ${Math.round(device.expiresIn / 60)} minutes.`,
        },
      );
    }
    await sleep(interval * 1000, ctx.signal);
  }
}

function refused(error: unknown, what: string, target: SsoLoginTarget): unknown {
  if (!(error instanceof OidcError)) return error;
  return new AwsroleError(
    "SsoLoginRefused",
    `IAM Identity Center refused to ${what} for ${target.label}: ${error.type}` +
      `${error.description ? ` (${stripControl(error.description).slice(0, 200)})` : ""}.`,
    {
      hint: `Check sso_start_url (${target.startUrl}) and sso_region (${target.region}); run with --debug for details.`,
    },
  );
}
