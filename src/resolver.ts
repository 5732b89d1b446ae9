// The one resolver every command stands on: choose the profile, load and plan,
// then run the plan (src/core/resolve.ts) on the effects the context builds:
// online ones in the full CLI, offline ones on the warm path (docs/architecture.md).

import { loadConfig } from "./adapters/config-files.js";
import { cliCacheDir } from "./adapters/cache-store.js";
import type { Context } from "./context.js";
import type { AwsConfig } from "./core/config.js";
import type { StsPort } from "./core/effects.js";
import { resolveRegion } from "./core/endpoint.js";
import { MFA_CODE } from "./core/mfa.js";
import { chooseProfile, planProfile, type Plan, type ProfileChoice } from "./core/plan.js";
import { resolvePlan, type Resolution } from "./core/resolve.js";
import { UsageError } from "./errors.js";
import { warn } from "./effects/say.js";

export { debug, warn } from "./effects/say.js";

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
  /** Use a cache entry only while at least this many seconds remain (the credential server's window; default the AWS CLI's). */
  cacheWindowSeconds?: number;
}

export interface Session {
  config: AwsConfig;
  choice: ProfileChoice;
  plan: Plan;
  region: string | undefined;
  cacheDir: string;
}

export interface Resolved extends Session {
  resolution: Resolution;
  /** STS for follow-up calls (whoami), from the same effects: created on first use with the top-level profile's endpoint. */
  sts(): Promise<StsPort>;
}

/** Load, choose and plan, without any STS call (chain, doctor, cache clear). */
export function openSession(input: Pick<ResolveInput, "profile" | "region">, ctx: Context): Session {
  const config = loadConfig(ctx.env);
  const choice = chooseProfile(input.profile, ctx.env);
  if (
    choice.from === "AWS_PROFILE" &&
    ctx.env.AWS_DEFAULT_PROFILE !== undefined &&
    ctx.env.AWS_DEFAULT_PROFILE !== ctx.env.AWS_PROFILE
  ) {
    warn(
      ctx,
      `AWS_PROFILE (${ctx.env.AWS_PROFILE}) and AWS_DEFAULT_PROFILE (${ctx.env.AWS_DEFAULT_PROFILE}) ` +
        `differ; using AWS_PROFILE as AWS CLI v2 and the SDKs do (AWS CLI v1 would ` +
        `use AWS_DEFAULT_PROFILE).`,
    );
  }
  const plan = planProfile(config, choice, { env: ctx.env });
  const profile = plan.profile === undefined ? undefined : config.profiles.get(plan.profile);
  return {
    config,
    choice,
    plan,
    region: resolveRegion({ profile, env: ctx.env, regionFlag: input.region }),
    cacheDir: cliCacheDir(ctx.env),
  };
}

export async function resolveCredentials(input: ResolveInput, ctx: Context): Promise<Resolved> {
  const session = openSession(input, ctx);
  const tokenCode = input.tokenCode?.trim();
  if (tokenCode !== undefined && !MFA_CODE.test(tokenCode)) {
    throw new UsageError(
      `--token-code must be the 6 digits your MFA device shows, not "${tokenCode.replace(/[^\x20-\x7e]/g, "?").slice(0, 12)}".`,
    );
  }
  const fx = ctx.effects(ctx, {
    config: session.config,
    plan: session.plan,
    region: input.region,
    cacheDir: session.cacheDir,
    tokenCode,
    ...(input.noCache !== undefined ? { noCache: input.noCache } : {}),
    ...(input.refresh !== undefined ? { refresh: input.refresh } : {}),
    ...(input.cacheWindowSeconds !== undefined ? { cacheWindowSeconds: input.cacheWindowSeconds } : {}),
  });
  const resolution = await resolvePlan(session.plan, fx);
  return { ...session, resolution, sts: () => fx.sts() };
}
