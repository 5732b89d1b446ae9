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

import { isAbsolute } from "node:path";
import type { Env } from "../core/env.js";

let passwdHome: string | undefined;

// node:os only when HOME (or USERPROFILE) is not set: loading it costs about 0.4 ms of every warm export.
const os = () => process.getBuiltinModule("node:os");

function passwordDatabaseHome(): string {
  if (passwdHome === undefined) {
    try {
      passwdHome = os().userInfo().homedir || "/";
    } catch {
      passwdHome = "/"; // no entry for this uid (containers with an arbitrary uid)
    }
  }
  return passwdHome;
}

/** The home directory as os.path.expanduser("~") finds it (see above): "/" when HOME is set but empty, so join(homeDir(env), …) is never relative. */
export function homeDir(env: Env, platform: NodeJS.Platform = process.platform): string {
  if (platform === "win32") {
    if (env.USERPROFILE !== undefined) return env.USERPROFILE;
    if (env.HOMEPATH !== undefined) return (env.HOMEDRIVE ?? "") + env.HOMEPATH;
    return os().homedir();
  }
  return env.HOME !== undefined ? env.HOME || "/" : passwordDatabaseHome();
}

/** os.path.expanduser for "~" and "~/…" (and "~\…" on Windows); any other path is returned as is. */
export function expandHome(path: string, env: Env, platform: NodeJS.Platform = process.platform): string {
  const win = platform === "win32";
  if (!(path === "~" || path.startsWith("~/") || (win && path.startsWith("~\\")))) return path;
  const home = homeDir(env, platform).replace(win ? /[\\/]+$/ : /\/+$/, "");
  return home + path.slice(1) || (win ? "\\" : "/");
}

/**
 * The user's cache directory for awsrole's own files (validation stamps, the
 * recent-profiles list, the V8 code cache): $XDG_CACHE_HOME when it is an
 * absolute path (the XDG Base Directory spec ignores relative ones), else
 * ~/.cache by the rule above. bin/awsrole.cjs keeps a copy of this rule.
 */
export function userCacheHome(env: Env, platform: NodeJS.Platform = process.platform): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return xdg;
  return expandHome("~/.cache", env, platform);
}
