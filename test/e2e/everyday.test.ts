// Everyday use as a new user meets it (issue 15): cache clear's scope, the
// region rule, --write-profile onto role profiles, errors for exported keys.
// The built CLI against the loopback STS, in throw-away HOMEs.

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, baseEnv, callsOf, runCli as spawnCli, seedWorld, type RunResult } from "./harness.js";
// In-process (test/in-process.ts); exec's child writes to the process's own stdout, so exec is spawned.
import { runCli } from "../in-process.js";
import { runCommand } from "../tools/run-command.js";

const world = seedWorld();
const home = world.home;

describe("cache clear PROFILE", () => {
  it("removes only the profile's own session by default, so the chain it came from needs no new MFA code", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-c", "--token-code", "123456"], env);
    expect(h.cacheFiles()).toHaveLength(3);
    const cleared = await runCli(["cache", "clear", "role-c"], env);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^Removed 1 cached credential of profile role-c from .*\.\n$/);
    expect(cleared.stderr).toContain(
      "kept the sessions of role-a, role-b, which role-c is assumed from; add --chain to clear them too.",
    );
    expect(h.cacheFiles()).toHaveLength(2);
    world.sts.reset();
    // role-b is still cached: no prompt (there is no terminal here), no STS call.
    const again = await runCli(["export", "role-b"], env);
    expect(again.code).toBe(0);
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("--chain removes the whole chain's sessions, and the count is the files removed", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-b", "--token-code", "123456"], env);
    expect(h.cacheFiles()).toHaveLength(2);
    // role-c's own hop was never cached: 2 removed, not 3.
    const cleared = await runCli(["cache", "clear", "role-c", "--chain"], env);
    expect(cleared.stdout).toMatch(/^Removed 2 cached credentials of profile role-c and its chain from /);
    expect(h.cacheFiles()).toEqual([]);
  });

  it("--chain without a profile is a usage error", async () => {
    const result = await runCli(["cache", "clear", "--chain"], baseEnv(home(), world.sts));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("--chain goes with a profile");
  });
});

// Two key profiles with different regions, and one without a region.
const REGION_CONFIG = `[default]
region = ap-northeast-1
[profile user1]
region = ap-northeast-1
[profile paris]
region = eu-west-3
[profile no_skill]
`;
const REGION_CREDENTIALS = `[user1]
aws_access_key_id = AKIAUSER1S3DEV000001
aws_secret_access_key = user1s3devSecretKey000000000000000000001
[paris]
aws_access_key_id = AKIAUSER1S3DEV000001
aws_secret_access_key = user1s3devSecretKey000000000000000000001
[no_skill]
aws_access_key_id = AKIANOSKILL000000001
aws_secret_access_key = NoSkillSecretKey000000000000000000000001
`;

/** Run a bash script with `awsrole` as a function for the built CLI. */
async function bash(script: string, env: Record<string, string>): Promise<RunResult> {
  const prelude = `awsrole() { "${process.execPath}" "${BIN}" "$@"; }\n`;
  const { code, signal, stdout, stderr } = await runCommand("bash", ["--noprofile", "--norc", "-c", prelude + script], {
    env,
    input: "",
    timeoutMs: 25_000,
  });
  return { code, signal, stdout, stderr };
}

