// Keys exported in the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN (botocore EnvProvider). Two ways in: first in botocore's
// order, before any profile is looked at, unless --profile names one
// (planProfile in src/core/plan.ts asks exportedKeysWin); or as a role's
// source with credential_source = Environment (botocore's
// CanonicalNameCredentialSourcer).

import { AwsroleError } from "../../errors.js";
import type { Env } from "../env.js";
import type { CredentialKind, SourceBase } from "./types.js";
import { nonEmpty } from "./checks.js";

export interface EnvironmentSource extends SourceBase {
  kind: "environment";
  profile?: string;
  reason: "credential_source" | "environment-variables";
}

declare module "./types.js" {
  interface SourceKinds {
    environment: EnvironmentSource;
  }
}

/** botocore's env provider runs first unless --profile was given: exported keys win over AWS_PROFILE. */
export function exportedKeysWin(env: Env, profileFromFlag: boolean): boolean {
  return !profileFromFlag && nonEmpty(env.AWS_ACCESS_KEY_ID) !== undefined;
}

export const environment: CredentialKind<EnvironmentSource> & { credentialSource: "Environment" } = {
  kind: "environment",
  credentialSource: "Environment",
  // planProfile asks exportedKeysWin before it looks the profile up (it may not
  // exist); a role's credential_source = Environment is planned by the role walk.
  uses: (_profile, at) => at.topLevel && exportedKeysWin(at.env, at.profileFromFlag),
  plan: () => ({ kind: "environment", reason: "environment-variables" }),
  async resolve(source, fx) {
    const env = fx.env;
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    const where = source.profile ? ` (credential_source = Environment in profile "${source.profile}")` : "";
    if (!accessKeyId) {
      throw new AwsroleError("NoEnvironmentCredentials", `AWS_ACCESS_KEY_ID is not set${where}.`, {
        hint: "Export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY first.",
      });
    }
    if (!secretAccessKey) {
      throw new AwsroleError(
        "PartialEnvironmentCredentials",
        `AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not${where}.`,
        { hint: "Export AWS_SECRET_ACCESS_KEY too." },
      );
    }
    // botocore reads AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN.
    const sessionToken = env.AWS_SECURITY_TOKEN || env.AWS_SESSION_TOKEN;
    const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
    return {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
      ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
    };
  },
  describe: () => "the keys in AWS_ACCESS_KEY_ID",
  longTermKeyId: (_source, env) =>
    env.AWS_SECURITY_TOKEN || env.AWS_SESSION_TOKEN ? undefined : env.AWS_ACCESS_KEY_ID || undefined,
};
