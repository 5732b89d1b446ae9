// Builds dist/cli.cjs: the whole CLI in one CommonJS file, the form that starts
// fastest on Node 20 (docs/performance.md):
// - one file, so there is no module resolution or per-chunk loader work;
// - CommonJS, so Node builtins are plain require()s (ESM imports of builtins
//   build namespace facades, ~8 ms for fs/stream on the warm path);
// - @inquirer/prompts stays external and is loaded (by require(), see
//   lazyImportsAsRequire) only when a prompt is needed;
// - @aws-sdk/client-sts is bundled on its own into dist/sts-sdk.cjs, which
//   dist/cli.cjs compiles with V8's code cache on its first STS call: one file
//   instead of some thirty module resolutions and compilations per cold run;
// - commander's eager require of node:child_process (~5 ms with node:net behind
//   it, for executable subcommands awsrole does not use) is replaced by a lazy proxy.
// Sources stay readable in src/; dist/cli.cjs.map maps back to them (used with --debug).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });

const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: `${root}/src/shims/lazy-child-process.cjs` }
        : undefined,
    );
  },
};

const { version } = JSON.parse(readFileSync(`${root}/package.json`, "utf8"));

const common = {
  // `awsrole --version` is package.json's version.
  define: { __AWSROLE_VERSION__: JSON.stringify(version) },
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  mainFields: ["module", "main"],
  external: ["@aws-sdk/client-sts", "@inquirer/prompts"],
  plugins: [lazyChildProcessForCommander],
  // Minified: a fresh process must scan every byte before running any; names and
  // lines come back through the source map (--debug enables it).
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  logLevel: "warning",
};

// The warm-path bundle runs on offline effects (src/effects/offline.ts) and
// imports nothing of the online ones, so no adapter needs replacing there. The
// picker's lazy import of inquirer (never reached: the fast path declines when
// the picker could apply) is stubbed by src/shims/full-cli-only.ts, so no
// import() of a package is left in the bundle.
const fullCliOnlyAdapters = {
  name: "full-cli-only-adapters",
  setup(b) {
    b.onResolve({ filter: /^@inquirer\/prompts$/ }, () => ({ path: `${root}/src/shims/full-cli-only.ts` }));
    // No chalk (its colour detection loads node:tty): the fast path shows no styled text.
    b.onResolve({ filter: /[\\/]ui\.js$/ }, () => ({ path: `${root}/src/shims/plain-paint.ts` }));
  },
};

// In dist/cli.cjs the SDK module (src/adapters/sts-sdk.ts) is replaced by a
// shim that loads dist/sts-sdk.cjs with V8's code cache.
const stsSdkBundle = {
  name: "sts-sdk-bundle",
  setup(b) {
    b.onResolve({ filter: /[\\/]sts-sdk\.js$/ }, () => ({ path: `${root}/src/shims/sts-sdk-bundle.ts` }));
  },
};

// awsrole gives every STS client its credentials: the SDK's default chain
// (with its SSO, STS and IMDS clients) stays out of the SDK bundle.
const noDefaultCredentialChain = {
  name: "no-default-credential-chain",
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: `${root}/src/shims/no-default-credentials.ts`,
    }));
  },
};

// Three of the SDK's modules load Node builtins when the bundle loads, for work
// awsrole's STS calls never do; together about 15 ms of every cold start
// (docs/performance.md, "The cold path"). Each stand-in keeps the SDK's
// behaviour for what awsrole does, and the build fails if one of them no longer
// finds its module (a new SDK layout must be looked at, not silently missed).
const sdkLoadTimeBuiltins = {
  name: "sdk-load-time-builtins",
  setup(b) {
    const used = new Set();
    const smithy = (file) => new RegExp(`[\\\\/]@smithy[\\\\/]core[\\\\/]dist-es[\\\\/]submodules[\\\\/]${file}$`);
    // node:fs/promises (with readline and fs watchers behind it), for the shared
    // config files and SSO tokens the SDK never reads here (src/adapters/sts-client.ts):
    // loaded on first use instead.
    b.onResolve({ filter: /^(node:)?fs\/promises$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]/.test(args.importer)) return undefined;
      used.add("fs/promises");
      return { path: `${root}/src/shims/lazy-fs-promises.ts` };
    });
    // node:zlib, for a native CRC32: STS requests carry no CRC32 checksum. The
    // SDK's own JavaScript CRC32 (same values) stands in.
    b.onLoad({ filter: smithy("checksum[\\\\/]crc32[\\\\/]Crc32Node\\.js") }, (args) => {
      used.add("crc32");
      return {
        contents: 'export { Crc32Js as Crc32Node } from "./Crc32Js";',
        resolveDir: dirname(args.path),
        loader: "js",
      };
    });
    // Node's web streams, loaded by the global ReadableStream getter to ask whether a
    // response body is a web stream: src/shims/stream-type-check.ts answers for Node's own streams first.
    b.onLoad({ filter: smithy("serde[\\\\/]util-stream[\\\\/]stream-type-check\\.js") }, () => {
      used.add("stream-type-check");
      return {
        contents: readFileSync(`${root}/src/shims/stream-type-check.ts`, "utf8"),
        resolveDir: `${root}/src/shims`,
        loader: "ts",
      };
    });
    b.onEnd((result) => {
      if (result.errors.length > 0) return;
      for (const name of ["fs/promises", "crc32", "stream-type-check"])
        if (!used.has(name))
          throw new Error(`dist/sts-sdk.cjs: the SDK no longer has the module the ${name} stand-in replaces`);
    });
  },
};

