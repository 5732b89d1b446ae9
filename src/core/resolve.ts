// Executing a Plan: credentials for the selected profile, hop by hop, through
// the AWS CLI's cache. The order is botocore's (docs/aws-rules.md#hop-by-hop-resolution):
//
// 1. Look up the outermost hop's cache entry. A hit ends resolution: inner hops
//    are not touched (no STS call, no MFA prompt, their entries not even read).
// 2. On a miss, prompt for this hop's MFA code (if it has mfa_serial) *before*
//    resolving the source, so prompts come outermost-first,
// 3. then resolve the source (recursively: the inner hop runs steps 1-4),
// 4. then call AssumeRole and cache the result under the hop's key.
//
// So STS calls happen innermost-first. Every effect arrives through ResolveDeps.

import { AwsroleError } from "../errors.js";
import { hopCacheKey, mfaSessionCacheKey, webIdentityCacheKey } from "./cache-key.js";
import type { Plan, RoleHop, Source } from "./plan.js";
import { accountOfArn } from "./arn.js";

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

/** What an STS call returned, in the shape the AWS CLI caches (src/adapters/cache-store.ts). */
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
  assumeRoleWithWebIdentity(params: { RoleArn: string; RoleSessionName: string; WebIdentityToken: string }, call: CallContext): Promise<StsResponse>;
  getSessionToken(credentials: Credentials, params: { SerialNumber: string; TokenCode: string; DurationSeconds?: number }, call: CallContext): Promise<StsResponse>;
  getCallerIdentity(credentials: Credentials, call: CallContext): Promise<{ UserId: string; Account: string; Arn: string }>;
}

export type CacheLookup =
  | { status: "hit"; credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: Date; accountId?: string; arn?: string; assumedRoleId?: string }; path: string }
  | { status: "miss"; reason: string; path: string; detail?: string };

export interface CachePort {
  read(key: string): CacheLookup;
  write(key: string, response: StsResponse): boolean;
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** Everything non-STS a plan's source may need: env, IMDS, ECS, a process, a token file. */
export interface SourcePort {
  resolve(source: Exclude<Source, { kind: "static" } | { kind: "web-identity" }>): Promise<Credentials>;
  readWebIdentityToken(path: string): Promise<string>;
}

export interface ResolveDeps {
  now(): Date;
  sts(): Promise<StsPort>;
  /** undefined: caching disabled (--no-cache). */
  cache: CachePort | undefined;
  sources: SourcePort;
  /** Asks for (or supplies) a 6-digit code for an MFA device. */
  mfaCode(serial: string, profile: string): Promise<string>;
  /**
   * After STS refused a call made with an MFA code: whether to ask for another
   * code and try again (a wrong code typed at a terminal). `attempt` counts the
   * codes tried so far for this call. Absent: never.
   */
  retryMfa?(error: unknown, attempt: number, serial: string): boolean;
  debug(message: string): void;
  /** Force fresh STS calls for every hop (--refresh); results are still cached. */
  refresh?: boolean;
}

export type HopOutcome = "cache-hit" | "assumed" | "not-needed";

export interface HopTrace {
  step: number;
  profile: string;
  roleArn: string;
  cacheFile: string | undefined;
  outcome: HopOutcome;
  /** Why the cache was not used, when it was not. */
  missReason?: string;
  expiration?: Date;
  arn?: string;
  mfaSession?: "cache-hit" | "created";
}

export interface Resolution {
  credentials: Credentials;
  trace: HopTrace[];
  /** How the source was obtained (for `chain --resolve`). */
  sourceOutcome: "used" | "not-needed" | "cache-hit" | "assumed";
}

/** Session names the AWS CLI generates: botocore-session-<Unix seconds>, shared by all hops of one run. */
export function defaultSessionName(now: Date): string {
  return `botocore-session-${Math.floor(now.getTime() / 1000)}`;
}

export async function resolvePlan(plan: Plan, deps: ResolveDeps): Promise<Resolution> {
  const runner = new PlanRunner(plan, deps);
  return runner.run();
}

class PlanRunner {
  private readonly trace: HopTrace[];
  private sourceOutcome: Resolution["sourceOutcome"] = "not-needed";
  private readonly sessionName: string;

