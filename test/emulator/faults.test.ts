// Injected faults: what the SDK sees for each kind, that faulted requests are logged, and that
// close() ends hanging connections promptly.

import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, startSts, type StsServer } from "../sts/server.js";
import { expectStsError, role, SEEDS_PATH, sts, USER1, USER1_ARN } from "./helpers.js";

const world = loadWorld(SEEDS_PATH);
let server: StsServer;
beforeAll(async () => {
  server = await startSts({ world });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const whoami = (client = sts(server, USER1)) => client.send(new GetCallerIdentityCommand({}));

describe("fault kinds", () => {
  it("http500 => 500 InternalFailure (Receiver)", async () => {
    server.injectFault("http500");
    await expectStsError(whoami(), "InternalFailure", 500);
    expect(server.calls[0]).toMatchObject({
      action: "GetCallerIdentity",
      fault: "http500",
      status: 500,
      errorCode: "InternalFailure",
    });
  });

  it("throttle => 400 Throttling: Rate exceeded", async () => {
    server.injectFault("throttle");
    await expectStsError(whoami(), "Throttling", 400, "Rate exceeded");
    expect(server.calls[0]).toMatchObject({ fault: "throttle", status: 400, errorCode: "Throttling" });
  });

  it("malformed-xml => 200 whose body the SDK cannot parse", async () => {
    server.injectFault("malformed-xml");
    await expect(
      sts(server, USER1).send(
        new AssumeRoleCommand({ RoleArn: role("123456789012", "s3-developer"), RoleSessionName: "cut" }),
      ),
    ).rejects.toThrow(/XML parse error/);
    expect(server.calls[0]).toMatchObject({
      action: "AssumeRole",
      fault: "malformed-xml",
      status: 200,
      params: { RoleSessionName: "cut" },
    });
  });

  it("reset-connection => the socket is destroyed without a response", async () => {
    server.injectFault("reset-connection");
    await expect(whoami()).rejects.toThrow(/socket hang up|ECONNRESET/i);
    expect(server.calls[0]).toMatchObject({ fault: "reset-connection", status: 0 });
  });

  it("hang => no response until the client gives up", async () => {
    server.injectFault("hang");
    const client = new STSClient({
      region: "us-east-1",
      endpoint: server.url,
      credentials: USER1,
      maxAttempts: 1,
      requestHandler: { requestTimeout: 300, throwOnRequestTimeout: true },
    });
    const started = Date.now();
    await expect(whoami(client)).rejects.toThrow(/timeout|timed out/i);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.calls[0]).toMatchObject({ fault: "hang", status: 0, callerArn: null });
  });
});

describe("fault scheduling", () => {
  it("count applies the fault to the next N requests, then normal service resumes", async () => {
    server.injectFault("throttle", 2);
    await expectStsError(whoami(), "Throttling", 400);
    await expectStsError(whoami(), "Throttling", 400);
    expect((await whoami()).Arn).toBe(USER1_ARN);
    expect(server.calls.map((c) => c.fault ?? "ok")).toEqual(["throttle", "throttle", "ok"]);
  });

  it("the SDK's own retry gets past a single transient 500", async () => {
    server.injectFault("http500");
    expect((await whoami(sts(server, USER1, { maxAttempts: 3 }))).Arn).toBe(USER1_ARN);
    expect(server.calls.map((c) => c.status)).toEqual([500, 200]);
  });

  it("rejects unknown fault names", () => {
    expect(() => server.injectFault("explode" as never)).toThrow(/unknown fault/);
  });
});

describe("close()", () => {
  it("ends hanging connections and resolves promptly", async () => {
    const own = await startSts({ world });
    own.injectFault("hang", 3);
    const pending = [1, 2, 3].map(() =>
      fetch(`${own.url}/`, { method: "POST", body: "Action=GetCallerIdentity&Version=2011-06-15" }).catch(
        (e: Error) => e,
      ),
    );
    while (own.calls.length < 3) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    for (const outcome of await Promise.all(pending)) expect(outcome).toBeInstanceOf(Error);
    await own.close(); // idempotent
  });
});
