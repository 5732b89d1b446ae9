#!/usr/bin/env node
// The entry point: CommonJS shims over the bundles built by `npm run build`
// (docs/performance.md). `export` with plain arguments first tries the small
// warm-path bundle, which answers from the cache or gives way to the full CLI.
"use strict";
// SIGUSR1 would open Node's inspector on 127.0.0.1:9229, which any local user
// can attach to, inside a process that holds credentials. A listener replaces
// that default; it is installed before anything else runs. (exec forwards
// SIGUSR1 to its command as well.)
process.on("SIGUSR1", () => {});
const args = process.argv.slice(2);
// With --debug, stack traces point at src/ (dist/*.map). Node maps only files
// loaded after this call, so it must come before the bundle is required.
if (args.includes("--debug")) process.setSourceMapsEnabled(true);
const full = () => require("../dist/cli.cjs").main(args);
const run = args[0] === "export" ? fastExport(args.slice(1)).then((code) => (code === undefined ? full() : code)) : full();
run.then((code) => {
  process.exitCode = code;
});

/**
 * Loads dist/fast-export.cjs with V8's code cache: compiling the bundle and its
 * functions is a third of what a warm export costs, and Node 20 keeps no
 * compile cache of its own. The cache is written after the first successful
 * fast export, so it holds the functions that path compiled. It lives in the
 * user's cache directory ($XDG_CACHE_HOME or ~/.cache, awsrole/v8/), not beside
 * the bundle, so a read-only, root-owned install gets one too; its name holds
 * the V8 version and the bundle's build id (a hash the build appends to the
 * bundle), because V8 checks only the source's length: a cache made for
 * another bundle or another Node is never offered. If V8 still rejects it, this
 * compiles as usual and writes a new one.
 */
function fastExport(exportArgs) {
  const fs = require("node:fs");
  const path = require("node:path");
  const vm = require("node:vm");
  const Module = require("node:module");
  const file = path.join(__dirname, "..", "dist", "fast-export.cjs");
  const source = fs.readFileSync(file, "utf8");
  const cacheFile = codeCacheFile(path, source);
  let cachedData;
  try {
    if (cacheFile) cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  return module.exports.tryFastExport(exportArgs).then((code) => {
    if (cacheFile && code === 0 && (cachedData === undefined || script.cachedDataRejected)) {
      // Best effort, atomic (temp file and rename); an unwritable cache directory just means no cache.
      const temp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
        fs.writeFileSync(temp, script.createCachedData(), { flag: "wx", mode: 0o600 });
        fs.renameSync(temp, cacheFile);
      } catch {
        try {
          fs.unlinkSync(temp);
        } catch {}
      }
    }
    return code;
  });
}

/** ~/.cache/awsrole/v8/fast-export-<V8 version>-<build id>.cache, or undefined without a build id or a home. */
function codeCacheFile(path, source) {
  const id = /\n\/\/# awsrole-build-id=([0-9a-f]{16,64})\s*$/.exec(source.slice(-100));
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME ? path.join(process.env.HOME, ".cache") : "");
  if (!id || !path.isAbsolute(base)) return undefined;
  return path.join(base, "awsrole", "v8", `fast-export-${process.versions.v8}-${id[1]}.cache`);
}
