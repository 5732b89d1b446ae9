// `awsrole logout`: declared here, run by ./logout.ts (IAM Identity Center).

import { declareCommand, value } from "./declare.js";
import type { LogoutInput } from "./logout.js";

export const logoutCommand = declareCommand<LogoutInput>({
  name: "logout",
  description:
    "end every IAM Identity Center (SSO) session, as `aws sso logout` does: tokens and SSO role credentials are removed",
  options: {
    profile: value("-p, --profile <name>", "the profile whose endpoint settings apply (endpoint_url, [services])"),
  },
  help: `Calls the portal's Logout for each token in ~/.aws/sso/cache, then removes the
token files and every "ProviderType": "sso" entry of ~/.aws/cli/cache (shared
with the AWS CLI v2, so \`aws\` is logged out too). Nothing on stdout.

Examples:
  awsrole logout`,
  run: async (input, ctx) => (await import("./logout.js")).runLogout(input, ctx),
});
