// The one resolver every command stands on: choose the profile, load and plan,
// then run the plan through the AWS CLI's cache, STS (lazily loaded), the MFA
// prompt (lazily loaded) and the credential sources.

import { loadConfig } from "./adapters/config-files.js";
import { createSources, type SourceOptions } from "./adapters/sources.js";
import { readCaBundle, resolveCaBundle } from "./adapters/ca-bundle.js";
import { CacheStore, cliCacheDir } from "./adapters/cache-store.js";
import type { Context } from "./context.js";
import { getString, type AwsConfig } from "./core/config.js";
import { resolveRegion, resolveStsEndpoint, type StsEndpoint } from "./core/endpoint.js";
import { chooseProfile, planProfile, type Plan, type ProfileChoice } from "./core/plan.js";
import { resolvePlan, type CachePort, type Resolution, type StsPort } from "./core/resolve.js";
import { AwsroleError, UsageError } from "./errors.js";
import { paint } from "./ui.js";
import { MFA_CODE } from "./core/mfa.js";
import { sdkEnvSettings } from "./adapters/sts-client.js";

export interface ResolveInput {
  /** From a positional argument or --profile; undefined falls back to AWS_PROFILE etc. */
  profile: string | undefined;
  /** --token-code: used for the first MFA code needed. */
  tokenCode?: string | undefined;
  region?: string | undefined;
  /** --no-cache: neither read nor write the cache. */
  noCache?: boolean;
  /** --refresh: ignore cached entries, call STS, and cache the new results. */
  refresh?: boolean;
  /** The fast path (src/fast-export.ts): cache and keys in files only; anything else throws NeedsFullCli. */
  offline?: boolean;
  /** Use a cache entry only while at least this many seconds remain (the credential server's window; default the AWS CLI's). */
  cacheWindowSeconds?: number;
}

export interface Session {
  config: AwsConfig;
  choice: ProfileChoice;
  plan: Plan;
  region: string | undefined;
  cacheDir: string;
  /** STS for follow-up calls (whoami), created on first use with the top-level profile's endpoint. */
  sts(): Promise<StsPort>;
}

export interface Resolved extends Session {
  resolution: Resolution;
}

/** Load, choose and plan, without any STS call (chain, doctor, cache clear). */
export function openSession(input: Pick<ResolveInput, "profile" | "region">, ctx: Context): Session {
  const config = loadConfig(ctx.env);
  const choice = chooseProfile(input.profile, ctx.env);
  if (choice.from === "AWS_PROFILE" && ctx.env.AWS_DEFAULT_PROFILE !== undefined && ctx.env.AWS_DEFAULT_PROFILE !== ctx.env.AWS_PROFILE) {
    warn(ctx, `AWS_PROFILE (${ctx.env.AWS_PROFILE}) and AWS_DEFAULT_PROFILE (${ctx.env.AWS_DEFAULT_PROFILE}) differ; using AWS_PROFILE as AWS CLI v2 and the SDKs do (AWS CLI v1 would use AWS_DEFAULT_PROFILE).`);
  }
  const plan = planProfile(config, choice, { env: ctx.env });
  const profile = plan.profile === undefined ? undefined : config.profiles.get(plan.profile);
  let endpoint: StsEndpoint | undefined;
  let sts: Promise<StsPort> | undefined;
  return {
    config,
    choice,
    plan,
    region: resolveRegion({ profile, env: ctx.env, regionFlag: input.region }),
    cacheDir: cliCacheDir(ctx.env),
    sts() {
      // Endpoint errors (no region with a custom endpoint) surface only when a call
      // is needed, as in botocore, whose STS client is created on a cache miss.
      if (!endpoint) {
        endpoint = resolveStsEndpoint({ config, profile, env: ctx.env, regionFlag: input.region });
        debug(ctx, `STS endpoint ${endpoint.url} (region ${endpoint.region}, from ${endpoint.origin})`);
      }
      const resolvedEndpoint = endpoint;
      const caBundle = resolveCaBundle(ctx.env, profile);
      // Read only for https, as urllib3 does: a plain-http endpoint never needs it.
      const ca = caBundle && resolvedEndpoint.url.startsWith("https:") ? readCaBundle(caBundle) : undefined;
      sts ??= import("./adapters/sts.js").then(({ createSts }) =>
        createSts({ endpoint: resolvedEndpoint, signal: ctx.signal, ca, ...maxAttempts(ctx.env), sdkSettings: sdkEnvSettings(ctx.env) }),
      );
      return sts;
    },
  };
}

