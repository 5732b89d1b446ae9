// run(argv, ctx) on a fake context (test/in-process.ts): the command line
// reads only the context (its environment, its terminal width) and writes only
// to its streams, so tests can run the CLI in their own process.

import { describe, expect, it } from "vitest";
import { makeHome } from "../e2e/harness.js";
import { fakeContext, runCli } from "../in-process.js";
import { run } from "../../src/cli.js";

const h = makeHome();
const env = { PATH: "/usr/bin:/bin", HOME: h.dir, NO_COLOR: "1", AWS_EC2_METADATA_DISABLED: "true" };

describe("run(argv, ctx)", () => {
  it.each([
    [["--help"], 0, /^Usage: awsrole \[options\] \[command\]\n/, ""],
    [["help", "cache", "clear"], 0, /^Usage: awsrole cache clear \[options\] \[profile\]\n/, ""],
    [["--version"], 0, /^\d+\.\d+\.\d+|^development\n/, ""],
    [["exprot"], 2, /^$/, "error: unknown command 'exprot'\n(Did you mean export?)\n"],
    [["help", "exprot"], 2, /^$/, 'awsrole: No awsrole command is called "exprot".\n'],
    [
      ["cache", "clear", "--chain"],
      2,
      /^$/,
      "awsrole: --chain goes with a profile: awsrole cache clear PROFILE --chain.\n",
    ],
    [
      ["export", "role-b", "--profile", "role-c"],
      2,
      /^$/,
      'awsrole: Two different profiles were given: "role-b" and --profile "role-c".\n',
    ],
    // The HOME of the context, not the process's (test/setup.ts points that at a path that does not exist).
    [["chain", "role-e", "--output", "json"], 0, /"profile": "role-e"/, ""],
    [["__profiles"], 0, /^default\n(.+\n)*role-e\n/, ""],
  ])("awsrole %j: exit %i, stdout %s, stderr %j", async (args, code, stdout, stderr) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(code);
    expect(result.stdout).toMatch(stdout);
    expect(result.stderr.startsWith(stderr)).toBe(true);
  });

  it("fits help to the context's terminal width, not the process's", async () => {
    const fake = fakeContext({ env, terminal: true, columns: 50 });
    expect(await run(["export", "--help"], fake.ctx)).toBe(0);
    const lines = fake.stdout().split("\n");
    expect(lines.length).toBeGreaterThan(20);
    // Examples are literal (never re-wrapped); everything else fits.
    expect(lines.filter((line) => line.length > 50 && !line.startsWith("  ")).length).toBe(0);
    expect(lines.filter((line) => line.length > 50).length).toBeLessThan(5);
  });
});
