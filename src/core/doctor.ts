// `awsrole doctor`: lint the AWS config files without calling STS. Pure logic
// over the config model (which keeps file names and line numbers); the command
// (src/commands/doctor.ts) only loads the files and renders the findings.
//
// Every finding names the file and line, says what is wrong and how to fix it.
// Errors are settings that make the AWS CLI (or STS) fail; warnings are settings
// that are silently ignored or overridden, which is how "wrong account"
// surprises start.

import { editDistance } from "./edit-distance.js";
import { type ErrorCode, ProfileConfigError } from "../errors.js";
import { getString, type AwsConfig, type Profile } from "./config.js";
import type { IniSection } from "./ini.js";
import { classifyProfile, type ProfileClass } from "./kinds/index.js";
import { usesSsoRole } from "./kinds/sso.js";
import {
  hasStaticKeys,
  isRoleProfile,
  parseDuration,
  planProfile,
  validateRoleArn,
  yieldsRoleSession,
  type Plan,
} from "./plan.js";
import { parseArn, parseRoleArn } from "./arn.js";

export type Severity = "error" | "warning";

export interface Finding {
  severity: Severity;
  /** Stable identifier, e.g. "cycle", "typo". */
  code: string;
  profile: string | undefined;
  file: string;
  line: number | undefined;
  message: string;
  fix: string;
}

/** The one profile classification (src/core/kinds/index.ts: classifyProfile). */
export type ProfileKind = ProfileClass;

export interface ProfileSummary {
  name: string;
  kind: ProfileKind;
  /** Role name (from role_arn), when the profile assumes one. */
  role: string | undefined;
  /** Account id (from role_arn). */
  account: string | undefined;
  source: string | undefined;
}

/** Keys the AWS CLI/SDKs read from a profile, plus awsrole's mfa_session. */
export const KNOWN_KEYS: readonly string[] = [
  "role_arn",
  "source_profile",
  "credential_source",
  "mfa_serial",
  "external_id",
  "role_session_name",
  "duration_seconds",
  "region",
  "output",
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_security_token",
  "aws_account_id",
  "credential_process",
  "web_identity_token_file",
  "sso_session",
  "sso_start_url",
  "sso_region",
  "sso_account_id",
  "sso_role_name",
  "sso_registration_scopes",
  "endpoint_url",
  "services",
  "sts_regional_endpoints",
  "ca_bundle",
  "cli_pager",
  "max_attempts",
  "retry_mode",
  "mfa_session",
  "parameter_validation",
  "tcp_keepalive",
  "cli_timestamp_format",
  "cli_binary_format",
  "cli_auto_prompt",
  "cli_history",
  "cli_follow_urlparam",
  "s3",
  "sts",
  "api_versions",
  "ignore_configured_endpoint_urls",
  "use_dualstack_endpoint",
  "use_fips_endpoint",
  "metadata_service_timeout",
  "metadata_service_num_attempts",
  "ec2_metadata_service_endpoint",
  "ec2_metadata_service_endpoint_mode",
  "ec2_metadata_v1_disabled",
  "defaults_mode",
  "account_id_endpoint_mode",
  "request_min_compression_size_bytes",
  "disable_request_compression",
  "sigv4a_signing_region_set",
  "request_checksum_calculation",
  "response_checksum_validation",
  "login_session",
  "imds_use_ipv6",
  "s3_use_arn_region",
  "s3_disable_multiregion_access_points",
  "s3_use_dualstack_endpoint",
  "aws_credential_expiration",
];

/** Top-level config sections the AWS CLI itself uses (not profiles, but not mistakes either). */
const KNOWN_NON_PROFILE_SECTIONS = new Set(["plugins", "preview", "cli"]);

export function profileSummary(profile: Profile, config?: AwsConfig): ProfileSummary {
  const roleArn = getString(profile, "role_arn");
  const parsed = parseRoleArn(roleArn);
  const source = getString(profile, "source_profile") ?? getString(profile, "credential_source");
  const kind: ProfileKind = classifyProfile(profile, config);
  if (kind === "sso") {
    // An IAM Identity Center profile: its permission set and account (the picker shows them too).
    return {
      name: profile.name,
      kind,
      role: getString(profile, "sso_role_name"),
      account: getString(profile, "sso_account_id"),
      source,
    };
  }
  // A console login session's account is the ARN's (docs/login-session.md).
  const loginAccount =
    kind === "login-session" ? parseArn(getString(profile, "login_session")!.trim())?.account : undefined;
  return {
    name: profile.name,
    kind,
    role: parsed?.name ?? (roleArn === undefined ? undefined : roleArn),
    account: parsed?.account ?? loginAccount,
    source,
  };
}

