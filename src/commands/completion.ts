// `awsrole completion bash|zsh|fish`: a completion script for commands, options
// and profile names, generated from the commander tree so it never falls out
// of step. Profile names come from the hidden `awsrole __profiles` (config
// files only, no STS) each time the user presses Tab.

import type { Command } from "commander";
import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { visibleSubcommands } from "../render/man.js";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

export interface CommandSpec {
  name: string;
  description: string;
  options: Array<{ flags: string[]; description: string; values?: string[]; takesValue: boolean }>;
  /** Its first argument is a profile name. */
  takesProfile: boolean;
  subcommands: CommandSpec[];
}

export function describeCommands(program: Command): CommandSpec[] {
  const spec = (cmd: Command): CommandSpec => ({
    name: cmd.name(),
    description: cmd.description(),
    options: cmd.options
      .filter((o) => !o.hidden)
      .map((o) => ({
        flags: [o.short, o.long].filter((f): f is string => f !== undefined),
        description: o.description,
        takesValue: o.required || o.optional,
        ...(o.argChoices ? { values: [...o.argChoices] } : {}),
      })),
    takesProfile: cmd.registeredArguments[0]?.name() === "profile",
    subcommands: visibleSubcommands(cmd).map(spec),
  });
  return visibleSubcommands(program).map(spec);
}

export function runCompletion(input: { shell: string; program: Command }, ctx: Context): number {
  if (!(SHELLS as readonly string[]).includes(input.shell)) {
    throw new UsageError(`Unknown shell "${input.shell}".`, `Use one of ${SHELLS.join(", ")}.`);
  }
  const commands = describeCommands(input.program);
  const script =
    input.shell === "bash" ? bashScript(commands) : input.shell === "zsh" ? zshScript(commands) : fishScript(commands);
  ctx.stdout.write(script);
  return 0;
}

const words = (items: readonly string[]) => items.join(" ");
const sq = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * Profile names are data from files the user may not have written (generated
 * or shared configs), so the bash script never hands them to compgen -W,
 * which expands command substitutions, parameters and globs in its word list. They are
 * read line by line, matched as a literal prefix of the word being completed,
 * and offered quoted with printf %q, so the name is inserted exactly as it is
 * and pressing Enter passes it unexpanded (docs/security.md).
 */
const BASH_PROFILES_FUNCTION = `# Profile names are data: read literally, matched literally, inserted quoted.
_awsrole_profiles() {
  local name quoted
  while IFS= read -r name; do
    [[ -n "$name" && "$name" == "$cur"* ]] || continue
    printf -v quoted '%q' "$name"
    COMPREPLY+=("$quoted")
  done < <(awsrole __profiles 2>/dev/null)
}`;

/** Subcommands whose first argument is a profile ("cache clear"), as "parent sub". */
function profileSubcommands(commands: readonly CommandSpec[]): Array<[string, string]> {
  return commands.flatMap((c) =>
    c.subcommands.filter((s) => s.takesProfile).map((s) => [c.name, s.name] as [string, string]),
  );
}

