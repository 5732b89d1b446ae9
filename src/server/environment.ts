// What a process must (and must not) have in its environment so that its SDKs
// take credentials from awsrole's credential server. Pure: used by exec --server,
// serve (which prints it) and doctor (which warns where it matters).
//
// In botocore's chain (credentials.create_credential_resolver) and the JS SDK's
// (credential-provider-node defaultProvider) the container provider comes after
// the environment keys, AWS_PROFILE and the shared files' default profile. So:
// key variables, profile selectors and other container variables are removed,
// and when the default profile itself yields credentials (keys, a role, a
// credential_process, SSO, web identity), both shared files are hidden from the
// process by pointing AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at
// /dev/null: otherwise that profile would silently win over the server.

import type { AwsConfig, KeyOrigin } from "../core/config.js";
import type { Finding } from "../core/doctor.js";
import { CONFLICTING_CHILD_VARIABLES } from "../render/credentials.js";
import type { Env } from "../core/env.js";

/** Keys that make a profile a credential source in botocore's and the JS SDK's chains. */
export const CREDENTIAL_KEYS = [
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "role_arn",
  "credential_process",
  "web_identity_token_file",
  "sso_session",
  "sso_start_url",
  "login_session",
] as const;

/** Removed from the environment of a process the server serves: each would be used before the server. */
export const SERVER_REMOVED_VARIABLES = [
  ...CONFLICTING_CHILD_VARIABLES,
  // Both SDKs prefer the relative URI to the full one, and the token file to the token.
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWSROLE_EXPIRATION",
] as const;

/** Where the empty shared files point. */
export const EMPTY_FILE = "/dev/null";

/** The key that makes the default profile a credential source, and where it is set; undefined if it is none. */
export function defaultProfileCredentials(
  config: AwsConfig,
): { key: string; origin: KeyOrigin | undefined } | undefined {
  const profile = config.profiles.get("default");
  if (!profile) return undefined;
  const key = CREDENTIAL_KEYS.find((name) => profile.values[name] !== undefined);
  return key === undefined ? undefined : { key, origin: profile.origins[key] };
}

export interface ServerVariables {
  set: Array<[string, string]>;
  unset: string[];
}

/** The variables that point a process at the server (and away from everything that would win over it). */
export function serverVariables(
  server: { url: string; token: string },
  options: { region: string | undefined; hideSharedFiles: boolean },
): ServerVariables {
  const set: Array<[string, string]> = [
    ["AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url],
    // Exactly the token: botocore refuses a header value with \r or \n.
    ["AWS_CONTAINER_AUTHORIZATION_TOKEN", server.token],
  ];
  // Hidden files take the profile's region with them; the region variables keep it.
  if (options.region) set.push(["AWS_REGION", options.region], ["AWS_DEFAULT_REGION", options.region]);
  if (options.hideSharedFiles) set.push(["AWS_CONFIG_FILE", EMPTY_FILE], ["AWS_SHARED_CREDENTIALS_FILE", EMPTY_FILE]);
  return { set, unset: [...SERVER_REMOVED_VARIABLES] };
}

/** A child's environment: the caller's, minus what would win over the server, plus the server's variables. */
export function serverEnvironment(
  env: Env,
  variables: ServerVariables,
  extra: Record<string, string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  for (const name of variables.unset) delete out[name];
  for (const [key, value] of variables.set) out[key] = value;
  return { ...out, ...extra };
}

/** `doctor --server`: setups in which a served process would take other credentials than the server's. */
export function serverFindings(config: AwsConfig): Finding[] {
  const winner = defaultProfileCredentials(config);
  if (!winner) return [];
  return [
    {
      severity: "warning",
      code: "default-profile-beats-server",
      profile: "default",
      file: winner.origin?.path ?? config.configPath,
      line: winner.origin?.line,
      message:
        `The default profile sets ${winner.key}, which SDKs use before a credential ` +
        `server: awsrole exec --server therefore hides the config files from its command ` +
        `(which loses their other settings), and a process given only the container ` +
        `variables of awsrole serve uses this profile instead.`,
      fix: "Move these credentials to a named profile (and point source_profile at it), so that no profile applies by default.",
    },
  ];
}
