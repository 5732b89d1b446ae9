// What a credential kind is (docs/architecture.md). Each way of getting first
// credentials (static keys, the environment, the instance and container roles,
// web identity, credential_process, IAM Identity Center, console login) is one
// module in this directory exporting one CredentialKind; src/core/kinds/index.ts
// lists them in botocore's provider order. Adding a kind is: one module, one
// line in that list, one test file.
//
// A kind is pure where it decides (uses, plan) and reaches the world only
// through the Effects it is handed (resolve), so the warm path can hand it
// offline effects and the tests fake ones.

import type { AwsConfig, Profile } from "../config.js";
import type { Credentials, Effects } from "../effects.js";
import type { Env } from "../env.js";

/**
 * Every planned source, by kind name. Each kind module adds its own member by
 * declaration merging:
 *
 *   declare module "./types.js" { interface SourceKinds { "sso": SsoSource } }
 *
 * so Source is the union of all registered kinds without a central edit.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in each kind module
export interface SourceKinds {}

export type SourceKind = keyof SourceKinds;
export type Source = SourceKinds[SourceKind];

/** What every planned source carries. */
export interface SourceBase {
  kind: string;
  /** The profile whose settings chose this source; undefined for the environment with no profile. */
  profile?: string | undefined;
}

export type { Credentials } from "../effects.js";

/** Where a profile is being planned: at the top (the selected profile) or as a source_profile. */
export interface PlanContext {
  config: AwsConfig;
  env: Env;
  /** The selected profile, not a source_profile: AWS_* overrides apply (botocore's env-aware providers). */
  topLevel: boolean;
  /** The profile came from --profile, which makes botocore skip the environment providers. */
  profileFromFlag: boolean;
}

/** A cache entry a source reads or writes, for cacheKeysOf (chain, cache list, cache clear). */
export interface SourceCacheKey {
  key: string;
  /** Which cache directory: the AWS CLI's credential cache, or a kind's own (the SSO token cache...). */
  store: "cli" | string;
  what: string;
}

export interface CredentialKind<S extends SourceBase = Source> {
  readonly kind: S["kind"];
  /** Does this profile get its credentials from me? Reads settings only. */
  uses(profile: Profile, at: PlanContext): boolean;
  /** Whether its credentials are a role session, which makes the next AssumeRole role chaining (see ProfileProvider). */
  givesRoleSession?(profile: Profile): boolean;
  /** What to do, from the settings alone; throws a ProfileConfigError naming the setting when one is wrong. */
  plan(profile: Profile, at: PlanContext): S;
  /** The credentials, through the effects handed in (never process.env, never a direct fs/net call). */
  resolve(source: S, fx: Effects): Promise<Credentials>;
  /** Who calls STS with these credentials, for messages: `the keys of profile "dev"`. */
  describe(source: S): string;
  /** The source in a sentence for `awsrole chain` (no secret); absent: describe(). */
  explain?(source: S): string;
  /** The cache entries this source uses, if it caches anything. */
  cacheKeys?(source: S): SourceCacheKey[];
  /**
   * The access key id of long-term keys this source gives, when the settings
   * alone tell (keys in a file, exported keys): the MFA session's cache key
   * holds it (cacheKeysOf). Undefined: temporary credentials, or not known
   * before resolving.
   */
  longTermKeyId?(source: S, env: Env): string | undefined;
}

/**
 * One entry of the provider order (src/core/kinds/index.ts): a guard and a
 * planner. Every CredentialKind is one; an entry that only plans (it refuses a
 * profile, as the SSO placeholder does) need not resolve anything.
 */
export interface ProfileProvider {
  readonly kind: string;
  uses(profile: Profile, at: PlanContext): boolean;
  plan(profile: Profile, at: PlanContext): Source;
  /**
   * Whether this profile's credentials are a role session (web identity, an
   * IAM Identity Center role, a console login as an assumed role), so an
   * AssumeRole made with them is role chaining: STS caps its DurationSeconds
   * at 3600 (AssumeRole API reference). Absent: never.
   */
  givesRoleSession?(profile: Profile): boolean;
}
