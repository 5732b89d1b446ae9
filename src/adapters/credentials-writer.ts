// Writing temporary credentials into the shared credentials file as a named
// profile (`awsrole assume --write-profile NAME`), the file-based workflow of
// the seed article (002) done safely:
// - the file is edited as text: every other line, comment and section is kept
//   byte for byte (the `ini` package would re-serialise and mangle AWS names);
// - a timestamped backup of the previous file is written first (0600);
// - the new file is written to a temp file and renamed over the old one, keeping
//   its mode (0600 for a new file); a symlinked file is written through the link;
// - a section that holds long-term keys (no session token) is never overwritten;
// - writers of one file are serialised by a lock and read the file under it, so
//   parallel writes of different profiles all survive;
// - the replacement keeps the original's owner, group and mode (fchown/fchmod on
//   the temp file), or nothing is written;
// - a dangling symlink is refused, never replaced by a regular file;
// - the old values' continuation lines go with their keys.

import {
  chmodSync,
  chownSync,
  constants,
  copyFileSync,
  existsSync,
  fchmodSync,
  fchownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  statSync,
  type Stats,
} from "node:fs";
import { dirname } from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { AwsroleError, UsageError } from "../errors.js";
import type { Credentials } from "../core/resolve.js";
import { assertExportable, formatExpiration } from "../render/credentials.js";
import { sha1Hex } from "../core/sha1.js";
import { CacheStore, cliCacheDir } from "./cache-store.js";
import type { Env } from "../core/env.js";

const CREDENTIAL_KEYS = new Set([
  "aws_access_key_id",
  "aws_secret_access_key",
  "aws_session_token",
  "aws_security_token",
  "aws_credential_expiration",
]);

export interface WriteProfileResult {
  path: string;
  backupPath: string | undefined;
  created: boolean;
}

/**
 * writeProfileCredentials under a lock per credentials file (in the AWS CLI's
 * cache directory, next to the hop locks), so that parallel
 * `assume --write-profile` runs each read the file the previous one wrote
 * instead of all replacing the same original. Best effort like the hop locks:
 * a lock that cannot be taken within AWSROLE_LOCK_TIMEOUT_MS is gone without.
 */
export async function writeProfileCredentialsLocked(
  path: string,
  profileName: string,
  credentials: Credentials,
  now: Date,
  options: { env: Env; signal?: AbortSignal },
): Promise<WriteProfileResult> {
  const store = new CacheStore(cliCacheDir(options.env), options.signal ? { signal: options.signal } : {});
  const key = `write-profile-${sha1Hex(resolveTarget(path))}`;
  return store.withLock(key, async () => writeProfileCredentials(path, profileName, credentials, now));
}

/** The file a write lands in: through symlinks (dotfile managers); a missing file is itself. */
function resolveTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

export function writeProfileCredentials(
  path: string,
  profileName: string,
  credentials: Credentials,
  now: Date,
): WriteProfileResult {
  if (!/^[^\][\r\n]+$/.test(profileName) || profileName.trim() !== profileName) {
    throw new UsageError(
      `"${profileName}" cannot be a profile name in the credentials file.`,
      "Use letters, digits, - _ . @ and similar, without brackets or leading/trailing spaces.",
    );
  }
  if (!credentials.sessionToken) {
    throw new AwsroleError(
      "NotTemporary",
      "awsrole writes only temporary credentials (with a session token) into a profile.",
      { hint: "Use a role profile or --role-arn." },
    );
  }
  const target = resolveTarget(path); // write through a symlink (dotfile managers)
  refuseDanglingSymlink(target);
  const existed = existsSync(target);
  const original = existed ? readOriginal(target) : "";
  const updated = replaceSection(original, profileName, credentialLines(credentials, now), target);
  if (updated === original) return { path: target, backupPath: undefined, created: false };
  return replaceFileText(target, existed, updated, now);
}

/**
 * `awsrole sso populate`: the config file rewritten by `edit` (text in, text
 * out) under the same lock, backup and atomic-replace rules as --write-profile.
 * An edit that changes nothing writes nothing.
 */
