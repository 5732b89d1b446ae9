// The parts of @aws-sdk/client-sts that awsrole uses, in one place. The build
// (scripts/build.mjs) bundles this module, with the SDK's whole module graph,
// into dist/sts-sdk.cjs: one file that dist/cli.cjs compiles with V8's code
// cache on the first STS call (src/shims/sts-sdk-bundle.ts), instead of
// resolving and compiling some thirty files under node_modules on every cold
// run (docs/performance.md). Run from source (tests, tsx), it is the SDK itself.
export {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
} from "@aws-sdk/client-sts";
export type { STSClientConfig } from "@aws-sdk/client-sts";
