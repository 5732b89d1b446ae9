// The provider order (src/core/kinds/index.ts) through the planner, one case a
// line: which kind a profile's settings choose, at the top and as a source, and
// the one classification doctor and the picker show.

import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import { classifyProfile, kindOf, PROVIDERS } from "../../src/core/kinds/index.js";
import { chooseProfile, planProfile } from "../../src/core/plan.js";
import { choiceSummary } from "../../src/commands/picker.js";
import { profileSummary } from "../../src/core/doctor.js";
import { ProfileConfigError } from "../../src/errors.js";

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
const KEYS = "aws_access_key_id = AKIAEXAMPLE0000001\naws_secret_access_key = secret\n";
const CFG_KEYS = "aws_access_key_id = AKIACONFIGFILE00001\naws_secret_access_key = secret\n";
const SESSION = "aws_session_token = tok\n";
const ROLE = "role_arn = arn:aws:iam::222222222222:role/R\n";
const WEB = "web_identity_token_file = /t/token\n";
const PROC = "credential_process = /bin/creds\n";
// The legacy form: the sso-session form needs a section the one-profile bodies here cannot hold.
const SSO =
  "sso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = Admin\n";
const LOGIN = "login_session = arn:aws:iam::555555555555:user/console-user\n";
const NO_IMDS = { AWS_EC2_METADATA_DISABLED: "true" };

/** [config file body of [profile p], credentials file body of [p]] -> what the planner makes of p. */
function sourceOf(
  configBody: string,
  credentialsBody: string,
  env: Record<string, string> = NO_IMDS,
  asSource = false,
): string {
  const config = `[profile p]\n${configBody}\n[profile top]\nrole_arn = arn:aws:iam::222222222222:role/Top\nsource_profile = p\n`;
  const built = buildConfig(
    parseIni(config, paths.configPath),
    parseIni(`[p]\n${credentialsBody}`, paths.credentialsPath),
    paths,
  );
  try {
    // AWS_PROFILE in env: the profile is chosen by it, not by --profile.
    const plan = planProfile(
      built,
      chooseProfile(env.AWS_PROFILE !== undefined ? undefined : asSource ? "top" : "p", env),
      { env },
    );
    const s = plan.source;
    return s.kind === "static"
      ? `static:${s.origin.file}${s.sessionToken ? "+token" : ""}`
      : s.kind === "web-identity"
        ? `web-identity${s.cached ? ":cached" : ""}`
        : s.kind;
  } catch (error) {
    if (error instanceof ProfileConfigError) return `error:${error.code}`;
    throw error;
  }
}

describe("the provider order, as the planner applies it", () => {
  it.each<[string, string, string, Record<string, string> | undefined, string]>([
    ["keys in the credentials file", "", KEYS, undefined, "static:credentials"],
    ["keys in the config file", CFG_KEYS, "", undefined, "static:config"],
    ["session keys", "", KEYS + SESSION, undefined, "static:credentials+token"],
    ["the credentials file's keys win over the config file's", CFG_KEYS, KEYS, undefined, "static:credentials"],
    ["an id without a secret", "", "aws_access_key_id = AKIAEXAMPLE0000001\n", undefined, "error:PartialCredentials"],
    ["credential_process", PROC, "", undefined, "credential-process"],
    ["keys in the credentials file win over credential_process", PROC, KEYS, undefined, "static:credentials"],
    ["credential_process wins over keys in the config file", PROC + CFG_KEYS, "", undefined, "credential-process"],
    ["web identity (cached at the top)", ROLE + WEB, "", undefined, "web-identity:cached"],
    ["web identity wins over keys", ROLE + WEB, KEYS, undefined, "web-identity:cached"],
    ["web identity without role_arn", WEB, "", undefined, "error:WebIdentityWithoutRole"],
    [
      "AWS_WEB_IDENTITY_TOKEN_FILE applies to the selected profile",
      "",
      "",
      {
        ...NO_IMDS,
        AWS_PROFILE: "p",
        AWS_WEB_IDENTITY_TOKEN_FILE: "/t/x",
        AWS_ROLE_ARN: "arn:aws:iam::222222222222:role/E",
      },
      "web-identity:cached",
    ],
    [
      "... but not when --profile named it",
      "",
      "",
      { ...NO_IMDS, AWS_WEB_IDENTITY_TOKEN_FILE: "/t/x", AWS_ROLE_ARN: "arn:aws:iam::222222222222:role/E" },
      "error:NoCredentials",
    ],
    [
      "exported keys win over AWS_PROFILE",
      "",
      KEYS,
      { ...NO_IMDS, AWS_PROFILE: "p", AWS_ACCESS_KEY_ID: "AKIAEXPORTED00000001" },
      "environment",
    ],
    ["IAM Identity Center: the sso kind", SSO, "", undefined, "sso"],
    ["IAM Identity Center comes before the credentials file (botocore's order)", SSO, KEYS, undefined, "sso"],
    [
      "sso_session alone is a bearer-token profile, not credentials",
      "sso_session = corp\n",
      "",
      undefined,
      "error:NoCredentials",
    ],
    ["a console login session (login_session)", LOGIN, "", undefined, "login-session"],
    ["keys in the credentials file win over login_session", LOGIN, KEYS, undefined, "static:credentials"],
    [
      "login_session wins over credential_process and keys in the config file",
      LOGIN + PROC + CFG_KEYS,
      "",
      undefined,
      "login-session",
    ],
    [
      "role_arn at the top wins over login_session",
      LOGIN + ROLE + "source_profile = p\n",
      KEYS,
      undefined,
      "static:credentials",
    ],
    ["nothing, metadata disabled", "region = eu-west-1\n", "", undefined, "error:NoCredentials"],
    ["nothing: the instance role, last", "region = eu-west-1\n", "", {}, "ec2-instance-metadata"],
    [
      "nothing, in a container: the container role",
      "region = eu-west-1\n",
      "",
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds" },
      "ecs-container",
    ],
  ])("%s", (_name, configBody, credentialsBody, env, expected) => {
    expect(sourceOf(configBody, credentialsBody, env)).toBe(expected);
  });

  it.each<[string, string, string, Record<string, string> | undefined, string]>([
    ["keys", "", KEYS, undefined, "static:credentials"],
    ["web identity: not cached as a source", ROLE + WEB, "", undefined, "web-identity"],
    ["credential_process", PROC, "", undefined, "credential-process"],
    [
      "AWS_WEB_IDENTITY_TOKEN_FILE does not apply to a source profile",
      "",
      "",
      { AWS_WEB_IDENTITY_TOKEN_FILE: "/t/x", AWS_ROLE_ARN: "arn:aws:iam::222222222222:role/E" },
      "error:SourceHasNoCredentials",
    ],
    [
      "no container or instance role for a source profile",
      "region = eu-west-1\n",
      "",
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds" },
      "error:SourceHasNoCredentials",
    ],
    ["IAM Identity Center", SSO, "", undefined, "sso"],
    ["a console login session", LOGIN, "", undefined, "login-session"],
  ])("as a source profile: %s", (_name, configBody, credentialsBody, env, expected) => {
    expect(sourceOf(configBody, credentialsBody, env ?? NO_IMDS, true)).toBe(expected);
  });
});

