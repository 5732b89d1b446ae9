// How a command is declared: once, in src/commands/<name>.command.ts, beside
// the module that runs it. A declaration names the command, its arguments and
// its options (flags and help words), typed against the command's Input
// interface, so a flag that is not a field of the input, or a switch declared
// for a text field, fails the typecheck. src/cli.ts turns the declarations into
// the commander tree (help, man page and completion all come from that tree)
// and hands each command the Input built from what was parsed.
//
// The declaration files import their command's module lazily (inside run), so
// declaring every command costs the CLI's start nothing: the modules behind
// them load node:http, node:child_process and the like only when they run.

import { type Command, Option } from "commander";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";

/** A switch (`--mark`), or a negated one (`--no-cache`: the field is true when it is given). */
export interface FlagOption {
  kind: "flag";
  flags: string;
  description: string;
}

/** An option with a free value (`-p, --profile <name>`). */
export interface ValueOption {
  kind: "value";
  flags: string;
  description: string;
}

/** An option with one of a few values and a default (`-o, --output <format>`). */
export interface ChoiceOption<C extends string> {
  kind: "choice";
  flags: string;
  description: string;
  choices: readonly C[];
  default: C;
}

/** The option a field of type T can be declared with. */
type OptionFor<T> = [T] extends [boolean | undefined]
  ? FlagOption
  : [T] extends [string | undefined]
    ? string extends T
      ? ValueOption
      : ChoiceOption<Extract<T, string>>
    : never;

/** Options keyed by the Input field each one sets; in the order --help lists them. */
export type OptionTable<I> = { [K in keyof I]?: OptionFor<I[K]> };

type Key<I> = Extract<keyof I, string>;

/** An argument by the Input field it fills: `[profile]` (optional), `<shell>` (required), `[command...]` (the rest). */
export interface ArgumentDeclaration<I> {
  name: `[${Key<I>}]` | `<${Key<I>}>` | `[${Key<I>}...]`;
  description: string;
}

/** What a command's run gets besides its Input: the command tree (for `completion`). */
export interface RunExtras {
  program: Command;
}

export interface CommandDeclaration<I> {
  name: string;
  description: string;
  /** Not listed by --help, help or completion (`__profiles`). */
  hidden?: boolean;
  arguments?: ReadonlyArray<ArgumentDeclaration<I>>;
  options?: OptionTable<I>;
  /** Text --help (and the man page) prints after the options. */
  help?: string;
  run(input: I, ctx: Context, extras: RunExtras): Promise<number> | number;
}

/** A command with subcommands (`cache clear`, `cache list`); it runs nothing itself. */
export interface CommandGroup {
  name: string;
  description: string;
  subcommands: readonly DeclaredCommand[];
}

/** A declaration with its Input type erased, as the command list holds it. */
export interface DeclaredCommand {
  readonly name: string;
  /** Adds the command to `parent`; its action hands `select` the run to perform. */
  addTo(parent: Command, select: (run: (ctx: Context) => Promise<number>) => void, parse: ParseFacts): Command;
}

/** What the parse knows beyond commander: the words the user typed. */
export interface ParseFacts {
  argv: readonly string[];
  /** The text each command's help ends with, for the man page. */
  helpAfter: Map<Command, string>;
  program: () => Command;
}

export const flag = (flags: string, description: string): FlagOption => ({ kind: "flag", flags, description });
export const value = (flags: string, description: string): ValueOption => ({ kind: "value", flags, description });
export const choice = <C extends string>(
  flags: string,
  description: string,
  choices: readonly C[],
  defaultValue: C,
): ChoiceOption<C> => ({
  kind: "choice",
  flags,
  description,
  choices,
  default: defaultValue,
});

export const PROFILE_ARGUMENT = "profile name (default: --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, then default)";

export const OUTPUT = choice("-o, --output <format>", "output format", ["text", "json"] as const, "text");

