// The ports: every effect the resolver and the credential kinds have, passed in
// as one Effects value (docs/architecture.md). Two sets exist: the online
// effects of the full CLI (src/effects/online.ts: STS through the SDK, HTTP,
// processes, the terminal prompt, locks) and the offline effects of the warm
// path (src/effects/offline.ts: files and the cache only; anything else throws
// NeedsOnline, and the full CLI runs the command from the start). Tests build
// their own.

import type { Env } from "./env.js";
import type { RoleHop } from "./role-hop.js";

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** The identity these credentials act as, when known without a call (assumed-role ARN). */
  arn?: string;
  /** AssumedRoleUser.AssumedRoleId (AROA…:session) of a role session. */
  assumedRoleId?: string;
  accountId?: string;
}

/** Thrown by offline effects: only the full CLI (network, prompt, processes, locks) can go on. */
export class NeedsOnline extends Error {
  constructor(what: string) {
    super(`needs the full CLI: ${what}`);
    this.name = "NeedsOnline";
  }
}

/** What an STS-like call returned, in the shape the AWS CLI caches (src/adapters/cache-store.ts). */
export interface StsResponse {
  Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
  AssumedRoleUser?: { AssumedRoleId: string; Arn: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
  SubjectFromWebIdentityToken?: string;
  Provider?: string;
  Audience?: string;
  RequestId?: string;
}

export interface AssumeRoleParams {
  RoleArn: string;
  RoleSessionName: string;
  ExternalId?: string;
  SerialNumber?: string;
  TokenCode?: string;
  DurationSeconds?: number;
}

/** Names the call being made, so an STS failure can say which hop failed and why. */
export interface CallContext {
  step: number;
  of: number;
  profile: string | undefined;
  /** Who is calling: an ARN when known, else a description such as `the keys of profile "default"`. */
  principal: string;
  hop?: RoleHop;
  /** The credentials are the ones exported in the caller's environment (AWS_ACCESS_KEY_ID), not from a file. */
  fromEnvironment?: boolean;
}

export interface StsPort {
  assumeRole(credentials: Credentials, params: AssumeRoleParams, call: CallContext): Promise<StsResponse>;
  assumeRoleWithWebIdentity(
    params: { RoleArn: string; RoleSessionName: string; WebIdentityToken: string },
    call: CallContext,
  ): Promise<StsResponse>;
  getSessionToken(
    credentials: Credentials,
    params: { SerialNumber: string; TokenCode: string; DurationSeconds?: number },
    call: CallContext,
  ): Promise<StsResponse>;
  getCallerIdentity(
    credentials: Credentials,
    call: CallContext,
  ): Promise<{ UserId: string; Account: string; Arn: string }>;
}

export interface CachedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  accountId?: string;
  arn?: string;
  assumedRoleId?: string;
}

export type CacheLookup =
  | { status: "hit"; credentials: CachedSession; path: string }
  | { status: "miss"; reason: string; path: string; detail?: string };

/** The AWS CLI's credential cache (~/.aws/cli/cache) as a store: entries by key. */
export interface CachePort {
  read(key: string): CacheLookup;
  write(key: string, response: StsResponse): boolean;
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** The whole call's deadline. */
  deadlineMs: number;
  /** Larger responses are refused unread. */
  maxBytes: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Effects {
  env: Env;
  now(): Date;
  /** Aborted on Ctrl-C: waits, calls and prompts end promptly. */
  signal: AbortSignal;
  debug(message: string): void;
  warn(message: string): void;
  /** Force fresh calls for every cached session (--refresh); results are still cached. */
  refresh: boolean;

  /** STS, created on first use with the selected profile's endpoint. */
  sts(): Promise<StsPort>;
  /** One bounded HTTP(S) request: metadata, container, IAM Identity Center, sign-in. */
  http(request: HttpRequest): Promise<HttpResponse>;
  /** Runs a command without a shell (credential_process); stdout captured, stderr passed through. */
  runProcess(argv: string[], profile: string): Promise<{ stdout: string; code: number }>;

  /** Reads a file as UTF-8 (a token file, a token cache): works offline. */
  readFile(path: string): string;
  /** Writes a file holding secrets: temp file in the same directory, fsync, rename, mode 0600. */
  writeSecretFile(path: string, text: string): void;
  /** Runs fn holding the cross-process lock for `path` (single flight across processes). */
  withLock<T>(path: string, fn: () => Promise<T>): Promise<T>;

  /** The AWS CLI's credential cache; undefined with --no-cache. */
  cache: CachePort | undefined;

  /** Asks for (or supplies) a 6-digit code for an MFA device. */
  mfaCode(serial: string, profile: string): Promise<string>;
  /**
   * After STS refused a call made with an MFA code: whether to ask for another
   * code and try again (a wrong code typed at a terminal). `attempt` counts the
   * codes tried so far for this call. Absent: never.
   */
  retryMfa?(error: unknown, attempt: number, serial: string): boolean;
}
