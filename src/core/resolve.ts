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
// So STS calls happen innermost-first. Steps 1 and 4 are the one cache wrapper
// (throughCache, src/core/cached-session.ts), as are the MFA session
// (GetSessionToken) and web identity: each is single-flight across processes.
// The keys are src/core/cache-keys.ts's, as chain and the cache commands see
// them. The first credentials come from the source's kind (src/core/kinds/). Every
// effect arrives through the Effects handed in (src/core/effects.ts).

import { AwsroleError } from "../errors.js";
import { throughCache } from "./cached-session.js";
import { hopCacheKey, mfaSessionKeyOf } from "./cache-keys.js";
import type { AssumeRoleParams, CachePort, CallContext, Credentials, Effects, StsResponse } from "./effects.js";
import { kindOf } from "./kinds/index.js";
import type { Plan, RoleHop } from "./plan.js";
import { defaultSessionName } from "./session-name.js";

export type {
  AssumeRoleParams,
  CacheLookup,
  CachePort,
  CallContext,
  Credentials,
  StsPort,
  StsResponse,
} from "./effects.js";
export { fromResponse } from "./cached-session.js";
export { defaultSessionName } from "./session-name.js";

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

export async function resolvePlan(plan: Plan, fx: Effects): Promise<Resolution> {
  const runner = new PlanRunner(plan, fx);
  return runner.run();
}

class PlanRunner {
  private readonly trace: HopTrace[];
  private sourceOutcome: Resolution["sourceOutcome"] = "not-needed";
  private readonly sessionName: string;

  constructor(
    private readonly plan: Plan,
    private readonly fx: Effects,
  ) {
    this.sessionName = defaultSessionName(fx.now());
    this.trace = plan.hops.map((hop, index) => ({
      step: index + 1,
      profile: hop.profile,
      roleArn: hop.roleArn,
      cacheFile: undefined,
      outcome: "not-needed" as HopOutcome,
    }));
  }

  async run(): Promise<Resolution> {
    const credentials =
      this.plan.hops.length === 0 ? await this.resolveSource() : await this.resolveHop(this.plan.hops.length - 1);
    return { credentials, trace: this.trace, sourceOutcome: this.sourceOutcome };
  }

  /** Steps 1-4 for one hop: its cache entry, else (under its lock) MFA code, source, AssumeRole. */
  private async resolveHop(index: number): Promise<Credentials> {
    const hop = this.plan.hops[index]!;
    const trace = this.trace[index]!;
    // Computed here, not up front: on a warm hit only the outermost hop's key is needed.
    const result = await throughCache(this.fx, hopCacheKey(hop), () => this.assumeHop(index));
    trace.cacheFile = result.path;
    if (result.missReason !== undefined) trace.missReason = result.missReason;
    trace.outcome = result.outcome === "cache-hit" ? "cache-hit" : "assumed";
    if (result.outcome === "cache-hit")
      this.fx.debug(`hop ${trace.step} (${hop.profile}): using cached credentials ${result.path}`);
    if (result.credentials.expiration) trace.expiration = result.credentials.expiration;
    if (result.credentials.arn) trace.arn = result.credentials.arn;
    return result.credentials;
  }

