import { declareCommand } from "./declare.js";

export const completionCommand = declareCommand<{ shell: string }>({
  name: "completion",
  description: "print a shell completion script (commands, options, profile names)",
  arguments: [{ name: "<shell>", description: "bash, zsh or fish" }],
  help: `Examples:
  awsrole completion bash >> ~/.bashrc
  awsrole completion zsh >> ~/.zshrc
  awsrole completion fish > ~/.config/fish/completions/awsrole.fish`,
  run: async (input, ctx, { program }) =>
    (await import("./completion.js")).runCompletion({ shell: input.shell, program }, ctx),
});
