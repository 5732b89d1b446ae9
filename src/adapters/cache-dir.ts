// Where the AWS CLI's credential cache lives and which names in it are entries
// (docs/aws-rules.md#the-cache).

import { expandHome } from "./home.js";
import type { Env } from "../core/env.js";

/**
 * The AWS CLI's cache directory. AWS CLI v1 uses expanduser('~/.aws/cli/cache')
 * (so it follows $HOME, src/adapters/home.ts) and offers no setting for it;
 * AWSROLE_CACHE_DIR exists for tests and for documentation examples only.
 */
export function cliCacheDir(env: Env): string {
  const override = env.AWSROLE_CACHE_DIR;
  if (override !== undefined && override !== "") return override;
  return expandHome("~/.aws/cli/cache", env);
}

// The AWS CLI's keys are sha1 hex; botocore's _make_file_safe only maps ":" and
// "/" to "_". Anything else (a "/", "..", a dot) is refused so that a key can
// never name a file outside the cache directory.
export const CACHE_KEY = /^[A-Za-z0-9_-]{1,200}$/;
// Bulk operations (list, remove all) touch only files named like a real entry,
// so pointing AWSROLE_CACHE_DIR at the wrong directory cannot delete package.json.
export const ENTRY_FILE = /^([0-9a-f]{40})\.json$/;

export function isValidCacheKey(key: string): boolean {
  return CACHE_KEY.test(key);
}
