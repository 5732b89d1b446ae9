// Credentials as text for other programs: shell lines to eval, dotenv, JSON, and
// the credential_process schema. Every value is quoted for its target shell, so
// no value (even a hostile one from a file) can run code when evaluated.
//
// Line order and names follow `aws configure export-credentials` (AWS CLI v2):
// key id, secret, then the token and AWS_CREDENTIAL_EXPIRATION only when present
// (docs/aws-rules.md#exported-credentials). botocore and the SDKs read AWS_CREDENTIAL_EXPIRATION back.

import type { Credentials } from "../core/resolve.js";
import { AwsroleError } from "../errors.js";
import type { Env } from "../core/env.js";

export const EXPORT_FORMATS = ["env", "env-no-export", "dotenv", "fish", "powershell", "json", "process"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportExtras {
  region?: string | undefined;
  /** Variables that are set in the caller's environment and would contradict the new credentials. */
  unset?: readonly string[];
  profile?: string | undefined;
  /** More variables for the shell formats, after the credentials (e.g. AWSROLE_REGION). */
  also?: ReadonlyArray<readonly [string, string]>;
}

/** RFC 3339 UTC without fractional seconds, the form STS itself sends. */
export function formatExpiration(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The longest values awsrole hands on. Access key ids are at most 128
 * characters (IAM's AccessKeyId limit); secrets are 40. STS session tokens
 * have no documented maximum, but even with session tags and a packed policy
 * they stay within a few KiB; 16 KiB is far beyond any real one and far below
 * what breaks a shell (Linux refuses a single environment string over 128 KiB
 * with "Argument list too long", so every later command in that shell fails).
 */
export const MAX_EXPORTED_CHARS = {
  accessKeyId: 128,
  secretAccessKey: 1024,
  sessionToken: 16 * 1024,
  region: 64,
} as const;

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: any
// of these can end, split or truncate an export line in some shell (bash drops
// NUL, fish stops reading at it, PowerShell's Invoke-Expression splits at CR/LF).
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

const FIELD_NAMES = {
  accessKeyId: "access key id",
  secretAccessKey: "secret access key",
  sessionToken: "session token",
  region: "region",
} as const;

/**
 * Refuses credentials no real AWS credentials look like, before anything is
 * printed or handed on: a control character in any value, or an implausible
 * size. Real keys and tokens are printable ASCII (base64 and the like).
 * Messages name the field and the profile, never the value.
 */
export function assertExportable(
  credentials: Credentials,
  extras: { region?: string | undefined; profile?: string | undefined } = {},
): void {
  const values: Array<[keyof typeof FIELD_NAMES, string | undefined]> = [
    ["accessKeyId", credentials.accessKeyId],
    ["secretAccessKey", credentials.secretAccessKey],
    ["sessionToken", credentials.sessionToken],
    ["region", extras.region],
  ];
  const whose = extras.profile ? ` of profile ${extras.profile}` : "";
  const hint =
    `Real AWS credentials never look like this: check where ${extras.profile ? `profile ${extras.profile}` : "they"} ` +
    `came from (the credentials file, a credential_process, or a cached session: ` +
    `awsrole cache clear).`;
  for (const [field, value] of values) {
    if (value === undefined) continue;
    const control = CONTROL.exec(value);
    if (control) {
      const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      throw new AwsroleError(
        "UnsafeCredentials",
        `The ${FIELD_NAMES[field]}${whose} contains a control character (U+${code}); awsrole will not export it.`,
        { hint },
      );
    }
    if (value.length > MAX_EXPORTED_CHARS[field]) {
      throw new AwsroleError(
        "UnsafeCredentials",
        `The ${FIELD_NAMES[field]}${whose} is ${value.length} characters long, more ` +
          `than the ${MAX_EXPORTED_CHARS[field]} a real one can be; awsrole will not export it.`,
        { hint },
      );
    }
  }
}

/**
 * Variables that would contradict credentials handed to a child process: a
 * profile selector (the JS SDK prefers AWS_PROFILE over keys), keys and the
 * legacy token name botocore reads first, web identity settings that win over
 * keys in some SDKs, a previous session's expiry (aws-vault's name), and the
 * legacy pointer to a credentials file that older tools read before the
 * environment keys. exec and the credential server both remove them.
 */
export const CONFLICTING_CHILD_VARIABLES = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_SESSION_EXPIRATION",
  "AWS_CREDENTIAL_FILE",
] as const;

export function credentialVariables(credentials: Credentials, extras: ExportExtras = {}): Array<[string, string]> {
  assertExportable(credentials, extras);
  const vars: Array<[string, string]> = [
    ["AWS_ACCESS_KEY_ID", credentials.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey],
  ];
  if (credentials.sessionToken) vars.push(["AWS_SESSION_TOKEN", credentials.sessionToken]);
  if (credentials.expiration) vars.push(["AWS_CREDENTIAL_EXPIRATION", formatExpiration(credentials.expiration)]);
  if (extras.region) vars.push(["AWS_REGION", extras.region], ["AWS_DEFAULT_REGION", extras.region]);
  return vars;
}

/**
 * Variables to clear when exporting: a stale session token next to long-term
 * keys breaks every call, and AWS_PROFILE next to exported keys makes the JS
 * SDK ignore the keys (docs/aws-rules.md#choosing-the-profile), the "wrong account" trap.
 */
export function conflictingVariables(env: Env, credentials: Credentials): string[] {
  // AWS_SESSION_EXPIRATION (aws-vault's name for the expiry) would describe the
  // previous session: it is always cleared, since awsrole sets AWS_CREDENTIAL_EXPIRATION.
  const names = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN", "AWS_SESSION_EXPIRATION"];
  if (!credentials.sessionToken) names.push("AWS_SESSION_TOKEN");
  if (!credentials.expiration) names.push("AWS_CREDENTIAL_EXPIRATION");
  return names.filter((name) => env[name] !== undefined);
}

export function renderExport(format: ExportFormat, credentials: Credentials, extras: ExportExtras = {}): string {
  const vars = [...credentialVariables(credentials, extras), ...(extras.also ?? [])];
  const unset = extras.unset ?? [];
  switch (format) {
    case "env":
      return lines([...unset.map((name) => `unset ${name}`), ...vars.map(([k, v]) => `export ${k}=${shQuote(v)}`)]);
    case "env-no-export":
      return lines(vars.map(([k, v]) => `${k}=${shQuote(v)}`));
    case "dotenv":
      // No awsrole markers: a container has no later export to follow.
      return lines(credentialVariables(credentials, extras).map(([k, v]) => `${k}=${dotenvValue(k, v)}`));
    case "fish":
      return lines([...unset.map((name) => `set -e ${name}`), ...vars.map(([k, v]) => `set -gx ${k} ${fishQuote(v)}`)]);
    case "powershell":
      return lines([
        ...unset.map((name) => `Remove-Item Env:${name} -ErrorAction SilentlyContinue`),
        ...vars.map(([k, v]) => `$Env:${k} = ${psQuote(v)}`),
      ]);
    case "json":
      return (
        JSON.stringify(
          {
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { SessionToken: credentials.sessionToken } : {}),
            ...(credentials.expiration ? { Expiration: formatExpiration(credentials.expiration) } : {}),
            ...(extras.region ? { Region: extras.region } : {}),
            ...(credentials.accountId ? { AccountId: credentials.accountId } : {}),
            ...(credentials.arn ? { Arn: credentials.arn } : {}),
            ...(extras.profile ? { Profile: extras.profile } : {}),
          },
          null,
          2,
        ) + "\n"
      );
    case "process":
      // The credential_process schema (Version 1), as `aws configure
      // export-credentials --format process` prints it: indent 2, these keys only.
      return (
        JSON.stringify(
          {
            Version: 1,
            AccessKeyId: credentials.accessKeyId,
            SecretAccessKey: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { SessionToken: credentials.sessionToken } : {}),
            ...(credentials.expiration ? { Expiration: formatExpiration(credentials.expiration) } : {}),
          },
          null,
          2,
        ) + "\n"
      );
  }
}

