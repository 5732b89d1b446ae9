import { describe, expect, it } from "vitest";
import { buildConfig, closeProfileNames } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import { shlexSplit } from "../../src/core/shlex.js";

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
function load(config: string, credentials = "") {
  return buildConfig(parseIni(config, paths.configPath), parseIni(credentials, paths.credentialsPath), paths);
}

describe("shlexSplit (Python shlex.split, POSIX)", () => {
  it.each([
    ["profile foo", ["profile", "foo"]],
    ["profile   foo", ["profile", "foo"]],
    ['profile "foo bar"', ["profile", "foo bar"]],
    ["profile 'x'", ["profile", "x"]],
    ["profile a b", ["profile", "a", "b"]],
    ['profile "a\\"b"', ["profile", 'a"b']],
    ["profile a\\ b", ["profile", "a b"]],
    ["profile\tdev.admin", ["profile", "dev.admin"]],
    ['profile "unbalanced', undefined],
    ["profile trailing\\", undefined],
  ])("%j", (input, expected) => {
    expect(shlexSplit(input)).toEqual(expected);
  });
});

describe("buildConfig: section names and the merge of the two files", () => {
  it("maps config-file sections as botocore's build_profile_map does", () => {
    const config = load(
      [
        "[profile foo]\nk = 1",
        "[profile   spaced]\nk = 2",
        '[profile "foo bar"]\nk = 3',
        "[profilefoo]\nk = 4",
        "[profile a b]\nk = 5",
        "[profile dev.admin]\nk = 6",
        "[preview]\nk = 7",
        "[sso-session corp]\nsso_region = eu-west-1",
        "[services local]\nsts =\n  endpoint_url = http://127.0.0.1:1",
      ].join("\n"),
    );
    expect([...config.profiles.keys()].sort()).toEqual(["dev.admin", "foo", "foo bar", "spaced"]);
    expect(config.ignoredSections.map((s) => s.name)).toEqual(["profilefoo", "profile a b", "preview"]);
    expect(config.ssoSessions.has("corp")).toBe(true);
    expect(config.services.get("local")?.values.sts).toEqual({ endpoint_url: "http://127.0.0.1:1" });
  });

  it.each([
    [
      "[default] then [profile default]: the later wins whole",
      "[default]\na = 1\nb = 1\n[profile default]\na = 2\n",
      { a: "2" },
    ],
    [
      "[profile default] then [default]: the later wins whole",
      "[profile default]\na = 2\n[default]\na = 1\nb = 1\n",
      { a: "1", b: "1" },
    ],
  ])("%s", (_name, text, expected) => {
    expect({ ...load(text).profiles.get("default")!.values }).toEqual(expected);
  });

  it("uses credentials-file section names verbatim", () => {
    const config = load("", "[foo]\nk = 1\n[profile bar]\nk = 2\n");
    expect([...config.profiles.keys()].sort()).toEqual(["foo", "profile bar"]);
  });

  it("merges per key, the credentials file winning, and remembers where each key came from", () => {
    const config = load(
      "[profile p]\nrole_arn = from-config\nregion = eu-west-1\n",
      "[p]\n\nrole_arn = from-credentials\n",
    );
    const p = config.profiles.get("p")!;
    expect({ ...p.values }).toEqual({ role_arn: "from-credentials", region: "eu-west-1" });
    expect(p.origins.role_arn).toEqual({ file: "credentials", path: paths.credentialsPath, line: 3 });
    expect(p.origins.region).toEqual({ file: "config", path: paths.configPath, line: 3 });
  });

  it("treats a profile defined only in the credentials file as existing", () => {
    expect(load("", "[only-creds]\naws_access_key_id = A\n").profiles.has("only-creds")).toBe(true);
  });

  it("suggests close profile names", () => {
    const config = load("[profile role-a]\n[profile role-b]\n[profile prod-admin]\n");
    expect(closeProfileNames(config, "role-x")).toEqual(["role-a", "role-b"]);
    expect(closeProfileNames(config, "admin")).toEqual(["prod-admin"]);
    expect(closeProfileNames(config, "zzzzzzzzzzzz")).toEqual([]);
  });
});
