// `awsrole sso populate`: declared here, run by ./sso-populate.ts.

import { declareCommand, declareGroup, flag, value } from "./declare.js";
import type { PopulateInput } from "./sso-populate.js";

export const ssoCommand = declareGroup({
  name: "sso",
  description: "IAM Identity Center (SSO): profiles from the access portal",
  subcommands: [
    declareCommand<PopulateInput>({
      name: "populate",
      description:
        "write a profile for every account and role your IAM Identity Center session reaches (only profiles it wrote are ever changed)",
      arguments: [
        {
          name: "[profile]",
          description:
            "a profile with sso_session (or the legacy sso_start_url) (default: --profile, AWS_PROFILE, then default)",
        },
      ],
      options: {
        profile: value("-p, --profile <name>", "profile name"),
        ssoSession: value("--sso-session <name>", "the [sso-session NAME] to list, without naming a profile"),
        template: value(
          "--name-template <template>",
          "profile names from {role_name}, {account_id}, {account_name}, {session} (default {role_name}-{account_id})",
        ),
        region: value("-r, --region <region>", "region = of the written profiles (default: the sso_region)"),
        dryRun: flag("--dry-run", "print the change as a diff; write nothing"),
        prune: flag("--prune", "also remove profiles it wrote whose role is no longer assigned"),
      },
      help: `Each profile it writes has a comment line naming the session; only those are
replaced or pruned, a profile of the same name you wrote is left alone. The
config file is backed up before it is changed. Needs a token: awsrole login.

Examples:
  awsrole sso populate --sso-session my-sso --dry-run
  awsrole sso populate dev --name-template '{account_name}.{role_name}'
  awsrole sso populate --sso-session my-sso --prune`,
      run: async (input, ctx) => (await import("./sso-populate.js")).runSsoPopulate(input, ctx),
    }),
  ],
});
