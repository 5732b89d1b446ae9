// The one atomic file write: every file awsrole writes whole (cache entries,
// the credentials file, token caches, stamps, the V8 code cache, the recent
// profiles list) goes through writeFileAtomic, so they share one durability rule.
//
// The rule is botocore's JSONFileCache.__setitem__ (tempfile.mkstemp in the
// target directory, write, flush + os.fsync, os.replace), plus an fsync of the
// directory afterwards so that the rename itself survives a crash (where the
// platform allows opening a directory; elsewhere that step is skipped):
// 1. create a temp file in the same directory (so rename never crosses a file
//    system) with O_CREAT|O_EXCL and a name no other writer can guess or reuse:
//    `.<name>.<pid>.<time>.<counter>.<random>.tmp`; it starts with "." and ends
//    in ".tmp", so a reader looking for `*.json` never sees a half-written file;
// 2. create it 0600, then set its mode exactly (0600 unless told otherwise:
//    most of what awsrole writes is a secret), let the caller adjust it (owner,
//    group), write everything, fsync;
// 3. rename it over the target, then fsync the directory.
// On any failure the temp file is removed and the error is thrown unchanged;
// the target is then either the old file or the new one, never a mix.
//
// A symlink at `path` is replaced by the new regular file (rename does not
// follow links); a caller that must write through a link (the credentials file,
// kept by dotfile managers) resolves it first.

import { closeSync, constants, fchmodSync, fsyncSync, openSync, renameSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { uniqueSuffix } from "../core/unique.js";
import { closeQuietly, unlinkQuietly } from "./fs-helpers.js";

export interface AtomicWriteOptions {
  /** The new file's mode, set exactly (not through the umask). Default 0600. */
  mode?: number;
  /** Runs on the temp file's descriptor before anything is written (e.g. fchown to keep the old owner). May throw to abort the write. */
  prepare?: (fd: number) => void;
  /**
   * false: no fsync of the file or the directory, for files whose loss in a
   * crash harms nobody (the picker's recent profiles): still whole or absent,
   * never half-written, but without two disk flushes (1-5 ms) in the command.
   * Default true.
   */
  durable?: boolean;
}

/** Writes `data` to `path` atomically (see above). Throws the first error; leaves no temp file behind. */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
  const mode = options.mode ?? 0o600;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${uniqueSuffix()}.tmp`);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd: number | undefined;
  let created = false;
  try {
    fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
    created = true;
    fchmodSync(fd, mode);
    options.prepare?.(fd);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    if (options.durable !== false) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    created = false;
  } finally {
    if (fd !== undefined) closeQuietly(fd);
    if (created) unlinkQuietly(temp);
  }
  if (options.durable !== false) fsyncDirectory(dir);
}

/** fsync a directory so a rename in it is durable; skipped where directories cannot be opened (Windows). Never throws. */
export function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL/EISDIR on some file systems: the rename happened, durability is best effort.
  } finally {
    closeQuietly(fd);
  }
}
