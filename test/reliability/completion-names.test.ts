// Issue 14: profile names are data, never code. A profile named
// `$(touch${IFS}pwned)` (profile names come from generated and shared configs)
// must not run anything when the user presses Tab, in any shell, and must be
// offered as exactly that name. The generated scripts are sourced in the real
// shells (zsh and fish where installed), with `awsrole` on PATH.

import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, makeHome, runCli, type Home } from "../e2e/harness.js";
import { onPath } from "../tools/run-command.js";

const run = promisify(execFile);

// Each would create a file in the working directory if a shell expanded it.
const HOSTILE = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile shell text, not a template
  "$(touch${IFS}pwned1)",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile shell text, not a template
  "`touch${IFS}pwned2`",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile shell text, not a template
  "x;touch${IFS}pwned3",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile shell text, not a template
  "${IFS:?$(touch${IFS}pwned4)}",
  "*",
  "a b",
];
// In the credentials file, where section names are taken verbatim (no shlex split).
const CREDENTIALS =
  [
    "[default]",
    "aws_access_key_id = AKIADEFAULT000000001",
    "aws_secret_access_key = s",
    ...HOSTILE.map((name) => `[${name}]\naws_access_key_id = AKIAHOSTILE000000001\naws_secret_access_key = s`),
  ].join("\n") + "\n";

let h: Home;
let env: Record<string, string>;
let work: string;

beforeAll(() => {
  h = makeHome({ config: "", credentials: CREDENTIALS });
  const bin = join(h.dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "awsrole"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, "awsrole"), 0o755);
  // The shell's working directory: where a hostile name would plant its files, and where "*" would glob.
  work = join(h.dir, "work");
  mkdirSync(work);
  writeFileSync(join(work, "decoy-file"), "");
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
  return r.stdout;
}

function expectNothingRan() {
  expect(readdirSync(work).sort()).toEqual(["decoy-file"]);
}

it("__profiles lists the hostile names as they are", async () => {
  const r = await runCli(["__profiles"], env);
  expect(r.code).toBe(0);
  expect(r.stdout.split("\n").filter(Boolean).sort()).toEqual(["default", ...HOSTILE].sort());
});

describe("bash", () => {
  /** The words bash would insert for the word being completed, decoded as bash reads them back. */
  async function complete(words: string[]): Promise<{ inserted: string[]; literal: string[] }> {
    const file = join(h.dir, "awsrole.bash");
    writeFileSync(file, await script("bash"));
    const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
    const program = [
      `source '${file}'`,
      `COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _awsrole`,
      // What lands on the command line, then what a command receives from it.
      `for w in "\${COMPREPLY[@]}"; do printf 'I%s\\n' "$w"; done`,
      `for w in "\${COMPREPLY[@]}"; do eval "set -- $w"; printf 'L%s\\n' "$1"; done`,
    ].join("\n");
    const { stdout } = await run("bash", ["-c", program], { env, cwd: work });
    const lines = stdout.split("\n").filter(Boolean);
    return {
      inserted: lines.filter((l) => l.startsWith("I")).map((l) => l.slice(1)),
      literal: lines
        .filter((l) => l.startsWith("L"))
        .map((l) => l.slice(1))
        .sort(),
    };
  }

  it("awsrole export <TAB> runs nothing and offers every name literally, quoted for the command line", async () => {
    const { inserted, literal } = await complete(["awsrole", "export", ""]);
    expectNothingRan();
    expect(literal).toEqual(["default", ...HOSTILE].sort());
    // Nothing inserted is unquoted shell syntax: the glob and the $( are escaped.
    expect(inserted).not.toContain("*");
    expect(inserted.some((w) => w.includes("$(") && !w.includes("\\$"))).toBe(false);
  });

  it("--profile <TAB> and a typed prefix match literally (a prefix with glob characters is not a pattern)", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile shell text, not a template
    expect((await complete(["awsrole", "whoami", "--profile", "$("])).literal).toEqual(["$(touch${IFS}pwned1)"]);
    expect((await complete(["awsrole", "exec", "*"])).literal).toEqual(["*"]);
    expect((await complete(["awsrole", "exec", "a"])).literal).toEqual(["a b"]);
    expectNothingRan();
  });
});

describe("zsh", () => {
  it("awsrole export <TAB> runs nothing and hands compadd the names as they are", async (ctx) => {
    if (!(await onPath("zsh"))) {
      ctx.skip("zsh is not installed");
      return;
    }
    const file = join(h.dir, "_awsrole");
    writeFileSync(file, await script("zsh"));
    // compadd is the completion system's builtin (it quotes what it inserts); a
    // function of that name records what it was given instead. compdef is
    // stubbed so that sourcing the script does not start compinit.
    const program = [
      `compdef() { :; }`,
      `compadd() { local a; while [[ $1 == -* ]]; do if [[ $1 == -a ]]; then shift; ` +
        `for a in "\${(@P)1}"; do print -r -- "C$a"; done; fi; shift; done; for a in ` +
        `"$@"; do print -r -- "C$a"; done; }`,
      `source '${file}'`,
      `words=(awsrole export ''); CURRENT=3; _awsrole`,
      `words=(awsrole whoami --profile ''); CURRENT=4; _awsrole`,
    ].join("\n");
    const { stdout } = await run("zsh", ["-f", "-c", program], { env, cwd: work });
    expectNothingRan();
    const offered = stdout
      .split("\n")
      .filter((l) => l.startsWith("C"))
      .map((l) => l.slice(1));
    const expected = ["default", ...HOSTILE].sort();
    expect(offered.sort()).toEqual([...expected, ...expected].sort());
  });
});

describe("fish", () => {
  it("awsrole export <TAB> runs nothing and offers every name literally", async (ctx) => {
    if (!(await onPath("fish"))) {
      ctx.skip("fish is not installed");
      return;
    }
    const file = join(h.dir, "awsrole.fish");
    writeFileSync(file, await script("fish"));
    // complete -C asks fish for the completions of a command line, as Tab does.
    const { stdout } = await run(
      "fish",
      ["--no-config", "-c", `source '${file}'; complete -C 'awsrole export '; complete -C 'awsrole whoami --profile '`],
      { env, cwd: work },
    );
    expectNothingRan();
    const offered = stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split("\t")[0]!);
    for (const name of HOSTILE) expect(offered.filter((o) => o === name)).toHaveLength(2);
  });
});

it("no file was planted by any shell", () => {
  expect(existsSync(join(work, "pwned1"))).toBe(false);
  expectNothingRan();
});