  constructor(
    private readonly plan: Plan,
    private readonly deps: ResolveDeps,
  ) {
    this.sessionName = defaultSessionName(deps.now());
    this.trace = plan.hops.map((hop, index) => ({
      step: index + 1,
      profile: hop.profile,
      roleArn: hop.roleArn,
      cacheFile: undefined,
      outcome: "not-needed" as HopOutcome,
    }));
  }

  async run(): Promise<Resolution> {
    const credentials = this.plan.hops.length === 0 ? await this.resolveSource() : await this.resolveHop(this.plan.hops.length - 1);
    return { credentials, trace: this.trace, sourceOutcome: this.sourceOutcome };
  }

  private async resolveHop(index: number): Promise<Credentials> {
    const hop = this.plan.hops[index]!;
    const trace = this.trace[index]!;
    const cache = this.deps.cache;
    // Computed here, not up front: on a warm hit only the outermost hop's key is needed.
    const key = hopCacheKey(hop);
    const lookup = () => {
      if (!cache) return undefined;
      const found = cache.read(key);
      trace.cacheFile = found.path;
      if (found.status === "hit" && !this.deps.refresh) return found;
      trace.missReason = found.status === "miss" ? found.reason : "refresh requested";
      return undefined;
    };
    const fromCache = (hit: Extract<CacheLookup, { status: "hit" }>): Credentials => {
      trace.outcome = "cache-hit";
      trace.expiration = hit.credentials.expiration;
      if (hit.credentials.arn) trace.arn = hit.credentials.arn;
      this.deps.debug(`hop ${trace.step} (${hop.profile}): using cached credentials ${hit.path}`);
      return toCredentials(hit.credentials);
    };

    const hit = lookup();
    if (hit) return fromCache(hit);
    const assume = async (): Promise<Credentials> => {
      // Another process may have filled the entry while we waited for the lock.
      const late = lookup();
      if (late) return fromCache(late);
      return this.assumeHop(index, key);
    };
    return cache ? cache.withLock(key, assume) : assume();
  }

