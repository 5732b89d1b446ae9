// Locating and reading ~/.aws/config and ~/.aws/credentials as the AWS CLI does
// (aws-semantics.md 1.1): AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, with
// $VAR / ${VAR} expanded and then ~; a missing file (or a path that is not a
// regular file) is silently treated as empty; a file that exists but cannot be
// read or parsed is an error naming it.

import { readFileSync, statSync } from "node:fs";
import { buildConfig, type AwsConfig } from "../core/config.js";
import { parseIni, type IniFile } from "../core/ini.js";
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

export function readIniFile(path: string): IniFile | undefined {
  if (path === "") return undefined;
  let bytes: Buffer;
  try {
    const info = statSync(path);
    if (!info.isFile()) return undefined;
    if (info.size > MAX_FILE_BYTES) {
      throw new ConfigParseError(path, undefined, `the file is ${Math.round(info.size / 1048576)} MiB, larger than any AWS config file should be`, "Check that the path names your AWS config or credentials file.");
    }
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof AwsroleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "ELOOP") throw new AwsroleError("ConfigUnreadable", `Cannot read ${path}: it is a symbolic link that points back to itself.`, { hint: "Point the link at a real file, or remove it." });
    if (code === "EACCES" || code === "EPERM") throw new AwsroleError("ConfigUnreadable", `Cannot read ${path}: permission denied.`, { hint: `Make it readable by you (chmod 600 ${path}).` });
    throw new AwsroleError("ConfigUnreadable", `Cannot read ${path} (${code ?? "unknown error"}).`, { hint: "Check the file and its permissions." });
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigParseError(path, undefined, "the file is not valid UTF-8 text", "Check that the path names your AWS config or credentials file, and save it as UTF-8.");
  }
  const longLine = findLongLine(text);
  if (longLine !== undefined) {
    throw new ConfigParseError(path, longLine, "the line is longer than 1 MiB", "Check that the path names your AWS config or credentials file.");
  }
  return parseIni(text, path);
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
  return buildConfig(readIniFile(paths.configPath), readIniFile(paths.credentialsPath), paths);
}
