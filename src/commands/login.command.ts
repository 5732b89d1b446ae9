// `awsrole login`: declared here, run by ./login.ts (IAM Identity Center).

import { declareCommand, flag, value } from "./declare.js";
import type { LoginInput } from "./login.js";

export const loginCommand = declareCommand<LoginInput>({
  name: "login",
  description: "sign in to IAM Identity Center (SSO) and keep the token where the AWS CLI does (~/.aws/sso/cache)",
  arguments: [
    {
      name: "[profile]",
      description:
        "a profile with sso_session (or the legacy sso_start_url) (default: --profile, AWS_PROFILE, then default)",
    },
  ],
  options: {
    profile: value("-p, --profile <name>", "profile name"),
    ssoSession: value("--sso-session <name>", "log in to this [sso-session NAME] without naming a profile"),
    useDeviceCode: flag("--use-device-code", "sign in with a code entered on any device, instead of the browser redirect"),
    noBrowser: flag("--no-browser", "do not open a browser; print the URL to open"),
  },
  help: `The browser flow (PKCE) listens on 127.0.0.1 for the redirect, for at most 10
minutes. Without a display, over SSH and for legacy profiles the device code is
used. The URL and code go to stderr; Ctrl-C stops and writes nothing.

Examples:
  awsrole login dev
  awsrole login --sso-session my-sso
  awsrole login dev --use-device-code      (sign in from your phone or another machine)`,
  run: async (input, ctx) => (await import("./login.js")).runLogin(input, ctx),
});
