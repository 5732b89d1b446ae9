// `awsrole assume`: one role's credentials as `aws sts assume-role` prints them.
// Either for a profile (the whole plan, through the cache), or ad hoc like the
// seed's manual flow: --role-arn with the credentials of --profile as source
// (not cached, as `aws sts assume-role` caches nothing).

import type { Context } from "../context.js";
import type { AssumeRoleParams, Credentials, StsResponse } from "../core/resolve.js";
import { fromResponse } from "../core/resolve.js";
import { ROLE_ARN } from "../core/arn.js";
import { AwsroleError, UsageError } from "../errors.js";
import { MFA_CODE } from "../core/mfa.js";
import { resolveCredentials } from "../resolver.js";
import { formatExpiration } from "../render/credentials.js";
import { warnIfExpiringSoon } from "./expiry.js";

export interface AssumeInput {
  profile: string | undefined;
  roleArn?: string | undefined;
  roleSessionName?: string | undefined;
  durationSeconds?: string | undefined;
  serialNumber?: string | undefined;
  tokenCode?: string | undefined;
  externalId?: string | undefined;
  writeProfile?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
}

// Client-side checks of the STS AssumeRole constraints (API reference), so a
// typo fails with a message naming the flag instead of a ValidationError.
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const SERIAL = /^[\w+=/:,.@-]{9,256}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export async function runAssume(input: AssumeInput, ctx: Context): Promise<number> {
  const adHoc = input.roleArn !== undefined;
  if (!adHoc) {
    for (const [flag, value] of [
      ["--role-session-name", input.roleSessionName],
      ["--duration-seconds", input.durationSeconds],
      ["--serial-number", input.serialNumber],
      ["--external-id", input.externalId],
    ] as const) {
      if (value !== undefined)
        throw new UsageError(
          `${flag} goes with --role-arn.`,
          "Set these in the profile, or pass --role-arn for an ad hoc role.",
        );
    }
  }
  // Before any STS call: keys written where nothing would read them are no use.
  if (input.writeProfile !== undefined) await refuseWriteOverNonKeyProfile(input.writeProfile, ctx);
  const response = adHoc ? await assumeAdHoc(input, ctx) : await assumeProfile(input, ctx);
  const credentials = fromResponse(response);
  warnIfExpiringSoon(credentials, ctx);
  if (input.writeProfile !== undefined) {
    const { writeProfileCredentialsLocked } = await import("../adapters/credentials-writer.js");
    const { configPaths } = await import("../adapters/config-files.js");
    const result = await writeProfileCredentialsLocked(
      configPaths(ctx.env).credentialsPath,
      input.writeProfile,
      credentials,
      ctx.now(),
      { env: ctx.env, signal: ctx.signal },
    );
    ctx.stderr.write(
      `awsrole: wrote profile [${input.writeProfile}] to ${result.path}${result.backupPath ? ` (backup: ${result.backupPath})` : ""}.\n`,
    );
  }
  // `aws sts assume-role` output: indent 4. An entry written by another tool may
  // lack the AssumedRoleId; then only the Arn is shown.
  const user = response.AssumedRoleUser;
  const assumedRoleUser = user
    ? { ...(user.AssumedRoleId ? { AssumedRoleId: user.AssumedRoleId } : {}), Arn: user.Arn }
    : undefined;
  ctx.stdout.write(
    JSON.stringify(
      { Credentials: response.Credentials, ...(assumedRoleUser ? { AssumedRoleUser: assumedRoleUser } : {}) },
      null,
      4,
    ) + "\n",
  );
  return 0;
}

async function assumeProfile(input: AssumeInput, ctx: Context): Promise<StsResponse> {
  const resolved = await resolveCredentials(input, ctx);
  if (resolved.plan.hops.length === 0) {
    throw new UsageError(
      `Profile "${resolved.plan.profile ?? "(environment)"}" assumes no role.`,
      "Name a role profile, or pass --role-arn to assume a role with these credentials.",
    );
  }
  return toResponseShape(resolved.resolution.credentials);
}