export function bashScript(commands: readonly CommandSpec[]): string {
  const profileCommands = commands.filter((c) => c.takesProfile).map((c) => c.name);
  const profileSubs = profileSubcommands(commands).map(([c, s]) => sq(`${c} ${s}`));
  const optionCases = commands
    .flatMap((c) => [c, ...c.subcommands.map((s) => ({ ...s, name: `${c.name} ${s.name}` }))])
    .map((c) => `      ${sq(c.name)}) opts=${sq(words(c.options.flatMap((o) => o.flags).concat("--help")))} ;;`)
    .join("\n");
  const valueCases = commands
    .flatMap((c) => c.options.filter((o) => o.values).map((o) => ({ cmd: c.name, o })))
    .map(
      ({ cmd, o }) =>
        `      ${sq(cmd)}:${o.flags.join("|" + sq(cmd) + ":")}) COMPREPLY=( $(compgen -W ${sq(words(o.values!))} -- "$cur") ); return ;;`,
    )
    .join("\n");
  const subCases = commands
    .filter((c) => c.subcommands.length > 0)
    .map((c) => `      ${sq(c.name)}) subs=${sq(words(c.subcommands.map((s) => s.name)))} ;;`)
    .join("\n");
  return (
    `# awsrole bash completion. Install: awsrole completion bash >> ~/.bashrc
${BASH_PROFILES_FUNCTION}
_awsrole() {
  local cur prev cmd opts subs i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${sq(words(commands.map((c) => c.name).concat("help")))} -- "$cur") )
    return 0
  fi
  cmd="\${COMP_WORDS[1]}"
  # After "--" (awsrole exec PROFILE -- ...): complete the command to run.
  for (( i=2; i<COMP_CWORD; i++ )); do
    if [ "\${COMP_WORDS[i]}" = "--" ]; then
      if [ $((i + 1)) -eq "$COMP_CWORD" ]; then COMPREPLY=( $(compgen -c -- "$cur") ); else COMPREPLY=( $(compgen -f -- "$cur") ); fi
      return 0
    fi
  done
  subs=""
  case "$cmd" in
${subCases}
  esac
  if [ -n "$subs" ] && [ "$COMP_CWORD" -eq 2 ]; then
    COMPREPLY=( $(compgen -W "$subs" -- "$cur") )
    return 0
  fi
  [ -n "$subs" ] && cmd="$cmd \${COMP_WORDS[2]}"
  case "$cmd:$prev" in
${valueCases}
  esac
  case "$prev" in
    -p|--profile) _awsrole_profiles; return 0 ;;
    -t|--token-code|-r|--region|--role-arn|--role-session-name|--duration-seconds|--serial-number|` +
    `--external-id|--write-profile|--destination|--duration) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    opts=""
    case "$cmd" in
${optionCases}
    esac
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
    return 0
  fi
${profileSubs.length ? `  case "$cmd" in\n    ${profileSubs.join("|")}) _awsrole_profiles; return 0 ;;\n  esac\n` : ""}  case "\${cmd%% *}" in
    ${profileCommands.join("|")}) _awsrole_profiles ;;
    completion|shell-init) COMPREPLY=( $(compgen -W ${sq(words(SHELLS))} -- "$cur") ) ;;
  esac
  return 0
}
complete -F _awsrole awsrole
`
  );
}

