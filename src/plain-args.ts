// The plain forms of a command line that the entries without commander accept
// (src/fast-export.ts, src/direct.ts): a profile (positional or --profile) and
// a few options with values. Anything else (--help, --debug, an unknown option,
// a second profile, a value that is not one of the choices) is undefined: the
// full CLI runs the command, parses it with commander and says what is wrong.
// So these entries never give a command line a meaning the full CLI would not.

import { fstatSync } from "node:fs";
import type { ExportInput } from "./commands/export.js";
import { noProfileGiven } from "./commands/picker.js";
import type { WhoamiInput } from "./commands/whoami.js";
import { EXPORT_FORMATS, type ExportFormat } from "./render/credentials.js";

export interface PlainOption {
  /** The option's spellings, e.g. ["--format", "-f"]. */
  names: readonly string[];
  /** The input field it fills. */
  key: string;
  /** The values allowed (commander's choices); any value when absent. */
  choices?: readonly string[];
  /** An option without a value (set to true). */
  flag?: boolean;
}

export interface PlainArgs {
  profile: string | undefined;
  values: Record<string, string | true>;
}

export function parsePlainArgs(args: readonly string[], options: readonly PlainOption[]): PlainArgs | undefined {
  let profile: string | undefined;
  let positional = false;
  const values: Record<string, string | true> = {};
  const takeValue = (i: number) => (i + 1 < args.length && !args[i + 1]!.startsWith("-") ? args[i + 1] : undefined);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    let name = arg;
    let value: string | undefined;
    const equals = arg.indexOf("=");
    if (arg.startsWith("--") && equals > 0) {
      name = arg.slice(0, equals);
      value = arg.slice(equals + 1);
    }
    if (name === "--profile" || name === "-p") {
      if (value === undefined) {
        value = takeValue(i);
        if (value === undefined) return undefined;
        i++;
      }
      if (profile !== undefined && profile !== value) return undefined;
      profile = value;
      continue;
    }
    const option = options.find((o) => o.names.includes(name));
    if (option?.flag) {
      if (value !== undefined) return undefined;
      values[option.key] = true;
      continue;
    }
    if (option) {
      if (value === undefined) {
        value = takeValue(i);
        if (value === undefined) return undefined;
        i++;
      }
      if (option.choices && !option.choices.includes(value)) return undefined;
      values[option.key] = value;
      continue;
    }
    if (arg.startsWith("-")) return undefined;
    // One positional profile at most; anything more is the full CLI's usage error.
    if (positional) return undefined;
    positional = true;
    if (profile !== undefined && profile !== arg) return undefined;
    profile = arg;
  }
  return { profile, values };
}

const REGION: PlainOption = { names: ["--region", "-r"], key: "region" };
// An MFA code: unused when the cache answers (as in the full CLI), so plain on the
// warm path too; a malformed one is the resolver's usage error, which the warm
// path leaves to the next entry to report.
const TOKEN_CODE: PlainOption = { names: ["--token-code", "-t"], key: "tokenCode" };

const EXPORT_OPTIONS: readonly PlainOption[] = [
  { names: ["--format", "-f"], key: "format", choices: EXPORT_FORMATS },
  REGION,
  // --mark (the shell-init function's): plain, so its warm path stays fast.
  { names: ["--mark"], key: "mark", flag: true },
  TOKEN_CODE,
];

/** export's input from its plain arguments. */
export function plainExportInput(args: readonly string[]): ExportInput | undefined {
  const parsed = parsePlainArgs(args, EXPORT_OPTIONS);
  if (!parsed) return undefined;
  const { format, region, mark, tokenCode } = parsed.values;
  return {
    profile: parsed.profile,
    format: (format as ExportFormat | undefined) ?? "env",
    region: region as string | undefined,
    ...(mark ? { mark: true } : {}),
    ...(typeof tokenCode === "string" ? { tokenCode } : {}),
  };
}

/** whoami's input from its plain arguments. */
export function plainWhoamiInput(args: readonly string[]): WhoamiInput | undefined {
  const parsed = parsePlainArgs(args, [
    { names: ["--output", "-o"], key: "output", choices: ["text", "json"] },
    REGION,
    TOKEN_CODE,
  ]);
  if (!parsed) return undefined;
  const { output, region, tokenCode } = parsed.values;
  return {
    profile: parsed.profile,
    output: (output as WhoamiInput["output"] | undefined) ?? "text",
    ...(typeof region === "string" ? { region } : {}),
    ...(typeof tokenCode === "string" ? { tokenCode } : {}),
  };
}

/**
 * Whether the picker could run: no profile given and stdin and stderr are
 * character devices. fstat (not node:tty) keeps the warm path light; a
 * character device that is not a terminal (/dev/null) merely costs the full CLI.
 */
export function pickerMayApply(profile: string | undefined, env: NodeJS.ProcessEnv): boolean {
  if (!noProfileGiven(profile, env)) return false;
  try {
    return fstatSync(0).isCharacterDevice() && fstatSync(2).isCharacterDevice();
  } catch {
    return false;
  }
}
