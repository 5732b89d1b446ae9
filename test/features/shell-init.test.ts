// `awsrole shell-init bash|zsh|fish`, sourced in the real shells: the function
// exports, returns awsrole's exit status, leaves AWSROLE_PROFILE and
// AWSROLE_EXPIRATION for prompts, and --unset removes what it set. And
// `awsrole exec PROFILE` with no command opens $SHELL.

import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, baseEnv, callsOf, runCli, seedWorld, type Home } from "../e2e/harness.js";
import { onPath } from "../tools/run-command.js";

const run = promisify(execFile);
const world = seedWorld();

/** `awsrole` on PATH, as after npm link. */
function withAwsroleOnPath(h: Home, env: Record<string, string>): Record<string, string> {
  const bin = join(h.dir, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "awsrole"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, "awsrole"), 0o755);
  return { ...env, PATH: `${bin}:${env.PATH}` };
}

async function inShell(
  shell: string,
  script: string,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  const args =
    shell === "fish"
      ? ["--no-config", "-c", script]
      : shell === "zsh"
        ? ["-f", "-c", script]
        : ["--noprofile", "--norc", "-c", script];
  return run(shell, args, { env, encoding: "utf8", timeout: 30_000 });
}

const POSIX_SCRIPT = (shell: string) =>
  `eval "$(awsrole shell-init ${shell})"
awsrole-assume nope; echo "fail status=$? key=\${AWS_ACCESS_KEY_ID-unset} profile=\${AWSROLE_PROFILE-unset}"
awsrole-assume role-b --token-code 123456; echo "ok status=$? profile=$AWSROLE_PROFILE ` +
  `expiry=$([ "$AWSROLE_EXPIRATION" = "$AWS_CREDENTIAL_EXPIRATION" ] && echo ` +
  `same) key=\${AWS_ACCESS_KEY_ID:0:4} region=$AWS_REGION"
awsrole-assume --unset; echo "unset status=$? key=\${AWS_ACCESS_KEY_ID-unset} ` +
  `token=\${AWS_SESSION_TOKEN-unset} profile=\${AWSROLE_PROFILE-unset} expiry=\${AWSROLE_EXPIRATION-unset} ` +
  `region=\${AWS_REGION-unset}"
awsrole-assume --unset; echo "again status=$?"
unset AWS_REGION
awsrole-assume user1; echo "region=$AWS_REGION marker=$AWSROLE_REGION expiry=\${AWSROLE_EXPIRATION-unset}"
awsrole-assume --unset; echo "unset region=\${AWS_REGION-unset} default=\${AWS_DEFAULT_REGION-unset} marker=\${AWSROLE_REGION-unset}"
`;

// In fish a command substitution sets $status, so it is saved first.
const FISH_SCRIPT =
  `awsrole shell-init fish | source
awsrole-assume nope; set s $status; echo "fail status=$s key="(set -q AWS_ACCESS_KEY_ID; ` +
  `and echo set; or echo unset)" profile="(set -q AWSROLE_PROFILE; and echo set; or echo unset)
awsrole-assume role-b --token-code 123456; set s $status; echo "ok status=$s ` +
  `profile=$AWSROLE_PROFILE expiry="(test "$AWSROLE_EXPIRATION" = "$AWS_CREDENTIAL_EXPIRATION"; ` +
  `and echo same)" key="(string sub -l 4 -- $AWS_ACCESS_KEY_ID)" region=$AWS_REGION"
awsrole-assume --unset; set s $status; echo "unset status=$s key="(set -q ` +
  `AWS_ACCESS_KEY_ID; and echo set; or echo unset)" token="(set -q AWS_SESSION_TOKEN; ` +
  `and echo set; or echo unset)" profile="(set -q AWSROLE_PROFILE; and echo set; ` +
  `or echo unset)" expiry="(set -q AWSROLE_EXPIRATION; and echo set; or echo ` +
  `unset)" region=$AWS_REGION"
awsrole-assume --unset; echo "again status=$status"
set -e AWS_REGION
awsrole-assume user1; echo "region=$AWS_REGION marker=$AWSROLE_REGION expiry="(set -q AWSROLE_EXPIRATION; and echo set; or echo unset)
awsrole-assume --unset; echo "unset region="(set -q AWS_REGION; and echo set; ` +
  `or echo unset)" default="(set -q AWS_DEFAULT_REGION; and echo set; or echo ` +
  `unset)" marker="(set -q AWSROLE_REGION; and echo set; or echo unset)
`;

describe.each(["bash", "zsh", "fish"])("shell-init %s, sourced in %s", (shell) => {
  it("exports, returns the right status, marks the profile for prompts, and --unset removes what it set", async (ctx) => {
    if (!(await onPath(shell))) return ctx.skip(`${shell} is not installed`);
    const h = world.home();
    const env = withAwsroleOnPath(h, baseEnv(h, world.sts));
    const { stdout } = await inShell(shell, shell === "fish" ? FISH_SCRIPT : POSIX_SCRIPT(shell), env);
    const lines = stdout.split("\n").filter(Boolean);
    expect(lines).toEqual([
      "fail status=1 key=unset profile=unset",
      "ok status=0 profile=role-b expiry=same key=ASIA region=ap-northeast-1",
      // The user's own AWS_REGION stays; what the function set is gone.
      "unset status=0 key=unset token=unset profile=unset expiry=unset region=ap-northeast-1",
      "again status=1",
      // Long-term keys: no expiry marker; the region is awsrole's (from the profile)...
      "region=ap-northeast-1 marker=ap-northeast-1 expiry=unset",
      // ...so --unset removes it too.
      "unset region=unset default=unset marker=unset",
    ]);
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA", "AssumeRole RoleB"]);
  });
});

describe("shell-init", () => {
  it("--name picks the function's name; bad names and shells are usage errors", async () => {
    const h = world.home();
    const env = baseEnv(h, world.sts);
    expect((await runCli(["shell-init", "bash", "--name", "assume"], env)).stdout).toContain("\nassume() {\n");
    const bad = await runCli(["shell-init", "bash", "--name", "a;rm"], env);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect((await runCli(["shell-init", "tcsh"], env)).code).toBe(2);
  });
});

describe("exec PROFILE with no command", () => {
  it("opens $SHELL with the credentials, and passes its exit status through", async () => {
    const h = world.home();
    const env = baseEnv(h, world.sts, { SHELL: "/bin/sh" });
    const result = await runCli(["exec", "user1"], env, {
      input: 'echo "in=$AWSROLE_PROFILE key=$AWS_ACCESS_KEY_ID"; exit 7\n',
    });
    expect(result.code).toBe(7);
    expect(result.stdout).toBe("in=user1 key=AKIAUSER1S3DEV000001\n");
    expect(result.stderr).toBe("awsrole: starting /bin/sh as user1; exit it to drop the credentials.\n");
  });
});
