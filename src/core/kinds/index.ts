// The credential kinds and their precedence: which source a profile's own
// settings give. One list, read top to bottom; the first entry whose guard
// (uses) matches the profile plans its source. The order is botocore's
// (credentials.py: create_credential_resolver, and ProfileProviderBuilder.providers
// for the providers that read a profile), as the AWS SDK for JavaScript lists it
// in resolveProfileData.ts. Adding a kind: one module in this directory, one
// line here, one test file (docs/architecture.md).

import { EMPTY_CONFIG, getString, type AwsConfig, type Profile } from "../config.js";
import { configFileKeys, credentialsFileKeys } from "./static-keys.js";
import { container } from "./container.js";
import { credentialProcess } from "./credential-process.js";
import { environment } from "./environment.js";
import { instanceMetadata } from "./instance-metadata.js";
import { loginSessionKind } from "./login-session.js";
import { sso } from "./sso.js";
import type { CredentialKind, PlanContext, ProfileProvider, Source, SourceKind } from "./types.js";
import { webIdentity } from "./web-identity.js";

// biome-ignore lint/suspicious/noExplicitAny: each entry is a kind over its own Source member
type AnyKind = CredentialKind<any>;

export const PROVIDERS: ReadonlyArray<ProfileProvider | AnyKind> = [
  environment, //          env: exported keys, before any profile is read (planProfile asks exportedKeysWin first)
  //                        assume-role: role_arn, the role-chain walk in src/core/plan.ts, before this list
  webIdentity, //          assume-role-with-web-identity: web_identity_token_file (AWS_WEB_IDENTITY_TOKEN_FILE)
  sso, //                  sso: sso_account_id / sso_role_name (SSOProvider._load_sso_config), IAM Identity Center
  credentialsFileKeys, //  shared-credentials-file: keys in ~/.aws/credentials
  loginSessionKind, //     login: login_session, the console-login credentials of `aws login` (login-session.ts)
  credentialProcess, //    custom-process: credential_process
  configFileKeys, //       config-file: keys in ~/.aws/config
  container, //            container-role: AWS_CONTAINER_CREDENTIALS_*_URI (selected profile only)
  instanceMetadata, //     iam-role: the EC2 instance role (selected profile only)
];

/** credential_source values (botocore CanonicalNameCredentialSourcer, compared case-sensitively) and their kinds. */
export const CREDENTIAL_SOURCES = {
  Environment: (profile: string): Source => ({ kind: "environment", profile, reason: "credential_source" }),
  Ec2InstanceMetadata: (profile: string): Source => ({ kind: "ec2-instance-metadata", profile }),
  EcsContainer: (profile: string): Source => ({ kind: "ecs-container", profile }),
} as const;

export type CredentialSourceName = keyof typeof CREDENTIAL_SOURCES;
export const CREDENTIAL_SOURCE_NAMES = Object.keys(CREDENTIAL_SOURCES) as CredentialSourceName[];

/** The first provider of the order whose guard matches, or undefined: the profile has no credentials of its own. */
export function providerFor(profile: Profile, at: PlanContext): ProfileProvider | undefined {
  return PROVIDERS.find((provider) => provider.uses(profile, at));
}

/** The kind that resolves a planned source. */
export function kindOf<S extends Source>(source: S): CredentialKind<S> {
  const kind = PROVIDERS.find((k): k is AnyKind => k.kind === source.kind && "resolve" in k);
  if (!kind) throw new Error(`no credential kind "${source.kind}" is registered`);
  return kind as CredentialKind<S>;
}

export function isSourceKind(name: string): name is SourceKind {
  return PROVIDERS.some((k) => k.kind === name && "resolve" in k);
}

/** What kind of profile this is, in a word (doctor, the picker): its own settings only, never the environment. */
export type ProfileClass =
  | "role"
  | "keys"
  | "session-keys"
  | "process"
  | "web-identity"
  | "sso"
  | "none"
  | (string & {});

/**
 * The one profile classification: the assume-role rule first, then the
 * provider order above, for the profile on its own (as a source profile is
 * read: no AWS_* overrides, no container or instance role).
 */
export function classifyProfile(profile: Profile, config: AwsConfig = EMPTY_CONFIG): ProfileClass {
  if (isRoleProfile(profile)) return "role";
  const provider = providerFor(profile, { config, env: {}, topLevel: false, profileFromFlag: true });
  if (!provider) return "none";
  if (provider.kind === "static") {
    return profile.values.aws_session_token !== undefined || profile.values.aws_security_token !== undefined
      ? "session-keys"
      : "keys";
  }
  if (provider.kind === "credential-process") return "process";
  return provider.kind;
}

/** role_arn present and no web_identity_token_file (botocore AssumeRoleProvider._has_assume_role_config_vars). */
export function isRoleProfile(profile: Profile): boolean {
  return getString(profile, "role_arn") !== undefined && getString(profile, "web_identity_token_file") === undefined;
}
