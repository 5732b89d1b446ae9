#!/usr/bin/env node
// The entry point: CommonJS shims over the bundles built by `npm run build`
// (docs/performance.md). `export` with plain arguments first tries the small
// warm-path bundle; it answers from the cache or gives way to the full CLI.
"use strict";
const args = process.argv.slice(2);
const full = () => require("../dist/cli.cjs").main(args);
const run = args[0] === "export" ? require("../dist/fast-export.cjs").tryFastExport(args.slice(1)).then((code) => (code === undefined ? full() : code)) : full();
run.then((code) => {
  process.exitCode = code;
});
