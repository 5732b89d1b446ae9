// `awsrole doctor`: table tests of the pure lint (src/core/doctor.ts) over
// configs parsed from text, and the built command end to end (text, JSON, exit codes).

import { afterAll, describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import { closestKnownKey, lintConfig, type Finding } from "../../src/core/doctor.js";
import { makeHome, type Home } from "../e2e/harness.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback STS and temp HOMEs.
import { runCli } from "../in-process.js";

const CONFIG = "/h/.aws/config";
const CREDS = "/h/.aws/credentials";

function lint(config: string, credentials = "", only?: string) {
  const built = buildConfig(parseIni(config, CONFIG), parseIni(credentials, CREDS), {
    configPath: CONFIG,
    credentialsPath: CREDS,
  });
  return lintConfig(built, only);
}
const brief = (f: Finding) => [f.severity, f.code, f.file === CONFIG ? "config" : "credentials", f.line];

const KEYS = "[base]\naws_access_key_id = AKIAEXAMPLE000000001\naws_secret_access_key = secret\n";

describe("lintConfig", () => {
  it.each<[string, string, string, Array<Array<string | number | undefined>>]>([
    ["a clean config", "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\n", KEYS, []],
    [
      "a cycle",
      "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile " +
        "= b\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = a\n",
      "",
      [
        ["error", "cycle", "config", 3],
        ["error", "cycle", "config", 6],
      ],
    ],
    [
      "a missing source profile",
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = nope\n",
      "",
      [["error", "missing-source", "config", 3]],
    ],
    [
      "one broken profile does not hide the others' problems",
      "[profile a]\nrole_arn = arn:aws:iam::1:role/x\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = a\nduration_seconds = 7200\n",
      "",
      [
        ["error", "bad-role-arn", "config", 2],
        ["error", "no-source", "config", 2],
        ["error", "chained-duration", "config", 6],
      ],
    ],
    [
      "both source_profile and credential_source",
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\ncredential_source = Environment\n",
      KEYS,
      [["error", "both-sources", "config", 4]],
    ],
    [
      "duration_seconds over 3600 on a chained hop",
      "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile " +
        "= base\nduration_seconds = 43200\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile " +
        "= a\nduration_seconds = 7200\n",
      KEYS,
      [["error", "chained-duration", "config", 8]],
    ],
    [
      "mfa_serial on a keys profile without role_arn",
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\n",
      KEYS + "mfa_serial = arn:aws:iam::123456789012:mfa/me\n",
      [["warning", "mfa-serial-ignored", "credentials", 4]],
    ],
    [
      "mfa_serial on a source profile whose keys win over its role",
      "[profile s]\nrole_arn = arn:aws:iam::123456789012:role/S\nmfa_serial = arn:aws:iam::123456789012:mfa/me\nsource_profile " +
        "= base\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = s\n",
      KEYS + "[s]\naws_access_key_id = AKIAEXAMPLE000000002\naws_secret_access_key = x\n",
      [["warning", "mfa-serial-ignored-as-source", "config", 3]],
    ],
    [
      "typos of known keys",
      "[profile r]\nrole_ar = arn:aws:iam::123456789012:role/R\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile " +
        "= base\nregoin = eu-west-1\nmy_own_setting = x\n",
      KEYS,
      [
        ["warning", "typo", "config", 2],
        ["warning", "typo", "config", 5],
      ],
    ],
    [
      "the credentials file overriding a config key",
      "[profile base]\nregion = eu-west-1\n",
      KEYS + "region = us-east-1\n",
      [["warning", "shadowed", "credentials", 4]],
    ],
    [
      "[profile x] in the credentials file",
      "",
      "[profile x]\naws_access_key_id = A\naws_secret_access_key = B\n",
      [["warning", "profile-prefix-in-credentials", "credentials", 1]],
    ],
    [
      "sections the AWS CLI ignores",
      "[profilefoo]\nregion = x\n[profile a b]\nregion = x\n[foo]\nregion = x\n[plugins]\ncli_legacy_plugin_path = x\n",
      "",
      [
        ["warning", "ignored-section", "config", 1],
        ["warning", "ignored-section", "config", 3],
        ["warning", "ignored-section", "config", 5],
      ],
    ],
    [
      "mfa_session without mfa_serial",
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = base\nmfa_session = true\n",
      KEYS,
      [["warning", "mfa-session-without-serial", "config", 4]],
    ],
  ])("%s", (_name, config, credentials, expected) => {
    expect(lint(config, credentials).findings.map(brief)).toEqual(expected);
  });

  it("every finding says what and how to fix", () => {
    const { findings } = lint(
      "[profilefoo]\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/R\nsource_profile = nope\nregoin = x\n",
    );
    for (const f of findings) {
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.fix.length).toBeGreaterThan(5);
    }
    expect(findings.find((f) => f.code === "typo")!.fix).toBe("Rename regoin to region.");
    expect(findings.find((f) => f.code === "ignored-section")!.fix).toBe("Write [profile foo].");
  });

  it("with a profile: only that profile and its chain", () => {
    const config =
      "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = base\nregoin = x\n[profile other]\nregoin = y\n[junk]\n";
    const result = lint(config, KEYS, "a");
    expect(result.findings.map(brief)).toEqual([["warning", "typo", "config", 4]]);
    expect(result.profiles.map((p) => p.name)).toEqual(["a", "base"]);
  });

  it("summarises every profile: kind, role, account, source", () => {
    const { profiles } = lint(
      "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/path/Admin\nsource_profile = base\n[profile p]\ncredential_process = x\n",
      KEYS,
    );
    expect(profiles).toEqual([
      { name: "r", kind: "role", role: "Admin", account: "123456789012", source: "base" },
      { name: "p", kind: "process", role: undefined, account: undefined, source: undefined },
      { name: "base", kind: "keys", role: undefined, account: undefined, source: undefined },
    ]);
  });

  it.each([
    ["role_ar", "role_arn"],
    ["sourc_profile", "source_profile"],
    ["mfa_serail", "mfa_serial"],
    ["duration_second", "duration_seconds"],
    ["company_tag", undefined],
    ["s4", undefined],
  ])("closestKnownKey(%s) = %s", (key, expected) => {
    expect(closestKnownKey(key)).toBe(expected);
  });
});