/**
 * A .env value that `docker run --env-file` and `docker compose` read the same:
 * unquoted. docker's --env-file takes everything after the first "=" literally
 * (it never strips quotes), while compose would strip them, so any quoting
 * would differ between the two. STS keys, secrets and tokens are base64-like
 * and need none; a value that would need quoting (from an odd
 * credential_process, say) is refused rather than written differently for
 * each tool.
 */
const DOTENV_SAFE = /^[A-Za-z0-9_./+=:@,-]*$/;
function dotenvValue(name: string, value: string): string {
  if (DOTENV_SAFE.test(value)) return value;
  throw new AwsroleError(
    "DotenvUnsafe",
    `${name} holds characters (spaces, quotes, $, # or similar) that docker --env-file ` +
      `and docker compose read differently, so it cannot be written as a .env line.`,
    {
      hint: "Use --format env-no-export (quoted, for sh and compose) or --format json instead.",
    },
  );
}

function lines(items: string[]): string {
  return items.map((line) => line + "\n").join("");
}

/** POSIX sh single quotes: nothing is special inside except the quote itself. */
export function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** fish single quotes: only \\ and \' are escapes. */
export function fishQuote(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** PowerShell single-quoted string: '' is a literal quote; nothing else expands. */
export function psQuote(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201a\u201b]/g, (c) => c + c)}'`;
}
