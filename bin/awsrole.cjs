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
// The code caches' header (parseCodeCache below); declared before the first bundle loads.
const CODE_CACHE_HEADER = "awsrole-v8-cache kinds=";
const MAX_CODE_CACHE_KINDS = 32;
const args = process.argv.slice(2);
// With --debug, stack traces point at src/ (dist/*.map). Node maps only files
// loaded after this call, so it must come before the bundle is required.
if (args.includes("--debug")) process.setSourceMapsEnabled(true);
const full = () => loadFullCli().main(args);
// A cold export (the warm bundle found no cache entry) and whoami, with plain
// arguments, run from dist/direct.cjs: the same commands on the same online
// effects, without commander and the other commands (src/direct.ts).
const direct = () => (args.includes("--debug") ? full() : directCommand().then((code) => code ?? full()));
// `__profiles` (what shell completion runs on TAB) is answered by the same small bundle.
const fastEntry = args[0] === "export" ? "tryFastExport" : args[0] === "__profiles" ? "tryFastProfileNames" : undefined;
const run = fastEntry
  ? fastExport(args.slice(1), fastEntry).then((code) =>
      code !== undefined ? code : args[0] === "export" ? direct() : full(),
    )
  : args[0] === "whoami"
    ? direct()
    : full();
run.then((code) => {
  process.exitCode = code;
});

/**
 * Loads dist/fast-export.cjs with V8's code cache: compiling the bundle and its
 * functions is a third of what a warm export costs, and Node 20 keeps no
 * compile cache of its own. The cache is written by the first successful run of
 * each kind (a warm export, a cold export's attempt, `__profiles`), so it holds
 * the functions each of them compiled (codeCacheBytes).
 */
function fastExport(exportArgs, entry) {
  const loaded = loadBundle("fast-export");
  return loaded.exports[entry](exportArgs).then((code) => {
    // A miss compiled the bundle's lookup too: cached at exit once the cold path succeeds,
    // so that the next cold run does not compile it again (the first warm run adds its part).
    const kind = entry === "tryFastProfileNames" ? "profiles" : code === undefined ? "export-miss" : "export";
    if (code === 0) loaded.saveCodeCache(kind);
    else if (code === undefined) saveCodeCacheAtExit(loaded, kind);
    return code;
  });
}

/**
 * dist/direct.cjs, with V8's code cache written at exit after a successful
 * command, as for the full CLI: the exit code, or undefined when the command
 * line is not one of its plain forms.
 */
function directCommand() {
  const loaded = loadBundle("direct");
  return loaded.exports.tryDirect(args).then((code) => {
    if (code === 0) saveCodeCacheAtExit(loaded, args[0]);
    return code;
  });
}

/**
 * Loads dist/cli.cjs with V8's code cache too: every command that is not a warm
 * export, a cold one included, compiles the full CLI's functions otherwise. (A
 * vm.Script has no import() callback: the build turns the CLI's lazy import()s
 * into require()s.) The cache is written at exit, after a successful command,
 * so it holds the functions that command compiled.
 */
function loadFullCli() {
  // Node maps stack traces only for files it loads itself (see --debug above).
  if (process.sourceMapsEnabled) return require("../dist/cli.cjs");
  const loaded = loadBundle("cli");
  saveCodeCacheAtExit(loaded, commandKind(args));
  return loaded.exports;
}

/** A bundle's code cache is written when the process exits with 0, so it holds what the command compiled. */
function saveCodeCacheAtExit(loaded, kind) {
  process.once("exit", (code) => {
    if (code === 0) loaded.saveCodeCache(kind);
  });
}

/**
 * What kind of run this is, for the code cache's list of the runs it holds: the
 * command, when it is the first argument (anything else, an option first
 * included, is "other"). A cache is written only after a successful run, and
 * then the first argument is one of awsrole's commands, never a profile name.
 * A copy of commandKind in src/adapters/code-cache.ts; keep the two in step.
 */
function commandKind(argv) {
  const word = argv[0];
  return word !== undefined && /^[a-z_][a-z_-]{0,31}$/.test(word) ? word : "other";
}

/**
 * Runs dist/<name>.cjs as a vm.Script with the V8 code cache that an earlier run
 * saved. The cache lives in the user's cache directory ($XDG_CACHE_HOME or
 * ~/.cache, awsrole/v8/), not beside the bundle, so a read-only, root-owned
 * install gets one too. Its name holds the V8 version and the bundle's build id
 * (a hash the build appends to each bundle), because V8 checks only the
 * source's length: a cache made for another bundle or another Node is never
 * offered. If V8 still rejects it, the bundle compiles as usual and a new one is
 * saved. A kind of run the cache has not seen adds its functions to it once
 * (codeCacheBytes). src/adapters/code-cache.ts does the same for the SDK bundle.
 */