const zq = (text: string) => text.replace(/[\\:'[\]]/g, (c) => (c === "'" ? "'\\''" : `\\${c}`));

export function zshScript(commands: readonly CommandSpec[]): string {
  const profileCommands = commands.filter((c) => c.takesProfile).map((c) => c.name);
  const profileSubs = profileSubcommands(commands).map(([c, s]) => `'${zq(c)} ${zq(s)}'`);
  const profileCase = profileSubs.length
    ? "  if (( CURRENT >= 4 )); then\n" +
      `    case "\${words[2]} \${words[3]}" in\n` +
      `      ${profileSubs.join("|")})\n` +
      `        profiles=(\${(f)"$(awsrole __profiles 2>/dev/null)"})\n` +
      "        compadd -a profiles\n" +
      "        return ;;\n" +
      "    esac\n" +
      "  fi\n"
    : "";
  const described = commands.map((c) => `    '${zq(c.name)}:${zq(c.description)}'`).join("\n");
  const optionCases = commands
    .map((c) => {
      const opts = c.options
        .flatMap((o) => o.flags.map((f) => `'${zq(f)}:${zq(o.description)}'`))
        .concat(`'--help:show help'`)
        .join(" ");
      return `      ${c.name}) opts=(${opts}) ;;`;
    })
    .join("\n");
  const subCases = commands
    .filter((c) => c.subcommands.length > 0)
    .map(
      (c) => `      ${c.name}) subs=(${c.subcommands.map((s) => `'${zq(s.name)}:${zq(s.description)}'`).join(" ")}) ;;`,
    )
    .join("\n");
  return `#compdef awsrole
# awsrole zsh completion. Install: awsrole completion zsh >> ~/.zshrc
# (or save it as _awsrole in a directory on $fpath).
_awsrole() {
  local -a commands opts subs profiles
  local i
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'awsrole command' commands
    return
  fi
  for (( i = 3; i < CURRENT; i++ )); do
    if [[ "\${words[i]}" == "--" ]]; then
      if (( i + 1 == CURRENT )); then _command_names -e; else _files; fi
      return
    fi
  done
  subs=()
  case "\${words[2]}" in
${subCases}
  esac
  if (( \${#subs} > 0 && CURRENT == 3 )); then
    _describe -t subcommands 'subcommand' subs
    return
  fi
  case "\${words[CURRENT-1]}" in
    -p|--profile)
      profiles=(\${(f)"$(awsrole __profiles 2>/dev/null)"})
      compadd -a profiles
      return ;;
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    opts=()
    case "\${words[2]}" in
${optionCases}
    esac
    _describe -t options 'option' opts
    return
  fi
${profileCase}  case "\${words[2]}" in
    ${profileCommands.join("|")})
      profiles=(\${(f)"$(awsrole __profiles 2>/dev/null)"})
      compadd -a profiles ;;
    completion|shell-init) compadd ${SHELLS.join(" ")} ;;
  esac
}
if [[ "\${funcstack[1]}" == "_awsrole" ]]; then
  _awsrole "$@"
else
  (( \${+functions[compdef]} )) || { autoload -Uz compinit && compinit; }
  compdef _awsrole awsrole
fi
`;
}

const fq = (text: string) => `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;

export function fishScript(commands: readonly CommandSpec[]): string {
  const names = commands.map((c) => c.name).join(" ");
  const lines: string[] = [
    "# awsrole fish completion. Install: awsrole completion fish > ~/.config/fish/completions/awsrole.fish",
    "complete -c awsrole -f",
    ...commands.map(
      (c) =>
        `complete -c awsrole -n "not __fish_seen_subcommand_from ${names}" -a ${fq(c.name)} -d ${fq(c.description)}`,
    ),
  ];
  for (const c of commands) {
    const when = `__fish_seen_subcommand_from ${c.name}`;
    if (c.takesProfile)
      lines.push(
        `complete -c awsrole -n ${fq(`${when}; and not contains -- -- (commandline -opc)`)} -a '(awsrole __profiles 2>/dev/null)'`,
      );
    if (c.name === "completion" || c.name === "shell-init")
      lines.push(`complete -c awsrole -n ${fq(when)} -a ${fq(SHELLS.join(" "))}`);
    for (const s of c.subcommands)
      lines.push(`complete -c awsrole -n ${fq(when)} -a ${fq(s.name)} -d ${fq(s.description)}`);
    for (const s of c.subcommands.filter((sub) => sub.takesProfile))
      lines.push(
        `complete -c awsrole -n ${fq(`${when}; and __fish_seen_subcommand_from ${s.name}`)} -a '(awsrole __profiles 2>/dev/null)'`,
      );
    for (const o of [...c.options, ...c.subcommands.flatMap((s) => s.options)]) {
      const short = o.flags.find((f) => /^-[^-]/.test(f));
      const long = o.flags.find((f) => f.startsWith("--"));
      let line = `complete -c awsrole -n ${fq(when)}`;
      if (short) line += ` -s ${short.slice(1)}`;
      if (long) line += ` -l ${long.slice(2)}`;
      if (o.takesValue) line += " -x";
      if (long === "--profile") line += " -a '(awsrole __profiles 2>/dev/null)'";
      else if (o.values) line += ` -a ${fq(o.values.join(" "))}`;
      lines.push(`${line} -d ${fq(o.description)}`);
    }
  }
  return lines.join("\n") + "\n";
}
