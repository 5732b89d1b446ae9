// The one home-directory rule, the AWS CLI's: botocore expands "~" in every path
// it reads or writes (~/.aws/config, ~/.aws/credentials, ~/.aws/cli/cache,
// ~/.aws/sso/cache, ~/.aws/login/cache) with Python's os.path.expanduser:
// - POSIX: $HOME when the variable is set (even empty), else the home directory
//   of the user's password-database entry (pwd.getpwuid(os.getuid()));
// - Windows: %USERPROFILE%, else %HOMEDRIVE%%HOMEPATH%.
// Trailing separators of the home are dropped before the rest is appended, and
// an empty result is the root: HOME=/ or HOME= both give /.aws/config.
// (Where Python would give up, with no HOME and no password entry, awsrole
// uses "/".) awsrole's own files under ~/.cache follow the same rule, and
// bin/awsrole.cjs keeps a JavaScript copy of it for the V8 code cache.
// See docs/resolution.md#the-home-directory.

import { homedir, userInfo } from "node:os";
import type { Env } from "../core/env.js";

let passwdHome: string | undefined;

function passwordDatabaseHome(): string {
  if (passwdHome === undefined) {
    try {
      passwdHome = userInfo().homedir || "/";
    } catch {
      passwdHome = "/"; // no entry for this uid (containers with an arbitrary uid)
    }
  }
  return passwdHome;
}

/** The home directory as os.path.expanduser finds it (see above); may be "" when HOME is set but empty. */
export function homeDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") {
    if (env.USERPROFILE !== undefined) return env.USERPROFILE;
    if (env.HOMEPATH !== undefined) return (env.HOMEDRIVE ?? "") + env.HOMEPATH;
    return homedir();
  }
  return env.HOME !== undefined ? env.HOME : passwordDatabaseHome();
}

/** os.path.expanduser for "~" and "~/…" (and "~\…" on Windows); any other path is returned as is. */
export function expandHome(path: string, env: Env, platform: NodeJS.Platform = process.platform): string {
  const win = platform === "win32";
  if (!(path === "~" || path.startsWith("~/") || (win && path.startsWith("~\\")))) return path;
  const home = homeDir(env, platform).replace(win ? /[\\/]+$/ : /\/+$/, "");
  return home + path.slice(1) || (win ? "\\" : "/");
}
