import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import { chooseProfile, planProfile, type Plan } from "../../src/core/plan.js";
import { ProfileConfigError } from "../../src/errors.js";

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
const seeds = (name: string) => readFileSync(new URL(`../fixtures/seeds/${name}`, import.meta.url), "utf8");

function configOf(config: string, credentials = "") {
  return buildConfig(parseIni(config, paths.configPath), parseIni(credentials, paths.credentialsPath), paths);
}
function plan(
  config: string,
  credentials: string,
  profile: string | undefined,
  env: Record<string, string> = {},
): Plan {
  return planProfile(configOf(config, credentials), chooseProfile(profile, env), { env });
}
/** A compact picture of a plan: source kind/profile, then each hop's profile and role. */
function shape(p: Plan) {
  const source = "profile" in p.source && p.source.profile ? `${p.source.kind}:${p.source.profile}` : p.source.kind;
  return [source, ...p.hops.map((h) => `${h.profile}>${h.roleArn.split("/").pop()}`)];
}
function planError(
  config: string,
  credentials: string,
  profile: string | undefined,
  env: Record<string, string> = {},
): ProfileConfigError {
  try {
    plan(config, credentials, profile, env);
  } catch (error) {
    if (error instanceof ProfileConfigError) return error;
    throw error;
  }
  throw new Error("expected a ProfileConfigError");
}

const KEYS = "aws_access_key_id = AKIAEXAMPLE0000001\naws_secret_access_key = secret\n";
const role = (name: string, extra = "") => `role_arn = arn:aws:iam::222222222222:role/${name}\n${extra}`;

