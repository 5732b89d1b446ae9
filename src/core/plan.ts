// Profile resolution: from a profile name to a Plan, the ordered list of STS
// calls the AWS CLI would make for it, without any I/O. This follows botocore's
// credential resolver (docs/aws-rules.md#choosing-the-profile to docs/aws-rules.md#credential-provider-order,
// and docs/aws-rules.md#role-profiles; docs/resolution.md):
//
// - At the top level, a profile with role_arn (and no web_identity_token_file) is
//   assumed even if it also has keys: the assume-role provider runs before the
//   shared-credentials provider.
// - In a source profile, static keys win over role_arn: the recursion stops at the
//   first profile with aws_access_key_id or aws_secret_access_key.
// - A profile may name itself as source_profile only if it has its own keys; any
//   other revisit is a cycle.
// - Per-hop settings (MFA, external id, session name, duration) come from that
//   hop's profile; region and endpoint come from the top-level profile only.

import { ProfileConfigError } from "../errors.js";
import { closeProfileNames, EMPTY_CONFIG, getString, type AwsConfig, type Profile } from "./config.js";
import type { Env } from "./env.js";
import {
  CREDENTIAL_SOURCE_NAMES,
  CREDENTIAL_SOURCES,
  isRoleProfile,
  providerFor,
  type CredentialSourceName,
} from "./kinds/index.js";
import { exportedKeysWin } from "./kinds/environment.js";
import { imdsEndpointOf, metadataDisabled } from "./kinds/instance-metadata.js";
import { webIdentityFromEnv } from "./kinds/web-identity.js";
import type { PlanContext, Source } from "./kinds/types.js";
import { ROLE_ARN } from "./arn.js";

export type { Source } from "./kinds/types.js";
export type { CredentialSourceName } from "./kinds/index.js";
export { isRoleProfile } from "./kinds/index.js";
export type { RoleHop } from "./role-hop.js";
import type { RoleHop } from "./role-hop.js";

export interface Plan {
  /** The profile the user selected; undefined when credentials come from the environment. */
  profile: string | undefined;
  source: Source;
  /** AssumeRole calls, innermost (first call) first; the last hop is the selected profile. */
  hops: RoleHop[];
}

export type ProfileChoice =
  | { name: string; from: "flag" | "AWS_PROFILE" | "AWS_DEFAULT_PROFILE" }
  | { name: "default"; from: "default" };

/**
 * Which profile the user means. AWS CLI v2 and the SDKs read AWS_PROFILE first;
 * AWS CLI v1 reads AWS_DEFAULT_PROFILE first. awsrole follows v2 (docs/differences.md).
 * A set-but-empty variable is a real (empty) profile name, as in botocore.
 */
export function chooseProfile(flag: string | undefined, env: Env): ProfileChoice {
  if (flag !== undefined) return { name: flag, from: "flag" };
  if (env.AWS_PROFILE !== undefined) return { name: env.AWS_PROFILE, from: "AWS_PROFILE" };
  if (env.AWS_DEFAULT_PROFILE !== undefined) return { name: env.AWS_DEFAULT_PROFILE, from: "AWS_DEFAULT_PROFILE" };
  return { name: "default", from: "default" };
}

export interface PlanOptions {
  /** Environment variables (only read, never written). */
  env: Env;
  /**
   * What is already known about planning a profile from the top (doctor plans
   * every profile, sources first, and so stays linear on deep chains): its
   * plan, or the error that planning it throws. When a role source has a known
   * plan, the walk stops there: the result's source is that plan's source and
   * its hops are only the ones above it.
   */
  known?: (profile: string) => Plan | ProfileConfigError | undefined;
}

