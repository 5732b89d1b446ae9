// Where a login_session profile shows up without being resolved: the picker's
// one-line summary and doctor's profile list (docs/login-session.md).

import { describe, expect, it } from "vitest";
import { choiceSummary } from "../../src/commands/picker.js";
import { buildConfig } from "../../src/core/config.js";
import { profileSummary } from "../../src/core/doctor.js";
import { parseIni } from "../../src/core/ini.js";

const ARN = "arn:aws:iam::555555555555:user/console-user";
const paths = { configPath: "/c/config", credentialsPath: "/c/credentials" };
const config = buildConfig(
  parseIni(
    `[profile console]\nlogin_session = ${ARN}\nregion = us-east-1\n[profile both]\nlogin_session = ${ARN}\ncredential_process = x\n`,
    paths.configPath,
  ),
  parseIni("[keyed]\naws_access_key_id = AKIA\naws_secret_access_key = s\n", paths.credentialsPath),
  paths,
);

describe("login_session profiles in summaries", () => {
  it("doctor lists the kind (the one classification) and the account of the ARN; login_session comes before credential_process, as in botocore", () => {
    expect(profileSummary(config.profiles.get("console")!)).toEqual({
      name: "console",
      kind: "login-session",
      role: undefined,
      account: "555555555555",
      source: undefined,
    });
    expect(profileSummary(config.profiles.get("both")!).kind).toBe("login-session");
    expect(profileSummary(config.profiles.get("keyed")!).kind).toBe("keys");
  });

  it("the picker says console login", () => {
    expect(choiceSummary(config.profiles.get("console")!, config)).toBe("console login");
    expect(choiceSummary(config.profiles.get("keyed")!, config)).toBe("keys");
  });
});
