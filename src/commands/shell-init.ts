// `awsrole shell-init bash|zsh|fish`: a shell function, in the spirit of
// granted's `assume` and awsume's alias, so switching is one word instead of
// eval "$(...)". The function
// - runs `awsrole export --mark` and evaluates its lines only when it succeeded,
//   returning awsrole's exit status (a failed export leaves the shell as it was
//   and $? non-zero; Ctrl-C at the prompt gives 130);
// - leaves AWSROLE_PROFILE and AWSROLE_EXPIRATION for prompts (--mark);
// - with --unset, removes everything it set: the credentials, the markers, and
//   the region when awsrole set it (AWSROLE_REGION still matches).

import type { Context } from "../context.js";
import { UsageError } from "../errors.js";
import { SHELLS } from "./completion.js";

export const DEFAULT_FUNCTION_NAME = "awsrole-assume";
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** What --unset removes (besides the region, which it removes only when awsrole set it). */
export const UNSET_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWSROLE_PROFILE",
  "AWSROLE_EXPIRATION",
  "AWSROLE_REGION",
] as const;

export function runShellInit(input: { shell: string; name?: string | undefined }, ctx: Context): number {
  if (!(SHELLS as readonly string[]).includes(input.shell)) {
    throw new UsageError(`Unknown shell "${input.shell}".`, `Use one of ${SHELLS.join(", ")}.`);
  }
  const name = input.name ?? DEFAULT_FUNCTION_NAME;
  if (!NAME.test(name))
    throw new UsageError(
      `--name "${name.slice(0, 64)}" is not a usable function name.`,
      "Use letters, digits, - and _, starting with a letter.",
    );
  ctx.stdout.write(input.shell === "fish" ? fishFunction(name) : posixFunction(name, input.shell));
  return 0;
}

function posixFunction(name: string, shell: string): string {
  const rc = shell === "zsh" ? "~/.zshrc" : "~/.bashrc";
  return (
    `# awsrole shell integration. Install: echo 'eval "$(awsrole shell-init ${shell})"' >> ${rc}
# ${name} PROFILE [export options]: this shell takes PROFILE's credentials.
# ${name} --unset: remove what ${name} set.
${name}() {
  if [ "$#" -eq 1 ] && { [ "$1" = "--unset" ] || [ "$1" = "-u" ]; }; then
    if [ -z "\${AWSROLE_PROFILE-}" ]; then
      echo "awsrole: nothing to unset: no profile was assumed in this shell." >&2
      return 1
    fi
    if [ -n "\${AWSROLE_REGION-}" ] && [ "\${AWS_REGION-$AWSROLE_REGION}" ` +
    `= "$AWSROLE_REGION" ] && [ "\${AWS_DEFAULT_REGION-$AWSROLE_REGION}" = "$AWSROLE_REGION" ]; then
      unset AWS_REGION AWS_DEFAULT_REGION
    fi
    unset ${UNSET_VARIABLES.join(" ")}
    return 0
  fi
  local __awsrole_lines
  __awsrole_lines="$(command awsrole export --mark "$@")" || return $?
  eval "$__awsrole_lines"
}
`
  );
}

function fishFunction(name: string): string {
  return `# awsrole shell integration. Install: echo 'awsrole shell-init fish | source' >> ~/.config/fish/config.fish
# ${name} PROFILE [export options]: this shell takes PROFILE's credentials.
# ${name} --unset: remove what ${name} set.
function ${name} --description "awsrole: this shell takes a profile's credentials"
    if test (count $argv) -eq 1; and contains -- $argv[1] --unset -u
        if not set -q AWSROLE_PROFILE
            echo "awsrole: nothing to unset: no profile was assumed in this shell." >&2
            return 1
        end
        if set -q AWSROLE_REGION
            and begin; not set -q AWS_REGION; or test "$AWS_REGION" = "$AWSROLE_REGION"; end
            and begin; not set -q AWS_DEFAULT_REGION; or test "$AWS_DEFAULT_REGION" = "$AWSROLE_REGION"; end
            set -e AWS_REGION
            set -e AWS_DEFAULT_REGION
        end
${UNSET_VARIABLES.map((v) => `        set -e ${v}`).join("\n")}
        return 0
    end
    set -l lines (command awsrole export --mark --format fish $argv)
    or return $status
    printf '%s\\n' $lines | source
end
`;
}