  private async assumeHop(index: number, key: string): Promise<Credentials> {
    const hop = this.plan.hops[index]!;
    const trace = this.trace[index]!;
    // botocore prompts for this hop's code before it resolves the source.
    const useMfaSession = hop.mfaSession === true && hop.mfaSerial !== undefined;
    let tokenCode = hop.mfaSerial && !useMfaSession ? await this.deps.mfaCode(hop.mfaSerial, hop.profile) : undefined;
    let source = index === 0 ? await this.resolveSource() : await this.resolveHop(index - 1);
    if (useMfaSession) source = await this.mfaSession(hop, source, trace);

    const params: AssumeRoleParams = { RoleArn: hop.roleArn, RoleSessionName: hop.roleSessionName ?? this.sessionName };
    if (hop.externalId !== undefined) params.ExternalId = hop.externalId;
    if (hop.mfaSerial !== undefined && tokenCode !== undefined) {
      params.SerialNumber = hop.mfaSerial;
      params.TokenCode = tokenCode;
    }
    if (hop.durationSeconds !== undefined) params.DurationSeconds = hop.durationSeconds;

    const sts = await this.deps.sts();
    this.deps.debug(`hop ${trace.step} (${hop.profile}): AssumeRole ${hop.roleArn} as ${describePrincipal(source, this.plan, index)}`);
    let response: StsResponse;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await sts.assumeRole(source, params, this.callContext(index, source));
        break;
      } catch (error) {
        if (tokenCode === undefined || !this.deps.retryMfa?.(error, attempt, hop.mfaSerial!)) throw error;
        tokenCode = await this.deps.mfaCode(hop.mfaSerial!, hop.profile);
        params.TokenCode = tokenCode;
      }
    }
    const credentials = fromResponse(response);
    this.deps.cache?.write(key, response);
    trace.outcome = "assumed";
    if (credentials.expiration) trace.expiration = credentials.expiration;
    if (credentials.arn) trace.arn = credentials.arn;
    return credentials;
  }

  /**
   * awsrole's MFA session (mfa_session = true, docs/resolution.md): one
   * GetSessionToken with MFA from the long-term keys, cached, and reused by every
   * role that trusts those keys with MFA, so one code serves many roles.
   */
  private async mfaSession(hop: RoleHop, source: Credentials, trace: HopTrace): Promise<Credentials> {
    if (source.sessionToken) {
      throw new AwsroleError("MfaSessionNeedsLongTermKeys", `Profile "${hop.profile}" sets mfa_session, but its source credentials are already temporary, and STS allows GetSessionToken only with long-term keys.`, {
        hint: `Remove mfa_session from "${hop.profile}", or source it from a profile with long-term keys.`,
      });
    }
    const key = mfaSessionCacheKey({ serialNumber: hop.mfaSerial!, sourceAccessKeyId: source.accessKeyId });
    const cached = this.deps.cache?.read(key);
    if (cached?.status === "hit" && !this.deps.refresh) {
      trace.mfaSession = "cache-hit";
      return toCredentials(cached.credentials);
    }
    let code = await this.deps.mfaCode(hop.mfaSerial!, hop.profile);
    const sts = await this.deps.sts();
    let response: StsResponse;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await sts.getSessionToken(source, { SerialNumber: hop.mfaSerial!, TokenCode: code }, this.callContext(trace.step - 1, source));
        break;
      } catch (error) {
        if (!this.deps.retryMfa?.(error, attempt, hop.mfaSerial!)) throw error;
        code = await this.deps.mfaCode(hop.mfaSerial!, hop.profile);
      }
    }
    this.deps.cache?.write(key, response);
    trace.mfaSession = "created";
    return fromResponse(response);
  }

  private async resolveSource(): Promise<Credentials> {
    const source = this.plan.source;
    this.sourceOutcome = "used";
    switch (source.kind) {
      case "static":
        return { accessKeyId: source.accessKeyId, secretAccessKey: source.secretAccessKey, ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}) };
      case "web-identity":
        return this.webIdentity(source);
      default:
        return this.deps.sources.resolve(source);
    }
  }

  private async webIdentity(source: Extract<Source, { kind: "web-identity" }>): Promise<Credentials> {
    const key = webIdentityCacheKey(source);
    // The AWS CLI file-caches web identity only for a top-level profile (2.9).
    const cache = source.cached ? this.deps.cache : undefined;
    const hit = cache?.read(key);
    if (hit?.status === "hit" && !this.deps.refresh) {
      this.sourceOutcome = "cache-hit";
      return toCredentials(hit.credentials);
    }
    const token = await this.deps.sources.readWebIdentityToken(source.tokenFile);
    const sts = await this.deps.sts();
    const response = await sts.assumeRoleWithWebIdentity(
      { RoleArn: source.roleArn, RoleSessionName: source.roleSessionName ?? this.sessionName, WebIdentityToken: token },
      { step: 0, of: this.plan.hops.length, profile: source.profile, principal: `the web identity token in ${source.tokenFile}` },
    );
    cache?.write(key, response);
    this.sourceOutcome = "assumed";
    return fromResponse(response);
  }

  private callContext(index: number, source: Credentials): CallContext {
    const hop = this.plan.hops[index];
    return { step: index + 1, of: this.plan.hops.length, profile: hop?.profile, principal: describePrincipal(source, this.plan, index), ...(hop ? { hop } : {}) };
  }
}

function describePrincipal(source: Credentials, plan: Plan, index: number): string {
  if (source.arn) return source.arn;
  if (index > 0) return `the role session of profile "${plan.hops[index - 1]!.profile}"`;
  const s = plan.source;
  if (s.kind === "static") return `the keys of profile "${s.profile}"`;
  if (s.kind === "environment") return "the keys in AWS_ACCESS_KEY_ID";
  if (s.kind === "credential-process") return `the credential_process of profile "${s.profile}"`;
  if (s.kind === "ec2-instance-metadata") return "the EC2 instance role";
  if (s.kind === "ecs-container") return "the ECS container role";
  return "the web identity session";
}

export function fromResponse(response: StsResponse): Credentials {
  const c = response.Credentials;
  const arn = response.AssumedRoleUser?.Arn;
  const assumedRoleId = response.AssumedRoleUser?.AssumedRoleId;
  const expiration = new Date(c.Expiration);
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    ...(Number.isNaN(expiration.getTime()) ? {} : { expiration }),
    ...(arn ? { arn, accountId: accountOfArn(arn) } : {}),
    ...(assumedRoleId ? { assumedRoleId } : {}),
  };
}

function toCredentials(c: Extract<CacheLookup, { status: "hit" }>["credentials"]): Credentials {
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
    expiration: c.expiration,
    ...(c.arn ? { arn: c.arn } : {}),
    ...(c.assumedRoleId ? { assumedRoleId: c.assumedRoleId } : {}),
    ...(c.accountId ? { accountId: c.accountId } : {}),
  };
}
