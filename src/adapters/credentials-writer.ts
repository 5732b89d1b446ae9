// Writing temporary credentials into the shared credentials file as a named
// profile (`awsrole assume --write-profile NAME`), the file-based workflow of
// the seed article (002) done safely:
// - the file is edited as text: every other line, comment and section is kept
//   byte for byte (the `ini` package would re-serialise and mangle AWS names);
// - a timestamped backup of the previous file is written first (0600);
// - the new file is written to a temp file and renamed over the old one, keeping
//   its mode (0600 for a new file); a symlinked file is written through the link;
// - a section that holds long-term keys (no session token) is never overwritten.

import { chmodSync, constants, copyFileSync, existsSync, mkdirSync, openSync, closeSync, writeSync, fsyncSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { uniqueSuffix } from "../core/unique.js";
import { AwsroleError, UsageError } from "../errors.js";
import type { Credentials } from "../core/resolve.js";
import { formatExpiration } from "../render/credentials.js";

const CREDENTIAL_KEYS = new Set(["aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_security_token", "aws_credential_expiration"]);

export interface WriteProfileResult {
  path: string;
  backupPath: string | undefined;
  created: boolean;
}

export function writeProfileCredentials(path: string, profileName: string, credentials: Credentials, now: Date): WriteProfileResult {
  if (!/^[^\][\r\n]+$/.test(profileName) || profileName.trim() !== profileName) {
    throw new UsageError(`"${profileName}" cannot be a profile name in the credentials file.`, "Use letters, digits, - _ . @ and similar, without brackets or leading/trailing spaces.");
  }
  if (!credentials.sessionToken) {
    throw new AwsroleError("NotTemporary", "awsrole writes only temporary credentials (with a session token) into a profile.", { hint: "Use a role profile or --role-arn." });
  }
  let target = path;
  try {
    target = realpathSync(path); // write through a symlink (dotfile managers)
  } catch {
    // the file does not exist yet
  }
  const existed = existsSync(target);
  const original = existed ? readFileSync(target, "utf8") : "";
  const updated = replaceSection(original, profileName, credentialLines(credentials, now), target);
  if (updated === original) return { path: target, backupPath: undefined, created: false };

  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  let backupPath: string | undefined;
  if (existed) {
    // Never overwrite an earlier backup (two writes in one second): -2, -3, ...
    const stem = `${target}.awsrole-backup-${formatExpiration(now).replace(/[-:]/g, "")}`;
    for (let n = 1; ; n++) {
      backupPath = n === 1 ? stem : `${stem}-${n}`;
      try {
        copyFileSync(target, backupPath, constants.COPYFILE_EXCL);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || n >= 100) throw error;
      }
    }
    chmodSync(backupPath, 0o600);
  }
  const mode = existed ? statSync(target).mode & 0o777 : 0o600;
  const temp = join(dirname(target), `.${basename(target)}.${uniqueSuffix()}.tmp`);
  const fd = openSync(temp, "wx", mode);
  try {
    writeSync(fd, updated);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, target);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {}
    try {
      unlinkSync(temp);
    } catch {}
    throw new AwsroleError("WriteFailed", `Could not write ${target} (${(error as NodeJS.ErrnoException).code ?? "error"}); it was left unchanged.`, { hint: "Check the file's permissions and free disk space." });
  }
  return { path: target, backupPath, created: !existed };
}

function credentialLines(credentials: Credentials, now: Date): string[] {
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
  const keyOf = (line: string) => /^\s*([^=:#;\s][^=:]*?)\s*[=:]/.exec(line)?.[1]?.toLowerCase();
  const hasKeyId = body.some((line) => keyOf(line) === "aws_access_key_id");
  const hasToken = body.some((line) => keyOf(line) === "aws_session_token" || keyOf(line) === "aws_security_token");
  if (hasKeyId && !hasToken) {
    throw new AwsroleError("WouldOverwriteLongTermKeys", `Profile [${name}] in ${pathForMessages} holds long-term access keys; awsrole will not overwrite them.`, {
      hint: "Choose another name for --write-profile.",
    });
  }
  const kept = body.filter((line) => {
    const key = keyOf(line);
    if (key !== undefined && CREDENTIAL_KEYS.has(key)) return false;
    return !/^\s*#\s*written by awsrole at /.test(line);
  });
  const result = [...lines.slice(0, headerIndex + 1), ...newLines, ...kept, ...lines.slice(end)];
  return result.join(eol);
}

function sectionHeader(line: string): string | undefined {
  const match = /^\[(.+)\]/.exec(line.trim());
  return match ? match[1] : undefined;
}
