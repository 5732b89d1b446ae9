// Where `doctor` places a config error (src/core/doctor.ts plannerFinding): by
// the data the error carries (profile, setting, origin), and for an error that
// names no setting, at the key its code is about (the placement before errors
// carried their setting). One line per case.

import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { type Finding, lintConfig, plannerFinding } from "../../src/core/doctor.js";
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
  // biome-ignore format: one line per case
  it.each<[string, ErrorCode, string, ConfigErrorDetails | undefined, unknown]>([
    ["at its setting's line", "BadRoleArn", "r", { setting: "role_arn" }, ["r", "config", 2]],
    ["at its setting in the credentials file", "BadDuration", "r", { setting: "role_session_name" }, ["r", "credentials", 5]],
    ["at the origin it carries, before its setting", "BadRoleArn", "r", { setting: "role_arn", origin: { path: CREDS, line: 3 } }, ["r", "credentials", 3]],
    ["the setting it carries wins over its code's", "BadDuration", "r", { setting: "role_arn" }, ["r", "config", 2]],
    ["at the section, for a setting the profile lacks", "NoSource", "r", { setting: "credential_source" }, ["r", "config", 1]],
    ["at the profile it names (a source)", "PartialCredentials", "base", { setting: "aws_secret_access_key" }, ["base", "credentials", 3]],
    ["on the linted profile, when it names none that exists", "BadRoleArn", "gone", { setting: "role_arn" }, ["r", "config", 2]],
    // Every thrower names its setting now; the code-to-key table is gone, so an error without one goes to the section.
    ["without a setting: at the section", "BadDuration", "r", undefined, ["r", "config", 1]],
    ["without a setting: at the section, on a source", "PartialCredentials", "base", undefined, ["base", "credentials", 1]],
    ["without a setting: at the section of the profile it names", "ServicesNotFound", "other", undefined, ["other", "config", 5]],
  ])("%s", (_name, code, profile, details, expected) => {
    expect(place(code, profile, details)).toEqual(expected);
  });

  it("keeps the finding codes, message and hint", () => {
    const finding = plannerFinding(
      config,
      linted,
      new ProfileConfigError("BadDuration", "r", "the message", "the hint", { setting: "duration_seconds" }),
    );
    expect(finding).toMatchObject({ severity: "error", code: "bad-duration", message: "the message", fix: "the hint" });
    const unnamed = plannerFinding(config, linted, new ProfileConfigError("ServicesNotFound", "r", "m"));
    expect(unnamed).toMatchObject({ code: "ServicesNotFound", fix: "Fix this setting." });
  });
});

// The planner's refusals, linted from real files: each at the line it is about.
// These hold the placement while the planner's errors come to carry their setting.
describe("lintConfig places each planner refusal", () => {
  const ROLE = "role_arn = arn:aws:iam::123456789012:role/R";
  const KEYS = "[base]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = secret\n";
  type Placed = [string, string | undefined, string, number | undefined];
  function lint(configText: string, credentialsText = KEYS): Placed[] {
    const built = buildConfig(parseIni(configText, CONFIG), parseIni(credentialsText, CREDS), {
      configPath: CONFIG,
      credentialsPath: CREDS,
    });
    const brief = (f: Finding): Placed => [f.code, f.profile, f.file === CONFIG ? "config" : "credentials", f.line];
    return lintConfig(built)
      .findings.filter((f) => f.severity === "error")
      .map(brief);
  }
  const SOURCE_WITHOUT_KEYS = `[profile s]\nregion = eu-west-1\n[profile r]\n${ROLE}\nsource_profile = s\n`;
  // biome-ignore format: one line per case
  it.each<[string, string, string | undefined, Placed[]]>([
    ["a bad credential_source", `[profile r]\n${ROLE}\ncredential_source = Ec2\n`, undefined, [["bad-credential-source", "r", "config", 3]]],
    ["a bad duration_seconds", `[profile r]\n${ROLE}\nsource_profile = base\nduration_seconds = 60\n`, undefined, [["bad-duration", "r", "config", 4]]],
    ["half a key pair", "[profile r]\nregion = eu-west-1\n", "[r]\naws_access_key_id = AKIAEXAMPLE000000001\n", [["partial-keys", "r", "credentials", 2]]],
    ["web identity without a role", "[profile r]\nweb_identity_token_file = /t\n", "", [["web-identity-without-role", "r", "config", 2]]],
    ["a source without credentials, once, at the source", SOURCE_WITHOUT_KEYS, "", [["source-without-credentials", "s", "config", 1]]],
    ["a missing source profile", `[profile r]\n${ROLE}\nsource_profile = nope\n`, undefined, [["missing-source", "r", "config", 3]]],
    ["role_arn without a source", `[profile r]\nregion = eu-west-1\n${ROLE}\n`, "", [["no-source", "r", "config", 3]]],
  ])("%s", (_name, configText, credentialsText, expected) => {
    expect(lint(configText, credentialsText)).toEqual(expected);
  });
});
