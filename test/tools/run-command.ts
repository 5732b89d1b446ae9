// Runs a command as a child process and collects what it printed: the one
// spawn-with-timeout used by the end-to-end harness, the interop suite and the
// demo (no vitest import, so the demo can use it outside a test run). Always
// asynchronous: the STS emulator lives in the calling process, and a
// synchronous spawn would block it.

import { spawn } from "node:child_process";

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be started at all (ENOENT, EACCES). */
  spawnError?: Error;
}

export function runCommand(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; input?: string; timeoutMs: number },
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.stdin.on("error", () => {}); // a child that exits without reading stdin
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.on("error", (spawnError) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, spawnError });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** Whether `command` is on PATH (for tests that skip, with a message, without a shell such as zsh or fish). */
export async function onPath(command: string): Promise<boolean> {
  const result = await runCommand("sh", ["-c", 'command -v "$1" >/dev/null', "sh", command], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
    input: "",
    timeoutMs: 10_000,
  });
  return result.code === 0;
}