describe("planProfile on the seed configs", () => {
  it("user1 -> s3-developer, with the role profile in the credentials file", () => {
    const p = plan(seeds("config"), seeds("credentials"), "s3-developer");
    expect(shape(p)).toEqual(["static:user1", "s3-developer>s3-developer"]);
    expect(p.source).toMatchObject({
      kind: "static",
      accessKeyId: "AKIAUSER1S3DEV000001",
      origin: { file: "credentials" },
    });
    expect(p.hops[0]).toEqual({
      profile: "s3-developer",
      roleArn: "arn:aws:iam::123456789012:role/s3-developer",
      chained: false,
    });
  });

  it("default -> RoleA (MFA) -> RoleB -> RoleC -> RoleD -> RoleE: five hops, innermost first", () => {
    const p = plan(seeds("config"), seeds("credentials"), "role-e");
    expect(shape(p)).toEqual([
      "static:default",
      "role-a>RoleA",
      "role-b>RoleB",
      "role-c>RoleC",
      "role-d>RoleD",
      "role-e>RoleE",
    ]);
    expect(p.hops.map((h) => h.mfaSerial)).toEqual([
      "arn:aws:iam::111111111111:mfa/User1",
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(p.hops.map((h) => h.chained)).toEqual([false, true, true, true, true]);
  });

  it("the manual flow as a profile sends session name and duration", () => {
    const p = plan(seeds("config"), seeds("credentials"), "s3_test");
    expect(p.hops).toEqual([
      {
        profile: "s3_test",
        roleArn: "arn:aws:iam::333333333333:role/s3_role",
        roleSessionName: "s3_role",
        durationSeconds: 3600,
        chained: false,
      },
    ]);
  });

  it("a plain key profile has no hops", () => {
    expect(shape(plan(seeds("config"), seeds("credentials"), "user1"))).toEqual(["static:user1"]);
  });
});

describe("planProfile: the AWS CLI's precedence rules", () => {
  it("role_arn wins over keys at the top level", () => {
    const p = plan(`[profile p]\n${KEYS}${role("R", "source_profile = src\n")}[profile src]\n${KEYS}`, "", "p");
    expect(shape(p)).toEqual(["static:src", "p>R"]);
  });

  it("static keys win over role_arn in a source profile", () => {
    const p = plan(
      `[profile top]\n${role("Top", "source_profile = mid\n")}[profile mid]\n${KEYS}${role("Mid", "source_profile = base\n")}[profile base]\n${KEYS}`,
      "",
      "top",
    );
    expect(shape(p)).toEqual(["static:mid", "top>Top"]);
  });

  it("a profile may source itself when it has its own keys", () => {
    const p = plan(`[profile self]\n${KEYS}${role("Self", "source_profile = self\n")}`, "", "self");
    expect(shape(p)).toEqual(["static:self", "self>Self"]);
  });

  it("keys in the credentials file beat keys in the config file", () => {
    const p = plan(
      `[profile k]\naws_access_key_id = FROMCONFIG\naws_secret_access_key = c\n`,
      "[k]\naws_access_key_id = FROMCREDS\naws_secret_access_key = s\n",
      "k",
    );
    expect(p.source).toMatchObject({ kind: "static", accessKeyId: "FROMCREDS", origin: { file: "credentials" } });
  });

  it("reads aws_security_token before aws_session_token", () => {
    const p = plan(
      "",
      "[s]\naws_access_key_id = A\naws_secret_access_key = B\naws_session_token = T2\naws_security_token = T1\n",
      "s",
    );
    expect(p.source).toMatchObject({ sessionToken: "T1" });
  });

  it.each([
    ["Environment", "environment"],
    ["Ec2InstanceMetadata", "ec2-instance-metadata"],
    ["EcsContainer", "ecs-container"],
  ])("credential_source = %s", (name, kind) => {
    const p = plan(`[profile ci]\n${role("Ci", `credential_source = ${name}\n`)}`, "", "ci");
    expect(p.source.kind).toBe(kind);
    expect(p.hops).toHaveLength(1);
  });

  it("credential_process in a source profile", () => {
    const p = plan(
      `[profile top]\n${role("Top", "source_profile = proc\n")}[profile proc]\ncredential_process = /bin/creds --json\n`,
      "",
      "top",
    );
    expect(p.source).toEqual({ kind: "credential-process", profile: "proc", command: "/bin/creds --json" });
  });

  it("web identity at the top level, and as a source (then not cached on disk)", () => {
    const config = `[profile web]\n${role("Web", "web_identity_token_file = /var/token\n")}[profile after]\n${role("After", "source_profile = web\n")}`;
    expect(plan(config, "", "web")).toMatchObject({
      source: { kind: "web-identity", tokenFile: "/var/token", cached: true },
      hops: [],
    });
    const chained = plan(config, "", "after");
    expect(chained.source).toMatchObject({ kind: "web-identity", cached: false });
    expect(chained.hops[0]!.chained).toBe(true);
  });

  // A role assumed with a role session's credentials is role chaining (STS caps it at 3600 s).
  it.each<[string, boolean, string]>([
    ["an IAM Identity Center role", true, "sso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n"],
    [
      "a console login as an assumed role",
      true,
      "login_session = arn:aws:sts::111111111111:assumed-role/Admin/alice\n",
    ],
    ["a console login as an IAM user", false, "login_session = arn:aws:iam::111111111111:user/alice\n"],
    ["a credential_process", false, "credential_process = /bin/creds\n"],
  ])("a role on %s as its source: chained is %s", (_name, chained, sourceBody) => {
    const sso = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n";
    const config = `${sso}[profile src]\n${sourceBody}region = us-east-1\n[profile top]\n${role("Top", "source_profile = src\n")}`;
    expect(plan(config, "", "top").hops.map((h) => h.chained)).toEqual([chained]);
  });

  it("web identity from the environment overrides the profile unless --profile is given", () => {
    const config = `[profile web]\n${role("Web", "web_identity_token_file = /var/token\n")}`;
    const env = {
      AWS_PROFILE: "web",
      AWS_WEB_IDENTITY_TOKEN_FILE: "/env/token",
      AWS_ROLE_ARN: "arn:aws:iam::1:role/Env",
    };
    expect(plan(config, "", undefined, env).source).toMatchObject({
      tokenFile: "/env/token",
      roleArn: "arn:aws:iam::1:role/Env",
    });
    expect(plan(config, "", "web", env).source).toMatchObject({ tokenFile: "/var/token" });
  });

  it("per-hop settings come from each hop's own profile; empty role_session_name is unset", () => {
    const config =
      `[profile a]\n${role("A", "source_profile = base\nexternal_id = ext-123\nduration_seconds = 1800\nrole_session_name =\n")}[profile ` +
      `b]\n${role("B", "source_profile = a\nrole_session_name = hop-b\n")}[profile base]\n${KEYS}`;
    expect(plan(config, "", "b").hops).toEqual([
      {
        profile: "a",
        roleArn: "arn:aws:iam::222222222222:role/A",
        externalId: "ext-123",
        durationSeconds: 1800,
        chained: false,
      },
      { profile: "b", roleArn: "arn:aws:iam::222222222222:role/B", roleSessionName: "hop-b", chained: true },
    ]);
  });

  it.each([
    ["3600", 3600],
    [" +3600 ", 3600],
    ["3_600", 3600],
    ["900", 900],
    ["43200", 43200],
  ])("duration_seconds %j parses as Python int()", (raw, value) => {
    expect(
      plan(`[profile p]\n${role("P", `source_profile = b\nduration_seconds = ${raw}\n`)}[profile b]\n${KEYS}`, "", "p")
        .hops[0]!.durationSeconds,
    ).toBe(value);
  });
});

describe("planProfile: the end of the AWS CLI's provider chain (container role, then instance role)", () => {
  const bare = "[profile bare]\nregion = us-east-1\n";
  it.each([
    [
      "a profile with no credentials, in a container",
      bare,
      "bare",
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/x" },
      { kind: "ecs-container", profile: "bare", fallback: true },
    ],
    [
      "a profile with no credentials, elsewhere: the instance role",
      bare,
      "bare",
      {},
      { kind: "ec2-instance-metadata", profile: "bare", fallback: true },
    ],
    ["no profile given and no [default]", bare, undefined, {}, { kind: "ec2-instance-metadata", fallback: true }],
    [
      "no profile given, no [default], in a container",
      bare,
      undefined,
      { AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://127.0.0.1:1/creds" },
      { kind: "ecs-container", fallback: true },
    ],
  ])("%s", (_name, config, profile, env, source) => {
    const p = plan(config, "", profile, env as Record<string, string>);
    expect(p.source).toEqual(source);
    expect(p.hops).toEqual([]);
  });

  it("AWS_EC2_METADATA_DISABLED turns the instance role off, as in botocore", () => {
    expect(planError(bare, "", "bare", { AWS_EC2_METADATA_DISABLED: "true" }).code).toBe("NoCredentials");
    expect(planError(bare, "", undefined, { AWS_EC2_METADATA_DISABLED: "true" }).code).toBe("ProfileNotFound");
  });

  it("a profile named but missing is still an error (no fallback), as in botocore", () => {
    expect(planError(bare, "", "nope").code).toBe("ProfileNotFound");
    expect(planError(bare, "", undefined, { AWS_PROFILE: "nope" }).code).toBe("ProfileNotFound");
  });
});

describe("planProfile: choosing the profile", () => {
  const config = `[profile a]\n${KEYS}[profile b]\n${KEYS}[default]\n${KEYS}`;
  it.each([
    ["flag", "a", { AWS_PROFILE: "b" }, "a"],
    ["AWS_PROFILE", undefined, { AWS_PROFILE: "a", AWS_DEFAULT_PROFILE: "b" }, "a"],
    ["AWS_DEFAULT_PROFILE", undefined, { AWS_DEFAULT_PROFILE: "b" }, "b"],
    ["default", undefined, {}, "default"],
  ])("%s", (_name, flag, env, expected) => {
    expect(plan(config, "", flag, env as Record<string, string>).profile).toBe(expected);
  });

  it("exported keys win over AWS_PROFILE, but not over an explicit profile", () => {
    const env = { AWS_PROFILE: "a", AWS_ACCESS_KEY_ID: "AKIAENV", AWS_SECRET_ACCESS_KEY: "x" };
    expect(plan(config, "", undefined, env).source).toEqual({ kind: "environment", reason: "environment-variables" });
    expect(plan(config, "", "a", env).source.kind).toBe("static");
  });

  it("a missing AWS_PROFILE is an error even when keys are exported, as in the AWS CLI", () => {
    const error = planError(config, "", undefined, {
      AWS_PROFILE: "nonexist",
      AWS_ACCESS_KEY_ID: "AKIAENV",
      AWS_SECRET_ACCESS_KEY: "x",
    });
    expect(error.code).toBe("ProfileNotFound");
    expect(error.message).toContain('"nonexist" could not be found (from AWS_PROFILE)');
  });

  it("an empty AWS_PROFILE names the empty profile, as in the AWS CLI", () => {
    expect(planError(config, "", undefined, { AWS_PROFILE: "" }).code).toBe("ProfileNotFound");
  });
});

describe("planProfile: errors a user can act on", () => {
  const base = `[profile base]\n${KEYS}`;
  it.each([
    [
      "profile not found, with close names",
      `[profile role-a]\n${KEYS}[profile role-b]\n${KEYS}`,
      "role-c",
      "ProfileNotFound",
      /"role-c" could not be found/,
      /Did you mean "role-a" or "role-b"/,
    ],
    [
      "source profile not found",
      `[profile p]\n${role("P", "source_profile = basee\n")}${base}`,
      "p",
      "SourceProfileNotFound",
      /source_profile = basee.*no profile "basee"/,
      /Did you mean "base"/,
    ],
    [
      "both sources",
      `[profile p]\n${role("P", "source_profile = base\ncredential_source = Environment\n")}${base}`,
      "p",
      "BothSources",
      /both source_profile and credential_source/,
      /Keep only one/,
    ],
    [
      "neither source",
      `[profile p]\n${role("P")}`,
      "p",
      "NoSource",
      /neither source_profile nor credential_source/,
      /Add source_profile/,
    ],
    [
      "unknown credential_source",
      `[profile p]\n${role("P", "credential_source = Lambda\n")}`,
      "p",
      "BadCredentialSource",
      /Lambda, which is not a valid source/,
      /Environment, Ec2InstanceMetadata, EcsContainer/,
    ],
    [
      "credential_source in the wrong case",
      `[profile p]\n${role("P", "credential_source = environment\n")}`,
      "p",
      "BadCredentialSource",
      /environment/,
      /credential_source = Environment/,
    ],
    [
      "role_arn that is not a role ARN",
      `[profile p]\nrole_arn = arn:aws:iam::222222222222:user/Bob\nsource_profile = base\n${base}`,
      "p",
      "BadRoleArn",
      /not an IAM role ARN/,
      /arn:aws:iam::123456789012:role\/NAME/,
    ],
    [
      "duration_seconds with a unit",
      `[profile p]\n${role("P", "source_profile = base\nduration_seconds = 1h\n")}${base}`,
      "p",
      "BadDuration",
      /duration_seconds = 1h/,
      /3600/,
    ],
    [
      "duration_seconds below 900",
      `[profile p]\n${role("P", "source_profile = base\nduration_seconds = 100\n")}${base}`,
      "p",
      "BadDuration",
      /100/,
      /duration_seconds/,
    ],
    [
      "duration_seconds above 43200",
      `[profile p]\n${role("P", "source_profile = base\nduration_seconds = 50000\n")}${base}`,
      "p",
      "BadDuration",
      /50000/,
      /duration_seconds/,
    ],
    [
      "source profile without credentials",
      `[profile p]\n${role("P", "source_profile = empty\n")}[profile empty]\nregion = x\n`,
      "p",
      "SourceHasNoCredentials",
      /"empty" \(used by "p"\) has no credentials/,
      /aws_access_key_id/,
    ],
    [
      "source profile with only credential_source",
      `[profile p]\n${role("P", "source_profile = cs\n")}[profile cs]\ncredential_source = Environment\n`,
      "p",
      "SourceHasNoCredentials",
      /"cs"/,
      /cannot use credential_source without role_arn/,
    ],
    [
      "partial keys",
      `[profile p]\n${role("P", "source_profile = half\n")}`,
      "p",
      "PartialCredentials",
      /"half" has aws_access_key_id but no aws_secret_access_key/,
      /Add aws_secret_access_key/,
    ],
    [
      "a profile with nothing",
      "[profile nothing]\nregion = x\n",
      "nothing",
      "NoCredentials",
      /"nothing" has no credentials/,
      /role_arn/,
    ],
    [
      "web identity without a role",
      "[profile w]\nweb_identity_token_file = /t\n",
      "w",
      "WebIdentityWithoutRole",
      /no role_arn/,
      /AWS_ROLE_ARN/,
    ],
  ])("%s", (_name, config, profile, code, message, hint) => {
    const credentials = _name === "partial keys" ? "[half]\naws_access_key_id = A\n" : "";
    // IMDS disabled: otherwise a profile with nothing falls back to the instance role (below).
    const error = planError(config, credentials, profile, { AWS_EC2_METADATA_DISABLED: "true" });
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(hint);
  });

  it.each([
    [
      "a two-profile loop",
      `[profile A]\n${role("A", "source_profile = B\n")}[profile B]\n${role("B", "source_profile = A\n")}`,
      "A",
      "A -> B -> A",
    ],
    [
      "a loop entered from outside",
      `[profile X]\n${role("X", "source_profile = A\n")}[profile A]\n${role("A", "source_profile = B\n")}[profile ` +
        `B]\n${role("B", "source_profile = C\n")}[profile C]\n${role("C", "source_profile = A\n")}`,
      "X",
      "A -> B -> C -> A",
    ],
    ["self without keys", `[profile S]\n${role("S", "source_profile = S\n")}`, "S", "S -> S"],
  ])("cycle: %s names every profile in order", (_name, config, profile, loop) => {
    const error = planError(config, "", profile);
    expect(error.code).toBe("Cycle");
    expect(error.message).toContain(loop);
  });

  it("the seed chain made into a loop (role-a sources role-b) is entered at role-b from role-e", () => {
    const config = seeds("config").replace("source_profile = default", "source_profile = role-b");
    expect(planError(config, seeds("credentials"), "role-e").message).toContain("role-b -> role-a -> role-b");
    expect(planError(config, seeds("credentials"), "role-a").message).toContain("role-a -> role-b -> role-a");
  });
});
