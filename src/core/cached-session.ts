// The cache as one wrapper around any call that yields a session, in the spirit
// of aws-vault's CachedSessionProvider: look the key up; on a miss take the
// cross-process lock, look again (another process may have filled it while we
// waited), else make the call and write the result. Every STS-like call goes
// through here (AssumeRole, GetSessionToken, AssumeRoleWithWebIdentity,
// IAM Identity Center role credentials), so each is single-flight across
// processes. The window (a hit must have more than 15 minutes left, botocore's
// advisory refresh) is the cache store's (src/core/cache-policy.ts).

import type { CacheLookup, Credentials, Effects, StsResponse } from "./effects.js";
import { accountOfArn } from "./arn.js";

export interface ThroughCache {
  credentials: Credentials;
  /** "cache-hit": served from the cache; "fetched": the call was made (and its result cached). */
  outcome: "cache-hit" | "fetched";
  /** The cache file looked at, when there is a cache. */
  path?: string;
  /** Why the cache was not used, when it was not. */
  missReason?: string;
}

/**
 * `key` undefined: this session is not cached (the AWS CLI does not cache it),
 * so the call is made every time and nothing is locked or written.
 */
export async function throughCache(
  fx: Pick<Effects, "cache" | "refresh">,
  key: string | undefined,
  call: () => Promise<StsResponse>,
): Promise<ThroughCache> {
  const cache = key === undefined ? undefined : fx.cache;
  if (!cache || key === undefined) return { credentials: fromResponse(await call()), outcome: "fetched" };
  let path: string | undefined;
  let missReason: string | undefined;
  const lookup = (): Extract<CacheLookup, { status: "hit" }> | undefined => {
    const found = cache.read(key);
    path = found.path;
    if (found.status === "hit" && !fx.refresh) return found;
    missReason = found.status === "miss" ? found.reason : "refresh requested";
    return undefined;
  };
  const hit = (found: Extract<CacheLookup, { status: "hit" }>): ThroughCache => ({
    credentials: fromCached(found.credentials),
    outcome: "cache-hit",
    path: found.path,
  });
  const first = lookup();
  if (first) return hit(first);
  return cache.withLock(key, async () => {
    // --refresh asked for a new session: one made by another process while we
    // waited for the lock is new enough, but an entry that was there before is not.
    const late = fx.refresh ? undefined : lookup();
    if (late) return hit(late);
    const response = await call();
    cache.write(key, response);
    return {
      credentials: fromResponse(response),
      outcome: "fetched" as const,
      ...(path !== undefined ? { path } : {}),
      ...(missReason !== undefined ? { missReason } : {}),
    };
  });
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

export function fromCached(c: Extract<CacheLookup, { status: "hit" }>["credentials"]): Credentials {
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
