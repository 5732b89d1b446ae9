// The MFA prompt under a real pseudo-terminal (test/features/pty-run.py): no
// stray leading space, and a wrong code is asked for again, up to three codes,
// as aws-vault does. A --token-code is never retried.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, baseEnv, callsOf, runCli, seedWorld } from "../e2e/harness.js";

const run = promisify(execFile);
const PTY = join(ROOT, "test", "features", "pty-run.py");
const CLI = `"${process.execPath}" "${BIN}"`;
const hasPython = (process.env.PATH ?? "").split(":").some((dir) => existsSync(join(dir, "python3")));

const world = seedWorld();
const home = world.home;

interface PtyResult {
  output: string;
  exit: number;
  timedOut: boolean;
  pendingSteps: number;
}

async function inPty(
  script: string,
  env: Record<string, string>,
  steps: Array<{ expect: string; send: string }>,
): Promise<PtyResult> {
  const spec = { argv: ["bash", "-c", script], env: { ...env, TERM: "xterm" }, steps, timeout: 20 };
  const { stdout } = await run("python3", [PTY, JSON.stringify(spec)], { encoding: "utf8", timeout: 30_000 });
  return JSON.parse(stdout) as PtyResult;
}

const PROMPT = "Enter MFA code for arn:aws:iam::111111111111:mfa/User1:";

describe.skipIf(!hasPython)("the MFA prompt on a terminal", () => {
  it("starts at the line's first column, and a wrong code is asked for again", async () => {
    const h = home();
    const result = await inPty(
      `eval "$(${CLI} export role-b)" && echo "KEY=$AWS_ACCESS_KEY_ID"`,
      baseEnv(h, world.sts),
      [
        { expect: PROMPT, send: "000000\r" },
        { expect: "(2 of 3)", send: "" },
        { expect: PROMPT, send: "123456\r" },
      ],
    );
    expect(result.timedOut).toBe(false);
    expect(result.exit).toBe(0);
    expect(result.output.startsWith(PROMPT)).toBe(true);
    expect(result.output).not.toContain(` ${PROMPT}`);
    expect(result.output).toContain(
      "awsrole: STS refused that MFA code (wrong, or already used); try the next one (2 of 3).",
    );
    expect(result.output).toMatch(/KEY=ASIA[A-Z0-9]{16}/);
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA -> AccessDenied", "AssumeRole RoleA", "AssumeRole RoleB"]);
  });

  it("three wrong codes end the command with the STS error, nothing on stdout", async () => {
    const h = home();
    const result = await inPty(
      `out="$(${CLI} export role-a)"; code=$?; echo "EXIT=$code OUT=[$out]"`,
      baseEnv(h, world.sts),
      [
        { expect: PROMPT, send: "000000\r" },
        { expect: "(2 of 3)", send: "" },
        { expect: PROMPT, send: "000001\r" },
        { expect: "(3 of 3)", send: "" },
        { expect: PROMPT, send: "000002\r" },
      ],
    );
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain("EXIT=1 OUT=[]");
    expect(result.output).toContain("invalid MFA one time pass code");
    expect(callsOf(world.sts)).toEqual([
      "AssumeRole RoleA -> AccessDenied",
      "AssumeRole RoleA -> AccessDenied",
      "AssumeRole RoleA -> AccessDenied",
    ]);
  });

  it("mfa_session: a wrong code for GetSessionToken is asked for again too", async () => {
    const h = home({
      config:
        "[profile ops]\nrole_arn = arn:aws:iam::222222222222:role/RoleA\nsource_profile " +
        "= default\nmfa_serial = arn:aws:iam::111111111111:mfa/User1\nmfa_session = true\n",
      credentials:
        "[default]\naws_access_key_id = AKIAUSER1CHAIN000001\naws_secret_access_key = User1ChainSecretKey00000000000000000001\n",
    });
    const result = await inPty(`${CLI} export ops >/dev/null; echo "EXIT=$?"`, baseEnv(h, world.sts), [
      { expect: PROMPT, send: "000000\r" },
      { expect: "(2 of 3)", send: "" },
      { expect: PROMPT, send: "654321\r" },
    ]);
    expect(result.output).toContain("EXIT=0");
    expect(callsOf(world.sts)).toEqual(["GetSessionToken -> AccessDenied", "GetSessionToken", "AssumeRole RoleA"]);
  });

  it("a wrong --token-code is not retried", async () => {
    const h = home();
    const result = await runCli(["export", "role-a", "--token-code", "000000"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain("try the next one");
    expect(callsOf(world.sts)).toEqual(["AssumeRole RoleA -> AccessDenied"]);
  });
});
