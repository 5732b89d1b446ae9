#!/usr/bin/env node
// The entry point: CommonJS shims over the bundles built by `npm run build`
// (docs/performance.md). `export` with plain arguments first tries the small
// warm-path bundle, which answers from the cache or gives way to the full CLI.
"use strict";
const args = process.argv.slice(2);
// With --debug, stack traces point at src/ (dist/*.map). Node maps only files
// loaded after this call, so it must come before the bundle is required.
if (args.includes("--debug")) process.setSourceMapsEnabled(true);
const full = () => loadFullCli().main(args);
// `__profiles` (what shell completion runs on TAB) is answered by the same small bundle.
const fastEntry = args[0] === "export" ? "tryFastExport" : args[0] === "__profiles" ? "tryFastProfileNames" : undefined;
const run = fastEntry ? fastExport(args.slice(1), fastEntry).then((code) => (code === undefined ? full() : code)) : full();
run.then((code) => {
  process.exitCode = code;
});

/**
 * Loads dist/fast-export.cjs with V8's code cache: compiling the bundle and its
 * functions is a third of what a warm export costs, and Node 20 keeps no
 * compile cache of its own. The cache (dist/fast-export.cjs.v8cache) is written
 * after the first successful fast export, so it holds the functions that path
 * compiled; V8 rejects a cache that does not match the source or the V8
 * version, and then this simply compiles as usual and writes a new one.
 */
function fastExport(exportArgs, entry = "tryFastExport") {
  const fs = require("node:fs");
  const path = require("node:path");
  const vm = require("node:vm");
  const Module = require("node:module");
  const file = path.join(__dirname, "..", "dist", "fast-export.cjs");
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  return module.exports[entry](exportArgs).then((code) => {
    // Only an export writes the cache: it is the path the cache is for.
    if (code === 0 && entry === "tryFastExport" && (cachedData === undefined || script.cachedDataRejected)) {
      // Best effort, atomic; a read-only install directory just means no cache.
      const temp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(temp, script.createCachedData(), { flag: "wx", mode: 0o644 });
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

/**
 * Loads dist/cli.cjs with V8's code cache too (dist/cli.cjs.v8cache), as
 * fastExport does for the warm-path bundle: every command that is not a warm
 * export, a cold one included, compiles the full CLI's functions otherwise.
 * (A vm.Script has no import() callback: the build turns the CLI's lazy
 * import()s into require()s.) The
 * cache is written at exit, after a successful command, when there was none or
 * V8 rejected it, so it holds the functions that command compiled.
 */
function loadFullCli() {
  const fs = require("node:fs");
  const path = require("node:path");
  const vm = require("node:vm");
  const Module = require("node:module");
  const file = path.join(__dirname, "..", "dist", "cli.cjs");
  // Node maps stack traces only for files it loads itself (see --debug above).
  if (process.sourceMapsEnabled) return require(file);
  const cacheFile = `${file}.v8cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {}
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once("exit", (code) => {
      if (code !== 0) return;
      const temp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(temp, script.createCachedData(), { flag: "wx", mode: 0o644 });
        fs.renameSync(temp, cacheFile);
      } catch {
        try {
          fs.unlinkSync(temp);
        } catch {}
      }
    });
  }
  return module.exports;
}
