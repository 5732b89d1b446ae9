// `awsrole cache clear [profile]` and `awsrole cache list`: the AWS CLI's cache
// (~/.aws/cli/cache), which the AWS CLI itself offers no command for.

import { CacheStore } from "../adapters/cache-store.js";
import type { Context } from "../context.js";
import { cacheKeysOf } from "../core/cache-keys.js";
import { planProfile } from "../core/plan.js";
import { openSession, warn } from "../resolver.js";
import { paint } from "../ui.js";
import { formatDuration } from "./expiry.js";
import { formatExpiration } from "../render/credentials.js";
import { loadConfig } from "../adapters/config-files.js";
import { cliCacheDir } from "../adapters/cache-store.js";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { isRoleProfile, providerFor } from "../core/kinds/index.js";
import { LOGIN_REFRESH_MS, loginCacheDir, loginSessionKind, readLoginCache } from "../core/kinds/login-session.js";
import { breakToken, terminalColumns, tildePath, wrapWords } from "../render/width.js";

export interface CacheClearInput {
  profile: string | undefined;
  /** --chain: also the sessions of the hops the profile is assumed from, and its MFA session. */
  chain?: boolean;
}

export async function runCacheClear(input: CacheClearInput, ctx: Context): Promise<number> {
  if (input.profile === undefined) {
    const dir = cliCacheDir(ctx.env);
    const removed = new CacheStore(dir, { warn: (m) => warn(ctx, m) }).remove();
    ctx.stdout.write(`Removed ${removed} cached credential${removed === 1 ? "" : "s"} from ${dir}.\n`);
    return 0;
  }
  const session = openSession({ profile: input.profile }, ctx);
  const { hops } = session.plan;
  // By default only the profile's own session: the outermost hop (or, with no
  // hop, its source's cached session, such as web identity). The inner hops are
  // other profiles' sessions too (role-b's is role-c's source), and clearing
  // them would cost an MFA code on their next use; --chain clears them as well,
  // and the MFA session.
  const keys = cacheKeysOf(session.plan, ctx.env)
    .filter((k) => k.store === "cli" && (input.chain || k.own))
    .map((k) => k.key);
  const unique = [...new Set(keys)];
  const removed = new CacheStore(session.cacheDir, { warn: (m) => warn(ctx, m) }).remove(unique);
  const what = input.chain ? `of profile ${session.plan.profile} and its chain` : `of profile ${session.plan.profile}`;
  ctx.stdout.write(
    `Removed ${removed} cached credential${removed === 1 ? "" : "s"} ${what} from ${session.cacheDir}.\n`,
  );
  if (unique.length === 0)
    warn(
      ctx,
      `profile ${session.plan.profile} has no role session to cache (its credentials are not assumed by awsrole).`,
    );
  else if (!input.chain && hops.length > 1) {
    const kept = hops.slice(0, -1).map((hop) => hop.profile);
    ctx.stderr.write(
      paint(ctx.color).dim(
        `awsrole: kept the sessions of ${kept.join(", ")}, which ${session.plan.profile} is assumed from; add --chain to clear them too.`,
      ) + "\n",
    );
  }
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
  const logins = loginSessionRows(ctx, now);
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
  // By profile (as people look for them), entries no profile uses last, then by file.
  rows.sort((a, b) => {
    const pa = a.profiles[0];
    const pb = b.profiles[0];
    if (pa !== pb) return pa === undefined ? 1 : pb === undefined ? -1 : pa.localeCompare(pb);
    return a.file.localeCompare(b.file);
  });
  if (input.output === "json") {
    ctx.stdout.write(JSON.stringify([...rows, ...logins.rows], null, 2) + "\n");
    return 0;
  }
  const loginBlock =
    logins.rows.length === 0
      ? []
      : [`Console login sessions in ${tildePath(logins.dir, ctx.env.HOME)}:`, ...logins.rows.flatMap(loginLines)];
  if (rows.length === 0) {
    ctx.stdout.write([`No cached credentials in ${tildePath(dir, ctx.env.HOME)}.`, ...loginBlock].join("\n") + "\n");
    return 0;
  }
  // One block per entry: who uses it and its state, its identity, its file
  // (the directory once, with ~). Fitted to a narrow terminal.
  const columns = await terminalColumns(ctx, 1);
  const fit = (text: string, indent: string) =>
    (columns ? breakToken(text, Math.max(20, columns - indent.length)) : [text]).map(
      (line, i) => (i === 0 ? indent : indent + "  ") + line,
    );
  const out: string[] = [`Cached credentials in ${tildePath(dir, ctx.env.HOME)}:`];
  for (const row of rows) {
    const state = row.corrupt
      ? "corrupt (treated as a miss)"
      : row.usable
        ? `usable, ${formatDuration(row.secondsLeft ?? 0)} left`
        : row.secondsLeft !== null && row.secondsLeft > 0
          ? `too close to expiry (${formatDuration(row.secondsLeft)} left)`
          : "expired";
    const who = row.profiles.length ? row.profiles.join(", ") : "(no profile)";
    const identity =
      row.arn ??
      (row.kind === "sso"
        ? `IAM Identity Center role credentials${row.account ? ` in account ${row.account}` : ""}`
        : row.kind);
    out.push(
      ...(columns ? wrapWords(`${who}: ${state}`, columns) : [`${who}: ${state}`]),
      // biome-ignore lint/suspicious/noFocusedTests: fit() is the column-fitting helper, not a focused test
      ...fit(identity, "  "),
      `  ${basename(row.file)}`,
    );
  }
  ctx.stdout.write([...out, ...loginBlock].join("\n") + "\n");
  return 0;
}

