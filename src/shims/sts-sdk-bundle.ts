// Stands in for src/adapters/sts-sdk.ts inside dist/cli.cjs: the SDK is a
// separate bundle, dist/sts-sdk.cjs, compiled with V8's code cache when the
// first STS call needs it (scripts/build.mjs, docs/performance.md).
import { join } from "node:path";
import { requireWithCodeCache } from "../adapters/code-cache.js";
import type * as Sdk from "../adapters/sts-sdk.js";

const sdk = requireWithCodeCache(join(__dirname, "sts-sdk.cjs")) as typeof Sdk;

export const {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} = sdk;