export async function rewriteTextFileLocked(
  path: string,
  edit: (original: string, target: string) => string,
  now: Date,
  options: { env: Readonly<Record<string, string | undefined>>; signal?: AbortSignal },
): Promise<WriteProfileResult & { changed: boolean }> {
  const store = new CacheStore(cliCacheDir(options.env), options.signal ? { signal: options.signal } : {});
  const target = resolveTarget(path);
  return store.withLock(`write-profile-${sha1Hex(target)}`, async () => {
    refuseDanglingSymlink(target);
    const existed = existsSync(target);
    const original = existed ? readOriginal(target) : "";
    const updated = edit(original, target);
    if (updated === original) return { path: target, backupPath: undefined, created: false, changed: false };
    return { ...replaceFileText(target, existed, updated, now), changed: true };
  });
}

/** Backup (if the file existed), then the new text through a temp file and rename, keeping owner and mode. */
function replaceFileText(target: string, existed: boolean, updated: string, now: Date): WriteProfileResult {
  try {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw writeFailed(target, error);
  }
  const before = existed ? statSync(target) : undefined;
  const backupPath = existed ? writeBackup(target, now, before!) : undefined;
  try {
    // Temp file in the same directory, fsync, rename, directory fsync; the temp
    // file takes the original's owner, group and mode before anything is written.
    writeFileAtomic(target, updated, {
      mode: before ? before.mode & 0o777 : 0o600,
      prepare: (fd) => keepOwnerAndMode(fd, before, target),
    });
  } catch (error) {
    throw writeFailed(target, error);
  }
  return { path: target, backupPath, created: !existed };
}

function errorCodeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? "error";
}

function writeFailed(target: string, error: unknown): AwsroleError {
  if (error instanceof AwsroleError) return error;
  return new AwsroleError("WriteFailed", `Could not write ${target} (${errorCodeOf(error)}); it was left unchanged.`, {
    hint: "Check the file's permissions and free disk space.",
  });
}

/**
 * A symlink whose target does not exist (a dotfile manager not yet run) is
 * refused: replacing it by a regular file would silently cut the link, and
 * creating its target could write anywhere the link points.
 */
function refuseDanglingSymlink(target: string): void {
  let st: Stats;
  try {
    st = lstatSync(target);
  } catch {
    return; // absent: a new file is created
  }
  if (!st.isSymbolicLink()) return;
  let points = "";
  try {
    points = readlinkSync(target);
  } catch {}
  throw new AwsroleError(
    "DanglingSymlink",
    `${target} is a symbolic link to ${points || "a missing file"}, which does not exist; awsrole will not replace the link.`,
    {
      hint: "Create the file the link points to (or remove the link), then run the command again.",
    },
  );
}

function readOriginal(target: string): string {
  try {
    const st = statSync(target);
    if (!st.isFile())
      throw Object.assign(new Error("not a regular file"), {
        code: st.isDirectory() ? "EISDIR" : "not a regular file",
      });
    return readFileSync(target, "utf8");
  } catch (error) {
    throw new AwsroleError("WriteFailed", `Could not read ${target} (${errorCodeOf(error)}); nothing was written.`, {
      hint: "The credentials file must be a regular file; move whatever is at that path aside.",
    });
  }
}

/**
 * A timestamped 0600 copy of the file, owned like the file (a backup made
 * under sudo must stay readable by the file's owner); never overwrites an
 * earlier one (two writes in one second: -2, -3, ...).
 */
function writeBackup(target: string, now: Date, original: Stats): string {
  const stem = `${target}.awsrole-backup-${formatExpiration(now).replace(/[-:]/g, "")}`;
  for (let n = 1; ; n++) {
    const backupPath = n === 1 ? stem : `${stem}-${n}`;
    try {
      copyFileSync(target, backupPath, constants.COPYFILE_EXCL);
      chmodSync(backupPath, 0o600);
      if (process.geteuid?.() === 0 && (original.uid !== 0 || original.gid !== 0))
        chownSync(backupPath, original.uid, original.gid);
      return backupPath;
    } catch (error) {
      if (errorCodeOf(error) === "EEXIST" && n < 100) continue;
      throw new AwsroleError(
        "BackupFailed",
        `Could not write the backup ${backupPath} (${errorCodeOf(error)}); ${target} was left unchanged.`,
        {
          hint: "Check the permissions and free space of that directory.",
        },
      );
    }
  }
}

