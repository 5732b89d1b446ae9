import { declareCommand, OUTPUT, PROFILE_ARGUMENT, RESOLVE_OPTIONS, value } from "./declare.js";
import type { WhoamiInput } from "./whoami.js";

export const whoamiCommand = declareCommand<WhoamiInput>({
  name: "whoami",
  description: "call GetCallerIdentity with the profile's credentials and show who they are and for how long",
  arguments: [{ name: "[profile]", description: PROFILE_ARGUMENT }],
  options: { profile: value("-p, --profile <name>", "profile name"), output: OUTPUT, ...RESOLVE_OPTIONS },
  help: `Examples:
  awsrole whoami --profile role-e
  awsrole whoami --output json        (the shape of aws sts get-caller-identity)
  awsrole whoami                      (the credentials exported in this shell, else AWS_PROFILE)`,
  run: async (input, ctx) => (await import("./whoami.js")).runWhoami(input, ctx),
});
