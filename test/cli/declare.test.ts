// A command's declaration (src/commands/declare.ts) is the one place its
// options are named: the Input its run gets is built from it, one line per case.

import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { choice, declareCommand, flag, RESOLVE_OPTIONS, value } from "../../src/commands/declare.js";
import type { Context } from "../../src/context.js";

interface ProbeInput {
  profile: string | undefined;
  output: "text" | "json";
  mark?: boolean;
  tokenCode?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
  command?: string[];
}

/** The Input `awsrole probe ARGS` hands to the probe's run. */
async function inputOf(args: string[]): Promise<ProbeInput> {
  let got: ProbeInput | undefined;
  const probe = declareCommand<ProbeInput>({
    name: "probe",
    description: "",
    arguments: [
      { name: "[profile]", description: "" },
      { name: "[command...]", description: "" },
    ],
    options: {
      profile: value("-p, --profile <name>", ""),
      output: choice("-o, --output <format>", "", ["text", "json"] as const, "text"),
      mark: flag("--mark", ""),
      ...RESOLVE_OPTIONS,
    },
    run: (input) => {
      got = input;
      return 0;
    },
  });
  const argv = ["probe", ...args];
  const program = new Command("awsrole").exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  let chosen: ((ctx: Context) => Promise<number>) | undefined;
  probe.addTo(program, (run) => (chosen = run), { argv, helpAfter: new Map(), program: () => program });
  await program.parseAsync(argv, { from: "user" });
  await chosen!({} as Context);
  return got!;
}

const DEFAULTS = {
  profile: undefined,
  output: "text",
  mark: false,
  tokenCode: undefined,
  region: undefined,
  noCache: false,
  refresh: false,
  command: [],
};

describe("the Input a declaration builds", () => {
  it.each([
    [[], {}],
    [["role-b"], { profile: "role-b" }],
    [["--profile", "role-b"], { profile: "role-b" }],
    [["role-b", "-p", "role-b"], { profile: "role-b" }],
    [["-o", "json", "--mark"], { output: "json", mark: true }],
    [
      ["--no-cache", "--refresh", "-t", "123456", "-r", "eu-west-1"],
      { noCache: true, refresh: true, tokenCode: "123456", region: "eu-west-1" },
    ],
    [["role-b", "--", "aws", "s3", "ls"], { profile: "role-b", command: ["aws", "s3", "ls"] }],
    // A word after "--" is never the profile (commander would take "aws" for it).
    [["--", "aws", "s3", "ls"], { command: ["aws", "s3", "ls"] }],
    [["-p", "role-b", "--", "aws"], { profile: "role-b", command: ["aws"] }],
    [["aws", "--", "aws"], { profile: "aws", command: ["aws"] }],
  ])("probe %j", async (args, expected) => {
    expect(await inputOf(args)).toEqual({ ...DEFAULTS, ...expected });
  });

  it("two different profiles are a usage error naming both", async () => {
    await expect(inputOf(["role-b", "--profile", "role-c"])).rejects.toThrow(
      'Two different profiles were given: "role-b" and --profile "role-c".',
    );
  });
});

// The declaration is typed against the Input: these must not compile.
declareCommand<ProbeInput>({
  name: "typed",
  description: "",
  // @ts-expect-error a switch for a text field
  options: { profile: flag("--profile", "") },
  run: () => 0,
});
declareCommand<ProbeInput>({
  name: "typed",
  description: "",
  // @ts-expect-error an option that is no field of the Input
  options: { nope: value("--nope <x>", "") },
  run: () => 0,
});
declareCommand<ProbeInput>({
  name: "typed",
  description: "",
  // @ts-expect-error a choice outside the field's values
  options: { output: choice("-o, --output <format>", "", ["text", "yaml"] as const, "text") },
  run: () => 0,
});
declareCommand<ProbeInput>({
  name: "typed",
  description: "",
  // @ts-expect-error an argument that fills no field
  arguments: [{ name: "[nope]", description: "" }],
  run: () => 0,
});
