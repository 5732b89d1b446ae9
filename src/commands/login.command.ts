// `awsrole login`: declared here, run by ./login.ts (IAM Identity Center) or,
// with --console, by ./login-console.ts (console credentials, as `aws login`).

import { UsageError } from "../errors.js";
import { declareCommand, flag, value } from "./declare.js";
import type { LoginInput } from "./login.js";

interface LoginCommandInput extends LoginInput {
  console?: boolean;
  remote?: boolean;
  region?: string | undefined;
}

export const loginCommand = declareCommand<LoginCommandInput>({
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
    useDeviceCode: flag(
      "--use-device-code",
      "sign in with a code entered on any device, instead of the browser redirect",
    ),
    noBrowser: flag("--no-browser", "do not open a browser; print the URL to open"),
    console: flag(
      "--console",
      "sign in with the AWS console's credentials instead (root, IAM user, federated), as `aws login`: writes login_session",
    ),
    remote: flag(
      "--remote",
      "with --console, for a machine without a browser: sign in on another device and paste the code it shows",
    ),
    region: value(
      "--region <region>",
      "with --console: the sign-in region when the profile has none (written into the profile)",
    ),
  },
  help: `The browser flow (PKCE) listens on 127.0.0.1 for the redirect, for at most 10
minutes. Without a display, over SSH and for legacy profiles the device code is
used. The URL and code go to stderr; Ctrl-C stops and writes nothing.

Examples:
  awsrole login dev
  awsrole login --sso-session my-sso
  awsrole login dev --use-device-code      (sign in from your phone or another machine)

--console signs in with console credentials instead (docs/login-session.md): it
writes ~/.aws/login/cache/<sha256(ARN)>.json and login_session = ARN in the
profile (with a backup of the config file), shared with \`aws login\`.
  awsrole login --console --profile console
  awsrole login --console --profile console --remote --region eu-west-1`,
  run: async (input, ctx) => {
    if (input.console) {
      if (input.ssoSession !== undefined || input.useDeviceCode) {
        const hint = "For a machine without a browser use --console --remote.";
        throw new UsageError("--console cannot be combined with --sso-session or --use-device-code.", hint);
      }
      const consoleInput = {
        profile: input.profile,
        region: input.region,
        remote: input.remote ?? false,
        noBrowser: input.noBrowser ?? false,
      };
      return (await import("./login-console.js")).runLoginConsole(consoleInput, ctx);
    }
    if (input.remote || input.region !== undefined) {
      throw new UsageError("--remote and --region are for console sign-in: awsrole login --console.");
    }
    const { profile, ssoSession, useDeviceCode, noBrowser } = input;
    return (await import("./login.js")).runLogin({ profile, ssoSession, useDeviceCode, noBrowser }, ctx);
  },
});