export interface LintResult {
  findings: Finding[];
  profiles: ProfileSummary[];
}

/**
 * Lint every profile (or only `only` and the profiles its chain uses).
 * Findings come sorted by file and line.
 */
export function lintConfig(config: AwsConfig, only?: string): LintResult {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const add = (f: Finding) => {
    const key = `${f.code}|${f.file}|${f.line}|${f.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      findings.push(f);
    }
  };
  const names = only === undefined ? [...config.profiles.keys()] : chainOf(config, only);
  const sourcedBy = new Map<string, string[]>();
  for (const profile of config.profiles.values()) {
    const src = getString(profile, "source_profile");
    if (src === undefined || src === profile.name) continue;
    // Appended in place: copying the list per profile was quadratic (20,000 profiles on one source took ~40 s).
    const list = sourcedBy.get(src);
    if (list) list.push(profile.name);
    else sourcedBy.set(src, [profile.name]);
  }

  const legacyStartUrls = legacyStartUrlSpellings(config);

  // Sources are planned before the profiles that use them, and each plan stops
  // at a source already planned: linear in the number of profiles, however deep
  // the chains (4,000 hops used to take most of a minute).
  const known = new Map<string, Plan | ProfileConfigError>();
  for (const name of sourcesFirst(config, names)) {
    const profile = config.profiles.get(name);
    if (profile) lintPlan(config, profile, add, known);
  }
  for (const name of names) {
    const profile = config.profiles.get(name);
    if (!profile) continue;
    lintRoleSettings(config, profile, add);
    lintMfa(profile, sourcedBy.get(name) ?? [], add);
    lintKeys(config, profile, add);
    lintKeysBesideOtherSource(profile, sourcedBy.get(name) ?? [], add);
    lintShadowing(config, profile, add);
    lintSsoStartUrl(config, profile, legacyStartUrls, add);
    if (profile.credentialsSection && /^profile\s/.test(profile.name)) {
      const plain = profile.name.replace(/^profile\s+/, "");
      add({
        severity: "warning",
        code: "profile-prefix-in-credentials",
        profile: profile.name,
        file: config.credentialsPath,
        line: profile.credentialsSection.line,
        message: `[${profile.credentialsSection.name}] in the credentials file defines a profile literally named "${profile.name}", not "${plain}".`,
        fix: `Write [${plain}] in the credentials file (the "profile " prefix belongs only in the config file).`,
      });
    }
  }
  if (only === undefined) for (const section of config.ignoredSections) lintIgnoredSection(config, section, add);

  findings.sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || a.code.localeCompare(b.code),
  );
  const profiles = names.flatMap((n) => {
    const p = config.profiles.get(n);
    return p ? [profileSummary(p, config)] : [];
  });
  return { findings, profiles };
}

/**
 * The names, each profile's source_profile chain (as far as it lies within
 * names) before the profile itself. Iterative and linear: every name is
 * placed once.
 */
function sourcesFirst(config: AwsConfig, names: readonly string[]): string[] {
  const wanted = new Set(names);
  const placed = new Set<string>();
  const out: string[] = [];
  for (const name of names) {
    const path: string[] = [];
    const onPath = new Set<string>();
    let current: string | undefined = name;
    while (current !== undefined && wanted.has(current) && !placed.has(current) && !onPath.has(current)) {
      path.push(current);
      onPath.add(current);
      const profile = config.profiles.get(current);
      current = profile ? getString(profile, "source_profile") : undefined;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      placed.add(path[i]!);
      out.push(path[i]!);
    }
  }
  return out;
}

/** The profile and every profile reachable through source_profile (cycle-safe). */
function chainOf(config: AwsConfig, name: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined && !seen.has(current)) {
    out.push(current);
    seen.add(current);
    const profile = config.profiles.get(current);
    current = profile ? getString(profile, "source_profile") : undefined;
  }
  return out;
}

type Add = (finding: Finding) => void;

/**
 * Which key a planner error is about, for an error that does not say so itself
 * (no `setting`): the placement doctor used before errors carried their setting.
 */

/** The finding code of each planner error (stable: scripts read `doctor --output json`). */
const CODE_NAMES: Partial<Record<ErrorCode, string>> = {
  Cycle: "cycle",
  SourceProfileNotFound: "missing-source",
  BothSources: "both-sources",
  NoSource: "no-source",
  BadCredentialSource: "bad-credential-source",
  BadRoleArn: "bad-role-arn",
  BadDuration: "bad-duration",
  PartialCredentials: "partial-keys",
  NoCredentials: "no-credentials",
  WebIdentityWithoutRole: "web-identity-without-role",
  SourceHasNoCredentials: "source-without-credentials",
  SsoMissingConfig: "sso-missing-config",
  SsoSessionNotFound: "sso-session-not-found",
  SsoSessionConflict: "sso-session-conflict",
};

/** Plans the profile as `awsrole export NAME` would (no STS), turning the planner's refusals into findings. */
function lintPlan(config: AwsConfig, profile: Profile, add: Add, known: Map<string, Plan | ProfileConfigError>): void {
  try {
    const plan = planProfile(
      config,
      { name: profile.name, from: "flag" },
      { env: {}, known: (name) => known.get(name) },
    );
    known.set(profile.name, plan);
    for (const hop of plan.hops) {
      if (!hop.chained || hop.durationSeconds === undefined || hop.durationSeconds <= 3600) continue;
      const hopProfile = config.profiles.get(hop.profile);
      const where = hopProfile
        ? at(config, hopProfile, "duration_seconds")
        : { file: config.configPath, line: undefined };
      add({
        severity: "error",
        code: "chained-duration",
        profile: hop.profile,
        ...where,
        message:
          `Profile "${hop.profile}" asks for duration_seconds = ${hop.durationSeconds}, ` +
          `but its source is itself a role session (role chaining), which STS caps at ` +
          `3600 seconds; AssumeRole will be refused.`,
        fix: `Set duration_seconds = 3600 (or remove it) in [${sectionLabel(hopProfile, hop.profile)}], or source the role from long-term keys.`,
      });
    }
  } catch (error) {
    // A cycle's error names the profile the walk started from, so it is not
    // reused for the profiles above; any other refusal is the same for them.
    if (error instanceof ProfileConfigError && error.code !== "Cycle") known.set(profile.name, error);
    addPlannerError(config, profile, error, add);
  }
}

/** A planner refusal as a finding, placed at the key it is about. */
function addPlannerError(config: AwsConfig, profile: Profile, error: unknown, add: Add): void {
  if (!(error instanceof ProfileConfigError)) throw error;
  const finding = plannerFinding(config, profile, error);
  if (finding) add(finding);
}

/**
 * A config error as a finding, placed by what the error carries: the profile it
 * names (a source's problem is reported once, at the source), and the line of
 * its setting (the origin the thrower gave, else where that profile sets it),
 * else the profile's section. `linted` is the profile being linted, for an
 * error naming a profile that does not exist.
 */
export function plannerFinding(config: AwsConfig, linted: Profile, error: ProfileConfigError): Finding | undefined {
  const culprit = config.profiles.get(error.profile) ?? linted;
  const setting = error.setting;
  const where =
    error.origin !== undefined
      ? { file: error.origin.path, line: error.origin.line }
      : setting !== undefined
        ? at(config, culprit, setting)
        : sectionAt(config, culprit);
  return {
    severity: "error",
    code: CODE_NAMES[error.code] ?? error.code,
    profile: culprit.name,
    ...where,
    message: error.message,
    fix: error.hint ?? "Fix this setting.",
  };
}

/**
 * A role profile's own settings, checked whether or not the rest of its chain
 * plans: the planner stops at the first refusal, and one broken profile should
 * not hide the problems of the others.
 */
function lintRoleSettings(config: AwsConfig, profile: Profile, add: Add): void {
  if (!isRoleProfile(profile)) return;
  const where = `[${sectionLabel(profile, profile.name)}]`;
  let duration: number | undefined;
  try {
    validateRoleArn(profile, getString(profile, "role_arn")!, where);
    duration = parseDuration(profile, where);
  } catch (error) {
    addPlannerError(config, profile, error, add);
    return;
  }
  // Role chaining: the source is a role profile that will itself be assumed.
  const sourceName = getString(profile, "source_profile");
  const source = sourceName === undefined ? undefined : config.profiles.get(sourceName);
  const chained = source !== undefined && source.name !== profile.name && yieldsRoleSession(source);
  if (!chained || duration === undefined || duration <= 3600) return;
  add({
    severity: "error",
    code: "chained-duration",
    profile: profile.name,
    ...at(config, profile, "duration_seconds"),
    message:
      `Profile "${profile.name}" asks for duration_seconds = ${duration}, but its ` +
      `source is itself a role session (role chaining), which STS caps at 3600 seconds; ` +
      `AssumeRole will be refused.`,
    fix: `Set duration_seconds = 3600 (or remove it) in [${sectionLabel(profile, profile.name)}], or source the role from long-term keys.`,
  });
}

function lintMfa(profile: Profile, usedAsSourceBy: readonly string[], add: Add): void {
  const serial = getString(profile, "mfa_serial");
  if (serial !== undefined && !isRoleProfile(profile)) {
    add({
      severity: "warning",
      code: "mfa-serial-ignored",
      profile: profile.name,
      ...originAt(profile, "mfa_serial"),
      message:
        `Profile "${profile.name}" sets mfa_serial but has no role_arn, so no MFA ` +
        `code is ever asked for: the AWS CLI ignores mfa_serial on a profile that does not assume a role.`,
      fix:
        `Move mfa_serial to the role profiles that use "${profile.name}" as source_profile ` +
        `(add mfa_session = true there to enter one code for all of them), or remove it.`,
    });
  } else if (serial !== undefined && hasStaticKeys(profile) && usedAsSourceBy.length > 0) {
    add({
      severity: "warning",
      code: "mfa-serial-ignored-as-source",
      profile: profile.name,
      ...originAt(profile, "mfa_serial"),
      message:
        `Profile "${profile.name}" has keys, role_arn and mfa_serial; as the source_profile ` +
        `of ${usedAsSourceBy.map((n) => `"${n}"`).join(", ")} its keys win, so its ` +
        `role is not assumed and its mfa_serial is never asked for.`,
      fix: `Put mfa_serial on ${usedAsSourceBy.map((n) => `"${n}"`).join(", ")}, or move the keys to a separate profile and point source_profile there.`,
    });
  }
  const mfaSession = getString(profile, "mfa_session");
  if (mfaSession !== undefined && serial === undefined) {
    add({
      severity: "warning",
      code: "mfa-session-without-serial",
      profile: profile.name,
      ...originAt(profile, "mfa_session"),
      message: `Profile "${profile.name}" sets mfa_session but no mfa_serial, so there is no MFA session to share.`,
      fix: "Add mfa_serial (the MFA device ARN), or remove mfa_session.",
    });
  }
}

/**
 * Keys next to role_arn, credential_process, web identity or SSO: selected by
 * name, botocore's provider chain uses those first, so the keys are dead (the
 * trap of writing session keys into a role profile's credentials section).
 */
function lintKeysBesideOtherSource(profile: Profile, usedAsSourceBy: readonly string[], add: Add): void {
  if (profile.values.aws_access_key_id === undefined) return;
  const other = (
    ["role_arn", "web_identity_token_file", "sso_session", "sso_start_url", "credential_process"] as const
  ).find((key) => profile.values[key] !== undefined);
  if (other === undefined) return;
  // Keys, role_arn and mfa_serial on a source: mfa-serial-ignored-as-source says it.
  if (other === "role_arn" && usedAsSourceBy.length > 0 && profile.values.mfa_serial !== undefined) return;
  const asSource =
    usedAsSourceBy.length > 0 && other === "role_arn"
      ? ` (only as the source_profile of ${usedAsSourceBy.map((n) => `"${n}"`).join(", ")} do its keys count)`
      : "";
  add({
    severity: "warning",
    code: "keys-ignored",
    profile: profile.name,
    ...originAt(profile, "aws_access_key_id"),
    message:
      `Profile "${profile.name}" has access keys and ${other}; selected by name, ` +
      `the AWS CLI and awsrole use its ${other} and never these keys${asSource}.`,
    fix: `Move the keys to a profile of their own and point source_profile there, or remove ${other} if the keys are meant to be used.`,
  });
}

function lintKeys(config: AwsConfig, profile: Profile, add: Add): void {
  for (const [section, file] of [
    [profile.configSection, config.configPath],
    [profile.credentialsSection, config.credentialsPath],
  ] as const) {
    if (!section) continue;
    for (const key of Object.keys(section.values)) {
      if (KNOWN_KEYS.includes(key)) continue;
      const near = closestKnownKey(key);
      if (near === undefined) continue;
      add({
        severity: "warning",
        code: "typo",
        profile: profile.name,
        file,
        line: section.keyLines[key],
        message: `Profile "${profile.name}" sets "${key}", which no AWS tool reads; it looks like a typo of "${near}", so that setting is not in effect.`,
        fix: `Rename ${key} to ${near}.`,
      });
    }
  }
}

function lintShadowing(config: AwsConfig, profile: Profile, add: Add): void {
  const c = profile.configSection;
  const k = profile.credentialsSection;
  if (!c || !k) return;
  for (const key of Object.keys(k.values)) {
    const configValue = c.values[key];
    if (configValue === undefined || c.keyLines[key] === undefined || k.keyLines[key] === undefined) continue;
    if (JSON.stringify(configValue) === JSON.stringify(k.values[key])) continue;
    add({
      severity: "warning",
      code: "shadowed",
      profile: profile.name,
      file: config.credentialsPath,
      line: k.keyLines[key],
      message:
        `Profile "${profile.name}" sets ${key} in both files; the credentials file ` +
        `wins, so ${key} at ${config.configPath}:${c.keyLines[key]} is silently ignored.`,
      fix: `Keep ${key} in one file only.`,
    });
  }
}

function lintIgnoredSection(config: AwsConfig, section: IniSection, add: Add): void {
  const name = section.name;
  if (KNOWN_NON_PROFILE_SECTIONS.has(name)) return;
  let message: string;
  let fix: string;
  const glued = /^(profile|sso-session|services)(\S+)$/.exec(name);
  if (glued) {
    message = `[${name}] is ignored by the AWS CLI: it starts with "${glued[1]}" but is not "${glued[1]} NAME".`;
    fix = `Write [${glued[1]} ${glued[2]}].`;
  } else if (/^(profile|sso-session|services)\s/.test(name)) {
    const [kind, ...rest] = name.split(/\s+/);
    message = `[${name}] is ignored by the AWS CLI: a ${kind} name with spaces must be quoted.`;
    fix = `Write [${kind} "${rest.join(" ")}"], or use a name without spaces.`;
  } else {
    message = `[${name}] in the config file is not a profile: the AWS CLI ignores it.`;
    fix = `Write [profile ${name}] (only [default] goes without the prefix in the config file).`;
  }
  add({
    severity: "warning",
    code: "ignored-section",
    profile: undefined,
    file: config.configPath,
    line: section.line,
    message,
    fix,
  });
}

/** The known key within edit distance 2 of `key`, if there is exactly one best. */
export function closestKnownKey(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const known of KNOWN_KEYS) {
    const d = editDistance(key, known, 2);
    if (d < bestDistance) {
      best = known;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 && key.length > 3 ? best : undefined;
}

/** A legacy SSO profile's start URL, or undefined (the sso-session form names its token by the session). */
function legacyStartUrl(profile: Profile): string | undefined {
  if (!usesSsoRole(profile) || getString(profile, "sso_session") !== undefined) return undefined;
  return getString(profile, "sso_start_url");
}

/** Every spelling of each legacy start URL, by the URL without trailing slashes. */
function legacyStartUrlSpellings(config: AwsConfig): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const profile of config.profiles.values()) {
    const url = legacyStartUrl(profile);
    if (url === undefined) continue;
    const key = url.replace(/\/+$/, "");
    const spellings = map.get(key) ?? new Set<string>();
    spellings.add(url);
    map.set(key, spellings);
  }
  return map;
}

/**
 * The legacy form's token file is the SHA-1 of sso_start_url exactly as written
 * (SSOTokenLoader._generate_cache_key): two spellings of one portal are two
 * tokens, so a login for one profile does not serve the other.
 */
function lintSsoStartUrl(config: AwsConfig, profile: Profile, spellings: Map<string, Set<string>>, add: Add): void {
  const url = legacyStartUrl(profile);
  if (url === undefined) return;
  const others = [...(spellings.get(url.replace(/\/+$/, "")) ?? [])].filter((u) => u !== url);
  if (others.length === 0) return;
  add({
    severity: "warning",
    code: "sso-start-url-spelling",
    profile: profile.name,
    ...at(config, profile, "sso_start_url"),
    message:
      `Profile "${profile.name}" has sso_start_url = ${url}, which other profiles spell ${others.join(", ")}: ` +
      "the token file is named by the exact spelling, so each needs its own login.",
    fix: "Write the start URL the same way everywhere, or move it to one [sso-session NAME] that the profiles name with sso_session.",
  });
}

function at(config: AwsConfig, profile: Profile, key: string): { file: string; line: number | undefined } {
  const origin = profile.origins[key];
  return origin ? { file: origin.path, line: origin.line } : sectionAt(config, profile);
}

function originAt(profile: Profile, key: string): { file: string; line: number | undefined } {
  const origin = profile.origins[key]!;
  return { file: origin.path, line: origin.line };
}

function sectionAt(config: AwsConfig, profile: Profile): { file: string; line: number | undefined } {
  if (profile.configSection) return { file: config.configPath, line: profile.configSection.line };
  return { file: config.credentialsPath, line: profile.credentialsSection?.line };
}

function sectionLabel(profile: Profile | undefined, name: string): string {
  return profile?.configSection?.name ?? profile?.credentialsSection?.name ?? `profile ${name}`;
}
