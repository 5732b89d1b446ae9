// Which cache entries a plan uses, and whose they are: the one answer for the
// executor's keys, `chain` (text and --resolve), `cache list` (profiles for
// each entry) and `cache clear` (with and without --chain).
//
// - each AssumeRole hop: its AWS CLI key (hopCacheKey);
// - a hop with mfa_session: awsrole's GetSessionToken entry, keyed by the
//   serial and the long-term access key id it starts from (mfaSessionCacheKey).
//   The executor keys it by the source credentials it actually has; here the
//   id is known from the settings for keys in a file and exported keys (the
//   kind's longTermKeyId), and only the first hop can have one (any later hop
//   starts from a role session, which GetSessionToken refuses);
// - the source's own entries (web identity for the selected profile, the SSO
//   role credentials...), from its kind's cacheKeys.

import { hopCacheKey, mfaSessionCacheKey } from "./cache-key.js";
import type { Env } from "./env.js";
import { kindOf } from "./kinds/index.js";
import type { SourceCacheKey } from "./kinds/types.js";
import type { Plan } from "./plan.js";
import type { RoleHop } from "./role-hop.js";

export { hopCacheKey } from "./cache-key.js";

export interface PlanCacheKey extends SourceCacheKey {
  /** The profile whose session this is (a hop's profile, or the source's). */
  profile: string | undefined;
  /** hop: an AssumeRole result; mfa-session: GetSessionToken; source: the source's own. */
  use: "hop" | "mfa-session" | "source";
  /** The hop (0 = innermost) of a hop or MFA-session entry. */
  hop?: number;
  /** The entry the selected profile's credentials are read from: the outermost hop's, or with no hop, the source's. */
  own: boolean;
}

/** The MFA session's key: the hop's serial and the long-term access key id it starts from. */
export function mfaSessionKeyOf(hop: RoleHop, sourceAccessKeyId: string): string {
  return mfaSessionCacheKey({ serialNumber: hop.mfaSerial!, sourceAccessKeyId });
}

/** Every cache entry the plan uses, innermost first (source, then each hop's MFA session and AssumeRole). */
export function cacheKeysOf(plan: Plan, env: Env): PlanCacheKey[] {
  const keys: PlanCacheKey[] = [];
  const kind = kindOf(plan.source);
  const noHops = plan.hops.length === 0;
  for (const entry of kind.cacheKeys?.(plan.source) ?? [])
    keys.push({ ...entry, profile: plan.source.profile ?? plan.profile, use: "source", own: noHops });
  plan.hops.forEach((hop, index) => {
    if (hop.mfaSession && hop.mfaSerial !== undefined && index === 0) {
      const keyId = kind.longTermKeyId?.(plan.source, env);
      if (keyId !== undefined) {
        const key = mfaSessionKeyOf(hop, keyId);
        keys.push({
          key,
          store: "cli",
          what: `GetSessionToken with ${hop.mfaSerial}`,
          profile: hop.profile,
          use: "mfa-session",
          hop: index,
          own: false,
        });
      }
    }
    const own = index === plan.hops.length - 1;
    keys.push({
      key: hopCacheKey(hop),
      store: "cli",
      what: `AssumeRole ${hop.roleArn}`,
      profile: hop.profile,
      use: "hop",
      hop: index,
      own,
    });
  });
  return keys;
}