describe("the region follows the profile when awsrole set it, and stays when the user did", () => {
  it("export then export: awsrole's region is replaced by the next profile's, or removed when it has none", async () => {
    const h = home({ config: REGION_CONFIG, credentials: REGION_CREDENTIALS });
    const env = baseEnv(h, undefined);
    const result = await bash(
      `eval "$(awsrole export paris)"; echo "1 $AWS_REGION $AWS_DEFAULT_REGION"
       eval "$(awsrole export user1)"; echo "2 $AWS_REGION $AWS_DEFAULT_REGION"
       eval "$(awsrole export no_skill)"; echo "3 \${AWS_REGION-unset} \${AWS_DEFAULT_REGION-unset} \${AWSROLE_REGION-unset}"
       eval "$(awsrole export no_skill --region us-west-2)"; echo "4 $AWS_REGION"
       eval "$(awsrole export paris)"; echo "5 $AWS_REGION"
       awsrole exec user1 -- sh -c 'echo "6 $AWS_REGION $AWS_DEFAULT_REGION $AWSROLE_REGION"'`,
      env,
    );
    expect(result.stderr).toBe("");
    expect(result.stdout.split("\n").filter(Boolean)).toEqual([
      "1 eu-west-3 eu-west-3",
      "2 ap-northeast-1 ap-northeast-1",
      "3 unset unset unset",
      "4 us-west-2",
      "5 eu-west-3",
      "6 ap-northeast-1 ap-northeast-1 ap-northeast-1",
    ]);
  });

  it("a region the user set stays, with a warning when the profile names another; --region overrides it", async () => {
    const h = home({ config: REGION_CONFIG, credentials: REGION_CREDENTIALS });
    const env = baseEnv(h, undefined, { AWS_REGION: "us-east-1" });
    const kept = await runCli(["export", "paris"], env);
    expect(kept.code).toBe(0);
    expect(kept.stdout).not.toContain("REGION");
    expect(kept.stderr).toBe(
      "awsrole: warning: keeping AWS_REGION=us-east-1 from this shell; profile paris's region is eu-west-3 (pass --region eu-west-3 to use it).\n",
    );
    for (const format of ["fish", "powershell", "env-no-export"]) {
      const other = await runCli(["export", "paris", "--format", format], env);
      expect(other.stdout).not.toContain("REGION");
      expect(other.stderr).toContain("keeping AWS_REGION=us-east-1");
    }
    // Data formats are not evaluated into this shell: no warning about its variables.
    expect((await runCli(["export", "paris", "--format", "json"], env)).stderr).toBe("");
    const flagged = await runCli(["export", "paris", "--region", "eu-west-3", "--format", "fish"], env);
    expect(flagged.stderr).toBe("");
    expect(flagged.stdout).toContain(
      "set -gx AWS_REGION 'eu-west-3'\nset -gx AWS_DEFAULT_REGION 'eu-west-3'\nset -gx AWSROLE_REGION 'eu-west-3'\n",
    );
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    const child = await spawnCli(["exec", "paris", "--", "sh", "-c", 'echo "$AWS_REGION ${AWSROLE_REGION-none}"'], env);
    expect(child.stdout).toBe("us-east-1 none\n");
    expect(child.stderr).toContain("keeping AWS_REGION=us-east-1");
    // A user's region that merely equals an old marker's value is still the user's once it differs.
    const changed = await runCli(["export", "user1"], { ...env, AWSROLE_REGION: "eu-west-3" });
    expect(changed.stdout).not.toContain("REGION");
  });

  it("fish and powershell: awsrole's region is unset when the next profile has none", async () => {
    const h = home({ config: REGION_CONFIG, credentials: REGION_CREDENTIALS });
    const env = baseEnv(h, undefined, {
      AWS_REGION: "eu-west-3",
      AWS_DEFAULT_REGION: "eu-west-3",
      AWSROLE_REGION: "eu-west-3",
    });
    expect((await runCli(["export", "no_skill", "--format", "fish"], env)).stdout).toContain(
      "set -e AWS_REGION\nset -e AWS_DEFAULT_REGION\nset -e AWSROLE_REGION\n",
    );
    expect((await runCli(["export", "no_skill", "--format", "powershell"], env)).stdout).toContain(
      "Remove-Item Env:AWSROLE_REGION -ErrorAction SilentlyContinue\n",
    );
  });
});

describe("assume --write-profile onto a profile whose keys nothing would read", () => {
  it("refuses a role profile before any STS call, leaves the file alone, and doctor flags such a profile", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const path = join(h.awsDir, "credentials");
    const before = readFileSync(path, "utf8");
    const result = await runCli(["assume", "role-b", "--token-code", "123456", "--write-profile", "s3_test"], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(`Profile "s3_test" sets role_arn (${h.awsDir}/config:`);
    expect(result.stderr).toContain("so keys written into [s3_test] would never be used");
    expect(result.stderr).toContain("hint: Write to a name no profile uses, e.g. --write-profile s3_test-session.");
    expect(callsOf(world.sts)).toEqual([]);
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(h.awsDir).filter((f) => f.includes("backup"))).toEqual([]);
    // The hint's name works.
    const ok = await runCli(["assume", "role-b", "--token-code", "123456", "--write-profile", "s3_test-session"], env);
    expect(ok.code).toBe(0);

    // A profile that already has both (written by hand, or by an older awsrole).
    writeFileSync(
      path,
      before +
        "\n[s3_test]\naws_access_key_id = ASIAEXAMPLE000000001\naws_secret_access_key = x\naws_session_token = y\n",
    );
    const doctor = await runCli(["doctor", "--output", "json"], env);
    const findings = JSON.parse(doctor.stdout).findings as Array<{
      code: string;
      profile: string;
      file: string;
      line: number;
      message: string;
    }>;
    const found = findings.find((f) => f.code === "keys-ignored");
    expect(found).toMatchObject({ profile: "s3_test", file: path, line: before.split("\n").length + 2 });
    expect(found!.message).toContain("selected by name, the AWS CLI and awsrole use its role_arn and never these keys");
    const text = await runCli(["doctor"], env);
    expect(text.stdout).not.toContain("No problems found");
  });
});

