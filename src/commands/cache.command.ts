import { UsageError } from "../errors.js";
import type { CacheClearInput, CacheListInput } from "./cache.js";
import { declareCommand, declareGroup, flag, OUTPUT, value } from "./declare.js";

export const cacheCommand = declareGroup({
  name: "cache",
  description: "the credential cache shared with the AWS CLI (~/.aws/cli/cache)",
  subcommands: [
    declareCommand<CacheClearInput>({
      name: "clear",
      description:
        "remove all cached credentials, or one profile's own session (--chain: and its chain's); says how many",
      arguments: [{ name: "[profile]", description: "only this profile's own session" }],
      options: {
        profile: value("-p, --profile <name>", "only this profile's own session"),
        chain: flag("--chain", "with a profile: also the sessions of the hops it is assumed from, and its MFA session"),
      },
      help: "Examples:\n  awsrole cache clear\n  awsrole cache clear role-e\n  awsrole cache clear role-e --chain",
      run: async (input, ctx) => {
        if (input.chain && input.profile === undefined) {
          throw new UsageError(
            "--chain goes with a profile: awsrole cache clear PROFILE --chain.",
            "Without a profile, cache clear already removes every cached session.",
          );
        }
        return (await import("./cache.js")).runCacheClear(input, ctx);
      },
    }),
    declareCommand<CacheListInput>({
      name: "list",
      description: "list cached credentials with role, expiry, whether still usable, and the profiles that use them",
      options: { output: OUTPUT },
      help: "Examples:\n  awsrole cache list\n  awsrole cache list --output json",
      run: async (input, ctx) => (await import("./cache.js")).runCacheList(input, ctx),
    }),
  ],
});