export function planProfile(config: AwsConfig, choice: ProfileChoice, options: PlanOptions): Plan {
  const { env } = options;
  const profile = config.profiles.get(choice.name);
  // A profile named by flag or variable must exist, even when keys are exported
  // (botocore raises ProfileNotFound first; docs/aws-rules.md#profile-not-found).
  if (!profile && choice.from !== "default" && choice.from !== "flag" && nonEmpty(env.AWS_ACCESS_KEY_ID))
    throw profileNotFound(config, choice);
  // botocore's env provider runs first unless --profile was given: exported keys
  // win over AWS_PROFILE (docs/aws-rules.md#choosing-the-profile, docs/aws-rules.md#credential-provider-order).
  if (exportedKeysWin(env, choice.from === "flag")) {
    return { profile: undefined, source: { kind: "environment", reason: "environment-variables" }, hops: [] };
  }
  if (!profile) {
    if (choice.from === "default") {
      // Web identity purely from the environment (EKS, GitHub Actions) needs no profile.
      const webIdentity = webIdentityFromEnv(env);
      if (webIdentity) return { profile: undefined, source: webIdentity, hops: [] };
      // With no profile chosen and no [default], botocore goes on to the container
      // and instance roles (ECS, EKS, EC2 with no ~/.aws at all).
      const fallback = machineRole(env);
      if (fallback) return { profile: undefined, source: fallback, hops: [] };
    }
    throw profileNotFound(config, choice);
  }
  const planner = new Planner(config, env, choice.from === "flag", options.known);
  const plan = planner.planTop(profile);
  // The instance-metadata endpoint is a session-wide setting: the selected profile's.
  if (plan.source.kind === "ec2-instance-metadata") {
    const { endpoint: _inner, ...rest } = plan.source;
    const endpoint = imdsEndpointOf(profile);
    plan.source = endpoint ? { ...rest, endpoint } : rest;
  }
  return plan;
}

class Planner {
  private readonly hops: RoleHop[] = [];
  // In order, for the cycle message; the set makes each revisit check O(1).
  private readonly visited: string[] = [];
  private readonly visitedSet = new Set<string>();

  constructor(
    private readonly config: AwsConfig,
    private readonly env: Env,
    private readonly profileFromFlag: boolean,
    private readonly known: PlanOptions["known"],
  ) {}

  private visit(name: string): void {
    this.visited.push(name);
    this.visitedSet.add(name);
  }

  planTop(profile: Profile): Plan {
    this.visit(profile.name);
    // Provider order (docs/aws-rules.md#credential-provider-order): assume-role, then the
    // providers of src/core/kinds/index.ts, which end with the container role and
    // then the instance role for a profile that has no credentials of its own.
    if (isRoleProfile(profile)) {
      const source = this.planRole(profile);
      return { profile: profile.name, source, hops: this.hops };
    }
    const source = this.sourceOf(profile, true);
    if (!source) {
      throw new ProfileConfigError(
        "NoCredentials",
        profile.name,
        `Profile "${profile.name}" has no credentials: no role_arn, keys, credential_process or web_identity_token_file.`,
        `Add role_arn with source_profile, or aws_access_key_id and aws_secret_access_key, ` +
          `to [${sectionLabel(profile)}] in ${anyPath(profile, this.config)}. (With AWS_EC2_METADATA_DISABLED ` +
          `unset, the EC2 instance role would be tried.)`,
      );
    }
    return { profile: profile.name, source, hops: [] };
  }

