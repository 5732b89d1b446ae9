// setSessionSeconds: sessions that expire within seconds, in real time, so the
// credential server's refresh (src/server/) can be tested without moving clocks.

import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorld, startSts, type StsServer } from "../sts/server.js";
import { keysOf, role, SEEDS_PATH, sts, USER1 } from "./helpers.js";

let server: StsServer;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SEEDS_PATH), sessionSeconds: 2 });
});
afterAll(async () => {
  await server.close();
});

const assume = () =>
  sts(server, USER1).send(
    new AssumeRoleCommand({
      RoleArn: role("123456789012", "s3-developer"),
      RoleSessionName: "short",
      DurationSeconds: 3600,
    }),
  );

describe("setSessionSeconds", () => {
  it("caps every issued session; the keys stop working in real time; undefined restores the durations", async () => {
    const short = (await assume()).Credentials!;
    const left = short.Expiration!.getTime() - Date.now();
    expect(left).toBeLessThanOrEqual(2000);
    expect(left).toBeGreaterThan(0);
    await sts(server, keysOf(short)).send(new GetCallerIdentityCommand({}));
    await new Promise((resolve) => setTimeout(resolve, left + 50));
    await expect(
      sts(server, keysOf(short), { maxAttempts: 1 }).send(new GetCallerIdentityCommand({})),
    ).rejects.toMatchObject({ name: "ExpiredToken" });

    server.setSessionSeconds(undefined);
    const normal = (await assume()).Credentials!;
    expect(normal.Expiration!.getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect(() => server.setSessionSeconds(0)).toThrow(RangeError);
  });
});