/**
 * The temp file replaces the original by rename, so it must carry the
 * original's owner, group and mode itself: run with sudo and HOME kept, the
 * user's file must not become root's. fchmod sets the mode exactly (open's
 * mode is cut by the umask). An owner that cannot be kept is an error.
 */
function keepOwnerAndMode(fd: number, before: Stats | undefined, target: string): void {
  if (before === undefined) {
    fchmodSync(fd, 0o600);
    return;
  }
  const uid = process.geteuid?.();
  const gid = process.getegid?.();
  if ((uid !== undefined && uid !== before.uid) || (gid !== undefined && gid !== before.gid)) {
    try {
      fchownSync(fd, before.uid, before.gid);
    } catch (error) {
      throw new AwsroleError(
        "WriteFailed",
        `Could not keep the owner and group of ${target} (${errorCodeOf(error)}); it was left unchanged.`,
        {
          hint: "Run awsrole as the user who owns the file.",
        },
      );
    }
  }
  fchmodSync(fd, before.mode & 0o777);
}

function credentialLines(credentials: Credentials, now: Date): string[] {
  // A line break in a value would write extra lines (keys, sections) into the file.
  assertExportable(credentials);
  const lines = [
    `# written by awsrole at ${formatExpiration(now)}${credentials.expiration ? `; expires ${formatExpiration(credentials.expiration)}` : ""}`,
    `aws_access_key_id = ${credentials.accessKeyId}`,
    `aws_secret_access_key = ${credentials.secretAccessKey}`,
    `aws_session_token = ${credentials.sessionToken}`,
  ];
  return lines;
}

