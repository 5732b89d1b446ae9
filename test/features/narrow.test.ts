// Narrow terminals (issue 15): at 60 columns `--help`, `doctor` and `cache
// list` fit the width, under a real pseudo-terminal (test/features/pty-run.py);
// into a pipe they keep their one-record-per-line form. cache list is sorted
// by profile, with the cache directory shown once, with ~.

import { execFile } from "node:child_process";
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, baseEnv, runCli, seedWorld } from "../e2e/harness.js";

const run = promisify(execFile);
const PTY = join(ROOT, "test", "features", "pty-run.py");
const CLI = `"${process.execPath}" "${BIN}"`;
const hasPython = (process.env.PATH ?? "").split(":").some((dir) => existsSync(join(dir, "python3")));
const world = seedWorld();

async function at60(command: string, env: Record<string, string>): Promise<string[]> {
  const spec = {
    argv: ["bash", "-c", `stty cols 60; ${command}`],
    env: { ...env, TERM: "xterm" },
    steps: [],
    timeout: 20,
  };
  const { stdout } = await run("python3", [PTY, JSON.stringify(spec)], { encoding: "utf8", timeout: 30_000 });
  return (JSON.parse(stdout) as { output: string }).output.split("\n");
}

const tooWide = (lines: string[]) => lines.filter((line) => line.length > 60);

describe.skipIf(!hasPython)("at 60 columns", () => {
  it("--help, a command's --help, doctor and cache list fit the width", async () => {
    const h = world.home();
    const env = baseEnv(h, world.sts);
    expect((await runCli(["export", "role-c", "--token-code", "123456"], env)).code).toBe(0);
    const help = await at60(`${CLI} --help`, env);
    expect(tooWide(help)).toEqual([]);
    expect(help).toContain("  exec [options] [profile] [command...]");
    expect(tooWide(await at60(`${CLI} cache clear --help`, env))).toEqual([]);
    // Prose is re-wrapped; only example command lines (indented, to be copied literally) may be longer.
    const execHelp = await at60(`${CLI} exec --help`, env);
    expect(execHelp.some((line) => line.startsWith("The command gets AWS_ACCESS_KEY_ID,"))).toBe(true);
    expect(tooWide(execHelp).filter((line) => !line.startsWith("  awsrole "))).toEqual([]);
    // A long profile and role name make the table 80 columns wide.
    appendFileSync(
      join(h.awsDir, "config"),
      "\n[profile platform-engineering-admin]\nrole_arn = arn:aws:iam::123456789012:role/PlatformEngineeringAdministrator\nsource_profile = default\n",
    );
    const doctor = await at60(`${CLI} doctor`, env);
    expect(tooWide(doctor)).toEqual([]);
    expect(doctor).toContain("platform-engineering-admin (role)");
    expect(doctor).toContain("  role PlatformEngineeringAdministrator, account");
    const list = await at60(`${CLI} cache list`, env);
    expect(tooWide(list)).toEqual([]);
    expect(list[0]).toBe("Cached credentials in ~/.aws/cli/cache:");
    expect(
      list.filter((line) => /^\S/.test(line) && line.includes(": usable")).map((line) => line.split(":")[0]),
    ).toEqual(["role-a", "role-b", "role-c"]);
  });
});

describe("into a pipe", () => {
  it("doctor keeps its table, and cache list its long lines, sorted by profile", async () => {
    const h = world.home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-c", "--token-code", "123456"], env);
    expect((await runCli(["doctor"], env)).stdout).toMatch(/^PROFILE +KIND +ROLE +ACCOUNT +SOURCE\n/);
    const list = (await runCli(["cache", "list"], env)).stdout.split("\n");
    expect(list[0]).toBe("Cached credentials in ~/.aws/cli/cache:");
    // A one-hour session listed within the second it was issued shows 1h00m left.
    expect(list.slice(1, 4)).toEqual([
      expect.stringMatching(/^role-a: usable, (5\dm\d+s|1h00m) left$/),
      expect.stringMatching(/^ {2}arn:aws:sts::222222222222:assumed-role\/RoleA\/botocore-session-\d+$/),
      expect.stringMatching(/^ {2}[0-9a-f]{40}\.json$/),
    ]);
    const json = JSON.parse((await runCli(["cache", "list", "--output", "json"], env)).stdout) as Array<{
      profiles: string[];
      file: string;
    }>;
    expect(json.map((row) => row.profiles[0])).toEqual(["role-a", "role-b", "role-c"]);
    expect(json[0]!.file.startsWith(h.cacheDir)).toBe(true);
  });
});
