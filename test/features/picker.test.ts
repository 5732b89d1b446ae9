// The interactive picker, under a real pseudo-terminal (test/features/pty-run.py):
// export/whoami with no profile on a terminal ask with a search list on stderr;
// stdout stays data; recently used profiles come first; Ctrl-C exits 130.
// Without a terminal nothing changes (the default profile).

import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, baseEnv, callsOf, runCli, type Home, seedWorld } from "../e2e/harness.js";
import { filterChoices, orderChoices } from "../../src/commands/picker.js";

const run = promisify(execFile);
const PTY = join(ROOT, "test", "features", "pty-run.py");
const NODE = process.execPath;
const CLI = `"${NODE}" "${BIN}"`;

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

const recent = (h: Home) =>
  JSON.parse(readFileSync(join(h.dir, ".cache", "awsrole", "recent.json"), "utf8")).profiles as string[];

describe("picker under a terminal", () => {
  it("export with no profile: type a few letters, Enter; the eval'd shell is that profile", async () => {
    const h = home();
    const result = await inPty(`eval "$(${CLI} export)"; ${CLI} whoami --output json`, baseEnv(h, world.sts), [
      { expect: "Profile:", send: "s3-dev" },
      // Enter once the picker has drawn the whole term, i.e. has read the last letter: an Enter read
      // together with it comes while the search runs, and the picker (@inquirer/search) ignores it.
      { expect: "Profile: s3-dev", send: "\r" },
    ]);
    expect(result.timedOut).toBe(false);
    expect(result.exit).toBe(0);
    expect(result.output).toContain("role-b        RoleB (222222222222)"); // role and account on each choice
    expect(result.output).toContain("no_skill      keys");
    expect(result.output).toMatch(
      /"Arn": "arn:aws:sts::123456789012:assumed-role\/s3-developer\/botocore-session-\d+"/,
    );
    expect(callsOf(world.sts)).toEqual(["AssumeRole s3-developer", "GetCallerIdentity"]);
    expect(recent(h)[0]).toBe("s3-developer");
    expect(statSync(join(h.dir, ".cache", "awsrole", "recent.json")).mode & 0o777).toBe(0o600);
  });

  it("recently used first: Enter alone picks the last profile used by name", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    expect((await runCli(["export", "user1"], env)).code).toBe(0); // used by name: recorded
    expect(recent(h)).toEqual(["user1"]);
    const result = await inPty(`${CLI} whoami`, env, [{ expect: "Profile:", send: "\r" }]);
    expect(result.exit).toBe(0);
    expect(result.output).toMatch(/❯ user1 +keys/);
    expect(result.output).toMatch(/^Arn +arn:aws:iam::123456789012:user\/user1$/m);
  });

  it("Ctrl-C at the picker: exit 130 and nothing on stdout", async () => {
    const h = home();
    const result = await inPty(
      `out="$(${CLI} export)"; code=$?; printf 'RESULT code=%s stdout=[%s]\\n' "$code" "$out"`,
      baseEnv(h, world.sts),
      [{ expect: "Profile:", send: "\u0003" }],
    );
    expect(result.timedOut).toBe(false);
    expect(result.output).toContain("RESULT code=130 stdout=[]");
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("a profile named anywhere (argument, AWS_PROFILE) means no picker", async () => {
    const h = home();
    const result = await inPty(`AWS_PROFILE=user1 ${CLI} whoami --output json`, baseEnv(h, world.sts), []);
    expect(result.exit).toBe(0);
    expect(result.output).not.toContain("Profile:");
    expect(result.output).toContain("arn:aws:iam::123456789012:user/user1");
  });
});

describe("without a terminal", () => {
  it("export with no profile uses the default profile, as before", async () => {
    const h = home();
    const result = await runCli(["export"], baseEnv(h, world.sts));
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("export AWS_ACCESS_KEY_ID='AKIAUSER1CHAIN000001'");
  });

  it("a damaged recent.json is ignored and replaced", async () => {
    const h = home();
    mkdirSync(join(h.dir, ".cache", "awsrole"), { recursive: true });
    writeFileSync(join(h.dir, ".cache", "awsrole", "recent.json"), "{not json");
    expect((await runCli(["export", "user1"], baseEnv(h, world.sts))).code).toBe(0);
    expect(recent(h)).toEqual(["user1"]);
  });
});

describe("ordering and filtering", () => {
  const entries = [
    { name: "default", summary: "keys" },
    { name: "dev", summary: "Admin (111111111111)" },
    { name: "prod", summary: "Admin (222222222222)" },
  ];
  it("recent first, then file order", () => {
    expect(orderChoices(entries, ["prod", "gone"]).map((c) => c.value)).toEqual(["prod", "default", "dev"]);
  });
  it("every word must match the name or the role/account", () => {
    const choices = orderChoices(entries, []);
    expect(filterChoices(choices, "admin 2222").map((c) => c.value)).toEqual(["prod"]);
    expect(filterChoices(choices, "DEV").map((c) => c.value)).toEqual(["dev"]);
    expect(filterChoices(choices, "").map((c) => c.value)).toEqual(["default", "dev", "prod"]);
  });
});