/** Replace the credential keys of [name] (or append the section), keeping every other line. */
export function replaceSection(text: string, name: string, newLines: string[], pathForMessages: string): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text === "" ? [] : text.split(/\r?\n/);
  const headerIndex = lines.findIndex((line) => sectionHeader(line) === name);
  if (headerIndex < 0) {
    const prefix = text === "" ? "" : text.endsWith("\n") ? (text.endsWith(`${eol}${eol}`) ? "" : eol) : eol + eol;
    return `${text}${prefix}[${name}]${eol}${newLines.join(eol)}${eol}`;
  }
  let end = lines.findIndex((line, index) => index > headerIndex && sectionHeader(line) !== undefined);
  if (end < 0) end = lines.length;
  const body = lines.slice(headerIndex + 1, end);
  const classified = classifyBody(body);
  const keys = classified.map((line) => line.key);
  const hasKeyId = keys.includes("aws_access_key_id");
  const hasToken = keys.includes("aws_session_token") || keys.includes("aws_security_token");
  if (hasKeyId && !hasToken) {
    throw new AwsroleError(
      "WouldOverwriteLongTermKeys",
      `Profile [${name}] in ${pathForMessages} holds long-term access keys; awsrole will not overwrite them.`,
      {
        hint: "Choose another name for --write-profile.",
      },
    );
  }
  // A credential key goes with its continuation lines: left behind, they would
  // continue whatever key came before them (the new aws_session_token).
  const kept = classified
    .filter(
      (line) =>
        !(line.owner !== undefined && CREDENTIAL_KEYS.has(line.owner)) &&
        !/^\s*#\s*written by awsrole at /.test(line.text),
    )
    .map((line) => line.text);
  // The new keys go after the section's last setting (before its trailing
  // blank and comment lines): put first, they would swallow an indented key
  // below them as a continuation.
  let at = kept.length;
  while (at > 0 && /^\s*([#;].*)?$/.test(kept[at - 1]!)) at--;
  const result = [
    ...lines.slice(0, headerIndex + 1),
    ...kept.slice(0, at),
    ...newLines,
    ...kept.slice(at),
    ...lines.slice(end),
  ];
  return result.join(eol);
}

function sectionHeader(line: string): string | undefined {
  const match = /^\[(.+)\]/.exec(line.trim());
  return match ? match[1] : undefined;
}

/**
 * The lines of one section body as configparser reads them (src/core/ini.ts
 * classify): a line indented deeper than the last key line, while a value is
 * open, continues that value; blank and comment lines leave the state alone.
 * owner: the key the line belongs to (its own, or the one it continues).
 */
function classifyBody(body: readonly string[]): Array<{ text: string; key?: string; owner?: string }> {
  let indentLevel = Number.MAX_SAFE_INTEGER;
  let owner: string | undefined;
  return body.map((text) => {
    const stripped = text.trim();
    if (stripped === "" || stripped.startsWith("#") || stripped.startsWith(";")) return { text };
    const indent = text.length - text.trimStart().length;
    if (owner !== undefined && indent > indentLevel) return { text, owner };
    indentLevel = indent;
    const delimiter = /[=:]/.exec(stripped)?.index ?? -1;
    const key = delimiter <= 0 ? "" : stripped.slice(0, delimiter).trimEnd().toLowerCase();
    if (key === "") {
      owner = undefined;
      return { text };
    }
    owner = key;
    return { text, key, owner };
  });
}

/**
 * Sets settings of one section of the config file (`awsrole login --console`
 * writes login_session, and region when the profile had none, as `aws login`
 * does), with the same care as writeProfileCredentials: every other line kept
 * byte for byte, a timestamped backup first, temp file and rename, the
 * original's owner and mode kept, a dangling symlink refused. `section` is the
 * header as written: `profile NAME`, or `default`.
 */
export function writeConfigSettings(
  path: string,
  section: string,
  settings: Readonly<Record<string, string>>,
  now: Date,
): WriteProfileResult {
  for (const [key, value] of Object.entries(settings)) {
    if (/[\r\n]/.test(value) || value.trim() !== value || value === "") {
      throw new AwsroleError(
        "BadSetting",
        `The value for ${key} cannot be written into ${path}: it is empty, or has a line break or surrounding blanks.`,
      );
    }
  }
  const target = resolveTarget(path);
  refuseDanglingSymlink(target);
  const existed = existsSync(target);
  const original = existed ? readOriginal(target) : "";
  const updated = setSectionKeys(original, section, settings);
  if (updated === original) return { path: target, backupPath: undefined, created: false };
  return replaceFileText(target, existed, updated, now);
}

/** Replace (or add) `settings` in [section], keeping every other line; a new section goes at the end. */
export function setSectionKeys(text: string, section: string, settings: Readonly<Record<string, string>>): string {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const newLines = Object.entries(settings).map(([key, value]) => `${key} = ${value}`);
  const lines = text === "" ? [] : text.split(/\r?\n/);
  // [profile  NAME] names the same profile as [profile NAME] (botocore splits the header).
  const headerIndex = lines.findIndex((line) => sectionHeader(line)?.trim().replace(/\s+/g, " ") === section);
  if (headerIndex < 0) {
    const prefix = text === "" ? "" : text.endsWith("\n") ? (text.endsWith(`${eol}${eol}`) ? "" : eol) : eol + eol;
    return `${text}${prefix}[${section}]${eol}${newLines.join(eol)}${eol}`;
  }
  let end = lines.findIndex((line, index) => index > headerIndex && sectionHeader(line) !== undefined);
  if (end < 0) end = lines.length;
  const keys = new Set(Object.keys(settings));
  const classified = classifyBody(lines.slice(headerIndex + 1, end));
  // Unchanged values stay where they are, so a second login changes nothing.
  const own = classified.filter((l) => l.owner !== undefined && keys.has(l.owner));
  const current = new Map(own.map((l) => [l.owner!, l.text.slice(l.text.search(/[=:]/) + 1).trim()]));
  if (own.length === keys.size && [...keys].every((k) => current.get(k) === settings[k])) return text;
  const kept = classified
    .filter((line) => !(line.owner !== undefined && keys.has(line.owner)))
    .map((line) => line.text);
  let at = kept.length;
  while (at > 0 && /^\s*([#;].*)?$/.test(kept[at - 1]!)) at--;
  return [
    ...lines.slice(0, headerIndex + 1),
    ...kept.slice(0, at),
    ...newLines,
    ...kept.slice(at),
    ...lines.slice(end),
  ].join(eol);
}