export async function resolveCredentials(input: ResolveInput, ctx: Context): Promise<Resolved> {
  const session = openSession(input, ctx);
  const tokenCode = input.tokenCode?.trim();
  if (tokenCode !== undefined && !MFA_CODE.test(tokenCode)) {
    throw new UsageError(`--token-code must be the 6 digits your MFA device shows, not "${tokenCode.replace(/[^\x20-\x7e]/g, "?").slice(0, 12)}".`);
  }
  let unusedTokenCode = tokenCode;
  // Whether the last code came from the terminal prompt: only those are asked for again.
  let lastCodePrompted = false;
  // The signal lets Ctrl-C end a wait for another process's lock at once.
  const store = input.noCache ? undefined : new CacheStore(session.cacheDir, { warn: (m) => warn(ctx, m), now: () => ctx.now(), signal: ctx.signal });
  const cache = store && input.cacheWindowSeconds !== undefined ? withCacheWindow(store, input.cacheWindowSeconds, ctx) : store;
  const offline = (what: string) => async (): Promise<never> => {
    const { NeedsFullCli } = await import("./fast-export.js");
    throw new NeedsFullCli(what);
  };
  const resolution = await resolvePlan(session.plan, {
    now: () => ctx.now(),
    sts: input.offline ? offline("an STS call") : () => session.sts(),
    // Offline, a cache miss goes straight to the full CLI: never wait for another
    // process's lock there (the full CLI waits, and can be interrupted).
    cache: cache && input.offline ? { read: (key) => cache.read(key), write: () => false, withLock: offline("a cache miss") } : cache,
    sources: input.offline ? { resolve: offline("a credential source"), readWebIdentityToken: offline("a web identity token") } : createSources(ctx.env, ctx.signal, sourceOptions(ctx, session)),
    refresh: input.refresh ?? false,
    debug: (m) => debug(ctx, m),
    mfaCode: async (serial, profile) => {
      if (input.offline) return offline("an MFA code")();
      // A --token-code is good for one call: TOTP codes cannot be reused.
      if (unusedTokenCode !== undefined) {
        const code = unusedTokenCode;
        unusedTokenCode = undefined;
        lastCodePrompted = false;
        return code;
      }
      lastCodePrompted = true;
      const { openTerminal, promptMfaCode } = await import("./adapters/prompt.js");
      const terminal = openTerminal(await ctx.isTerminal(0));
      if (!terminal) {
        throw new AwsroleError("MfaCodeRequired", `Profile "${profile}" needs a code from MFA device ${serial}, and there is no terminal to ask on.`, {
          hint: "Pass it with --token-code 123456, or run the command in a terminal.",
        });
      }
      return promptMfaCode(serial, terminal, ctx.signal);
    },
    // A wrong code typed at the terminal is asked for again, up to three codes
    // in all, as aws-vault does; a --token-code is not (the next one is unknown).
    retryMfa: (error, attempt) => {
      if (!lastCodePrompted || attempt >= MFA_TRIES || !isWrongMfaCode(error)) return false;
      ctx.stderr.write(`${paint(ctx.color).yellow("awsrole:")} STS refused that MFA code (wrong, or already used); try the next one (${attempt + 1} of ${MFA_TRIES}).\n`);
      return true;
    },
  });
  return { ...session, resolution };
}

/** A cache whose hits must have at least `seconds` left; shorter ones count as expired (and are replaced). */
function withCacheWindow(store: CacheStore, seconds: number, ctx: Context): CachePort {
  return {
    read(key) {
      const found = store.read(key);
      if (found.status === "hit" && found.credentials.expiration.getTime() - ctx.now().getTime() < seconds * 1000) {
        return { status: "miss", reason: "expired", path: found.path, detail: `less than ${seconds} s left` };
      }
      return found;
    },
    write: (key, response) => store.write(key, response),
    withLock: (key, fn) => store.withLock(key, fn),
  };
}

const MFA_TRIES = 3;

/** STS's AccessDenied for a bad MFA code (not for a missing serial or a trust policy). */
function isWrongMfaCode(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === "Sts.AccessDenied" && /MultiFactorAuthentication/i.test(e.message ?? "") && !/must provide both/i.test(e.message ?? "");
}

/** Session-wide settings of the selected profile that the credential sources need, as botocore reads them. */
function sourceOptions(ctx: Context, session: Session): SourceOptions {
  const profile = session.plan.profile === undefined ? undefined : session.config.profiles.get(session.plan.profile);
  const imds = profile ? getString(profile, "ec2_metadata_service_endpoint")?.trim() : undefined;
  return { caBundle: resolveCaBundle(ctx.env, profile), ...(imds ? { imdsEndpoint: imds } : {}) };
}

function maxAttempts(env: Context["env"]): { maxAttempts?: number } {
  const value = Number(env.AWS_MAX_ATTEMPTS);
  return Number.isInteger(value) && value >= 1 && value <= 10 ? { maxAttempts: value } : {};
}

export function warn(ctx: Context, message: string): void {
  ctx.stderr.write(`${paint(ctx.color).yellow("awsrole: warning:")} ${message}\n`);
}

export function debug(ctx: Context, message: string): void {
  if (ctx.debug) ctx.stderr.write(paint(ctx.color).dim(`debug: ${message}`) + "\n");
}
