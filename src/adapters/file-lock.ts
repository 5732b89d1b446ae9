// The cross-process lock: a lock file created with O_CREAT|O_EXCL next to what
// it guards, for single flight between awsrole processes (twenty processes
// started at once on a cold cache make one STS call per hop between them; the
// AWS CLI has no such lock and never reads the lock files).
//
// Best effort by design, since a lock must never cost the user credentials:
// when the directory cannot be written fn runs unlocked; after timeoutMs of
// waiting fn runs unlocked too. Safety rules:
// - a lock file is read with O_NOFOLLOW|O_NONBLOCK, as a regular file only
//   (fstat on the open descriptor), at most 4 KiB;
// - a FIFO, device, socket or symlink at the lock path is never a lock awsrole
//   made: it is moved away and removed (a directory is waited out);
// - a lock whose holder died (same host, pid gone) or older than staleMs is
//   taken over by renaming it aside first, so two waiters never delete each
//   other's fresh lock; only our own lock is removed on release;
// - Ctrl-C (the abort signal) stops the wait at once and throws InterruptedError
//   instead of running fn.

import {
  constants,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { uniqueSuffix } from "../core/unique.js";
import { InterruptedError } from "../errors.js";
import { closeQuietly, errorCode, isRecord, lstatQuietly, unlinkQuietly } from "./fs-helpers.js";
import type { Env } from "../core/env.js";

// Fetched when a lock is taken or waited for, not at start-up: the warm bundle
// holds this module but takes no lock, and loading node:os and
// node:timers/promises would cost it about 0.5 ms.
const hostName = (): string => process.getBuiltinModule("node:os").hostname();
const sleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  process.getBuiltinModule("node:timers/promises").setTimeout(ms, undefined, signal ? { signal } : undefined);

export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;
export const DEFAULT_LOCK_STALE_MS = 60_000;
// The longest wait AWSROLE_LOCK_TIMEOUT_MS may ask for: a minute of waiting is
// already longer than any STS chain should take.
const MAX_LOCK_TIMEOUT_MS = 600_000;

/**
 * How long a lock waits for another process's lock before going on without
 * it: AWSROLE_LOCK_TIMEOUT_MS (whole milliseconds, 0 to 600000), else 15 s.
 * An invalid value is ignored. Read from process.env by default because the
 * resolver builds the store without it; both the full CLI and the fast path
 * run with process.env as their environment.
 */
export function lockTimeoutFromEnv(env: Env = process.env): number {
  const raw = env.AWSROLE_LOCK_TIMEOUT_MS;
  if (raw === undefined || !/^\d{1,9}$/.test(raw.trim())) return DEFAULT_LOCK_TIMEOUT_MS;
  return Math.min(Number(raw.trim()), MAX_LOCK_TIMEOUT_MS);
}

export interface FileLockOptions {
  /** Give up waiting after this long and run fn without the lock (default AWSROLE_LOCK_TIMEOUT_MS, else 15 s). */
  timeoutMs?: number;
  /** A lock older than this is abandoned and may be taken over (default 60 s). */
  staleMs?: number;
  /** Ctrl-C: stop waiting at once and throw InterruptedError instead of running fn. */
  signal?: AbortSignal;
  /** Receives a one-line warning when something that is not a lock had to be removed. */
  warn?: (message: string) => void;
}

/**
 * Runs fn while holding `lockPath` (created 0600; its directory is created 0700
 * if missing). Locks on different paths are independent, so a caller can hold
 * an outer lock while taking inner ones; taking the same path twice in one call
 * chain waits for the timeout. The caller re-reads what the lock guards once fn
 * runs; this only serialises.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const release = await acquireFileLock(lockPath, options);
  if (options.signal?.aborted) {
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

/** Takes the lock; resolves to its release, or to undefined when fn must run unlocked (timeout, abort, unwritable directory). */
export async function acquireFileLock(
  lockPath: string,
  options: FileLockOptions = {},
): Promise<(() => void) | undefined> {
  const timeoutMs = options.timeoutMs ?? lockTimeoutFromEnv();
  const staleMs = options.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const signal = options.signal;
  try {
    mkdirSync(dirname(lockPath), { recursive: true, mode: 0o700 });
  } catch {
    return undefined;
  }
  const content = JSON.stringify({ pid: process.pid, created: Date.now(), host: hostName(), token: uniqueSuffix() });
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
        ? removeForeignLock(lockPath, options.warn)
        : seen === undefined
          ? !existsSync(lockPath)
          : lockIsStale(seen, staleMs) && stealLock(lockPath, seen.raw);
    if (Date.now() >= deadline || signal?.aborted) return undefined;
    if (freed) continue;
    // Jitter spreads the retries of many waiters.
    try {
      await sleep(25 + Math.floor(Math.random() * 25), signal);
    } catch {
      return undefined; // aborted while waiting
    }
  }
}

/**
 * For bulk clean-up (`cache clear`): removes the lock at lockPath if it is
 * abandoned (older than staleMs, or its holder is gone) or not a regular file.
 * A live lock is kept, since removing it would let a stampede through.
 */
export function removeAbandonedLock(lockPath: string, staleMs: number = DEFAULT_LOCK_STALE_MS): void {
  const seen = readLock(lockPath);
  if (seen === "not-a-file") removeNonFileLock(lockPath);
  else if (seen !== undefined && lockIsStale(seen, staleMs)) unlinkQuietly(lockPath);
}

function removeForeignLock(lockPath: string, warn: ((message: string) => void) | undefined): boolean {
  const removed = removeNonFileLock(lockPath);
  if (removed) warn?.(`Removed ${lockPath}: it was not a regular file, so not a lock awsrole made.`);
  return removed;
}

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
  if (seen.pid !== undefined && (seen.host === undefined || seen.host === hostName())) return !processAlive(seen.pid);
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