describe("awsrole doctor (built CLI)", () => {
  const homes: Home[] = [];
  afterAll(() => {
    for (const h of homes) h.remove();
  });

  it("the seed config: the profile table, no problems, exit 0", async () => {
    const h = makeHome();
    homes.push(h);
    const r = await runCli(["doctor"], { PATH: process.env.PATH ?? "", ...h.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PROFILE +KIND +ROLE +ACCOUNT +SOURCE$/m);
    expect(r.stdout).toMatch(/^role-e +role +RoleE +222222222222 +role-d$/m);
    expect(r.stdout).toMatch(/No problems found\.\n$/);
  });

  it("errors: file:line, severity, message and fix; exit 1; JSON too", async () => {
    const h = makeHome({
      config:
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile " +
        "= b\n\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/B\nsource_profile = a\nregoin = x\n",
      credentials: "",
    });
    homes.push(h);
    const env = { PATH: process.env.PATH ?? "", ...h.env };
    const r = await runCli(["doctor"], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      `${h.awsDir}/config:3: error: Profiles form a cycle through source_profile: a -> b -> a.`,
    );
    expect(r.stdout).toContain(`${h.awsDir}/config:8: warning:`);
    expect(r.stdout).toContain("  fix: Rename regoin to region.");
    expect(r.stdout).toMatch(/2 errors, 1 warning\.\n$/);
    const json = await runCli(["doctor", "--output", "json"], env);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.errors).toBe(2);
    expect(parsed.findings[0]).toMatchObject({ severity: "error", code: "cycle", file: `${h.awsDir}/config`, line: 3 });
  });

  it("a file the AWS CLI cannot parse is an error finding with its line", async () => {
    const h = makeHome({ config: "[profile a]\nregion = x\nregion = y\n" });
    homes.push(h);
    const r = await runCli(["doctor"], { PATH: process.env.PATH ?? "", ...h.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${h.awsDir}/config:3: error:`);
  });

  it("an unknown profile is an error with a suggestion", async () => {
    const h = makeHome();
    homes.push(h);
    const r = await runCli(["doctor", "role-z"], { PATH: process.env.PATH ?? "", ...h.env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Did you mean "role-');
  });

  it("an unknown profile with no close name: the hint names both files", async () => {
    const h = makeHome();
    homes.push(h);
    const r = await runCli(["doctor", "zzzzzzzzzz"], { PATH: process.env.PATH ?? "", ...h.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      `hint: Profiles are read from ${h.awsDir}/config and ${h.awsDir}/credentials; run \`awsrole doctor\` to list them.`,
    );
  });

  it("a profile name with an escape sequence reaches the terminal without it", async () => {
    const h = makeHome({
      config: "[profile a\x1b]2;title\x07]\nrole_arn = arn:aws:iam::123456789012:role/A\nsource_profile = nope\n",
      credentials: "",
    });
    homes.push(h);
    const r = await runCli(["doctor"], { PATH: process.env.PATH ?? "", ...h.env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Profile "a?]2;title?" has source_profile = nope');
    expect(r.stdout).not.toMatch(/[\x1b\x07]/);
  });
});
