// The AWS CLI's credential cache, ~/.aws/cli/cache/<key>.json, read and written
// so that awsrole and the AWS CLI share credentials in both directions
// (docs/aws-rules.md#the-cache).
//
// - File names are the AWS CLI's keys (src/core/cache-key.ts).
// - Files are written in the exact bytes botocore's JSONFileCache writes for the
//   AWS CLI v1 (json.dumps, insertion order, no trailing newline), atomically
//   through a temp file and rename, mode 0600.
// - Reading accepts whatever botocore accepts. Where botocore crashes (an empty
//   or corrupt file makes every AWS CLI command fail with just the key in quotes,
//   aws/aws-cli#5528), awsrole deliberately treats the entry as a miss, so the
//   entry is simply replaced after the next STS call.
// - Nothing here throws on I/O problems: a cache that cannot be read or written
//   costs an STS call, never the user's credentials.
//
// Secrets (keys, tokens) never appear in a warning or a miss detail: those name
// the path and the reason only.

import { closeSync, constants, existsSync, fstatSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from "node:fs";
import { homedir, hostname } from "node:os";
import { basename, dirname, join } from "node:path";
import { uniqueSuffix } from "../core/unique.js";
import { InterruptedError } from "../errors.js";
import { setTimeout as sleep } from "node:timers/promises";
import { pythonJsonDumps } from "../core/cache-key.js";
import { ssoRoleCacheEntry } from "../core/sso-token.js";
import type { StsResponse } from "../core/resolve.js";
import { CLI_EXPIRY_WINDOW_SECONDS, isUsable, parseExpiration, secondsLeft } from "../core/cache-policy.js";

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

export type CacheRead =
  | { status: "hit"; credentials: CachedCredentials; path: string }
  | { status: "miss"; reason: "absent" | "expired" | "corrupt" | "unreadable" | "untrusted"; path: string; detail?: string };

export interface CacheEntrySummary {
  key: string;
  path: string;
  arn?: string;
  accountId?: string;
  expiration?: Date;
  usable: boolean;
  corrupt: boolean;
  /**
   * A best guess from the content (the file does not record which call made it):
   * AssumedRoleUser plus any web-identity field ⇒ web-identity (moto returns none
   * of those fields, so its web-identity entries look like assume-role); no
   * AssumedRoleUser ⇒ a GetSessionToken result, which only awsrole caches here;
   * "ProviderType": "sso" ⇒ IAM Identity Center role credentials (AWS CLI v2's or
   * awsrole's); any other ProviderType ⇒ unknown.
   */
  kind: "assume-role" | "web-identity" | "mfa-session" | "sso" | "unknown";
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

export interface CacheStoreOptions {
  /** Receives one-line warnings for the user (never containing secrets). */
  warn?: (message: string) => void;
  now?: () => Date;
  /** Seconds that must remain for an entry to be used; botocore's 900 by default. */
  windowSeconds?: number;
  /** Default wait for a lock held by another process (else AWSROLE_LOCK_TIMEOUT_MS, else 15 s). */
  lockTimeoutMs?: number;
  /** Ctrl-C: withLock stops waiting for a lock at once and throws InterruptedError instead of running fn. */
  signal?: AbortSignal;
}

export interface LockOptions {
  /** Give up waiting after this long and run fn without the lock (default AWSROLE_LOCK_TIMEOUT_MS, else 15 s). */
  timeoutMs?: number;
  /** A lock older than this is abandoned and may be taken over (default 60 s). */
  staleMs?: number;
}

/**
 * The AWS CLI's cache directory. AWS CLI v1 uses expanduser('~/.aws/cli/cache')
 * (so it follows $HOME) and offers no setting for it; AWSROLE_CACHE_DIR exists
 * for tests and for documentation examples only.
 */
export function cliCacheDir(env: Record<string, string | undefined>): string {
  const override = env.AWSROLE_CACHE_DIR;
  if (override !== undefined && override !== "") return override;
  const home = env.HOME !== undefined && env.HOME !== "" ? env.HOME : homedir();
  return join(home, ".aws", "cli", "cache");
}

// The AWS CLI's keys are sha1 hex; botocore's _make_file_safe only maps ":" and
// "/" to "_". Anything else (a "/", "..", a dot) is refused so that a key can
// never name a file outside the cache directory.
const KEY = /^[A-Za-z0-9_-]{1,200}$/;
// Bulk operations (list, remove all) touch only files named like a real entry,
// so pointing AWSROLE_CACHE_DIR at the wrong directory cannot delete package.json.
const ENTRY_FILE = /^([0-9a-f]{40})\.json$/;

const DEFAULT_LOCK_TIMEOUT_MS = 15_000;
// The longest wait AWSROLE_LOCK_TIMEOUT_MS may ask for: a minute of waiting is
// already longer than any STS chain should take.
const MAX_LOCK_TIMEOUT_MS = 600_000;

/**
 * How long withLock waits for another process's lock before going on without
 * it: AWSROLE_LOCK_TIMEOUT_MS (whole milliseconds, 0 to 600000), else 15 s.
 * An invalid value is ignored. Read from process.env because the resolver
 * builds the store without it; both the full CLI and the fast path run with
 * process.env as their environment.
 */
export function lockTimeoutFromEnv(env: Record<string, string | undefined> = process.env): number {
  const raw = env.AWSROLE_LOCK_TIMEOUT_MS;
  if (raw === undefined || !/^\d{1,9}$/.test(raw.trim())) return DEFAULT_LOCK_TIMEOUT_MS;
  return Math.min(Number(raw.trim()), MAX_LOCK_TIMEOUT_MS);
}
const DEFAULT_LOCK_STALE_MS = 60_000;
// A write takes milliseconds; a temp file this old was left by a crashed writer
// (botocore itself never removes its tmpXXXXXXXX.tmp after a failed write).
const STALE_TEMP_MS = 60_000;
// GetSessionToken's longest session (AssumeRole: 12 hours), plus five minutes
// of clock skew: an Expiration further away was not written from STS.
const MAX_STS_LIFETIME_MS = (36 * 3600 + 300) * 1000;
// Real entries are about 1-2 KiB; anything bigger is not a cache entry.
const MAX_ENTRY_BYTES = 1024 * 1024;

export function isValidCacheKey(key: string): boolean {
  return KEY.test(key);
}

type Inspection =
  | { state: "ok"; credentials: CachedCredentials; doc: Record<string, unknown>; stats?: Stats }
  | { state: "absent" | "unreadable" | "corrupt"; detail: string };

export class CacheStore {
  readonly dir: string;
  private readonly warnFn: (message: string) => void;
  private readonly now: () => Date;
  private readonly windowSeconds: number;
  private readonly lockTimeoutMs: number | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly warned = new Set<string>();

  constructor(dir: string, options: CacheStoreOptions = {}) {
    this.dir = dir;
    this.warnFn = options.warn ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.windowSeconds = options.windowSeconds ?? CLI_EXPIRY_WINDOW_SECONDS;
    this.lockTimeoutMs = options.lockTimeoutMs;
    this.signal = options.signal;
  }

  /** `<dir>/<key>.json`, botocore JSONFileCache._convert_cache_key. */
  pathFor(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /** Reads one entry. Sync (a cache hit must cost no event-loop turn) and never throws. */
  read(key: string): CacheRead {
    const file = this.pathFor(key);
    if (!isValidCacheKey(key)) return { status: "miss", reason: "unreadable", path: file, detail: "invalid cache key" };
    const found = inspect(file);
    if (found.state !== "ok") return { status: "miss", reason: found.state, path: file, detail: found.detail };
    const now = this.now();
    const { expiration } = found.credentials;
    const distrust = this.distrust(found.stats, expiration, now);
    if (distrust !== undefined) {
      this.warnOnce(`untrusted:${file}`, `Not using the cached credentials ${file}: ${distrust}.`);
      return { status: "miss", reason: "untrusted", path: file, detail: distrust };
    }
    if (!isUsable(expiration, now, this.windowSeconds)) {
      const left = secondsLeft(expiration, now);
      const detail = left < 0
        ? `expired at ${expiration.toISOString()}`
        : `expires in ${left} s, within the ${this.windowSeconds} s refresh window`;
      return { status: "miss", reason: "expired", path: file, detail };
    }
    return { status: "hit", credentials: found.credentials, path: file };
  }

  /**
   * Writes an STS response as the AWS CLI would. Returns false (after one warning
   * per kind of failure) when the cache cannot be written; the caller keeps its
   * credentials either way. Never throws.
   */
  write(key: string, response: StsResponseForCache): boolean {
    const file = this.pathFor(key);
    if (!isValidCacheKey(key)) {
      this.warnWrite(file, "invalid cache key");
      return false;
    }
    let body: Buffer;
    try {
      body = Buffer.from(serializeCacheEntry(response), "utf8");
    } catch {
      this.warnWrite(file, "the response cannot be serialised");
      return false;
    }
    if (!this.ensureDir(file)) return false;

    // botocore: mkstemp(dir, suffix=".tmp") (mode 0600), write, fsync, os.replace.
    // Our temp name starts with "." and never ends in ".json", so no reader
    // (ours or the CLI's) ever sees a half-written entry.
    const temp = join(this.dir, `.${key}.${uniqueSuffix()}.tmp`);
    let fd: number | undefined;
    let created = false;
    try {
      fd = openSync(temp, "wx", 0o600);
      created = true;
      let offset = 0;
      while (offset < body.length) offset += writeSync(fd, body, offset, body.length - offset);
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
      renameSync(temp, file);
      created = false;
      return true;
    } catch (error) {
      this.warnWrite(file, describeError(error));
      return false;
    } finally {
      if (fd !== undefined) closeQuietly(fd);
      if (created) unlinkQuietly(temp);
    }
  }

  /** Every entry file (sha1-named `*.json`), sorted by key. Never throws. */
  list(): CacheEntrySummary[] {
    const summaries: CacheEntrySummary[] = [];
    for (const name of this.entryNames()) {
      const m = ENTRY_FILE.exec(name);
      if (!m) continue;
      const key = m[1]!;
      const file = join(this.dir, name);
      const found = inspect(file);
      if (found.state === "absent") continue; // removed meanwhile
      if (found.state !== "ok") {
        summaries.push({ key, path: file, usable: false, corrupt: true, kind: "unknown" });
        continue;
      }
      const { credentials, doc } = found;
      summaries.push({
        key,
        path: file,
        ...(credentials.arn !== undefined ? { arn: credentials.arn } : {}),
        ...(credentials.accountId !== undefined ? { accountId: credentials.accountId } : {}),
        expiration: credentials.expiration,
        usable: isUsable(credentials.expiration, this.now(), this.windowSeconds),
        corrupt: false,
        kind: kindOf(doc),
      });
    }
    return summaries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /**
   * Deletes entries: the given keys, or every sha1-named `*.json` when keys is
   * undefined (then also leftover temp files and abandoned locks; a live lock
   * is kept, since removing it would let a stampede through). Returns how many
   * entry files were removed. Never throws; failures are warned about.
   */
  remove(keys?: readonly string[]): number {
    let removed = 0;
    if (keys !== undefined) {
      for (const key of new Set(keys)) {
        if (isValidCacheKey(key) && this.removeEntry(this.pathFor(key))) removed++;
      }
      return removed;
    }
    const nowMs = Date.now();
    for (const name of this.entryNames()) {
      const file = join(this.dir, name);
      if (ENTRY_FILE.test(name)) {
        if (this.removeEntry(file)) removed++;
      } else if (name.endsWith(".tmp")) {
        const st = lstatQuietly(file);
        if (st?.isFile() && nowMs - st.mtimeMs > STALE_TEMP_MS) unlinkQuietly(file);
      } else if (name.endsWith(".lock") && KEY.test(name.slice(0, -".lock".length))) {
        const seen = readLock(file);
        if (seen === "not-a-file") removeNonFileLock(file);
        else if (seen !== undefined && lockIsStale(seen, DEFAULT_LOCK_STALE_MS)) unlinkQuietly(file);
      }
    }
    return removed;
  }

  /**
   * Cross-process single-flight: runs fn while holding `<dir>/<key>.lock`, so
   * twenty awsrole processes started at once on a cold cache make one STS call
   * per hop between them (the AWS CLI has no such lock; it simply never reads
   * the lock file). The caller re-reads the cache once fn runs; this only
   * serialises.
   *
   * Best effort by design, since a lock must never cost the user credentials:
   * when the directory cannot be written, or the key is invalid, fn runs
   * unlocked; after timeoutMs of waiting (default: AWSROLE_LOCK_TIMEOUT_MS, else
   * 15 s) fn runs unlocked too. A lock whose
   * holder died (same host, pid gone) or that is older than staleMs is taken
   * over. Locks on different keys are independent, so the resolver can hold the
   * outer hop's lock while taking inner hops' locks; taking the same key twice
   * in one call chain waits for the timeout.
   */
  async withLock<T>(key: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const release = await this.acquire(key, options.timeoutMs ?? this.lockTimeoutMs ?? lockTimeoutFromEnv(), options.staleMs ?? DEFAULT_LOCK_STALE_MS);
    if (this.signal?.aborted) {
      // Ctrl-C while waiting: do not start the work the lock was for.
      release?.();
      throw new InterruptedError();
    }
    try {
      return await fn();
    } finally {
      release?.();
    }
  }

  private async acquire(key: string, timeoutMs: number, staleMs: number): Promise<(() => void) | undefined> {
    if (!isValidCacheKey(key)) return undefined;
    if (!this.ensureDir(undefined)) return undefined;
    const lockPath = join(this.dir, `${key}.lock`);
    const content = JSON.stringify({ pid: process.pid, created: Date.now(), host: hostname(), token: uniqueSuffix() });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const failure = createExclusive(lockPath, content);
      if (failure === undefined) {
        return () => {
          // Release only our own lock: after staleMs another process may have
          // taken it over, and that one must stay.
          const current = readLock(lockPath);
          if (typeof current === "object" && current.raw === content) unlinkQuietly(lockPath);
        };
      }
      if (failure !== "EEXIST") return undefined; // read-only dir etc.: run unlocked
      const seen = readLock(lockPath);
      // Released meanwhile, or abandoned and now moved away: try again at once.
      // A FIFO, device, socket or symlink is never a lock awsrole made: it is
      // moved away and removed. (A directory, which cannot be removed that
      // way, is waited out.)
      const freed =
        seen === "not-a-file"
          ? this.removeForeignLock(lockPath)
          : seen === undefined
            ? !existsSync(lockPath)
            : lockIsStale(seen, staleMs) && stealLock(lockPath, seen.raw);
      if (Date.now() >= deadline || this.signal?.aborted) return undefined;
      if (freed) continue;
      // Jitter spreads the retries of many waiters.
      try {
        await sleep(25 + Math.floor(Math.random() * 25), undefined, this.signal ? { signal: this.signal } : undefined);
      } catch {
        return undefined; // aborted while waiting
      }
    }
  }

  private removeForeignLock(lockPath: string): boolean {
    const removed = removeNonFileLock(lockPath);
    if (removed) this.warnOnce(`lock:${lockPath}`, `Removed ${lockPath}: it was not a regular file, so not a lock awsrole made.`);
    return removed;
  }

  /**
   * Why an entry that parses must still not be used: it may have been planted
   * (docs/security.md). The AWS CLI uses all of these; awsrole treats them as a
   * miss, so the entry is replaced by a fresh STS result.
   * - the file is writable by every user, or owned by someone other than this
   *   user or root (root itself also trusts the directory's owner);
   * - the cache directory is writable by every user: anyone could plant or
   *   swap entries there (a hard link to another role's entry looks genuine);
   * - its Expiration is further away than any STS credentials last (36 hours,
   *   GetSessionToken's maximum; AssumeRole grants at most 12).
   */
  private distrust(stats: Stats | undefined, expiration: Date, now: Date): string | undefined {
    if (expiration.getTime() - now.getTime() > MAX_STS_LIFETIME_MS) return "its Expiration is more than 36 hours away, longer than STS credentials last";
    if (stats === undefined) return undefined;
    if (stats.mode & 0o002) return "it is writable by every user, so anyone could have planted it (chmod 600 it, or awsrole cache clear)";
    const dir = this.dirStats();
    const uid = process.geteuid?.();
    // Root (sudo with HOME kept) trusts the owner of the directory it was pointed at.
    const trusted = (owner: number) => owner === uid || owner === 0 || (uid === 0 && owner === dir?.uid);
    if (uid !== undefined && !trusted(stats.uid)) return `it belongs to another user (uid ${stats.uid})`;
    if (dir !== undefined && dir.mode & 0o002) return `the directory ${this.dir} is writable by every user, so anyone could have planted it (chmod 700 it)`;
    return undefined;
  }

  private dirStatsCache: Stats | null | undefined;

  private dirStats(): Stats | undefined {
    if (this.dirStatsCache === undefined) {
      try {
        this.dirStatsCache = statSync(this.dir);
      } catch {
        this.dirStatsCache = null;
      }
    }
    return this.dirStatsCache ?? undefined;
  }

  /** mkdir -p with mode 0700 for the directories it creates; an existing dir keeps its mode. */
  private ensureDir(fileForWarning: string | undefined): boolean {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      return true;
    } catch (error) {
      if (fileForWarning !== undefined) this.warnWrite(fileForWarning, describeError(error));
      return false;
    }
  }

  private removeEntry(file: string): boolean {
    try {
      const st = lstatSync(file);
      if (st.isDirectory()) return false;
      unlinkSync(file);
      return true;
    } catch (error) {
      if (errorCode(error) !== "ENOENT") this.warnOnce(`remove:${errorCode(error)}`, `Could not remove the cached credentials ${file}: ${describeError(error)}.`);
      return false;
    }
  }

  private entryNames(): string[] {
    try {
      return readdirSync(this.dir);
    } catch {
      return [];
    }
  }

  private warnWrite(file: string, reason: string): void {
    this.warnOnce(`write:${reason}`, `Could not write the credential cache ${file}: ${reason}; credentials were not cached.`);
  }

  /** A read-only cache would otherwise warn once per hop of every chain. */
  private warnOnce(id: string, message: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.warnFn(message);
  }
}

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
    return ssoRoleCacheEntry({ accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration, accountId: c.AccountId });
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
  if (response.SubjectFromWebIdentityToken !== undefined) doc.SubjectFromWebIdentityToken = response.SubjectFromWebIdentityToken;
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

/** botocore ArnParser: "arn:" and at least six ":"-separated fields; the account is field 5 (may be empty). */
function accountIdFromArn(arn: unknown): string | undefined {
  if (typeof arn !== "string" || !arn.startsWith("arn:")) return undefined;
  const parts = arn.split(":");
  return parts.length >= 6 ? parts[4] : undefined;
}

function inspect(file: string): Inspection {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO named <key>.json must not hang the command.
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") return { state: "absent", detail: "no cache file" };
    if (code === "ENOTDIR") return { state: "unreadable", detail: `${dirname(file)} is not a directory` };
    return { state: "unreadable", detail: describeError(error) };
  }
  let text: string;
  let st: Stats;
  try {
    st = fstatSync(fd);
    if (st.isDirectory()) return { state: "unreadable", detail: "is a directory" };
    if (!st.isFile()) return { state: "unreadable", detail: "not a regular file" };
    if (st.size > MAX_ENTRY_BYTES) return { state: "corrupt", detail: "too large for a cache entry" };
    text = readFileSync(fd, "utf8");
  } catch (error) {
    return { state: "unreadable", detail: describeError(error) };
  } finally {
    closeQuietly(fd);
  }
  const parsed = parseEntry(text);
  return parsed.state === "ok" ? { ...parsed, stats: st } : parsed;
}

/** What botocore needs from an entry: Credentials.{AccessKeyId, SecretAccessKey, SessionToken, Expiration}. */
function parseEntry(text: string): Inspection {
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
    if (typeof value !== "string" || value === "") return { state: "corrupt", detail: `Credentials.${field} is missing` };
  }
  if (creds.Expiration === undefined) return { state: "corrupt", detail: "Credentials.Expiration is missing" };
  const expiration = parseExpiration(creds.Expiration);
  if (expiration === undefined) return { state: "corrupt", detail: "Credentials.Expiration is not a timestamp with a time zone" };

  const user = doc.AssumedRoleUser;
  const arn = isRecord(user) && typeof user.Arn === "string" ? user.Arn : undefined;
  const assumedRoleId = isRecord(user) && typeof user.AssumedRoleId === "string" && user.AssumedRoleId !== "" ? user.AssumedRoleId : undefined;
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

function kindOf(doc: Record<string, unknown>): CacheEntrySummary["kind"] {
  if (doc.ProviderType === "sso") return "sso";
  if (doc.ProviderType !== undefined) return "unknown";
  if (isRecord(doc.AssumedRoleUser)) {
    const webIdentity = ["SubjectFromWebIdentityToken", "Provider", "Audience"].some((k) => doc[k] !== undefined);
    return webIdentity ? "web-identity" : "assume-role";
  }
  return "mfa-session";
}

// ---- lock files ----------------------------------------------------------

interface SeenLock {
  raw: string;
  pid?: number;
  created?: number;
  host?: string;
  mtimeMs: number;
}

/**
 * open(O_CREAT|O_EXCL) is atomic, also across processes: exactly one creator
 * wins. Returns undefined on success, else the error code ("EEXIST": held).
 */
function createExclusive(lockPath: string, content: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(lockPath, "wx", 0o600);
  } catch (error) {
    return errorCode(error) ?? "unknown";
  }
  try {
    writeSync(fd, content);
  } catch {
    // An empty lock still excludes others; it goes stale by age.
  } finally {
    closeQuietly(fd);
  }
  return undefined;
}

