// Locating and reading ~/.aws/config and ~/.aws/credentials as the AWS CLI does
// (aws-semantics.md 1.1): AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, with
// $VAR / ${VAR} expanded and then ~; a missing file (or a path that is not a
// regular file) is silently treated as empty; a file that exists but cannot be
// read or parsed is an error naming it.

import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import { join } from "node:path";
import { buildConfig, type AwsConfig } from "../core/config.js";
import { INI_PARSER_VERSION, iniFromIndex, normaliseIniText, parseIni, type IniFile, type SectionTuple } from "../core/ini.js";
import { sha1Hex } from "../core/sha1.js";
import { uniqueSuffix } from "../core/unique.js";
import { AwsroleError, ConfigParseError } from "../errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigPaths {
  configPath: string;
  credentialsPath: string;
}

export function homeDir(env: Env): string {
  // botocore's os.path.expanduser reads $HOME on POSIX.
  return env.HOME || env.USERPROFILE || "/";
}

/** botocore: os.path.expandvars, then os.path.expanduser. A set-but-empty variable stays empty. */
export function expandPath(path: string, env: Env): string {
  const expanded = path.replace(/\$(\w+)|\$\{([^}]+)\}/g, (whole, bare: string | undefined, braced: string | undefined) => {
    const value = env[(bare ?? braced)!];
    return value === undefined ? whole : value;
  });
  if (expanded === "~" || expanded.startsWith("~/")) return homeDir(env) + expanded.slice(1);
  return expanded;
}

export function configPaths(env: Env): ConfigPaths {
  const home = homeDir(env);
  return {
    configPath: expandPath(env.AWS_CONFIG_FILE ?? `${home}/.aws/config`, env),
    credentialsPath: expandPath(env.AWS_SHARED_CREDENTIALS_FILE ?? `${home}/.aws/credentials`, env),
  };
}

// Longer lines are refused rather than scanned: no real setting comes close, and
// a multi-megabyte line is a sign of a damaged or wrong file.
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Where awsrole remembers which config files it has fully validated, with the
 * byte ranges of their sections (docs/performance.md, docs/security.md). Holds
 * profile names and offsets, never values or secrets.
 */
export function validationStampDir(env: Env): string {
  return join(env.XDG_CACHE_HOME || join(homeDir(env), ".cache"), "awsrole", "validated");
}

interface FileIdentity {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

interface Stamp extends FileIdentity {
  version: number;
  path: string;
  /** Tuples, compact because the warm path parses them. */
  sections: SectionTuple[];
  defaults: SectionTuple[];
}

/**
 * Reads and parses one AWS INI file. The AWS CLI rejects a file with an error
 * anywhere in it, so the first read validates the whole file. Its identity
 * (device, inode, size, mtime and ctime in ns: ctime cannot be set by hand)
 * and section index are then stored, and while they match, later runs reopen
 * the file from the index without rescanning it. A 2,000-profile config thus
 * costs the warm path little more than a small one.
 */
export function readIniFile(path: string, stampDir?: string): IniFile | undefined {
  if (path === "") return undefined;
  let bytes: Buffer;
  let identity: FileIdentity;
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const info = fstatSync(fd, { bigint: true });
    if (!info.isFile()) return undefined;
    if (info.size > BigInt(MAX_FILE_BYTES)) {
      throw new ConfigParseError(path, undefined, `the file is ${Number(info.size / 1048576n)} MiB, larger than any AWS config file should be`, "Check that the path names your AWS config or credentials file.");
    }
    identity = { dev: String(info.dev), ino: String(info.ino), size: String(info.size), mtimeNs: String(info.mtimeNs), ctimeNs: String(info.ctimeNs) };
    bytes = Buffer.alloc(Number(info.size));
    let offset = 0;
    while (offset < bytes.length) {
      const read = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (read === 0) break;
      offset += read;
    }
    bytes = bytes.subarray(0, offset);
  } catch (error) {
    if (error instanceof AwsroleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "EISDIR") return undefined; // not a regular file: ignored, as botocore does
    if (code === "ELOOP") throw new AwsroleError("ConfigUnreadable", `Cannot read ${path}: it is a symbolic link that points back to itself.`, { hint: "Point the link at a real file, or remove it." });
    if (code === "EACCES" || code === "EPERM") throw new AwsroleError("ConfigUnreadable", `Cannot read ${path}: permission denied.`, { hint: `Make it readable by you (chmod 600 ${path}).` });
    throw new AwsroleError("ConfigUnreadable", `Cannot read ${path} (${code ?? "unknown error"}).`, { hint: "Check the file and its permissions." });
  } finally {
    if (fd !== undefined) closeSync(fd);
  }

  const stampPath = stampDir === undefined ? undefined : join(stampDir, `${sha1Hex(path)}.json`);
  const stamp = stampPath === undefined ? undefined : readStamp(stampPath, path, identity);
  if (stamp) {
    return iniFromIndex(normaliseIniText(bytes.toString("utf8")), path, { sections: stamp.sections, defaults: stamp.defaults });
  }
  if (!isUtf8(bytes)) {
    throw new ConfigParseError(path, undefined, "the file is not valid UTF-8 text", "Check that the path names your AWS config or credentials file, and save it as UTF-8.");
  }
  const text = bytes.toString("utf8");
  const longLine = findLongLine(text);
  if (longLine !== undefined) {
    throw new ConfigParseError(path, longLine, "the line is longer than 1 MiB", "Check that the path names your AWS config or credentials file.");
  }
  const file = parseIni(text, path);
  if (stampPath !== undefined) writeStamp(stampPath, { version: INI_PARSER_VERSION, path, ...identity, sections: file.index.sections, defaults: file.index.defaults });
  return file;
}


function readStamp(stampPath: string, path: string, identity: FileIdentity): Stamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(stampPath, "utf8")) as Stamp;
    const same =
      stamp.version === INI_PARSER_VERSION &&
      stamp.path === path &&
      stamp.dev === identity.dev &&
      stamp.ino === identity.ino &&
      stamp.size === identity.size &&
      stamp.mtimeNs === identity.mtimeNs &&
      stamp.ctimeNs === identity.ctimeNs &&
      Array.isArray(stamp.sections) &&
      Array.isArray(stamp.defaults);
    return same ? stamp : undefined;
  } catch {
    return undefined; // absent or damaged: validate again
  }
}

function writeStamp(stampPath: string, stamp: Stamp): void {
  // Best effort: without a stamp the next run simply validates again.
  const temp = `${stampPath}.${uniqueSuffix()}.tmp`;
  try {
    mkdirSync(join(stampPath, ".."), { recursive: true, mode: 0o700 });
    writeFileSync(temp, JSON.stringify(stamp), { mode: 0o600, flag: "wx" });
    renameSync(temp, stampPath);
  } catch {
    try {
      unlinkSync(temp);
    } catch {}
  }
}

function findLongLine(text: string): number | undefined {
  if (text.length <= MAX_LINE_CHARS) return undefined;
  let line = 1;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) === 10) {
      if (i - start > MAX_LINE_CHARS) return line;
      line++;
      start = i + 1;
    }
  }
  return undefined;
}

export function loadConfig(env: Env): AwsConfig {
  const paths = configPaths(env);
  const stampDir = validationStampDir(env);
  return buildConfig(readIniFile(paths.configPath, stampDir), readIniFile(paths.credentialsPath, stampDir), paths);
}
