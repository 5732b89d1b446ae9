// `awsrole cache clear [profile]` and `awsrole cache list`: the AWS CLI's cache
// (~/.aws/cli/cache), which the AWS CLI itself offers no command for.

import { CacheStore } from "../adapters/cache-store.js";
import type { Context } from "../context.js";
import { hopCacheKey, mfaSessionCacheKey, webIdentityCacheKey } from "../core/cache-key.js";
import { planProfile } from "../core/plan.js";
import { openSession, warn } from "../resolver.js";
import { formatDuration } from "./expiry.js";
import { formatExpiration } from "../render/credentials.js";
import { loadConfig } from "../adapters/config-files.js";
import { cliCacheDir } from "../adapters/cache-store.js";

export interface CacheClearInput {
  profile: string | undefined;
}

export async function runCacheClear(input: CacheClearInput, ctx: Context): Promise<number> {
  if (input.profile === undefined) {
    const dir = cliCacheDir(ctx.env);
    const removed = new CacheStore(dir, { warn: (m) => warn(ctx, m) }).remove();
    ctx.stdout.write(`Removed ${removed} cached credential${removed === 1 ? "" : "s"} from ${dir}.\n`);
    return 0;
  }
  const session = openSession({ profile: input.profile }, ctx);
  const keys = session.plan.hops.map(hopCacheKey);
  const { source } = session.plan;
  if (source.kind === "web-identity" && source.cached) keys.push(webIdentityCacheKey(source));
  for (const hop of session.plan.hops) {
    if (hop.mfaSession && hop.mfaSerial && source.kind === "static") keys.push(mfaSessionCacheKey({ serialNumber: hop.mfaSerial, sourceAccessKeyId: source.accessKeyId }));
  }
  const removed = new CacheStore(session.cacheDir, { warn: (m) => warn(ctx, m) }).remove(keys);
  ctx.stdout.write(`Removed ${removed} cached credential${removed === 1 ? "" : "s"} of profile ${session.plan.profile} (${keys.length} hop${keys.length === 1 ? "" : "s"}) from ${session.cacheDir}.\n`);
  return 0;
}

export interface CacheListInput {
  output: "text" | "json";
}

export async function runCacheList(input: CacheListInput, ctx: Context): Promise<number> {
  const dir = cliCacheDir(ctx.env);
  const now = ctx.now();
  const entries = new CacheStore(dir, { warn: (m) => warn(ctx, m), now: () => now }).list();
  const profilesByKey = profilesForKeys(ctx);
  const rows = entries.map((entry) => ({
    file: entry.path,
    kind: entry.kind,
    arn: entry.arn ?? null,
    account: entry.accountId ?? null,
    expiration: entry.expiration ? formatExpiration(entry.expiration) : null,
    secondsLeft: entry.expiration ? Math.round((entry.expiration.getTime() - now.getTime()) / 1000) : null,
    usable: entry.usable,
    corrupt: entry.corrupt,
    profiles: profilesByKey.get(entry.key) ?? [],
  }));
  if (input.output === "json") {
    ctx.stdout.write(JSON.stringify(rows, null, 2) + "\n");
    return 0;
  }
  if (rows.length === 0) {
    ctx.stdout.write(`No cached credentials in ${dir}.\n`);
    return 0;
  }
  for (const row of rows) {
    const state = row.corrupt ? "corrupt (treated as a miss)" : row.usable ? `usable, ${formatDuration(row.secondsLeft ?? 0)} left` : row.secondsLeft !== null && row.secondsLeft > 0 ? `too close to expiry (${formatDuration(row.secondsLeft)} left)` : "expired";
    ctx.stdout.write(`${row.file}\n  ${row.arn ?? row.kind}\n  ${state}${row.profiles.length ? `; profiles: ${row.profiles.join(", ")}` : ""}\n`);
  }
  return 0;
}

/** Which configured profiles' outer hops map to each cache key (best effort). */
function profilesForKeys(ctx: Context): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let config;
  try {
    config = loadConfig(ctx.env);
  } catch {
    return map;
  }
  for (const name of config.profiles.keys()) {
    try {
      const plan = planProfile(config, { name, from: "flag" }, { env: ctx.env });
      const last = plan.hops[plan.hops.length - 1];
      const key = last ? hopCacheKey(last) : plan.source.kind === "web-identity" ? webIdentityCacheKey(plan.source) : undefined;
      if (key) map.set(key, [...(map.get(key) ?? []), name]);
    } catch {
      // A broken profile simply maps to nothing here; `doctor` reports it.
    }
  }
  return map;
}
