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

import {
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
  type Stats,
} from "node:fs";
import { dirname, join } from "node:path";
import { CLI_EXPIRY_WINDOW_SECONDS, isUsable, secondsLeft } from "../core/cache-policy.js";
import { writeFileAtomic } from "./atomic-write.js";
import { CACHE_KEY, ENTRY_FILE, isValidCacheKey } from "./cache-dir.js";
import {
  cacheEntryKind,
  parseCacheEntry,
  serializeCacheEntry,
  type CacheEntryKind,
  type CachedCredentials,
  type StsResponseForCache,
} from "./cache-entry.js";
import { DEFAULT_LOCK_STALE_MS, lockTimeoutFromEnv, removeAbandonedLock, withFileLock } from "./file-lock.js";
import { InterruptedError } from "../errors.js";
import { closeQuietly, describeError, errorCode, lstatQuietly, unlinkQuietly } from "./fs-helpers.js";

// The parts this module used to hold, importable from here as before.
export { cliCacheDir, isValidCacheKey } from "./cache-dir.js";
export {
  parseCacheEntry,
  serializeCacheEntry,
  type CacheEntryKind,
  type CachedCredentials,
  type StsResponseForCache,
} from "./cache-entry.js";
export { lockTimeoutFromEnv } from "./file-lock.js";

export type CacheRead =
  | { status: "hit"; credentials: CachedCredentials; path: string }
  | {
      status: "miss";
      reason: "absent" | "expired" | "corrupt" | "unreadable" | "untrusted";
      path: string;
      detail?: string;
    };

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
  kind: CacheEntryKind;
}

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

// A write takes milliseconds; a temp file this old was left by a crashed writer
// (botocore itself never removes its tmpXXXXXXXX.tmp after a failed write).
const STALE_TEMP_MS = 60_000;
// GetSessionToken's longest session (AssumeRole: 12 hours), plus five minutes
// of clock skew: an Expiration further away was not written from STS.
const MAX_STS_LIFETIME_MS = (36 * 3600 + 300) * 1000;
// Real entries are about 1-2 KiB; anything bigger is not a cache entry.
const MAX_ENTRY_BYTES = 1024 * 1024;

type Inspection =
  | { state: "ok"; credentials: CachedCredentials; doc: Record<string, unknown>; stats?: Stats }
  | { state: "corrupt"; detail: string }
  | { state: "absent" | "unreadable"; detail: string };

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
      const detail =
        left < 0
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

    // botocore: mkstemp(dir, suffix=".tmp") (mode 0600), write, fsync, os.replace
    // (src/adapters/atomic-write.ts). The temp name starts with "." and never
    // ends in ".json", so no reader (ours or the CLI's) sees a half-written entry.
    try {
      writeFileAtomic(file, body, { mode: 0o600 });
      return true;
    } catch (error) {
      this.warnWrite(file, describeError(error));
      return false;
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
        kind: cacheEntryKind(doc),
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
      } else if (name.endsWith(".lock") && CACHE_KEY.test(name.slice(0, -".lock".length))) {
        removeAbandonedLock(file, DEFAULT_LOCK_STALE_MS);
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
    const lockOptions = {
      timeoutMs: options.timeoutMs ?? this.lockTimeoutMs ?? lockTimeoutFromEnv(),
      staleMs: options.staleMs ?? DEFAULT_LOCK_STALE_MS,
      ...(this.signal ? { signal: this.signal } : {}),
    };
    // An invalid key or a directory that cannot be made: fn runs unlocked (still
    // stopped by Ctrl-C while nothing was waited for).
    if (!isValidCacheKey(key) || !this.ensureDir(undefined)) {
      if (this.signal?.aborted) throw new InterruptedError();
      return fn();
    }
    const lockPath = join(this.dir, `${key}.lock`);
    return withFileLock(lockPath, fn, { ...lockOptions, warn: (m) => this.warnOnce(`lock:${lockPath}`, m) });
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
    if (expiration.getTime() - now.getTime() > MAX_STS_LIFETIME_MS)
      return "its Expiration is more than 36 hours away, longer than STS credentials last";
    if (stats === undefined) return undefined;
    if (stats.mode & 0o002)
      return "it is writable by every user, so anyone could have planted it (chmod 600 it, or awsrole cache clear)";
    const dir = this.dirStats();
    const uid = process.geteuid?.();
    // Root (sudo with HOME kept) trusts the owner of the directory it was pointed at.
    const trusted = (owner: number) => owner === uid || owner === 0 || (uid === 0 && owner === dir?.uid);
    if (uid !== undefined && !trusted(stats.uid)) return `it belongs to another user (uid ${stats.uid})`;
    if (dir !== undefined && dir.mode & 0o002)
      return `the directory ${this.dir} is writable by every user, so anyone could have planted it (chmod 700 it)`;
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
      if (errorCode(error) !== "ENOENT")
        this.warnOnce(
          `remove:${errorCode(error)}`,
          `Could not remove the cached credentials ${file}: ${describeError(error)}.`,
        );
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
    this.warnOnce(
      `write:${reason}`,
      `Could not write the credential cache ${file}: ${reason}; credentials were not cached.`,
    );
  }

  /** A read-only cache would otherwise warn once per hop of every chain. */
  private warnOnce(id: string, message: string): void {
    if (this.warned.has(id)) return;
    this.warned.add(id);
    this.warnFn(message);
  }
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
  const parsed = parseCacheEntry(text);
  return parsed.state === "ok" ? { ...parsed, stats: st } : parsed;
}
