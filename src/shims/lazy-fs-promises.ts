// Bundled in place of node:fs/promises for the SDK only (see the build script):
// the SDK's shared-ini-file-loader imports readFile from it at load time, for
// the shared config files and SSO tokens, which awsrole's clients never ask it
// to read (src/adapters/sts-client.ts). Importing it loads fs/promises with
// readline, fs watchers and directory streams behind it, about 5 ms of every
// cold start; this loads the real module on first use. Only readFile is here:
// an SDK that imports anything else from fs/promises fails the build.
import type * as FsPromises from "node:fs/promises";

let real: typeof FsPromises | undefined;

export const readFile = ((...args: Parameters<typeof FsPromises.readFile>) => {
  real ??= require("node:fs/promises") as typeof FsPromises;
  return real.readFile(...args);
}) as typeof FsPromises.readFile;
