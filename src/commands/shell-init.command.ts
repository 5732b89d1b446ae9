import { declareCommand, value } from "./declare.js";

export const shellInitCommand = declareCommand<{ shell: string; name?: string | undefined }>({
  name: "shell-init",
  description: "print a shell function that switches this shell to a profile (exit status, prompt marker, --unset)",
  arguments: [{ name: "<shell>", description: "bash, zsh or fish" }],
  options: { name: value("--name <name>", "the function's name (default awsrole-assume)") },
  help: `The function runs awsrole export --mark and evaluates the lines only when it
succeeded, so $? is awsrole's exit status. It leaves AWSROLE_PROFILE and
AWSROLE_EXPIRATION for prompts; awsrole-assume --unset removes what it set.

Examples:
  echo 'eval "$(awsrole shell-init bash)"' >> ~/.bashrc
  echo 'eval "$(awsrole shell-init zsh --name assume)"' >> ~/.zshrc
  echo 'awsrole shell-init fish | source' >> ~/.config/fish/config.fish
  awsrole-assume role-b               (then: awsrole-assume --unset)`,
  run: async (input, ctx) => (await import("./shell-init.js")).runShellInit(input, ctx),
});
