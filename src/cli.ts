// The only module that touches process.argv, process.exit and signals. It
// declares the commands with commander, imports each command's implementation
// lazily when it runs, and hands every error to the one reporter.

import { Command, CommanderError, Option } from "commander";
import { createProcessContext, type Context } from "./context.js";
import { EXIT_OK, EXIT_USAGE, UsageError } from "./errors.js";
import { reportError } from "./report.js";

export interface GlobalOptions {
  debug?: boolean;
  color?: boolean;
}

type Run = (ctx: Context) => Promise<number>;

export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const debug = argv.includes("--debug");
  const colorFlag = argv.includes("--no-color") ? false : undefined;
  const ctx = createProcessContext({ debug, signal: controller.signal, ...(colorFlag === undefined ? {} : { color: colorFlag }) });

  let chosen: Run | undefined;
  const program = buildProgram((run) => {
    chosen = run;
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    if (!chosen) return EXIT_OK; // --help / --version
    return await chosen(ctx);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message to stderr.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(error, { stderr: (t) => ctx.stderr.write(t), debug: ctx.debug, color: ctx.color });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

const OUTPUT = () => new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text");

export function buildProgram(select: (run: Run) => void): Command {
  const program = new Command("awsrole")
    .description("Switch AWS identities: profiles, STS role chains, MFA and the AWS CLI's credential cache.")
    .version("0.1.0", "-V, --version")
    .option("--debug", "show what awsrole does, with secrets masked, and stack traces")
    .option("--no-color", "no colour on stderr")
    .exitOverride()
    .showSuggestionAfterError()
    .configureOutput({
      // Help asked for is data (stdout); usage errors are for people (stderr).
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
    });
  program.addHelpText(
    "after",
    `
Examples:
  eval "$(awsrole export role-b)"      put role-b's credentials into this shell
  awsrole whoami --profile role-e       show who role-e is, and for how long
  awsrole chain role-e                  show the STS calls role-e needs, without calling STS
  awsrole cache clear                   forget every cached role session

Docs: docs/commands.md, docs/resolution.md`,
  );

  program
    .command("chain")
    .description("show the plan of STS calls for a profile, hop by hop (no STS call unless --resolve)")
    .argument("[profile]", "profile name (default: --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, then default)")
    .option("-p, --profile <name>", "profile name")
    .addOption(OUTPUT())
    .addHelpText(
      "after",
      `
Examples:
  awsrole chain role-e
  awsrole chain --profile role-e --output json`,
    )
    .action((positional: string | undefined, options: { profile?: string; output: "text" | "json" }) => {
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) => (await import("./commands/chain.js")).runChain({ profile, output: options.output }, ctx));
    });

  return program;
}

function pickProfileArgument(positional: string | undefined, flag: string | undefined): string | undefined {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new UsageError(`Two different profiles were given: "${positional}" and --profile "${flag}".`, "Give the profile once.");
  }
  return positional ?? flag;
}
