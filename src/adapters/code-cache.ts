// Loads a CommonJS bundle with V8's code cache (Node 20 keeps no compile cache
// of its own). The cache sits beside the bundle as <file>.v8cache and holds the
// functions compiled up to the end of the successful process that wrote it, so the next
// run neither parses nor compiles them again. V8 rejects a cache that does not
// match the source or the V8 version; the bundle is then compiled as usual and
// the cache written anew. Writing is best effort and atomic: a read-only
// install directory only means no cache. (bin/awsrole.cjs does the same for the
// warm-path bundle.)

import { readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

export function requireWithCodeCache(file: string): unknown {
  // With --debug (source maps on), a plain require: Node maps stack traces only for files it loads itself.
  if (process.sourceMapsEnabled) return createRequire(file)(file);
  const cacheFile = `${file}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
  const script = new Script(Module.wrap(readFileSync(file, "utf8")), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit, so the cache holds what this run compiled lazily, not just the top level.
    process.once("exit", (code) => {
      if (code === 0) writeCodeCache(cacheFile, () => script.createCachedData());
    });
  }
  return module.exports;
}

function writeCodeCache(cacheFile: string, data: () => Buffer): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data(), { flag: "wx", mode: 0o644 });
    renameSync(temp, cacheFile);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // nothing was written
    }
  }
}
