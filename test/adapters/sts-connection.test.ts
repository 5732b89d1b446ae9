// The early connection to STS (src/adapters/sts-connection.ts): opened before the
// SDK loads, handed to the agent once, for its own host and port only, and
// dropped quietly when it failed, so that the agent's own connection (and the
// SDK's error and retries) take over exactly as without it.

import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { letIoRun, openEarlyConnection } from "../../src/adapters/sts-connection.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A loopback TCP server that counts its connections and notices them close. */
async function listen(): Promise<{ port: number; accepted: Socket[]; closed: () => number }> {
  const accepted: Socket[] = [];
  let closed = 0;
  server = createServer((socket) => {
    accepted.push(socket);
    socket.on("close", () => closed++);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { port: address.port, accepted, closed: () => closed };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
};

describe("openEarlyConnection", () => {
  it("hands its socket to the first connection for its host and port, once", async () => {
    const { port, accepted } = await listen();
    const early = openEarlyConnection(`http://127.0.0.1:${port}`, undefined)!;
    await until(() => accepted.length === 1);
    const socket = early.take({ host: "127.0.0.1", port: String(port) });
    expect(socket?.destroyed).toBe(false);
    expect(early.take({ host: "127.0.0.1", port })).toBeUndefined();
    socket!.destroy();
    expect(accepted).toHaveLength(1);
  });

  it.each([
    ["another port", (port: number) => ({ host: "127.0.0.1", port: port + 1 })],
    ["another host", (port: number) => ({ host: "localhost", port })],
  ])("%s: not handed over, and closed", async (_what, other) => {
    const { port, accepted, closed } = await listen();
    const early = openEarlyConnection(`http://127.0.0.1:${port}`, undefined)!;
    await until(() => accepted.length === 1);
    expect(early.take(other(port))).toBeUndefined();
    await until(() => closed() === 1);
  });

  it("a refused connection is dropped without a word: the agent opens its own", async () => {
    const { port } = await listen();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    server = undefined;
    const early = openEarlyConnection(`http://127.0.0.1:${port}`, undefined)!;
    for (let i = 0; i < 20; i++) await letIoRun();
    await new Promise((r) => setTimeout(r, 50));
    expect(early.take({ host: "127.0.0.1", port })).toBeUndefined();
  });

  it("a connection the server closed before it was used is not handed over", async () => {
    const { port, accepted } = await listen();
    const early = openEarlyConnection(`http://127.0.0.1:${port}`, undefined)!;
    await until(() => accepted.length === 1);
    accepted[0]!.end();
    await new Promise((r) => setTimeout(r, 50));
    expect(early.take({ host: "127.0.0.1", port })).toBeUndefined();
  });

  it("dropped before it was taken (Ctrl-C, a call that failed early): closed, and not handed over after", async () => {
    const { port, accepted, closed } = await listen();
    const early = openEarlyConnection(`http://127.0.0.1:${port}`, undefined)!;
    await until(() => accepted.length === 1);
    early.drop();
    await until(() => closed() === 1);
    expect(early.take({ host: "127.0.0.1", port })).toBeUndefined();
  });

  it("dropped after it was taken: the agent's socket is left alone", async () => {
    const { port, accepted, closed } = await listen();
    const early = openEarlyConnection(`http://127.0.0.1:${port}`, undefined)!;
    await until(() => accepted.length === 1);
    const socket = early.take({ host: "127.0.0.1", port })!;
    early.drop();
    await new Promise((r) => setTimeout(r, 50));
    expect(socket.destroyed).toBe(false);
    expect(closed()).toBe(0);
    socket.destroy();
  });

  it.each(["ftp://127.0.0.1/", "not a url", "file:///etc/passwd"])("%s: nothing opened", (url) => {
    expect(openEarlyConnection(url, undefined)).toBeUndefined();
  });
});