  private async assumeHop(index: number): Promise<StsResponse> {
    const hop = this.plan.hops[index]!;
    const trace = this.trace[index]!;
    // botocore prompts for this hop's code before it resolves the source.
    const useMfaSession = hop.mfaSession === true && hop.mfaSerial !== undefined;
    let tokenCode = hop.mfaSerial && !useMfaSession ? await this.fx.mfaCode(hop.mfaSerial, hop.profile) : undefined;
    let source = index === 0 ? await this.resolveSource() : await this.resolveHop(index - 1);
    if (useMfaSession) source = await this.mfaSession(hop, source, trace);

    const params: AssumeRoleParams = { RoleArn: hop.roleArn, RoleSessionName: hop.roleSessionName ?? this.sessionName };
    if (hop.externalId !== undefined) params.ExternalId = hop.externalId;
    if (hop.mfaSerial !== undefined && tokenCode !== undefined) {
      params.SerialNumber = hop.mfaSerial;
      params.TokenCode = tokenCode;
    }
    if (hop.durationSeconds !== undefined) params.DurationSeconds = hop.durationSeconds;

    const sts = await this.fx.sts();
    this.fx.debug(
      `hop ${trace.step} (${hop.profile}): AssumeRole ${hop.roleArn} as ${describePrincipal(source, this.plan, index)}`,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        return await sts.assumeRole(source, params, this.callContext(index, source));
      } catch (error) {
        if (tokenCode === undefined || !this.fx.retryMfa?.(error, attempt, hop.mfaSerial!)) throw error;
        tokenCode = await this.fx.mfaCode(hop.mfaSerial!, hop.profile);
        params.TokenCode = tokenCode;
      }
    }
  }

  /**
   * awsrole's MFA session (mfa_session = true, docs/resolution.md): one
   * GetSessionToken with MFA from the long-term keys, cached, and reused by every
   * role that trusts those keys with MFA, so one code serves many roles.
   */
  private async mfaSession(hop: RoleHop, source: Credentials, trace: HopTrace): Promise<Credentials> {
    if (source.sessionToken) {
      throw new AwsroleError(
        "MfaSessionNeedsLongTermKeys",
        `Profile "${hop.profile}" sets mfa_session, but its source credentials are already temporary, and STS allows GetSessionToken only with long-term keys.`,
        {
          hint: `Remove mfa_session from "${hop.profile}", or source it from a profile with long-term keys.`,
        },
      );
    }
    const key = mfaSessionKeyOf(hop, source.accessKeyId);
    const result = await throughCache(this.fx, key, async () => {
      let code = await this.fx.mfaCode(hop.mfaSerial!, hop.profile);
      const sts = await this.fx.sts();
      for (let attempt = 1; ; attempt++) {
        try {
          return await sts.getSessionToken(
            source,
            { SerialNumber: hop.mfaSerial!, TokenCode: code },
            this.callContext(trace.step - 1, source),
          );
        } catch (error) {
          if (!this.fx.retryMfa?.(error, attempt, hop.mfaSerial!)) throw error;
          code = await this.fx.mfaCode(hop.mfaSerial!, hop.profile);
        }
      }
    });
    trace.mfaSession = result.outcome === "cache-hit" ? "cache-hit" : "created";
    return result.credentials;
  }

  /** The plan's first credentials, from its kind; how they were had is read off the effects it used. */
  private async resolveSource(): Promise<Credentials> {
    const source = this.plan.source;
    const watched = watchEffects(this.fx);
    const credentials = await kindOf(source).resolve(source, watched.fx);
    this.sourceOutcome = watched.outcome();
    return credentials;
  }

  private callContext(index: number, source: Credentials): CallContext {
    const hop = this.plan.hops[index];
    return {
      step: index + 1,
      of: this.plan.hops.length,
      profile: hop?.profile,
      principal: describePrincipal(source, this.plan, index),
      ...(hop ? { hop } : {}),
    };
  }
}

/**
 * The effects a kind is handed, watched: a cache hit it was served makes the
 * source "cache-hit", an STS call it made "assumed", anything else "used".
 */
function watchEffects(fx: Effects): { fx: Effects; outcome(): Resolution["sourceOutcome"] } {
  let outcome: Resolution["sourceOutcome"] = "used";
  const cache: CachePort | undefined = fx.cache && {
    read(key) {
      const found = fx.cache!.read(key);
      if (found.status === "hit" && !fx.refresh && outcome === "used") outcome = "cache-hit";
      return found;
    },
    write: (key, response) => fx.cache!.write(key, response),
    withLock: (key, fn) => fx.cache!.withLock(key, fn),
  };
  // Everything else is fx's own (its prototype), so effects built as classes work too.
  const watched: Effects = Object.assign(Object.create(fx) as Effects, {
    cache,
    sts: () => {
      outcome = "assumed";
      return fx.sts();
    },
  });
  return { fx: watched, outcome: () => outcome };
}

function describePrincipal(source: Credentials, plan: Plan, index: number): string {
  if (source.arn) return source.arn;
  if (index > 0) return `the role session of profile "${plan.hops[index - 1]!.profile}"`;
  return kindOf(plan.source).describe(plan.source);
}
