// The man page, awsrole(1), generated from the same commander tree as --help
// (at build time: scripts/build.mjs writes dist/awsrole.1, which
// package.json's "man" installs). Every command and option in the page is one
// that --help shows, with the same words.

import type { Command } from "commander";

/** roff-escape a line of text: backslashes, and a leading . or ' that roff would take for a request. */
function esc(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .replace(/^([.'])/gm, "\\&$1");
}

/** The subcommands --help lists (not hidden ones, nor commander's implicit `help`). */
export function visibleSubcommands(cmd: Command): Command[] {
  return cmd
    .createHelp()
    .visibleCommands(cmd)
    .filter((c) => cmd.commands.includes(c));
}

/** The text a command's help prints after its options (src/commands/declare.ts), as --help prints it. */
type HelpAfter = (cmd: Command) => string;

function usage(cmd: Command, parents: string[]): string {
  return [...parents, cmd.name(), cmd.usage()].filter(Boolean).join(" ");
}

function commandSection(cmd: Command, parents: string[], helpAfter: HelpAfter): string[] {
  const subs = visibleSubcommands(cmd);
  if (subs.length > 0) return subs.flatMap((sub) => commandSection(sub, [...parents, cmd.name()], helpAfter));
  const out = [".SS " + esc(usage(cmd, parents)), esc(cmd.description())];
  for (const option of cmd.options.filter((o) => !o.hidden)) {
    out.push(
      ".TP",
      `.B ${esc(option.flags)}`,
      esc(option.description + (option.argChoices ? ` (${option.argChoices.join(", ")})` : "")),
    );
  }
  const after = helpAfter(cmd).replace(/^\n+/, "").replace(/\s+$/, "");
  if (after) out.push(".PP", ".nf", ...after.split("\n").map(esc), ".fi");
  return out;
}

export function renderManPage(program: Command, version: string, helpAfter: HelpAfter): string {
  const lines = [
    `.TH AWSROLE 1 "" "awsrole ${esc(version)}" "User Commands"`,
    ".SH NAME",
    `awsrole \\- ${esc(program.description())}`,
    ".SH SYNOPSIS",
    ".B awsrole",
    "[\\fIoptions\\fR] \\fIcommand\\fR [\\fIargs\\fR]",
    ".br",
    ".B awsrole help",
    "\\fIcommand\\fR",
    ".SH DESCRIPTION",
    "awsrole reads ~/.aws/config and ~/.aws/credentials as the AWS CLI does, resolves " +
      "profiles, STS role chains and MFA, and shares the AWS CLI's credential cache " +
      "(~/.aws/cli/cache).",
    "stdout carries only data (export lines, JSON, the requested report); prompts, " +
      'colour, warnings and errors go to stderr, so eval "$(awsrole export PROFILE)" always works.',
    ".SH OPTIONS",
    ...program.options.flatMap((o) => [".TP", `.B ${esc(o.flags)}`, esc(o.description)]),
    ".TP",
    `.B ${esc("-h, --help")}`,
    "show help; every command takes it, as does awsrole help \\fIcommand\\fR",
    ".SH COMMANDS",
    ...visibleSubcommands(program).flatMap((cmd) => commandSection(cmd, ["awsrole"], helpAfter)),
    ".SH EXIT STATUS",
    "0 ok, 1 failure, 2 usage error, 130 interrupted (Ctrl\\-C); exec passes the command's own status through.",
    ".SH ENVIRONMENT",
    "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE, AWS_DEFAULT_PROFILE, " +
      "AWS_REGION, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, AWS_STS_REGIONAL_ENDPOINTS " +
      "and AWS_MAX_ATTEMPTS, as the AWS CLI reads them.",
    "AWSROLE_PROFILE, AWSROLE_EXPIRATION and AWSROLE_REGION are set by awsrole (exec, export \\-\\-mark, and the region it exports).",
    "NO_COLOR turns colour off.",
    ".SH FILES",
    "~/.aws/config, ~/.aws/credentials, ~/.aws/cli/cache/ (shared with the AWS CLI), ~/.cache/awsrole/recent.json (the picker's recent profiles).",
    ".SH SEE ALSO",
    "aws(1); docs/commands.md, docs/workflow.md and docs/resolution.md in the awsrole sources.",
  ];
  return lines.join("\n") + "\n";
}
