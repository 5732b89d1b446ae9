// test/sts/main.ts as a process: one stdout line with the URL, a stderr log line per call,
// clean exit on SIGTERM, and a clear failure for a bad world file.

import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SEEDS_PATH, sts, USER1, USER1_ARN } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../sts/main.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

function startMain(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("main.ts", () => {
  it("prints one listening line, logs calls on stderr and exits 0 on SIGTERM", async () => {
    const proc = startMain(["--world", SEEDS_PATH]);
    try {
      await until(() => proc.stdout().includes("\n"), "the listening line");
      const line = proc.stdout().trimEnd();
      expect(line).toMatch(/^STS listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = line.replace("STS listening on ", "");

      const identity = await sts({ url }, USER1).send(new GetCallerIdentityCommand({}));
      expect(identity.Arn).toBe(USER1_ARN);
      await until(() => proc.stderr().includes("GetCallerIdentity"), "the call log line");
      expect(proc.stderr()).toContain(`[sts] 200 GetCallerIdentity caller=${USER1_ARN}`);

      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
      expect(proc.stdout()).toBe(`${line}\n`);
    } finally {
      proc.child.kill("SIGKILL");
    }
  });

  it("exits 1 with the validation message for a bad world file", async () => {
    const proc = startMain(["--world", "/nonexistent/world.json"]);
    expect(await proc.exited).toBe(1);
    expect(proc.stderr()).toContain("cannot read world file /nonexistent/world.json");
    expect(proc.stdout()).toBe("");
  });
});
