// `awsrole help <command>` and the man page generated from the same commander
// tree at build time (dist/awsrole.1, installed through package.json "man").

import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT, baseEnv, makeHome } from "../e2e/harness.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback STS and temp HOMEs.
import { runCli } from "../in-process.js";

const run = promisify(execFile);
const h = makeHome();
const env = baseEnv(h);
afterAll(() => h.remove());
const MAN = join(ROOT, "dist", "awsrole.1");

describe("awsrole help <command>", () => {
  it.each([[["export"]], [["cache", "clear"]], [["shell-init"]]])(
    "help %j prints what --help prints, on stdout",
    async (words) => {
      const viaHelp = await runCli(["help", ...words], env);
      const viaFlag = await runCli([...words, "--help"], env);
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stderr).toBe("");
      expect(viaHelp.stdout).toBe(viaFlag.stdout);
      expect(viaHelp.stdout).toContain(`Usage: awsrole ${words.join(" ")} `);
    },
  );

  it("an unknown command is a usage error in one sentence, with the commands listed, and nothing on stdout", async () => {
    const result = await runCli(["help", "exprot"], env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      'awsrole: No awsrole command is called "exprot".\nhint: The commands are: ' +
        "export, whoami, assume, chain, cache, exec, serve, console, login, logout, " +
        "sso, doctor, completion, shell-init.\n",
    );
    expect((await runCli(["help", "cache", "wipe"], env)).stderr).toContain(
      "The commands of awsrole cache are: clear, list.",
    );
  });
});

describe("the man page", () => {
  it("is built from the command tree: every command and option --help lists is in it", async () => {
    expect(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).man).toBe("dist/awsrole.1");
    const page = readFileSync(MAN, "utf8");
    expect(page).toMatch(/^\.TH AWSROLE 1 /);
    const help = (await runCli(["--help"], env)).stdout;
    const commands = [...help.matchAll(/^ {2}([a-z][a-z-]+) /gm)]
      .map((m) => m[1]!)
      .filter((name) => name !== "help" && name !== "awsrole" && name !== "eval");
    expect(commands).toContain("shell-init");
    for (const name of commands.filter((n) => n !== "cache"))
      expect(page).toContain(`.SS awsrole ${name.replace(/-/g, "\\-")} `);
    expect(page).toContain(".SS awsrole cache clear ");
    const exportHelp = (await runCli(["export", "--help"], env)).stdout;
    const flags = [...exportHelp.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)].map((m) => m[1]!);
    expect(flags).toContain("--mark");
    for (const flag of flags) expect(page).toContain(flag.replace(/-/g, "\\-"));
  });

  it("man renders it without warnings", async (ctx) => {
    if (!existsSync("/usr/bin/man") || !existsSync("/usr/bin/groff")) return ctx.skip("man/groff not installed");
    const { stdout, stderr } = await run("man", ["--warnings", "-l", MAN], {
      env: { ...env, MANWIDTH: "80", MANPAGER: "cat", PAGER: "cat" },
      encoding: "utf8",
    });
    expect(stderr).toBe("");
    expect(stdout).toContain("awsrole cache clear [options] [profile]");
  });
});