async function assumeAdHoc(input: AssumeInput, ctx: Context): Promise<StsResponse> {
  const params = adHocParams(input, ctx.now());
  if ((params.SerialNumber === undefined) !== (input.tokenCode === undefined)) {
    throw new UsageError("--serial-number and --token-code go together.", "Pass both to assume a role with MFA.");
  }
  // The source's own MFA (if any) is prompted for; --token-code belongs to this call.
  const source = await resolveCredentials({ ...input, tokenCode: undefined }, ctx);
  const sts = await source.sts();
  if (input.tokenCode !== undefined) params.TokenCode = input.tokenCode.trim();
  return sts.assumeRole(source.resolution.credentials, params, {
    step: 1,
    of: 1,
    profile: source.plan.profile,
    principal:
      source.resolution.credentials.arn ??
      (source.plan.profile ? `the credentials of profile "${source.plan.profile}"` : "the environment's credentials"),
    hop: {
      profile: source.plan.profile ?? "(ad hoc)",
      roleArn: params.RoleArn,
      chained: source.resolution.credentials.sessionToken !== undefined,
      ...(params.SerialNumber ? { mfaSerial: params.SerialNumber } : {}),
      ...(params.ExternalId ? { externalId: params.ExternalId } : {}),
    },
  });
}

export function adHocParams(input: AssumeInput, now: Date): AssumeRoleParams {
  const roleArn = input.roleArn!;
  if (!ROLE_ARN.test(roleArn))
    throw new UsageError(
      `--role-arn ${roleArn} is not an IAM role ARN.`,
      "Write it as arn:aws:iam::123456789012:role/NAME.",
    );
  const sessionName = input.roleSessionName ?? `awsrole-${Math.floor(now.getTime() / 1000)}`;
  if (!SESSION_NAME.test(sessionName))
    throw new UsageError(
      `--role-session-name "${sessionName}" is not valid.`,
      "Use 2 to 64 characters from letters, digits and + = , . @ - _.",
    );
  const params: AssumeRoleParams = { RoleArn: roleArn, RoleSessionName: sessionName };
  if (input.durationSeconds !== undefined) {
    const value = Number(input.durationSeconds);
    if (!/^\d+$/.test(input.durationSeconds) || value < 900 || value > 43200)
      throw new UsageError(`--duration-seconds ${input.durationSeconds} is not a whole number from 900 to 43200.`);
    params.DurationSeconds = value;
  }
  if (input.serialNumber !== undefined) {
    if (!SERIAL.test(input.serialNumber))
      throw new UsageError(`--serial-number ${input.serialNumber} is not an MFA device serial or ARN.`);
    params.SerialNumber = input.serialNumber;
  }
  if (input.tokenCode !== undefined && !MFA_CODE.test(input.tokenCode.trim()))
    throw new UsageError("--token-code must be the 6 digits your MFA device shows.");
  if (input.externalId !== undefined) {
    if (!EXTERNAL_ID.test(input.externalId))
      throw new UsageError(
        "--external-id is not valid.",
        "Use 2 to 1224 characters from letters, digits and + = , . @ : / - _.",
      );
    params.ExternalId = input.externalId;
  }
  return params;
}

function toResponseShape(credentials: Credentials): StsResponse {
  return {
    Credentials: {
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken ?? "",
      Expiration: credentials.expiration ? formatExpiration(credentials.expiration) : "",
    },
    ...(credentials.arn
      ? { AssumedRoleUser: { AssumedRoleId: credentials.assumedRoleId ?? "", Arn: credentials.arn } }
      : {}),
  };
}

/**
 * Settings that make the AWS CLI (botocore's provider chain: assume-role, web
 * identity, SSO and credential_process all come before the shared-credentials
 * keys) and awsrole ignore keys in the same profile when it is selected.
 */
const KEYS_IGNORED_BESIDE = [
  "role_arn",
  "credential_source",
  "web_identity_token_file",
  "sso_session",
  "sso_start_url",
  "sso_account_id",
  "credential_process",
] as const;

async function refuseWriteOverNonKeyProfile(name: string, ctx: Context): Promise<void> {
  const { loadConfig } = await import("../adapters/config-files.js");
  const profile = loadConfig(ctx.env).profiles.get(name);
  const key = profile && KEYS_IGNORED_BESIDE.find((k) => profile.values[k] !== undefined);
  if (!profile || !key) return;
  const origin = profile.origins[key];
  throw new AwsroleError(
    "WriteProfileIgnored",
    `Profile "${name}" sets ${key}${origin ? ` (${origin.path}:${origin.line})` : ""}, ` +
      `so keys written into [${name}] would never be used: the AWS CLI and awsrole ` +
      `would still use its ${key}.`,
    { hint: `Write to a name no profile uses, e.g. --write-profile ${name}-session.` },
  );
}