describe("config errors the kinds raise carry their setting (doctor places them by it)", () => {
  it.each([
    ["an id without a secret", "", "aws_access_key_id = AKIAEXAMPLE0000001\n", "aws_access_key_id"],
    ["web identity without role_arn", WEB, "", "web_identity_token_file"],
  ])("%s", (_name, configBody, credentialsBody, setting) => {
    const built = buildConfig(
      parseIni(`[profile p]\n${configBody}`, paths.configPath),
      parseIni(`[p]\n${credentialsBody}`, paths.credentialsPath),
      paths,
    );
    const error = (() => {
      try {
        planProfile(built, chooseProfile("p", NO_IMDS), { env: NO_IMDS });
      } catch (e) {
        return e as ProfileConfigError;
      }
    })();
    expect(error?.setting).toBe(setting);
  });
});

describe("the one profile classification", () => {
  const profileOf = (configBody: string, credentialsBody = "") => {
    const built = buildConfig(
      parseIni(`[profile p]\n${configBody}`, paths.configPath),
      parseIni(`[p]\n${credentialsBody}`, paths.credentialsPath),
      paths,
    );
    return { profile: built.profiles.get("p")!, config: built };
  };
  it.each<[string, string, string, string, string]>([
    ["a role", ROLE + "source_profile = x\n", "", "role", "R (222222222222)"],
    ["web identity", ROLE + WEB, "", "web-identity", "R (222222222222), web identity"],
    ["keys", "", KEYS, "keys", "keys"],
    ["session keys", "", KEYS + SESSION, "session-keys", "keys"],
    ["a process", PROC, "", "process", "process"],
    ["IAM Identity Center", SSO, "", "sso", "Admin (111111111111), sso"],
    ["a console login session", LOGIN, "", "login-session", "console login"],
    ["nothing", "region = eu-west-1\n", "", "none", "no credentials"],
  ])("%s: doctor says %s", (_name, configBody, credentialsBody, doctorKind, pickerText) => {
    const { profile, config } = profileOf(configBody, credentialsBody);
    expect([
      classifyProfile(profile, config),
      profileSummary(profile, config).kind,
      choiceSummary(profile, config),
    ]).toEqual([doctorKind, doctorKind, pickerText]);
  });
});

describe("the registry", () => {
  it("lists each kind once per provider slot, and every planned kind resolves", () => {
    const order = [
      "environment",
      "web-identity",
      "sso",
      "static",
      "login-session",
      "credential-process",
      "static",
      "ecs-container",
      "ec2-instance-metadata",
    ];
    expect(PROVIDERS.map((p) => p.kind)).toEqual(order);
    for (const kind of new Set(order)) {
      expect(kindOf({ kind } as never).kind).toBe(kind);
    }
    expect(() => kindOf({ kind: "no-such-kind" } as never)).toThrow(/no credential kind "no-such-kind"/);
  });
});