// A real lock is one line of JSON, well under 200 bytes.
const MAX_LOCK_BYTES = 4096;

/**
 * Reads at most MAX_LOCK_BYTES of a regular file, as carefully as a cache
 * entry: no following a symlink (O_NOFOLLOW), no blocking on a FIFO
 * (O_NONBLOCK), regular files only (fstat on the opened descriptor, so a swap
 * after the check changes nothing), and a bounded read, so a lock that is a
 * symlink to /dev/zero costs nothing. "not-a-file": something else is there.
 */
function readLockFile(path: string): { raw: string; mtimeMs: number } | "not-a-file" | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    // ELOOP: a symlink (O_NOFOLLOW); ENXIO: a socket.
    const code = errorCode(error);
    return code === "ELOOP" || code === "ENXIO" ? "not-a-file" : undefined;
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return undefined;
    if (!st.isFile()) return "not-a-file";
    const buffer = Buffer.alloc(Math.min(Math.max(st.size, 0), MAX_LOCK_BYTES));
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, length);
      if (n === 0) break;
      length += n;
    }
    return { raw: buffer.subarray(0, length).toString("utf8"), mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  } finally {
    closeQuietly(fd);
  }
}

/**
 * Moves a lock path that is not a regular file (FIFO, device, socket, symlink)
 * aside and removes it. If what was moved turns out to be a regular file (a
 * real lock created in between), it is put back. True when the path is free.
 */
