// `npm run demo` as a user runs it: the script as a child process (async spawn;
// it hosts its own STS emulator). It must succeed, show the identities the
// issue promises, print no secret, leave the user's ~/.aws and AWS_* settings
// alone, clean up after itself, and fail loudly when a step cannot run.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEMO = join(ROOT, "test", "demo", "demo.ts");

// The long-term secrets of the seed credentials file (test/fixtures/seeds/credentials).
const SEED_SECRETS = [
  "User1ChainSecretKey00000000000000000001",
  "user1s3devSecretKey000000000000000000001",
  "NoSkillSecretKey000000000000000000000001",
];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runDemo(env: Record<string, string>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", DEMO], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 55_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The throw-away HOME the demo announced (it must be gone afterwards). */
function demoHome(stdout: string): string {
  const match = /^ {2}HOME {5}(\S+)/m.exec(stdout);
  if (!match) throw new Error(`the demo did not print its HOME:\n${stdout}`);
  return match[1]!;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm run demo", () => {
  it("runs every flow against the loopback STS, masks secrets, and touches nothing of the user's", {
    timeout: 60_000,
  }, async () => {
    // A stand-in for the user's real HOME and shell: a config the demo must not read,
    // and AWS_* variables it must not pass on (they would break every step).
    const userHome = mkdtempSync(join(tmpdir(), "awsrole-demo-user-"));
    dirs.push(userHome);
    mkdirSync(join(userHome, ".aws"));
    writeFileSync(
      join(userHome, ".aws", "config"),
      "[profile role-e]\nrole_arn = arn:aws:iam::999999999999:role/NotTheDemo\nsource_profile = nowhere\n",
    );
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: userHome,
      AWS_PROFILE: "does-not-exist",
      AWS_ACCESS_KEY_ID: "AKIAUSERSREALKEY0001",
      AWS_SECRET_ACCESS_KEY: "UsersRealSecretKey0000000000000000000001",
      AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
      AWS_CONFIG_FILE: join(userHome, ".aws", "config"),
    };

    const result = await runDemo(env);
    const output = result.stdout + result.stderr;
    expect(result.code, output).toBe(0);

    // The steps, as a user would type them.
    expect(result.stdout).toContain("$ awsrole chain role-e");
    expect(result.stdout).toContain("$ awsrole whoami --profile role-e --token-code 123456");
    expect(result.stdout).toContain('$ eval "$(awsrole export role-b)"');
    expect(result.stdout).toContain("$ awsrole cache list");
    expect(result.stdout).toContain("$ awsrole cache clear");
    // What they showed.
    expect(result.stdout).toMatch(/assumed-role\/RoleE\/botocore-session-\d+/);
    expect(result.stdout).toMatch(/assumed-role\/RoleB\/botocore-session-\d+/);
    expect(result.stdout).toContain(
      "STS: AssumeRole RoleA (MFA), AssumeRole RoleB, AssumeRole RoleC, AssumeRole RoleD, AssumeRole RoleE, GetCallerIdentity",
    );
    expect(result.stdout).toContain("0 new AssumeRole");
    expect(result.stdout).toMatch(/Removed 5 cached credentials/);
    expect(result.stdout).toContain("$ awsrole exec --server s3-developer");
    expect(result.stdout).toMatch(/renewals by the server\), \d+ GetCallerIdentity, none refused/);

    // No secret in what people read: masked values only, no seed secret, no
    // 40-character secret key (cache file names are lower-case hex, so they do not match).
    for (const secret of SEED_SECRETS) expect(output).not.toContain(secret);
    expect(output).not.toMatch(/(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[A-Z+/])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/);
    expect(output).toMatch(/AWS_SECRET_ACCESS_KEY=\*\*\*\*\S{4}\n/);
    expect(output).toMatch(/AWS_SESSION_TOKEN=\*\*\*\*\S{4}\n/);
    for (const line of output.split("\n").filter((l) => /AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN)/.test(l))) {
      expect(line).toMatch(/AWS_(SECRET_ACCESS_KEY|SESSION_TOKEN)=\*\*\*\*\S{4}$/);
    }

    // The user's HOME is untouched (no cache written there), the demo's HOME is gone.
    expect(readdirSync(join(userHome, ".aws"))).toEqual(["config"]);
    expect(existsSync(demoHome(result.stdout))).toBe(false);
  });

  it("fails with a clear message and a non-zero exit when a step cannot run, and still cleans up", {
    timeout: 60_000,
  }, async () => {
    // No bash on PATH: steps 1 and 2 work (the awsrole wrapper is run by absolute
    // interpreter paths), step 3 cannot start its shell.
    const userHome = mkdtempSync(join(tmpdir(), "awsrole-demo-user-"));
    dirs.push(userHome);
    const emptyDir = join(userHome, "empty-path");
    mkdirSync(emptyDir);
    const result = await runDemo({ PATH: emptyDir, HOME: userHome });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/demo failed: cannot run bash/);
    expect(existsSync(demoHome(result.stdout))).toBe(false);
  });
});
