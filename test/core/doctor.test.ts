// Where `doctor` places a config error (src/core/doctor.ts plannerFinding): by
// the data the error carries (profile, setting, origin), and for an error that
// names no setting, at the key its code is about (the placement before errors
// carried their setting). One line per case.

import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { plannerFinding } from "../../src/core/doctor.js";
import { parseIni } from "../../src/core/ini.js";
import { type ConfigErrorDetails, type ErrorCode, ProfileConfigError } from "../../src/errors.js";

const CONFIG = "/h/.aws/config";
const CREDS = "/h/.aws/credentials";
const config = buildConfig(
  parseIni(
    [
      "[profile r]", // 1
      "role_arn = arn:aws:iam::123456789012:role/R", // 2
      "source_profile = base", // 3
      "duration_seconds = 99", // 4
      "[profile other]", // 5
      "region = eu-west-1", // 6
    ].join("\n"),
    CONFIG,
  ),
  parseIni(
    [
      "[base]", // 1
      "aws_access_key_id = AKIAEXAMPLE000000001", // 2
      "aws_secret_access_key = secret", // 3
      "[r]", // 4
      "role_session_name = from-credentials", // 5
    ].join("\n"),
    CREDS,
  ),
  { configPath: CONFIG, credentialsPath: CREDS },
);
const linted = config.profiles.get("r")!;

function place(code: ErrorCode, profile: string, details?: ConfigErrorDetails) {
  const finding = plannerFinding(config, linted, new ProfileConfigError(code, profile, "m", "h", details));
  return finding && [finding.profile, finding.file === CONFIG ? "config" : "credentials", finding.line];
}

describe("doctor places a config error by its data", () => {
  it.each<[string, ErrorCode, string, ConfigErrorDetails | undefined, unknown]>([
    ["at its setting's line", "BadRoleArn", "r", { setting: "role_arn" }, ["r", "config", 2]],
    ["at its setting in the credentials file", "BadDuration", "r", { setting: "role_session_name" }, ["r", "credentials", 5]],
    ["at the origin it carries, before its setting", "BadRoleArn", "r", { setting: "role_arn", origin: { path: CREDS, line: 3 } }, ["r", "credentials", 3]],
    ["the setting it carries wins over its code's", "BadDuration", "r", { setting: "role_arn" }, ["r", "config", 2]],
    ["at the section, for a setting the profile lacks", "NoSource", "r", { setting: "credential_source" }, ["r", "config", 1]],
    ["at the profile it names (a source)", "PartialCredentials", "base", { setting: "aws_secret_access_key" }, ["base", "credentials", 3]],
    ["on the linted profile, when it names none that exists", "BadRoleArn", "gone", { setting: "role_arn" }, ["r", "config", 2]],
    ["without a setting: at its code's key (BadDuration)", "BadDuration", "r", undefined, ["r", "config", 4]],
    ["without a setting: at its code's key (SourceProfileNotFound)", "SourceProfileNotFound", "r", undefined, ["r", "config", 3]],
    ["without a setting: at its code's key, on a source", "PartialCredentials", "base", undefined, ["base", "credentials", 2]],
    ["without a setting or a known key: at the section", "ServicesNotFound", "other", undefined, ["other", "config", 5]],
    ["SSO profiles are valid for the AWS CLI: no finding", "SsoUnsupported", "r", { setting: "sso_session" }, undefined],
  ])("%s", (_name, code, profile, details, expected) => {
    expect(place(code, profile, details)).toEqual(expected);
  });

  it("keeps the finding codes, message and hint", () => {
    const finding = plannerFinding(config, linted, new ProfileConfigError("BadDuration", "r", "the message", "the hint", { setting: "duration_seconds" }));
    expect(finding).toMatchObject({ severity: "error", code: "bad-duration", message: "the message", fix: "the hint" });
    const unnamed = plannerFinding(config, linted, new ProfileConfigError("ServicesNotFound", "r", "m"));
    expect(unnamed).toMatchObject({ code: "ServicesNotFound", fix: "Fix this setting." });
  });
});