// chalk's colour detection is not used (src/ui.ts sets the level) and costs a
// tty lookup at import: src/shims/no-color-detection.ts stands in for it.
const noColorDetection = {
  name: "no-color-detection",
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, (args) =>
      /[\\/]node_modules[\\/]chalk[\\/]/.test(args.importer)
        ? { path: `${root}/src/shims/no-color-detection.ts` }
        : undefined,
    );
  },
};

// bin/awsrole.cjs compiles dist/cli.cjs with vm.Script (for V8's code cache),
// which has no import() callback: the lazy `await import("node:…")` and
// `await import("@inquirer/prompts")` in src/ become `await require(…)` (the
// same module object; inquirer's CommonJS build), still loaded only when reached.
const lazyImportsAsRequire = {
  name: "lazy-imports-as-require",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      if (!/\bimport\("(node:|@inquirer\/prompts")/.test(text)) return undefined;
      return {
        contents: text.replace(/\bawait import\("(node:[a-z_/]+|@inquirer\/prompts)"\)/g, 'await require("$1")'),
        loader: "ts",
      };
    });
  },
};

await Promise.all([
  build({
    ...common,
    plugins: [...common.plugins, stsSdkBundle, noColorDetection, lazyImportsAsRequire],
    entryPoints: [`${root}/src/cli.ts`],
    outfile: `${root}/dist/cli.cjs`,
  }),
  // The cold path's entry (src/direct.ts): export and whoami with plain
  // arguments on the online effects, without commander and the other commands.
  build({
    ...common,
    plugins: [...common.plugins, stsSdkBundle, noColorDetection, lazyImportsAsRequire],
    entryPoints: [`${root}/src/direct.ts`],
    outfile: `${root}/dist/direct.cjs`,
  }),
  // The SDK and everything it requires, in one file (nothing external).
  build({
    ...common,
    external: [],
    plugins: [noDefaultCredentialChain, sdkLoadTimeBuiltins],
    write: false,
    entryPoints: [`${root}/src/adapters/sts-sdk.ts`],
    outfile: `${root}/dist/sts-sdk.cjs`,
  }).then(writeSdkBundle),
  // The warm-path entry (src/fast-export.ts): export from the cache without
  // commander; bin/awsrole.cjs falls back to dist/cli.cjs for anything else.
  build({
    ...common,
    plugins: [...common.plugins, fullCliOnlyAdapters],
    entryPoints: [`${root}/src/fast-export.ts`],
    outfile: `${root}/dist/fast-export.cjs`,
  }),
]);

// The warm bundle must not hold the online effects, the SDK or the prompt
// adapter: nothing it imports may reach them (src/effects/offline.ts).
{
  const warm = readFileSync(`${root}/dist/fast-export.cjs`, "utf8");
  const marks = [
    ["the SDK", "sts-sdk"],
    ["node:child_process", "child_process"],
    ["the MFA prompt", "Enter MFA code for"],
    ["the online effects", "AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS"],
  ];
  for (const [what, mark] of marks) {
    if (warm.includes(mark)) throw new Error(`dist/fast-export.cjs: ${what} is reachable from the warm path`);
  }
}

// These are compiled with vm.Script, where an import() would fail at run time.
for (const name of ["cli", "direct"])
  if (/\bimport\(/.test(readFileSync(`${root}/dist/${name}.cjs`, "utf8")))
    throw new Error(`dist/${name}.cjs: an import() is left that vm.Script cannot run`);

/**
 * The SDK loads some builtins with import() (node:http in its request handler,
 * node:async_hooks), which a script compiled with vm.Script cannot do without
 * an import callback, and which would start Node's ESM loader besides. In the
 * SDK bundle each becomes a require() of the builtin, in a promise: the same
 * module object (the SDK reads `m.default ?? m`).
 */
function writeSdkBundle(result) {
  for (const file of result.outputFiles) {
    let text = file.text;
    if (file.path.endsWith(".cjs")) {
      text = text.replace(/\bimport\("(node:[a-z_/]+)"\)/g, 'Promise.resolve().then(()=>require("$1"))');
      if (/\bimport\(/.test(text)) throw new Error("dist/sts-sdk.cjs: an import() is left that vm.Script cannot run");
    }
    mkdirSync(`${root}/dist`, { recursive: true });
    writeFileSync(file.path, text);
  }
}

// Each bundle's build id, for bin/awsrole.cjs and src/adapters/code-cache.ts to
// name its V8 code cache in the user's cache directory (V8 itself checks only
// the source's length).
for (const name of ["fast-export", "direct", "cli", "sts-sdk"]) {
  const bundle = `${root}/dist/${name}.cjs`;
  appendFileSync(
    bundle,
    `\n//# awsrole-build-id=${createHash("sha256").update(readFileSync(bundle)).digest("hex").slice(0, 20)}\n`,
  );
}

// The man page, dist/awsrole.1 (package.json "man"), from the same commander
// tree as --help (src/render/man.ts).
const { manPage } = createRequire(import.meta.url)(`${root}/dist/cli.cjs`);
writeFileSync(`${root}/dist/awsrole.1`, manPage());
