// Loads a CommonJS bundle with V8's code cache (Node 20 keeps no compile cache
// of its own), by the same rule as bin/awsrole.cjs uses for the CLI's own
// bundles: the cache lives in the user's cache directory ($XDG_CACHE_HOME or
// ~/.cache, awsrole/v8/), so a read-only, root-owned install gets one too, and
// its name holds the V8 version and the bundle's build id (a hash the build
// appends), because V8 checks only the source's length. It holds the functions
// compiled up to the end of the successful process that wrote it, so the next
// run neither parses nor compiles them again. A rejected cache means the bundle
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
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
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
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // At exit, so the cache holds what this run compiled lazily, not just the top level.
    process.once("exit", (code) => {
      if (code === 0) writeCodeCache(cacheFile, () => script.createCachedData());
    });
  }
  return module.exports;
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