  /**
   * Plans the AssumeRole call for `profile` (a role profile) and those of its
   * role sources, down to the first source that is not a role. A loop, not
   * recursion: a chain thousands of profiles deep (botocore recurses, and hits
   * Python's recursion limit) must not overflow the stack.
   */
  private planRole(top: Profile): Source {
    // Each role profile of the chain, top first, with what its hop needs.
    const steps: Array<{ profile: Profile; roleArn: string; durationSeconds: number | undefined; chained: boolean }> =
      [];
    let profile = top;
    let source: Source;
    for (;;) {
      const step = this.checkRole(profile);
      const { name, roleArn, durationSeconds, credentialSource, sourceProfileName } = step;
      if (credentialSource !== undefined) {
        steps.push({ profile, roleArn, durationSeconds, chained: false });
        source = CREDENTIAL_SOURCES[credentialSource](name);
        break;
      }
      const sourceProfile = this.config.profiles.get(sourceProfileName!)!;
      // botocore's loop rule (docs/aws-rules.md#loop-detection): a revisit is allowed only when a
      // profile names itself and has its own keys.
      if (this.visitedSet.has(sourceProfile.name)) {
        const selfWithKeys = sourceProfile.name === name && hasStaticKeys(sourceProfile);
        if (!selfWithKeys) throw cycleError(this.visited, sourceProfile.name, this.config);
      }
      this.visit(sourceProfile.name);
      steps.push({ profile, roleArn, durationSeconds, chained: yieldsRoleSession(sourceProfile) });
      if (hasStaticKeys(sourceProfile) || !isRoleProfile(sourceProfile)) {
        // Resolved with the profile providers, env disabled (docs/aws-rules.md#source-credentials).
        const resolved = this.sourceOf(sourceProfile, false);
        if (!resolved) {
          const where = `[${sectionLabel(profile)}] in ${originPath(profile, "role_arn")}`;
          const hint =
            getString(sourceProfile, "credential_source") !== undefined
              ? `A source profile cannot use credential_source without role_arn in the AWS ` +
                `CLI; add aws_access_key_id and aws_secret_access_key to [${sectionLabel(sourceProfile)}], ` +
                `or point source_profile at a profile that has them.`
              : `Add aws_access_key_id and aws_secret_access_key to [${sourceProfile.name}] ` +
                `in ${this.config.credentialsPath}, or point source_profile in ${where} at ` +
                `a profile that has them.`;
          throw new ProfileConfigError(
            "SourceHasNoCredentials",
            sourceProfile.name,
            `Source profile "${sourceProfile.name}" (used by "${name}") has no credentials.`,
            hint,
            { setting: "source_profile" },
          );
        }
        source = resolved;
        break;
      }
      const known = this.known?.(sourceProfile.name);
      if (known instanceof ProfileConfigError) throw known;
      if (known !== undefined) {
        source = known.source;
        break;
      }
      profile = sourceProfile;
    }
    // Innermost hop first, as the calls are made.
    for (let i = steps.length - 1; i >= 0; i--) {
      const { profile: hopProfile, roleArn, durationSeconds, chained } = steps[i]!;
      const hop: RoleHop = { profile: hopProfile.name, roleArn, chained };
      const sessionName = getString(hopProfile, "role_session_name");
      if (sessionName) hop.roleSessionName = sessionName; // an empty value behaves as unset
      const externalId = getString(hopProfile, "external_id");
      if (externalId !== undefined) hop.externalId = externalId;
      const mfaSerial = getString(hopProfile, "mfa_serial");
      if (mfaSerial !== undefined && mfaSerial !== "") hop.mfaSerial = mfaSerial;
      if (durationSeconds !== undefined) hop.durationSeconds = durationSeconds;
      if (hop.mfaSerial && isTrue(getString(hopProfile, "mfa_session"))) hop.mfaSession = true;
      this.hops.push(hop);
    }
    return source;
  }

