// `awsrole logout`: declared here, run by ./logout.ts (IAM Identity Center) or,
// with --console, by ./login-console.ts (console-login sessions, as `aws logout`).

import { UsageError } from "../errors.js";
import { declareCommand, flag, value } from "./declare.js";
import type { LogoutInput } from "./logout.js";

interface LogoutCommandInput extends LogoutInput {
  console?: boolean;
  all?: boolean;
}

export const logoutCommand = declareCommand<LogoutCommandInput>({
  name: "logout",
  description:
    "end every IAM Identity Center (SSO) session, as `aws sso logout` does; --console: a console-login session, as `aws logout`",
  options: {
    profile: value(
      "-p, --profile <name>",
      "the profile whose endpoint settings apply (endpoint_url, [services]); with --console, whose session ends",
    ),
    console: flag(
      "--console",
      "end the profile's console-login session (login_session) instead: remove its cache file",
    ),
    all: flag("--all", "with --console: every console-login session in the cache"),
  },
  help: `Calls the portal's Logout for each token in ~/.aws/sso/cache, then removes the
token files and every "ProviderType": "sso" entry of ~/.aws/cli/cache (shared
with the AWS CLI v2, so \`aws\` is logged out too). Nothing on stdout.
With --console it removes ~/.aws/login/cache/<sha256(ARN)>.json of the
profile's login_session (--all: every file there) and leaves SSO alone.

Examples:
  awsrole logout
  awsrole logout --console --profile console`,
  run: async (input, ctx) => {
    if (input.all && !input.console) {
      throw new UsageError("--all is for console-login sessions: awsrole logout --console --all.");
    }
    if (input.console) {
      return (await import("./login-console.js")).runLogoutConsole(
        { profile: input.profile, all: input.all ?? false },
        ctx,
      );
    }
    return (await import("./logout.js")).runLogout({ profile: input.profile }, ctx);
  },
});
