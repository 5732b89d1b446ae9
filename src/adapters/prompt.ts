// The MFA prompt: @inquirer/prompts, loaded only when a code is needed, writing
// to stderr (or straight to the terminal) so `eval "$(awsrole export ...)"` and
// credential_process keep stdout clean. When stdin is not a terminal (e.g. the
// AWS CLI runs awsrole as a credential_process) it asks on /dev/tty, as
// botocore's getpass does.

import { openSync } from "node:fs";
import { ReadStream, WriteStream } from "node:tty";
import { AwsroleError, InterruptedError } from "../errors.js";
import { MFA_CODE } from "../core/mfa.js";

export interface PromptTerminal {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  close(): void;
}

/** The terminal to ask on, or undefined when there is none. */
export function openTerminal(stdinIsTTY: boolean): PromptTerminal | undefined {
  if (stdinIsTTY && process.stderr.isTTY) return { input: process.stdin, output: process.stderr, close: () => {} };
  try {
    const input = new ReadStream(openSync("/dev/tty", "r"));
    const output = new WriteStream(openSync("/dev/tty", "w"));
    return {
      input,
      output,
      close: () => {
        input.destroy();
        output.destroy();
      },
    };
  } catch {
    return undefined;
  }
}

export async function promptMfaCode(serial: string, terminal: PromptTerminal, signal: AbortSignal): Promise<string> {
  const { input } = await import("@inquirer/prompts");
  try {
    const code = await input(
      {
        // The AWS CLI's wording, so users recognise it.
        message: `Enter MFA code for ${serial}:`,
        validate: (value: string) => MFA_CODE.test(value.trim()) || "An MFA code is 6 digits.",
        // No prefix at all: an empty string still gets a joining space, which
        // made the prompt start with a stray " " (undefined parts are dropped).
        theme: { prefix: { idle: undefined, done: undefined } as unknown as string },
      },
      { input: terminal.input, output: terminal.output, signal, clearPromptOnDone: false },
    );
    return code.trim();
  } catch (error) {
    const name = (error as Error).name;
    if (name === "ExitPromptError" || name === "AbortPromptError" || signal.aborted) throw new InterruptedError();
    throw new AwsroleError(
      "PromptFailed",
      `Could not ask for the MFA code for ${serial} (${(error as Error).message}).`,
      { hint: "Pass the code with --token-code 123456." },
    );
  } finally {
    terminal.close();
  }
}