  /** A role profile's own settings, checked as botocore does (AssumeRoleProvider._get_role_config / _validate_*, docs/aws-rules.md#validation-errors). */
  private checkRole(profile: Profile): {
    name: string;
    roleArn: string;
    durationSeconds: number | undefined;
    credentialSource?: CredentialSourceName;
    sourceProfileName?: string;
  } {
    const name = profile.name;
    const sourceProfileName = getString(profile, "source_profile");
    const credentialSource = getString(profile, "credential_source");
    const roleArn = getString(profile, "role_arn")!;
    const where = `[${sectionLabel(profile)}] in ${originPath(profile, "role_arn")}`;

    if (sourceProfileName !== undefined && credentialSource !== undefined) {
      throw new ProfileConfigError(
        "BothSources",
        name,
        `Profile "${name}" sets both source_profile and credential_source.`,
        `Keep only one of them in ${where}.`,
        { setting: "credential_source" },
      );
    }
    if (sourceProfileName === undefined && credentialSource === undefined) {
      throw new ProfileConfigError(
        "NoSource",
        name,
        `Profile "${name}" has role_arn but neither source_profile nor credential_source.`,
        `Add source_profile = <profile with keys> (or credential_source = Environment | Ec2InstanceMetadata | EcsContainer) to ${where}.`,
        { setting: "role_arn" },
      );
    }
    if (credentialSource !== undefined && !(CREDENTIAL_SOURCE_NAMES as readonly string[]).includes(credentialSource)) {
      const near = CREDENTIAL_SOURCE_NAMES.find((s) => s.toLowerCase() === credentialSource.toLowerCase());
      throw new ProfileConfigError(
        "BadCredentialSource",
        name,
        `Profile "${name}" has credential_source = ${credentialSource}, which is not a valid source.`,
        near
          ? `Write credential_source = ${near} (the AWS CLI compares the name case-sensitively).`
          : `Use one of ${CREDENTIAL_SOURCE_NAMES.join(", ")} in ${where}.`,
        { setting: "credential_source" },
      );
    }
    if (sourceProfileName !== undefined && !this.config.profiles.has(sourceProfileName)) {
      const near = closeProfileNames(this.config, sourceProfileName);
      throw new ProfileConfigError(
        "SourceProfileNotFound",
        name,
        `Profile "${name}" has source_profile = ${sourceProfileName}, but no profile "${sourceProfileName}" exists.`,
        near.length
          ? `Did you mean ${near.map((n) => `"${n}"`).join(" or ")}? Fix source_profile in ${where}.`
          : `Define [profile ${sourceProfileName}] in ${this.config.configPath} or [${sourceProfileName}] in ${this.config.credentialsPath}.`,
        { setting: "source_profile" },
      );
    }
    validateRoleArn(profile, roleArn, where);
    const durationSeconds = parseDuration(profile, where);
    return {
      name,
      roleArn,
      durationSeconds,
      ...(credentialSource !== undefined ? { credentialSource: credentialSource as CredentialSourceName } : {}),
      ...(sourceProfileName !== undefined ? { sourceProfileName } : {}),
    };
  }

  /** The source a profile's own settings give, by the provider order (src/core/kinds/index.ts). */
  private sourceOf(profile: Profile, topLevel: boolean): Source | undefined {
    const at: PlanContext = { config: this.config, env: this.env, topLevel, profileFromFlag: this.profileFromFlag };
    return providerFor(profile, at)?.plan(profile, at);
  }
}

/**
 * Whether credentials taken from this source profile are a role session, which
 * makes the next AssumeRole "role chaining" (STS caps it at 3600 s): the
 * profile is itself assumed (role_arn, no keys), or it is a web-identity
 * profile. Session keys in a file do not count: they may equally come from
 * GetSessionToken.
 */
export function yieldsRoleSession(source: Profile): boolean {
  if (isRoleProfile(source) && !hasStaticKeys(source)) return true;
  if (hasStaticKeys(source)) return false;
  // Otherwise the kind that gives the profile's credentials says (web identity, IAM Identity Center, console login).
  const provider = providerFor(source, { config: EMPTY_CONFIG, env: {}, topLevel: false, profileFromFlag: true });
  return provider?.givesRoleSession?.(source) ?? false;
}

/** Either key present counts (botocore _has_static_credentials); a partial pair is an error later. */
export function hasStaticKeys(profile: Profile): boolean {
  return profile.values.aws_access_key_id !== undefined || profile.values.aws_secret_access_key !== undefined;
}

// An IAM role ARN (src/core/arn.ts); refused before any call so the message can name the profile.
export { ROLE_ARN };