function removeNonFileLock(lockPath: string): boolean {
  const aside = `${join(dirname(lockPath), `.${basename(lockPath)}`)}.${uniqueSuffix()}.tmp`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    return errorCode(error) === "ENOENT";
  }
  if (lstatQuietly(aside)?.isFile()) {
    try {
      linkSync(aside, lockPath);
    } catch {
      // Another lock took its place meanwhile.
    }
  }
  unlinkQuietly(aside);
  return true;
}

function readLock(lockPath: string): SeenLock | "not-a-file" | undefined {
  try {
    const read = readLockFile(lockPath);
    if (read === undefined || read === "not-a-file") return read;
    const { raw, mtimeMs } = read;
    const seen: SeenLock = { raw, mtimeMs };
    try {
      const parsed: unknown = JSON.parse(raw);
      if (isRecord(parsed)) {
        if (typeof parsed.pid === "number") seen.pid = parsed.pid;
        if (typeof parsed.created === "number") seen.created = parsed.created;
        if (typeof parsed.host === "string") seen.host = parsed.host;
      }
    } catch {
      // Just created and not yet written, or damaged: judged by age alone.
    }
    return seen;
  } catch {
    return undefined;
  }
}

function lockIsStale(seen: SeenLock, staleMs: number): boolean {
  const created = seen.created ?? seen.mtimeMs;
  if (Date.now() - created > staleMs) return true;
  // A pid means something only on the host that wrote it (a home directory may
  // be shared between machines or containers).
  if (seen.pid !== undefined && (seen.host === undefined || seen.host === hostname())) return !processAlive(seen.pid);
  return false;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return errorCode(error) !== "ESRCH";
  }
}

