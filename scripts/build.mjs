// Builds dist/cli.cjs: the whole CLI in one CommonJS file, the form that starts
// fastest on Node 20 (docs/performance.md):
// - one file, so there is no module resolution or per-chunk loader work;
// - CommonJS, so Node builtins are plain require()s (ESM imports of builtins
//   build namespace facades, ~8 ms for fs/stream on the warm path);
// - @aws-sdk/client-sts and @inquirer/prompts stay external and are loaded by
//   import() only when an STS call or a prompt is needed;
// - commander's eager require of node:child_process (~5 ms with node:net behind
//   it, for executable subcommands awsrole does not use) is replaced by a lazy proxy.
// Sources stay readable in src/; dist/cli.cjs.map maps back to them (used with --debug).
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { appendFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });

const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: `${root}/src/shims/lazy-child-process.cjs` } : undefined,
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

// In the warm-path bundle the network, prompt and process adapters are replaced
// by src/shims/full-cli-only.ts: reaching one means the full CLI takes over.
const fullCliOnlyAdapters = {
  name: "full-cli-only-adapters",
  setup(b) {
    b.onResolve({ filter: /[\\/]adapters[\\/](sts|prompt|sources)\.js$/ }, () => ({ path: `${root}/src/shims/full-cli-only.ts` }));
    // The picker's lazy import of inquirer (never reached there: the fast path
    // declines when the picker could apply) is stubbed too, so no import() of a
    // package is left in the bundle.
    b.onResolve({ filter: /^(@inquirer\/prompts|@aws-sdk\/client-sts)$/ }, () => ({ path: `${root}/src/shims/full-cli-only.ts` }));
    // No chalk (its colour detection loads node:tty): the fast path shows no styled text.
    b.onResolve({ filter: /[\\/]ui\.js$/ }, () => ({ path: `${root}/src/shims/plain-paint.ts` }));
  },
};

await Promise.all([
  build({ ...common, entryPoints: [`${root}/src/cli.ts`], outfile: `${root}/dist/cli.cjs` }),
  // The warm-path entry (src/fast-export.ts): export from the cache without
  // commander; bin/awsrole.cjs falls back to dist/cli.cjs for anything else.
  build({ ...common, plugins: [...common.plugins, fullCliOnlyAdapters], entryPoints: [`${root}/src/fast-export.ts`], outfile: `${root}/dist/fast-export.cjs` }),
]);

// The warm-path bundle's build id, for bin/awsrole.cjs to name its V8 code cache
// in the user's cache directory (V8 itself checks only the source's length).
const fastBundle = `${root}/dist/fast-export.cjs`;
appendFileSync(fastBundle, `\n//# awsrole-build-id=${createHash("sha256").update(readFileSync(fastBundle)).digest("hex").slice(0, 20)}\n`);

// The man page, dist/awsrole.1 (package.json "man"), from the same commander
// tree as --help (src/render/man.ts).
const { manPage } = createRequire(import.meta.url)(`${root}/dist/cli.cjs`);
writeFileSync(`${root}/dist/awsrole.1`, manPage());
