// AssumeRoleWithWebIdentity with a token file (botocore
// AssumeRoleWithWebIdentityProvider): web_identity_token_file + role_arn in a
// profile, or AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN in the environment
// (EKS, GitHub Actions), which win for the selected profile unless --profile
// named it. The token is read raw on every call (no trimming), as botocore
// does. The AWS CLI file-caches the result only for the selected profile
// (source.cached); as a source_profile it is fetched each time.

import { AwsroleError, ProfileConfigError } from "../../errors.js";
import { throughCache } from "../cached-session.js";
import { webIdentityCacheKey } from "../cache-key.js";
import { getString, type Profile } from "../config.js";
import type { Env } from "../env.js";
import { defaultSessionName } from "../session-name.js";
import { nonEmpty } from "./checks.js";
import type { CredentialKind, PlanContext, SourceBase } from "./types.js";

export interface WebIdentitySource extends SourceBase {
  kind: "web-identity";
  profile?: string;
  roleArn: string;
  roleSessionName?: string;
  tokenFile: string;
  /** The AWS CLI caches web-identity credentials on disk only for the top-level profile. */
  cached: boolean;
}

declare module "./types.js" {
  interface SourceKinds {
    "web-identity": WebIdentitySource;
  }
}

/** The AWS_* overrides apply to the selected profile only, and not when --profile named it. */
function useEnv(at: PlanContext): boolean {
  return at.topLevel && !at.profileFromFlag;
}

function tokenFileOf(profile: Profile, at: PlanContext): string | undefined {
  return (
    (useEnv(at) && nonEmpty(at.env.AWS_WEB_IDENTITY_TOKEN_FILE)) ||
    getString(profile, "web_identity_token_file") ||
    undefined
  );
}

/** Web identity purely from the environment, with no profile at all. */
export function webIdentityFromEnv(env: Env): WebIdentitySource | undefined {
  const tokenFile = nonEmpty(env.AWS_WEB_IDENTITY_TOKEN_FILE);
  if (!tokenFile) return undefined;
  const roleArn = nonEmpty(env.AWS_ROLE_ARN);
  if (!roleArn) {
    throw new ProfileConfigError(
      "WebIdentityWithoutRole",
      "default",
      "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not.",
      "Set AWS_ROLE_ARN to the role to assume with the web identity token.",
    );
  }
  const sessionName = nonEmpty(env.AWS_ROLE_SESSION_NAME);
  return {
    kind: "web-identity",
    roleArn,
    tokenFile,
    cached: true,
    ...(sessionName ? { roleSessionName: sessionName } : {}),
  };
}

export const webIdentity: CredentialKind<WebIdentitySource> = {
  givesRoleSession: () => true,
  kind: "web-identity",
  uses: (profile, at) => tokenFileOf(profile, at) !== undefined,
  plan(profile, at) {
    const tokenFile = tokenFileOf(profile, at)!;
    const roleArn = (useEnv(at) && nonEmpty(at.env.AWS_ROLE_ARN)) || getString(profile, "role_arn");
    if (!roleArn) {
      throw new ProfileConfigError(
        "WebIdentityWithoutRole",
        profile.name,
        `Profile "${profile.name}" has web_identity_token_file but no role_arn.`,
        `Add role_arn to [${profile.configSection?.name ?? profile.credentialsSection?.name ?? profile.name}] or set AWS_ROLE_ARN.`,
        { setting: "web_identity_token_file" },
      );
    }
    const sessionName =
      (useEnv(at) && nonEmpty(at.env.AWS_ROLE_SESSION_NAME)) || getString(profile, "role_session_name");
    return {
      kind: "web-identity",
      profile: profile.name,
      roleArn,
      tokenFile,
      cached: at.topLevel,
      ...(sessionName ? { roleSessionName: sessionName } : {}),
    };
  },
  async resolve(source, fx) {
    const key = source.cached ? webIdentityCacheKey(source) : undefined;
    const { credentials } = await throughCache(fx, key, async () => {
      let token: string;
      try {
        token = fx.readFile(source.tokenFile);
      } catch (error) {
        throw new AwsroleError(
          "WebIdentityTokenUnreadable",
          `Cannot read the web identity token file ${source.tokenFile} (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
          {
            hint: "Check web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE) and that the file exists.",
          },
        );
      }
      const sts = await fx.sts();
      return sts.assumeRoleWithWebIdentity(
        {
          RoleArn: source.roleArn,
          RoleSessionName: source.roleSessionName ?? defaultSessionName(fx.now()),
          WebIdentityToken: token,
        },
        { step: 0, of: 0, profile: source.profile, principal: `the web identity token in ${source.tokenFile}` },
      );
    });
    return credentials;
  },
  describe: () => "the web identity session",
  cacheKeys: (source) =>
    source.cached
      ? [{ key: webIdentityCacheKey(source), store: "cli", what: `AssumeRoleWithWebIdentity ${source.roleArn}` }]
      : [],
};