export function validateRoleArn(profile: Profile, roleArn: string, where: string): void {
  if (ROLE_ARN.test(roleArn)) return;
  throw new ProfileConfigError(
    "BadRoleArn",
    profile.name,
    `Profile "${profile.name}" has role_arn = ${roleArn}, which is not an IAM role ARN.`,
    `Write it as arn:aws:iam::123456789012:role/NAME in ${where}.`,
    { setting: "role_arn" },
  );
}

// DurationSeconds for AssumeRole is 900..43200 (STS API reference). botocore drops
// a value int() cannot parse and sends out-of-range ones; awsrole rejects both up
// front (docs/differences.md). Python int() accepts blanks, a sign and `_` between
// digits, so those spellings stay valid here.
const PYTHON_INT = /^\s*[+-]?\d+(_\d+)*\s*$/;

export function parseDuration(profile: Profile, where: string): number | undefined {
  const raw = getString(profile, "duration_seconds");
  if (raw === undefined) return undefined;
  const value = PYTHON_INT.test(raw) ? Number(raw.replace(/_/g, "").trim()) : Number.NaN;
  if (!Number.isInteger(value) || value < 900 || value > 43200) {
    throw new ProfileConfigError(
      "BadDuration",
      profile.name,
      `Profile "${profile.name}" has duration_seconds = ${raw}, which is not a whole number of seconds from 900 to 43200.`,
      `Set duration_seconds to a number such as 3600 in ${where}.`,
      { setting: "duration_seconds" },
    );
  }
  return value;
}

function cycleError(visited: readonly string[], revisited: string, config: AwsConfig): ProfileConfigError {
  const loopStart = visited.indexOf(revisited);
  const loop = [...visited.slice(loopStart), revisited];
  return new ProfileConfigError(
    "Cycle",
    visited[0]!,
    `Profiles form a cycle through source_profile: ${loop.join(" -> ")}.`,
    `Point one of these source_profile settings at a profile with keys (files: ${config.configPath}, ${config.credentialsPath}).`,
    { setting: "source_profile" },
  );
}

function profileNotFound(config: AwsConfig, choice: ProfileChoice): ProfileConfigError {
  const near = closeProfileNames(config, choice.name);
  const via =
    choice.from === "flag"
      ? ""
      : choice.from === "default"
        ? " (no profile was given, so the default profile was used)"
        : ` (from ${choice.from})`;
  const hint =
    config.profiles.size === 0
      ? `No profiles exist in ${config.configPath} or ${config.credentialsPath}; create one, or set AWS_CONFIG_FILE.`
      : near.length
        ? `Did you mean ${near.map((n) => `"${n}"`).join(" or ")}? Run \`awsrole doctor\` to list profiles.`
        : `Profiles are read from ${config.configPath} and ${config.credentialsPath}; run \`awsrole doctor\` to list them.`;
  return new ProfileConfigError(
    "ProfileNotFound",
    choice.name,
    `The config profile "${choice.name}" could not be found${via}.`,
    hint,
  );
}

function sectionLabel(profile: Profile): string {
  return profile.configSection?.name ?? profile.credentialsSection?.name ?? profile.name;
}

function originPath(profile: Profile, key: string): string {
  return profile.origins[key]?.path ?? "the config file";
}

function anyPath(profile: Profile, config: AwsConfig): string {
  return profile.configSection ? config.configPath : config.credentialsPath;
}

/**
 * With no profile at all, the last two providers of botocore's chain
 * (container-role, then iam-role), as their guards in src/core/kinds/ decide
 * for a profile with no credentials of its own.
 */
function machineRole(env: Env): Source | undefined {
  if (nonEmpty(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) || nonEmpty(env.AWS_CONTAINER_CREDENTIALS_FULL_URI))
    return { kind: "ecs-container", fallback: true };
  if (metadataDisabled(env)) return undefined;
  return { kind: "ec2-instance-metadata", fallback: true };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== "" ? value : undefined;
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(true|1|yes|on)$/i.test(value.trim());
}
