// The one place that turns an error into text on stderr and an exit code.
// Messages never contain secrets: errors are built from profile names, paths,
// ARNs and STS error codes only (docs/security.md).

import { AwsroleError, EXIT_FAILURE, EXIT_INTERRUPTED, stripControl } from "./errors.js";
import { paint } from "./ui.js";

export interface ReportTarget {
  stderr: (text: string) => void;
  debug: boolean;
  color: boolean;
}

export function reportError(error: unknown, target: ReportTarget): number {
  const { red, dim } = paint(target.color);
  if (isInterrupt(error)) {
    target.stderr("\n" + red("awsrole: interrupted.") + "\n");
    return EXIT_INTERRUPTED;
  }
  if (error instanceof AwsroleError) {
    // Messages may quote server text or file contents: no control characters reach the terminal.
    target.stderr(`${red("awsrole:")} ${stripControl(error.message)}\n`);
    if (error.hint) target.stderr(`${dim("hint:")} ${stripControl(error.hint)}\n`);
    if (target.debug && error.stack) target.stderr(dim(error.stack) + "\n");
    return error.exitCode;
  }
  // An unexpected error is a bug in awsrole: say so, and show the stack only with --debug.
  const message = error instanceof Error ? error.message : String(error);
  target.stderr(`${red("awsrole:")} unexpected error: ${stripControl(message)}\n`);
  if (target.debug && error instanceof Error && error.stack) target.stderr(dim(error.stack) + "\n");
  else target.stderr(`${dim("hint:")} Run again with --debug for details, and report it if it persists.\n`);
  return EXIT_FAILURE;
}

function isInterrupt(error: unknown): boolean {
  // @inquirer/prompts throws ExitPromptError on Ctrl-C.
  return (
    (error instanceof AwsroleError && error.exitCode === EXIT_INTERRUPTED) ||
    (error instanceof Error && error.name === "ExitPromptError")
  );
}