/** The options of every command that resolves credentials (they come last in its --help). */
export const RESOLVE_OPTIONS: OptionTable<{
  tokenCode?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
}> = {
  tokenCode: value(
    "-t, --token-code <code>",
    "MFA code for the first hop that needs one (else you are asked on the terminal)",
  ),
  region: value("-r, --region <region>", "region for STS and for exported AWS_REGION"),
  noCache: flag("--no-cache", "neither read nor write the credential cache"),
  refresh: flag("--refresh", "ignore cached credentials and call STS again (new results are cached)"),
};

export function declareCommand<I>(declaration: CommandDeclaration<I>): DeclaredCommand {
  return {
    name: declaration.name,
    addTo(parent, select, parse) {
      const command = parent
        .command(declaration.name, declaration.hidden ? { hidden: true } : {})
        .description(declaration.description);
      const args = declaration.arguments ?? [];
      for (const argument of args) command.argument(argument.name, argument.description);
      const options = Object.entries(declaration.options ?? {}) as Array<
        [string, FlagOption | ValueOption | ChoiceOption<string>]
      >;
      const attributes = new Map<string, Option>();
      for (const [key, spec] of options) {
        const option = new Option(spec.flags, spec.description);
        if (spec.kind === "choice") option.choices([...spec.choices]).default(spec.default);
        command.addOption(option);
        attributes.set(key, option);
      }
      if (declaration.help) {
        command.addHelpText("after", `\n${declaration.help}`);
        parse.helpAfter.set(command, declaration.help);
      }
      command.action((...received: unknown[]) => {
        // commander passes one value per argument, then the options.
        const positional = received.slice(0, args.length) as Array<string | string[] | undefined>;
        const parsed = received[args.length] as Record<string, unknown>;
        const input: Record<string, unknown> = {};
        for (const [key, option] of attributes) {
          const got = parsed[option.attributeName()];
          input[key] = option.negate ? got === false : option.isBoolean() ? (got ?? false) : got;
        }
        keepDashedWordsForTheRest(args, positional, parse.argv);
        args.forEach((argument, i) => {
          const key = argument.name.replace(/^[[<]|(\.\.\.)?[\]>]$/g, "");
          const given = positional[i];
          // `awsrole export p --profile p`: the same profile twice is fine, two different ones are not.
          if (attributes.has(key) && given !== undefined)
            input[key] = pickOne(key, given as string, input[key] as string | undefined);
          else if (!attributes.has(key)) input[key] = given;
        });
        select(async (ctx) => declaration.run(input as I, ctx, { program: parse.program() }));
      });
      return command;
    },
  };
}

/**
 * commander drops "--" and fills an optional argument from the first word
 * after it, so `awsrole exec -- aws s3 ls` would take "aws" for the profile.
 * A word typed after "--" belongs to the variadic argument that ends the list.
 */
function keepDashedWordsForTheRest(
  args: ReadonlyArray<{ name: string }>,
  positional: Array<string | string[] | undefined>,
  argv: readonly string[],
): void {
  const last = args.length - 1;
  if (last < 1 || !args[last]!.name.endsWith("...]")) return;
  const dashes = argv.indexOf("--");
  const first = positional[last - 1];
  if (dashes < 0 || typeof first !== "string" || argv.slice(0, dashes).includes(first)) return;
  positional[last] = [first, ...((positional[last] as string[] | undefined) ?? [])];
  positional[last - 1] = undefined;
}

function pickOne(key: string, positional: string, flag: string | undefined): string {
  if (flag !== undefined && positional !== flag) {
    throw new UsageError(
      `Two different profiles were given: "${positional}" and --${key} "${flag}".`,
      "Give the profile once.",
    );
  }
  return positional;
}

/** A command with subcommands. */
export function declareGroup(group: CommandGroup): DeclaredCommand {
  return {
    name: group.name,
    addTo(parent, select, parse) {
      const command = parent.command(group.name).description(group.description);
      for (const sub of group.subcommands) sub.addTo(command, select, parse);
      return command;
    },
  };
}
