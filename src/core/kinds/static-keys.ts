// Keys written in a profile: aws_access_key_id and aws_secret_access_key, with
// aws_session_token (or the older aws_security_token) for session keys. One
// module for both files, the file a parameter: botocore has two providers
// (SharedCredentialProvider for ~/.aws/credentials, ConfigProvider for
// ~/.aws/config) with the same rules, at two places in its order
// (src/core/kinds/index.ts), so a profile's keys in the credentials file win
// over its keys in the config file.

import { ProfileConfigError } from "../../errors.js";
import type { KeyOrigin, Profile } from "../config.js";
import type { CredentialKind, SourceBase } from "./types.js";

export interface StaticSource extends SourceBase {
  kind: "static";
  profile: string;
  origin: KeyOrigin;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

declare module "./types.js" {
  interface SourceKinds {
    static: StaticSource;
  }
}

function sectionOf(profile: Profile, file: "credentials" | "config") {
  return file === "credentials" ? profile.credentialsSection : profile.configSection;
}

export function staticKeys(file: "credentials" | "config"): CredentialKind<StaticSource> {
  return {
    kind: "static",
    // aws_access_key_id decides (botocore reads the pair when the id is there;
    // a lone secret is no credentials at all).
    uses: (profile) => typeof sectionOf(profile, file)?.values.aws_access_key_id === "string",
    plan(profile, at) {
      const section = sectionOf(profile, file)!;
      const keyId = section.values.aws_access_key_id as string;
      const secret = section.values.aws_secret_access_key;
      const path = file === "credentials" ? at.config.credentialsPath : at.config.configPath;
      if (typeof secret !== "string") {
        throw new ProfileConfigError(
          "PartialCredentials",
          profile.name,
          `Profile "${profile.name}" has aws_access_key_id but no aws_secret_access_key in ${path}.`,
          `Add aws_secret_access_key to [${section.name}] in ${path}.`,
        );
      }
      // botocore reads aws_security_token before aws_session_token.
      const token = section.values.aws_security_token ?? section.values.aws_session_token;
      return {
        kind: "static",
        profile: profile.name,
        origin: { file, path, line: section.keyLines.aws_access_key_id },
        accessKeyId: keyId,
        secretAccessKey: secret,
        ...(typeof token === "string" && token !== "" ? { sessionToken: token } : {}),
      };
    },
    resolve: async (source) => ({
      accessKeyId: source.accessKeyId,
      secretAccessKey: source.secretAccessKey,
      ...(source.sessionToken ? { sessionToken: source.sessionToken } : {}),
    }),
    describe: (source) => `the keys of profile "${source.profile}"`,
    longTermKeyId: (source) => (source.sessionToken ? undefined : source.accessKeyId),
  };
}

/** botocore SharedCredentialProvider: ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE). */
export const credentialsFileKeys = staticKeys("credentials");
/** botocore ConfigProvider: ~/.aws/config (AWS_CONFIG_FILE). */
export const configFileKeys = staticKeys("config");