function loadBundle(name) {
  const fs = require("node:fs");
  const path = require("node:path");
  const vm = require("node:vm");
  const Module = require("node:module");
  const file = path.join(__dirname, "..", "dist", `${name}.cjs`);
  const source = fs.readFileSync(file, "utf8");
  const cacheFile = codeCacheFile(path, name, source);
  let cachedData;
  let kinds = [];
  try {
    if (cacheFile) ({ cachedData, kinds } = parseCodeCache(fs.readFileSync(cacheFile)));
  } catch {}
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const module = { exports: {} };
  script
    .runInThisContext()
    .call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  return {
    exports: module.exports,
    saveCodeCache(kind) {
      if (!cacheFile) return;
      const accepted = cachedData !== undefined && !script.cachedDataRejected;
      if (accepted && (kinds.includes(kind) || kinds.length >= MAX_CODE_CACHE_KINDS)) return;
      const data = codeCacheBytes(accepted ? [...kinds, kind] : [kind], script.createCachedData());
      // Best effort; an unwritable cache directory just means no cache. The same
      // steps as writeFileAtomic (src/adapters/atomic-write.ts), of which this is
      // a copy because no bundle is loaded yet: a 0600 O_EXCL temp file in the
      // same directory, write, fsync, rename, directory fsync.
      const unique = `${process.pid}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
      const temp = path.join(path.dirname(cacheFile), `.${path.basename(cacheFile)}.${unique}.tmp`);
      let fd;
      try {
        fs.mkdirSync(path.dirname(cacheFile), { recursive: true, mode: 0o700 });
        fd = fs.openSync(temp, "wx", 0o600);
        fs.writeFileSync(fd, data);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fd = undefined;
        fs.renameSync(temp, cacheFile);
        const dir = fs.openSync(path.dirname(cacheFile), "r");
        try {
          fs.fsyncSync(dir);
        } finally {
          fs.closeSync(dir);
        }
      } catch {
        try {
          if (fd !== undefined) fs.closeSync(fd);
        } catch {}
        try {
          fs.unlinkSync(temp);
        } catch {}
      }
    },
  };
}

/**
 * A code cache file is a header line naming the kinds of run whose compiled
 * functions it holds, then V8's data. V8 serializes every function compiled so
 * far, those it took from the cache included, so a run of a kind the cache has
 * not seen (another command, a cache miss after hits) rewrites it once, with
 * its own functions added: the cache comes to cover every command in use,
 * instead of only the first one that happened to write it. A copy of
 * src/adapters/code-cache.ts's format; keep the two in step.
 */
function parseCodeCache(bytes) {
  const end = bytes.indexOf(10);
  if (end < 0 || end > 4096 || bytes.toString("latin1", 0, CODE_CACHE_HEADER.length) !== CODE_CACHE_HEADER)
    return { cachedData: undefined, kinds: [] };
  const kinds = bytes.toString("latin1", CODE_CACHE_HEADER.length, end).split(",").filter(Boolean);
  return { cachedData: bytes.subarray(end + 1), kinds };
}

function codeCacheBytes(kinds, data) {
  return Buffer.concat([Buffer.from(`${CODE_CACHE_HEADER}${kinds.join(",")}\n`, "latin1"), data]);
}

/** ~/.cache/awsrole/v8/<name>-<V8 version>-<build id>.cache, or undefined without a build id or an absolute home. */
function codeCacheFile(path, name, source) {
  const id = /\n\/\/# awsrole-build-id=([0-9a-f]{16,64})\s*$/.exec(source.slice(-100));
  const base = userCacheHome(path);
  if (!id || !path.isAbsolute(base)) return undefined;
  return path.join(base, "awsrole", "v8", `${name}-${process.versions.v8}-${id[1]}.cache`);
}

/**
 * A copy of userCacheHome in src/adapters/home.ts (this file loads before any
 * bundle; keep the two in step, docs/resolution.md#the-home-directory):
 * $XDG_CACHE_HOME if absolute, else ~/.cache where ~ is os.path.expanduser's:
 * $HOME when set (even empty: the root), else the password-database entry
 * (Windows: %USERPROFILE%, else %HOMEDRIVE%%HOMEPATH%).
 */
function userCacheHome(path) {
  const env = process.env;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && path.isAbsolute(xdg)) return xdg;
  const win = process.platform === "win32";
  let home;
  if (win)
    home =
      env.USERPROFILE ??
      (env.HOMEPATH !== undefined ? (env.HOMEDRIVE ?? "") + env.HOMEPATH : require("node:os").homedir());
  else if (env.HOME !== undefined) home = env.HOME;
  else {
    try {
      home = require("node:os").userInfo().homedir || "/";
    } catch {
      home = "/";
    }
  }
  home = home.replace(win ? /[\\/]+$/ : /\/+$/, "");
  return home + "/.cache";
}