/**
 * Takes over an abandoned lock without ever deleting a live one: several
 * waiters may judge the same lock stale at once, and a plain unlink by the
 * slower one could delete the lock the faster one has just created. So the
 * lock is first renamed aside (atomic; only one waiter gets it), then checked:
 * if the moved file is not the stale lock we looked at, it is put back.
 */
function stealLock(lockPath: string, staleRaw: string): boolean {
  const aside = `${join(dirname(lockPath), `.${basename(lockPath)}`)}.${uniqueSuffix()}.tmp`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    // ENOENT: someone else moved or released it, which frees the lock too.
    return errorCode(error) === "ENOENT";
  }
  try {
    const moved = readLockFile(aside);
    if (typeof moved === "object" && moved.raw !== staleRaw) {
      try {
        linkSync(aside, lockPath); // no-clobber restore of a live lock
      } catch {
        // Another waiter already holds a new lock: at worst two run at once.
      }
    }
  } catch {
    // Unreadable: treat as the stale lock.
  }
  unlinkQuietly(aside);
  return true;
}

// ---- small helpers -------------------------------------------------------

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
    ? (error as { code: string }).code
    : undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOTDIR: "a path component is not a directory",
  EEXIST: "a file is in the way of the cache directory",
  EISDIR: "is a directory",
  ENAMETOOLONG: "file name too long",
  ELOOP: "too many symbolic links",
};

/** A reason for a warning: the error code in words, never the content. */
function describeError(error: unknown): string {
  const code = errorCode(error);
  if (code !== undefined) return REASONS[code] ? `${REASONS[code]} (${code})` : code;
  return error instanceof Error ? error.message : String(error);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function lstatQuietly(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch {
    return undefined;
  }
}
