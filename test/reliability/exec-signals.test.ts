// Issue 14: signals and a process that holds credentials. Without a terminal,
// exec forwards SIGQUIT as a terminal's Ctrl-\ would have reached the command;
// SIGUSR1 never opens Node's inspector (127.0.0.1:9229, which any local user
// could attach to), neither during exec (it goes to the command) nor while
// another command waits for STS.

import { spawn } from "node:child_process";
import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, baseEnv, seedWorld } from "./helpers.js";

const world = seedWorld();
const NODE = process.execPath;

/** Starts `awsrole exec user1 -- node -e script`, sends `signal` to awsrole once the child says "ready". */
async function execWithSignal(script: string, signal: NodeJS.Signals) {
  const h = world.home();
  const child = spawn(NODE, [BIN, "exec", "user1", "--", NODE, "-e", script], {
    env: baseEnv(h, world.sts),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  let sent = false;
  child.stdout.setEncoding("utf8").on("data", (c: string) => {
    stdout += c;
    if (!sent && stdout.includes("ready")) {
      sent = true;
      child.kill(signal);
    }
  });
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const handler = (signal: string) =>
  `process.on("${signal}", () => { process.stdout.write("child got ${signal}\\n"); ` +
  `process.exit(3); }); process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`;

describe("exec without a terminal", () => {
  it("forwards SIGQUIT to the command (a terminal's Ctrl-\\ would have reached it)", async () => {
    const r = await execWithSignal(handler("SIGQUIT"), "SIGQUIT");
    expect(r.stdout).toContain("child got SIGQUIT");
    expect(r.code).toBe(3);
  }, 20_000);

  it("forwards SIGUSR1 to the command and never opens the inspector", async () => {
    const r = await execWithSignal(handler("SIGUSR1"), "SIGUSR1");
    expect(r.stdout).toContain("child got SIGUSR1");
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain("Debugger listening");
  }, 20_000);

  it("forwards SIGUSR2 to the command instead of dying of it", async () => {
    const r = await execWithSignal(handler("SIGUSR2"), "SIGUSR2");
    expect(r.stdout).toContain("child got SIGUSR2");
    expect(r.code).toBe(3);
  }, 20_000);
});

describe("any command", () => {
  // An STS endpoint that accepts connections and never answers: the command waits.
  let server: Server;
  const sockets: Socket[] = [];
  let url = "";
  beforeAll(async () => {
    server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("SIGUSR1 while waiting for STS does not open the inspector", async () => {
    const h = world.home();
    const env = { ...baseEnv(h), AWS_ENDPOINT_URL_STS: url, AWS_REGION: "ap-northeast-1", AWS_MAX_ATTEMPTS: "1" };
    const child = spawn(NODE, [BIN, "export", "role-a", "--token-code", "123456"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    // Wait for the STS connection: then the full CLI is loaded and waiting.
    const deadline = Date.now() + 10_000;
    while (sockets.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sockets.length).toBeGreaterThan(0);
    child.kill("SIGUSR1");
    await new Promise((r) => setTimeout(r, 500));
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(stderr).not.toContain("Debugger listening");
    expect(code).toBe(130);
  }, 20_000);
});