describe("errors and warnings about keys exported in the shell", () => {
  const bogus = {
    AWS_ACCESS_KEY_ID: "AKIABOGUS00000000001",
    AWS_SECRET_ACCESS_KEY: "BogusSecretKey0000000000000000000000001",
  };

  it("whoami with an unknown exported key says the keys came from the environment and how to get rid of them", async () => {
    const h = home();
    const result = await runCli(["whoami"], baseEnv(h, world.sts, bogus));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      "awsrole: The keys exported in this shell (AWS_ACCESS_KEY_ID): STS refused GetCallerIdentity for the keys in AWS_ACCESS_KEY_ID: InvalidClientTokenId",
    );
    expect(result.stderr).toContain("it came from this shell's environment, not a file");
    expect(result.stderr).toContain(
      'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN, or export a profile again: eval "$(awsrole export PROFILE)".',
    );
    expect(result.stderr).not.toContain("aws_access_key_id");
    expect(result.stderr).not.toContain(bogus.AWS_SECRET_ACCESS_KEY);
  });

  it("a wrong exported secret is named as the environment's too", async () => {
    const h = home();
    const result = await runCli(
      ["whoami"],
      baseEnv(h, world.sts, {
        AWS_ACCESS_KEY_ID: "AKIAUSER1CHAIN000001",
        AWS_SECRET_ACCESS_KEY: bogus.AWS_SECRET_ACCESS_KEY,
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "AWS_SECRET_ACCESS_KEY does not match AWS_ACCESS_KEY_ID (both came from this shell's environment, not a file)",
    );
  });

  it("export of the exported keys mentions AWS_PROFILE only when it is set", async () => {
    const h = home();
    const plain = await runCli(["export"], baseEnv(h, world.sts, bogus));
    expect(plain.code).toBe(0);
    expect(plain.stderr).toBe(
      "awsrole: warning: exporting the credentials already in AWS_ACCESS_KEY_ID; name a profile to switch.\n",
    );
    const withProfile = await runCli(["export"], baseEnv(h, world.sts, { ...bogus, AWS_PROFILE: "role-b" }));
    expect(withProfile.stderr).toContain("(they win over AWS_PROFILE=role-b)");
  });
});

describe("--format dotenv, for docker --env-file and docker compose", () => {
  it("KEY=value lines without quotes: docker takes the value literally after the first =, so it must carry none", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const result = await runCli(
      ["export", "role-b", "--token-code", "123456", "--format", "dotenv", "--region", "eu-west-3"],
      env,
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n").filter(Boolean);
    expect(lines.map((l) => l.split("=")[0])).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_CREDENTIAL_EXPIRATION",
      "AWS_REGION",
      "AWS_DEFAULT_REGION",
    ]);
    for (const line of lines) expect(line).toMatch(/^[A-Z_]+=[A-Za-z0-9_./+=:@,-]+$/);
    // docker's reading (value = everything after the first "=") gives the same credentials as the JSON format.
    const docker = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    const json = JSON.parse((await runCli(["export", "role-b", "--format", "json"], env)).stdout);
    expect([
      docker.AWS_ACCESS_KEY_ID,
      docker.AWS_SECRET_ACCESS_KEY,
      docker.AWS_SESSION_TOKEN,
      docker.AWS_CREDENTIAL_EXPIRATION,
    ]).toEqual([json.AccessKeyId, json.SecretAccessKey, json.SessionToken, json.Expiration]);
    // And sh reads the file the same way.
    const file = join(h.dir, ".env");
    writeFileSync(file, result.stdout);
    const sh = await runCommand("sh", ["-c", `set -a; . '${file}'; printf '%s' "$AWS_SECRET_ACCESS_KEY"`], {
      env: { PATH: env.PATH! },
      input: "",
      timeoutMs: 10_000,
    });
    expect(sh.stdout).toBe(json.SecretAccessKey);
  });

  it("a value that docker and compose would read differently is refused, naming the variable, and nothing is printed", async () => {
    const h = home({
      config:
        `[profile odd]\ncredential_process = ${process.execPath} -e ` +
        `"console.log(JSON.stringify({Version:1,AccessKeyId:'AKIAODD0000000000001',SecretAccessKey:'has$dollar'}))"\n`,
      credentials: "",
    });
    const result = await runCli(["export", "odd", "--format", "dotenv"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("AWS_SECRET_ACCESS_KEY holds characters");
    // compose would interpolate $dollar; (a space, which docker and compose would also read differently,
    // is refused earlier, for every format: no AWS credential has one, test/reliability/servers.test.ts.)
    expect(result.stderr).not.toContain("has$dollar");
  });
});
