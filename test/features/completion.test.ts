// Shell completion: the generated bash script, sourced in bash with
// COMP_WORDS/COMP_CWORD set, completes commands, options and profile names
// (from `awsrole __profiles`); the zsh and fish scripts at least parse.

import { execFile } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, makeHome, type Home } from "../e2e/harness.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback STS and temp HOMEs.
import { runCli } from "../in-process.js";
import { onPath } from "../tools/run-command.js";

const run = promisify(execFile);
let h: Home;
let env: Record<string, string>;

beforeAll(() => {
  h = makeHome();
  // `awsrole` on PATH, as after npm install -g.
  const bin = join(h.dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "awsrole"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, "awsrole"), 0o755);
  env = {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: h.dir,
    NO_COLOR: "1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
});
afterAll(() => h.remove());

async function script(shell: string): Promise<string> {
  const r = await runCli(["completion", shell], env);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe("");
  return r.stdout;
}

/** Completions bash offers for the words typed so far (the last word is the one being completed). */
async function complete(words: string[]): Promise<string[]> {
  const file = join(h.dir, "awsrole.bash");
  writeFileSync(file, await script("bash"));
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  const { stdout } = await run(
    "bash",
    [
      "-c",
      `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _awsrole; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { env },
  );
  return stdout.split("\n").filter(Boolean).sort();
}

describe("bash", () => {
  it("awsrole ex<TAB> → exec, export", async () => {
    expect(await complete(["awsrole", "ex"])).toEqual(["exec", "export"]);
  });

  it("awsrole exp<TAB> → export", async () => {
    expect(await complete(["awsrole", "exp"])).toEqual(["export"]);
  });

  it("awsrole export ro<TAB> → the role profiles", async () => {
    expect(await complete(["awsrole", "export", "ro"])).toEqual(["role-a", "role-b", "role-c", "role-d", "role-e"]);
  });

  it("awsrole whoami --profile s<TAB> and awsrole exec s<TAB> → profiles", async () => {
    expect(await complete(["awsrole", "whoami", "--profile", "s"])).toEqual(["s3-developer", "s3_test"]);
    expect(await complete(["awsrole", "exec", "s"])).toEqual(["s3-developer", "s3_test"]);
  });

  it("options of the command, and values of --format", async () => {
    expect(await complete(["awsrole", "export", "--f"])).toEqual(["--format"]);
    expect(await complete(["awsrole", "export", "--format", "e"])).toEqual(["env", "env-no-export"]);
    expect(await complete(["awsrole", "exec", "--n"])).toEqual(["--nest", "--no-cache"]);
  });

  it("subcommands: awsrole cache <TAB>", async () => {
    expect(await complete(["awsrole", "cache", ""])).toEqual(["clear", "list"]);
  });

  it("after -- in exec: commands on PATH", async () => {
    expect(await complete(["awsrole", "exec", "role-b", "--", "awsro"])).toContain("awsrole");
  });

  it("awsrole completion <TAB> → the shells", async () => {
    expect(await complete(["awsrole", "completion", ""])).toEqual(["bash", "fish", "zsh"]);
    expect(await complete(["awsrole", "shell-init", ""])).toEqual(["bash", "fish", "zsh"]);
  });
});

describe("__profiles", () => {
  it("prints one profile name per line, from the config files only", async () => {
    const r = await runCli(["__profiles"], env);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual([
      "default",
      "no_skill",
      "role-a",
      "role-b",
      "role-c",
      "role-d",
      "role-e",
      "s3-developer",
      "s3_test",
      "user1",
    ]);
  });

  it("is hidden from --help", async () => {
    const r = await runCli(["--help"], env);
    expect(r.stdout).not.toContain("__profiles");
    expect(r.stdout).toContain("completion");
  });
});

describe("zsh and fish", () => {
  it("zsh -n parses the zsh script", async (ctx) => {
    const text = await script("zsh");
    expect(text).toMatch(/^#compdef awsrole\n/);
    if (!(await onPath("zsh"))) {
      ctx.skip("zsh is not installed; only the script's shape was checked");
      return;
    }
    const file = join(h.dir, "_awsrole");
    writeFileSync(file, text);
    await run("zsh", ["-n", file]);
  });

  it("fish -n parses the fish script", async (ctx) => {
    const text = await script("fish");
    expect(text).toContain("complete -c awsrole");
    if (!(await onPath("fish"))) {
      ctx.skip("fish is not installed; only the script's shape was checked");
      return;
    }
    const file = join(h.dir, "awsrole.fish");
    writeFileSync(file, text);
    await run("fish", ["-n", file]);
  });

  it("an unknown shell is a usage error", async () => {
    const r = await runCli(["completion", "tcsh"], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bash, zsh, fish");
  });
});

describe("awsrole cache clear <TAB> → profile names, in bash, zsh and fish", () => {
  it("bash", async () => {
    expect(await complete(["awsrole", "cache", "clear", "ro"])).toEqual([
      "role-a",
      "role-b",
      "role-c",
      "role-d",
      "role-e",
    ]);
    expect(await complete(["awsrole", "cache", "clear", "--p"])).toEqual(["--profile"]);
  });

  it("zsh: the completion function itself, with compadd recording what it offers", async (ctx) => {
    if (!(await onPath("zsh"))) return ctx.skip("zsh is not installed");
    const file = join(h.dir, "_awsrole");
    writeFileSync(file, await script("zsh"));
    // Sourced outside completion, the script calls compdef: stub it, then call _awsrole as zsh would.
    const driver = `compdef() { :; }; compadd() { if [[ $1 == -a ]]; then print -l -- \${(P)2}; else print -l -- "$@"; fi; }; _describe() { :; }
source '${file}'
words=(awsrole cache clear ro); CURRENT=4; _awsrole`;
    const { stdout } = await run("zsh", ["-f", "-c", driver], { env });
    expect(stdout.split("\n").filter(Boolean).sort()).toEqual([
      "default",
      "no_skill",
      "role-a",
      "role-b",
      "role-c",
      "role-d",
      "role-e",
      "s3-developer",
      "s3_test",
      "user1",
    ]);
  });

  it("fish: complete -C", async (ctx) => {
    if (!(await onPath("fish"))) return ctx.skip("fish is not installed");
    const file = join(h.dir, "awsrole.fish");
    writeFileSync(file, await script("fish"));
    const { stdout } = await run(
      "fish",
      ["--no-config", "-c", `source '${file}'; complete -C 'awsrole cache clear ro'`],
      { env },
    );
    expect(
      stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split("\t")[0])
        .sort(),
    ).toEqual(["role-a", "role-b", "role-c", "role-d", "role-e"]);
  });
});
