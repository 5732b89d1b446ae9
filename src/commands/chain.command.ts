import type { ChainInput } from "./chain.js";
import { declareCommand, flag, OUTPUT, PROFILE_ARGUMENT, RESOLVE_OPTIONS, value } from "./declare.js";

export const chainCommand = declareCommand<ChainInput>({
  name: "chain",
  description: "show the STS calls a profile needs, hop by hop (no STS call unless --resolve)",
  arguments: [{ name: "[profile]", description: PROFILE_ARGUMENT }],
  options: {
    profile: value("-p, --profile <name>", "profile name"),
    output: OUTPUT,
    resolve: flag("--resolve", "run the plan and show each hop's cache hit or STS call, identity and expiry"),
    ...RESOLVE_OPTIONS,
  },
  help: `Examples:
  awsrole chain role-e
  awsrole chain role-e --resolve --token-code 123456
  awsrole chain --profile role-e --output json`,
  run: async (input, ctx) => (await import("./chain.js")).runChain(input, ctx),
});
