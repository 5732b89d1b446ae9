#!/usr/bin/env node
// The published entry point: a shim over the bundled CLI (built by `npm run build`).
import { main } from "../dist/cli.js";

process.exitCode = await main(process.argv.slice(2));
