// Holds the IAM Identity Center slot of the provider order until the sso kind
// is registered there (src/core/kinds/index.ts): a profile with sso_start_url or
// sso_session gets one clear sentence instead of "no credentials". Registering
// the real kind replaces this line of the list; this module can then go.

import { ProfileConfigError } from "../../errors.js";
import { getString, type Profile } from "../config.js";
import type { ProfileProvider } from "./types.js";

export function usesSso(profile: Profile): boolean {
  return getString(profile, "sso_start_url") !== undefined || getString(profile, "sso_session") !== undefined;
}

export const ssoUnsupported: ProfileProvider = {
  kind: "sso",
  uses: usesSso,
  plan(profile) {
    throw new ProfileConfigError(
      "SsoUnsupported",
      profile.name,
      `Profile "${profile.name}" uses IAM Identity Center (SSO), which awsrole does not resolve yet.`,
      `Use the AWS CLI for this profile: aws configure export-credentials --profile ${profile.name}.`,
    );
  },
};
