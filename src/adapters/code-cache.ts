// Loads a CommonJS bundle with V8's code cache (Node 20 keeps no compile cache
// of its own), by the same rule as bin/awsrole.cjs uses for the CLI's own
// bundles: the cache lives in the user's cache directory ($XDG_CACHE_HOME or
// ~/.cache, awsrole/v8/), so a read-only, root-owned install gets one too, and
// its name holds the V8 version and the bundle's build id (a hash the build
// appends), because V8 checks only the source's length. It holds the functions
// compiled up to the end of the successful processes that wrote it (one per
// kind of run, see the header below), so the next run neither parses nor
// compiles them again. A rejected cache means the bundle
// is compiled as usual and the cache written anew. Writing is best effort and
// atomic (temp file and rename): an unwritable cache directory only means no cache.

import { mkdirSync, readFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { basename, dirname, isAbsolute, join } from "node:path";
import { Script } from "node:vm";
import { writeFileAtomic } from "./atomic-write.js";
import { userCacheHome } from "./home.js";

export function requireWithCodeCache(file: string): unknown {
  // With --debug (source maps on), a plain require: Node maps stack traces only for files it loads itself.
  if (process.sourceMapsEnabled) return createRequire(file)(file);
  const source = readFileSync(file, "utf8");
  const cacheFile = codeCacheFile(basename(file, ".cjs"), source);
  let cachedData: Buffer | undefined;
  let kinds: string[] = [];
  try {
    if (cacheFile) ({ cachedData, kinds } = parseCodeCache(readFileSync(cacheFile)));
  } catch {
    // no cache yet
  }
  const script = new Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
  );
  const accepted = cachedData !== undefined && !script.cachedDataRejected;
  const kind = commandKind(process.argv.slice(2));
  if (cacheFile && !(accepted && (kinds.includes(kind) || kinds.length >= MAX_KINDS))) {
    // At exit, so the cache holds what this run compiled lazily, not just the top level.
    process.once("exit", (code) => {
      if (code === 0)
        writeCodeCache(cacheFile, () =>
          codeCacheBytes(accepted ? [...kinds, kind] : [kind], script.createCachedData()),
        );
    });
  }
  return module.exports;
}

// A code cache file is a header line naming the kinds of run whose compiled
// functions it holds, then V8's data. V8 serializes every function compiled so
// far, those it took from the cache included, so a run of a kind the cache has
// not seen (another command) rewrites it once, with its own functions added:
// the cache comes to cover every command in use, not only the first one that
// wrote it. The same format as bin/awsrole.cjs's; keep the two in step.
const HEADER = "awsrole-v8-cache kinds=";
const MAX_KINDS = 32;

export function parseCodeCache(bytes: Buffer): { cachedData: Buffer | undefined; kinds: string[] } {
  const end = bytes.indexOf(10);
  // 32 kinds of up to 32 characters fit well within the limit.
  if (end < 0 || end > 4096 || bytes.toString("latin1", 0, HEADER.length) !== HEADER)
    return { cachedData: undefined, kinds: [] };
  const kinds = bytes.toString("latin1", HEADER.length, end).split(",").filter(Boolean);
  return { cachedData: bytes.subarray(end + 1), kinds };
}

function codeCacheBytes(kinds: string[], data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${HEADER}${kinds.join(",")}\n`, "latin1"), data]);
}

/**
 * The command, when it is the first argument; "other" otherwise (an option
 * first included). Caches are written after successful runs only, when the
 * first argument is one of awsrole's commands, never a profile name. A copy of
 * commandKind in bin/awsrole.cjs; keep the two in step.
 */
export function commandKind(argv: readonly string[]): string {
  const word = argv[0];
  return word !== undefined && /^[a-z_][a-z_-]{0,31}$/.test(word) ? word : "other";
}

/** ~/.cache/awsrole/v8/<name>-<V8 version>-<build id>.cache (src/adapters/home.ts), or undefined without a build id or an absolute home. */
function codeCacheFile(name: string, source: string): string | undefined {
  const id = /\n\/\/# awsrole-build-id=([0-9a-f]{16,64})\s*$/.exec(source.slice(-100));
  const base = userCacheHome(process.env);
  if (!id || !isAbsolute(base)) return undefined;
  return join(base, "awsrole", "v8", `${name}-${process.versions.v8}-${id[1]}.cache`);
}

function writeCodeCache(cacheFile: string, data: () => Buffer): void {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    writeFileAtomic(cacheFile, data(), { mode: 0o600 });
  } catch {
    // best effort: no cache this time
  }
}
