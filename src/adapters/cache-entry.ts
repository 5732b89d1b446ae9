// The byte-exact codec of an AWS CLI credential cache entry
// (docs/aws-rules.md#cache-file-content): serializeCacheEntry writes the bytes
// botocore's JSONFileCache writes under the AWS CLI v1; parseCacheEntry accepts
// whatever botocore accepts. No I/O here.
//
// Secrets (keys, tokens) never appear in a detail: those name the reason only.

import { pythonJsonDumps } from "../core/cache-key.js";
import { ssoRoleCacheEntry } from "../core/sso-token.js";
import type { StsResponse } from "../core/resolve.js";
import { parseExpiration } from "../core/cache-policy.js";
import { accountIdFromArn } from "../core/arn.js";
import { isRecord } from "./fs-helpers.js";

export interface CachedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** Credentials.AccountId (botocore adds it); for older entries, derived from AssumedRoleUser.Arn. */
  accountId?: string;
  /** AssumedRoleUser.Arn, if present. */
  arn?: string;
  /** AssumedRoleUser.AssumedRoleId (AROA…:session), if present. */
  assumedRoleId?: string;
}

/**
 * What the resolver hands over after an STS call (AssumeRole,
 * AssumeRoleWithWebIdentity, GetSessionToken): the core's StsResponse, whose
 * Expiration is the wire string, written unchanged as the AWS CLI v1 does.
 */
export type StsResponseForCache = StsResponse & {
  /** "sso": IAM Identity Center role credentials, written in the AWS CLI v2's body (src/core/sso-token.ts). */
  ProviderType?: "sso";
  Credentials: StsResponse["Credentials"] & { AccountId?: string };
};

export type CacheEntryKind = "assume-role" | "web-identity" | "mfa-session" | "sso" | "unknown";

export type ParsedCacheEntry =
  | { state: "ok"; credentials: CachedCredentials; doc: Record<string, unknown> }
  | { state: "corrupt"; detail: string };

/**
 * The bytes botocore's JSONFileCache writes for this response under the AWS
 * CLI v1 (docs/aws-rules.md#cache-file-content): the parsed response in the service model's
 * member order, botocore's added Credentials.AccountId, then ResponseMetadata,
 * through json.dumps with default separators and no trailing newline.
 * HTTPHeaders is written empty: the resolver does not keep the headers and no
 * reader uses them.
 */
export function serializeCacheEntry(response: StsResponseForCache): string {
  const c = response.Credentials;
  if (response.ProviderType === "sso" && c.AccountId !== undefined) {
    const {
      AccessKeyId: accessKeyId,
      SecretAccessKey: secretAccessKey,
      SessionToken: sessionToken,
      Expiration: expiration,
    } = c;
    return ssoRoleCacheEntry({ accessKeyId, secretAccessKey, sessionToken, expiration, accountId: c.AccountId });
  }
  const credentials: Record<string, unknown> = {
    AccessKeyId: c.AccessKeyId,
    SecretAccessKey: c.SecretAccessKey,
    SessionToken: c.SessionToken,
    Expiration: c.Expiration,
  };
  // botocore _add_account_id_to_response: only when AssumedRoleUser.Arn is an ARN.
  const accountId = accountIdFromArn(response.AssumedRoleUser?.Arn);
  if (accountId !== undefined) credentials.AccountId = accountId;

  // Member order of the STS output shapes in botocore's service model:
  // AssumeRole: Credentials, AssumedRoleUser, PackedPolicySize, SourceIdentity;
  // AssumeRoleWithWebIdentity: Credentials, SubjectFromWebIdentityToken,
  // AssumedRoleUser, PackedPolicySize, Provider, Audience, SourceIdentity;
  // GetSessionToken: Credentials. One order fits all three.
  const doc: Record<string, unknown> = { Credentials: credentials };
  if (response.SubjectFromWebIdentityToken !== undefined)
    doc.SubjectFromWebIdentityToken = response.SubjectFromWebIdentityToken;
  if (response.AssumedRoleUser !== undefined) {
    doc.AssumedRoleUser = { AssumedRoleId: response.AssumedRoleUser.AssumedRoleId, Arn: response.AssumedRoleUser.Arn };
  }
  if (response.PackedPolicySize !== undefined) doc.PackedPolicySize = response.PackedPolicySize;
  if (response.Provider !== undefined) doc.Provider = response.Provider;
  if (response.Audience !== undefined) doc.Audience = response.Audience;
  if (response.SourceIdentity !== undefined) doc.SourceIdentity = response.SourceIdentity;
  doc.ResponseMetadata = {
    ...(response.RequestId !== undefined ? { RequestId: response.RequestId } : {}),
    HTTPStatusCode: 200,
    HTTPHeaders: {},
    RetryAttempts: 0,
  };
  return pythonJsonDumps(doc);
}

/** What botocore needs from an entry: Credentials.{AccessKeyId, SecretAccessKey, SessionToken, Expiration}. */
export function parseCacheEntry(text: string): ParsedCacheEntry {
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    return { state: "corrupt", detail: text.trim() === "" ? "empty file" : "not valid JSON" };
  }
  if (!isRecord(doc)) return { state: "corrupt", detail: "not a JSON object" };
  const creds = doc.Credentials;
  if (!isRecord(creds)) return { state: "corrupt", detail: "no Credentials object" };
  for (const field of ["AccessKeyId", "SecretAccessKey", "SessionToken"] as const) {
    const value = creds[field];
    if (typeof value !== "string" || value === "")
      return { state: "corrupt", detail: `Credentials.${field} is missing` };
  }
  if (creds.Expiration === undefined) return { state: "corrupt", detail: "Credentials.Expiration is missing" };
  const expiration = parseExpiration(creds.Expiration);
  if (expiration === undefined)
    return { state: "corrupt", detail: "Credentials.Expiration is not a timestamp with a time zone" };

  const user = doc.AssumedRoleUser;
  const arn = isRecord(user) && typeof user.Arn === "string" ? user.Arn : undefined;
  const assumedRoleId =
    isRecord(user) && typeof user.AssumedRoleId === "string" && user.AssumedRoleId !== ""
      ? user.AssumedRoleId
      : undefined;
  const accountId = typeof creds.AccountId === "string" ? creds.AccountId : accountIdFromArn(arn);
  const credentials: CachedCredentials = {
    accessKeyId: creds.AccessKeyId as string,
    secretAccessKey: creds.SecretAccessKey as string,
    sessionToken: creds.SessionToken as string,
    expiration,
    ...(accountId !== undefined && accountId !== "" ? { accountId } : {}),
    ...(arn !== undefined ? { arn } : {}),
    ...(assumedRoleId !== undefined ? { assumedRoleId } : {}),
  };
  return { state: "ok", credentials, doc };
}

/** A best guess at which call made an entry (see CacheEntrySummary.kind). */
export function cacheEntryKind(doc: Record<string, unknown>): CacheEntryKind {
  if (doc.ProviderType === "sso") return "sso";
  if (doc.ProviderType !== undefined) return "unknown";
  if (isRecord(doc.AssumedRoleUser)) {
    const webIdentity = ["SubjectFromWebIdentityToken", "Provider", "Audience"].some((k) => doc[k] !== undefined);
    return webIdentity ? "web-identity" : "assume-role";
  }
  return "mfa-session";
}