type LoginRow = {
  file: string;
  kind: "login-session";
  arn: string;
  account: string | null;
  expiration: string | null;
  secondsLeft: number | null;
  usable: boolean;
  corrupt: boolean;
  profiles: string[];
};

/**
 * The console-login sessions the profiles use (docs/login-session.md), one row
 * per cache file. `usable`: the keys serve as they are (more than 5 minutes
 * left); otherwise the next use refreshes them. `cache clear` leaves these
 * files alone: ending a sign-in is `awsrole logout --console`.
 */
function loginSessionRows(ctx: Context, now: Date): { dir: string; rows: LoginRow[] } {
  const dir = loginCacheDir(ctx.env);
  const byFile = new Map<string, LoginRow>();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(ctx.env);
  } catch {
    return { dir, rows: [] };
  }
  for (const profile of config.profiles.values()) {
    const at = { config, env: ctx.env, topLevel: false, profileFromFlag: true };
    // The profiles that really use their login_session: nothing before it in the provider order applies.
    if (isRoleProfile(profile) || providerFor(profile, at)?.kind !== "login-session") continue;
    const source = loginSessionKind.plan(profile, at);
    const known = byFile.get(source.cacheFile);
    if (known) {
      known.profiles.push(profile.name);
      continue;
    }
    if (!existsSync(source.cacheFile)) continue;
    let file: ReturnType<typeof readLoginCache> | undefined;
    try {
      file = readLoginCache(source, { readFile: (path) => readFileSync(path, "utf8") });
    } catch {
      file = undefined;
    }
    const expiration = file ? new Date(Date.parse(file.accessToken.expiresAt)) : undefined;
    const secondsLeft = expiration ? Math.round((expiration.getTime() - now.getTime()) / 1000) : null;
    byFile.set(source.cacheFile, {
      file: source.cacheFile,
      kind: "login-session",
      arn: source.loginSession,
      account: file?.accessToken.accountId ?? null,
      expiration: expiration ? formatExpiration(expiration) : null,
      secondsLeft,
      usable: secondsLeft !== null && secondsLeft * 1000 > LOGIN_REFRESH_MS,
      corrupt: file === undefined,
      profiles: [profile.name],
    });
  }
  return { dir, rows: [...byFile.values()].sort((a, b) => a.profiles[0]!.localeCompare(b.profiles[0]!)) };
}

function loginLines(row: LoginRow): string[] {
  const state = row.corrupt
    ? "damaged (sign in again)"
    : row.usable
      ? `keys usable, ${formatDuration(row.secondsLeft ?? 0)} left`
      : "keys refreshed on next use (while the sign-in lasts)";
  return [`${row.profiles.join(", ")}: ${state}`, `  ${row.arn}`, `  ${basename(row.file)}`];
}

/** Which configured profiles' outer hops map to each cache key (best effort). */
function profilesForKeys(ctx: Context): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(ctx.env);
  } catch {
    return map;
  }
  for (const name of config.profiles.keys()) {
    try {
      const plan = planProfile(config, { name, from: "flag" }, { env: ctx.env });
      for (const { key } of cacheKeysOf(plan, ctx.env).filter((k) => k.own && k.store === "cli"))
        map.set(key, [...(map.get(key) ?? []), name]);
    } catch {
      // A broken profile simply maps to nothing here; `doctor` reports it.
    }
  }
  return map;
}
