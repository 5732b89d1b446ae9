// The only module that touches process.argv, process.exit and signals (main).
// run() is one command line on a given context: it builds the commander tree
// from the command declarations (src/commands/index.ts), hands the chosen
// command its input, and every error to the one reporter.

import { Command, CommanderError, Help } from "commander";
import { wrapWords } from "./render/width.js";
import { renderManPage, visibleSubcommands } from "./render/man.js";
import { createProcessContext, fdOutput, type Context } from "./context.js";
import { onlineEffects } from "./effects/online.js";
import { EXIT_OK, EXIT_USAGE, UsageError } from "./errors.js";
import { reportError } from "./report.js";
// Each declaration imports its command lazily, except export's: the warm export
// path stays in the entry chunk, since every extra ESM chunk costs about a
// millisecond of loader work (docs/performance.md). The SDK, inquirer and the
// other commands stay lazy.
import { COMMANDS } from "./commands/index.js";

type Run = (ctx: Context) => Promise<number>;

// Replaced with package.json's version by the build (scripts/build.mjs).
declare const __AWSROLE_VERSION__: string | undefined;

/** The process wiring: signals, the real context. bin/awsrole.cjs calls this. */
export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const ctx = createProcessContext({ ...contextFlags(argv), signal: controller.signal, effects: onlineEffects });
  try {
    return await run(argv, ctx);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** What the global options decide before parsing: --debug, and --no-color (colour is otherwise the context's to decide). */
export function contextFlags(argv: readonly string[]): { debug: boolean; color?: boolean } {
  return { debug: argv.includes("--debug"), ...(argv.includes("--no-color") ? { color: false } : {}) };
}

/**
 * One command line, start to exit code, on the given context only: no process
 * streams, environment, signals or exit. Tests call it in-process
 * (test/in-process.ts); main() gives it the process's context.
 */
export async function run(argv: readonly string[], ctx: Context): Promise<number> {
  let chosen: Run | undefined;
  const program = buildProgram(
    (run) => {
      chosen = run;
    },
    { argv, output: ctx },
  );
  try {
    await program.parseAsync(
      argv[0] === "help" && argv.length > 1 && !argv[1]!.startsWith("-") ? helpArguments(program, argv.slice(1)) : argv,
      { from: "user" },
    );
    if (!chosen) return EXIT_OK; // --help / --version
    return await chosen(ctx);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message to stderr.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0
        ? EXIT_OK
        : EXIT_USAGE;
    }
    return reportError(error, { stderr: (t) => ctx.stderr.write(t), debug: ctx.debug, color: ctx.color });
  }
}

/** awsrole(1), from the same command tree as --help (scripts/build.mjs writes dist/awsrole.1). */
export function manPage(): string {
  const helpAfter = new Map<Command, string>();
  const program = buildProgram(() => {}, { argv: [], helpAfter });
  return renderManPage(
    program,
    typeof __AWSROLE_VERSION__ === "string" ? __AWSROLE_VERSION__ : "development",
    (cmd) => helpAfter.get(cmd) ?? "",
  );
}

/**
 * `awsrole help cache clear` as `awsrole cache clear --help`, and an unknown
 * command is a usage error that says so (commander would print the whole help).
 */
function helpArguments(program: Command, words: readonly string[]): string[] {
  let cmd = program;
  const path: string[] = [];
  for (const word of words) {
    const next = visibleSubcommands(cmd).find((c) => c.name() === word);
    if (!next) {
      const known = visibleSubcommands(cmd).map((c) => c.name());
      throw new UsageError(
        `No awsrole command is called "${[...path, word].join(" ")}".`,
        `The commands${path.length ? ` of awsrole ${path.join(" ")}` : ""} are: ${known.join(", ")}.`,
      );
    }
    cmd = next;
    path.push(word);
  }
  return [...path, "--help"];
}

interface ProgramSetup {
  /** The words of the command line (a word after "--" is never a profile: src/commands/declare.ts). */
  argv: readonly string[];
  /** Where help and commander's usage errors go, and the terminal's width; without it, fd 1 and 2 (the man page build prints nothing). */
  output?: Pick<Context, "stdout" | "stderr" | "columns">;
  /** Filled with each command's text after its options, for the man page. */
  helpAfter?: Map<Command, string>;
}

export function buildProgram(select: (run: Run) => void, setup: ProgramSetup = { argv: [] }): Command {
  const out = setup.output ?? { stdout: fdOutput(1), stderr: fdOutput(2) };
  const helpWidth = () => out.columns?.(1) ?? 80;
  const program = new Command("awsrole")
    .description("Switch AWS identities: profiles, STS role chains, MFA and the AWS CLI's credential cache.")
    .version(typeof __AWSROLE_VERSION__ === "string" ? __AWSROLE_VERSION__ : "development", "-V, --version")
    .option("--debug", "show what awsrole does, with secrets masked, and stack traces")
    .option("--no-color", "no colour on stderr")
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ formatItem: narrowFormatItem })
    .configureOutput({
      // Help asked for is data (stdout); usage errors are for people (stderr).
      // The process context writes through fdOutput, which ends quietly on EPIPE (`awsrole --help | head`).
      writeOut: (text) => out.stdout.write(fitProse(text, helpWidth())),
      writeErr: (text) => out.stderr.write(text),
      getOutHelpWidth: () => helpWidth(),
      getErrHelpWidth: () => out.columns?.(2) ?? 80,
      // The help has no colour of its own; commander would otherwise ask the process streams.
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  program.addHelpText(
    "after",
    () => `
Examples:
${examplesList(
  [
    ['eval "$(awsrole export role-b)"', "put role-b's credentials into this shell"],
    ["awsrole whoami --profile role-e", "show who role-e is, and for how long"],
    ["awsrole chain role-e", "show the STS calls role-e needs, without calling STS"],
    ["awsrole cache clear", "forget every cached role session"],
    ["awsrole exec role-b -- aws s3 ls", "run one command as role-b"],
    ["awsrole exec --server role-b -- make", "run a long job; its credentials are renewed"],
    ["awsrole console role-b --open", "open the AWS console as role-b"],
    ["awsrole doctor", "check ~/.aws/config for mistakes"],
    ["awsrole completion bash >> ~/.bashrc", "Tab-complete commands and profile names"],
    ["awsrole help export", "one command's help (also: man awsrole)"],
  ],
  helpWidth(),
)}

Docs: docs/commands.md, docs/resolution.md, docs/workflow.md`,
  );

  const facts = { argv: setup.argv, helpAfter: setup.helpAfter ?? new Map<Command, string>(), program: () => program };
  for (const command of COMMANDS) command.addTo(program, select, facts);
  return program;
}

/**
 * commander's item layout (term, then the description in a column), except on
 * a terminal too narrow for a description column (commander then stops
 * wrapping and every line overflows): the term alone, the description wrapped
 * beneath it.
 */
function narrowFormatItem(this: Help, term: string, termWidth: number, description: string, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  if (!description || width - termWidth - 4 >= helper.minWidthToWrap)
    return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  return [`  ${term}`, ...wrapWords(description, Math.max(20, width - 6)).map((line) => `      ${line}`)].join("\n");
}

/**
 * Re-wraps the help's prose paragraphs (blocks of unindented lines) that are
 * wider than the terminal. Indented lines (options, examples) are left alone:
 * examples must stay literal to be copied.
 */
function fitProse(text: string, width: number): string {
  return text
    .split(/(\n\s*\n)/)
    .map((block) => {
      const lines = block.split("\n");
      if (!lines.some((line) => line.length > width) || lines.some((line) => /^\s/.test(line) && line.trim() !== ""))
        return block;
      return wrapWords(lines.join(" "), width).join("\n");
    })
    .join("");
}

/** Example commands with a description each, as two columns, or stacked when they do not fit. */
function examplesList(rows: ReadonlyArray<readonly [string, string]>, width: number): string {
  const column = Math.max(...rows.map(([command]) => command.length)) + 2;
  const fits = rows.every(([, text]) => 2 + column + text.length <= width);
  return rows
    .map(([command, text]) =>
      fits
        ? `  ${command.padEnd(column)}${text}`
        : [`  ${command}`, ...wrapWords(text, Math.max(20, width - 6)).map((line) => `      ${line}`)].join("\n"),
    )
    .join("\n");
}
