// Issue 6.4, STS faults: bounded retries where retrying helps (throttling, 500s:
// the SDK's standard retry, at most 3 attempts), a clear error naming the hop
// and the endpoint within 30 s otherwise, and nothing written to the cache for
// the hop that failed (no entry, no .tmp, no .lock).

import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorld, SEED_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { baseEnv, callsOf, hopCacheFiles, leftovers, parseEnvExport, STACK_LINE, seedWorld } from "./helpers.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback servers and temp HOMEs.
import { runCli } from "../in-process.js";
import { existsSync } from "node:fs";

// A fresh emulator per test: faults injected but not consumed must not leak into the next test.
const world = seedWorld({ perTest: true });
const home = () => world.home();

/** A port on which nothing listens (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function expectCleanError(result: { code: number | null; stdout: string; stderr: string }) {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect(result.stderr).toMatch(/\nhint: /);
}

describe("a single hop (s3-developer) against a failing STS", () => {
  it("connection refused: a clear error naming the hop and the endpoint, quickly, nothing cached", async () => {
    const h = home();
    const url = `http://127.0.0.1:${await deadPort()}`;
    const started = Date.now();
    const result = await runCli(["export", "s3-developer"], baseEnv(h, world.sts, { AWS_ENDPOINT_URL_STS: url }));
    const elapsed = Date.now() - started;
    expectCleanError(result);
    expect(result.stderr).toContain(
      `Hop 1 of 1 (profile s3-developer): could not reach STS at ${url} for AssumeRole (ECONNREFUSED).`,
    );
    expect(elapsed).toBeLessThan(30_000);
    expect(h.cacheFiles()).toEqual([]);
  });

  it("a server that never answers: ends within 30 s, naming the hop and the endpoint, nothing cached", async () => {
    const h = home();
    world.sts.injectFault("hang", 10);
    const started = Date.now();
    const result = await runCli(["export", "s3-developer"], baseEnv(h, world.sts), { timeoutMs: 45_000 });
    const elapsed = Date.now() - started;
    expectCleanError(result);
    expect(elapsed).toBeLessThan(30_000);
    expect(result.stderr).toContain(
      `Hop 1 of 1 (profile s3-developer): could not reach STS at ${world.sts.url} for AssumeRole`,
    );
    // The SDK's 3 attempts, each cut by the 6 s request timeout.
    expect(world.sts.calls.length).toBeGreaterThanOrEqual(1);
    expect(world.sts.calls.length).toBeLessThanOrEqual(3);
    expect(h.cacheFiles()).toEqual([]);
  }, 45_000);

  it.each([
    ["http500", /InternalFailure|internal error/i],
    ["throttle", /Throttl/],
  ] as const)(
    "%s every time: at most 3 attempts, then a clear error, nothing cached",
    async (fault, message) => {
      const h = home();
      world.sts.injectFault(fault, 10);
      const started = Date.now();
      const result = await runCli(["export", "s3-developer"], baseEnv(h, world.sts));
      expectCleanError(result);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toContain("Hop 1 of 1 (profile s3-developer)");
      expect(world.sts.calls.length).toBeGreaterThan(1); // retrying helps here: it was tried
      expect(world.sts.calls.length).toBeLessThanOrEqual(3);
      expect(world.sts.calls.every((c) => c.fault === fault)).toBe(true);
      expect(h.cacheFiles()).toEqual([]);
    },
    40_000,
  );

  it.each(["http500", "throttle", "reset-connection"] as const)(
    "%s twice, then an answer: the retry succeeds (3 requests) and the result is cached",
    async (fault) => {
      const h = home();
      world.sts.injectFault(fault, 2);
      const result = await runCli(["export", "s3-developer"], baseEnv(h, world.sts));
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(parseEnvExport(result.stdout).AWS_SESSION_TOKEN).toBeTruthy();
      expect(world.sts.calls.map((c) => c.fault ?? `${c.action} ${c.status}`)).toEqual([
        fault,
        fault,
        "AssumeRole 200",
      ]);
      expect(h.cacheFiles().filter((n) => n.endsWith(".json"))).toHaveLength(1);
      expect(leftovers(h)).toEqual([]);
    },
    40_000,
  );

  it("malformed XML: a clear error that says the response is not STS XML, nothing cached", async () => {
    const h = home();
    world.sts.injectFault("malformed-xml", 10);
    const result = await runCli(["export", "s3-developer"], baseEnv(h, world.sts));
    expectCleanError(result);
    expect(result.stderr).toMatch(/Hop 1 of 1 \(profile s3-developer\)/);
    expect(result.stderr).toMatch(/not valid STS XML/);
    expect(world.sts.calls.length).toBeLessThanOrEqual(3);
    expect(h.cacheFiles()).toEqual([]);
  }, 40_000);

  it("AWS_MAX_ATTEMPTS=1: one request only", async () => {
    const h = home();
    world.sts.injectFault("http500", 10);
    const result = await runCli(["export", "s3-developer"], baseEnv(h, world.sts, { AWS_MAX_ATTEMPTS: "1" }));
    expectCleanError(result);
    expect(world.sts.calls).toHaveLength(1);
  });
});

describe("a fault in the middle of a chain (role-e, hop 3)", () => {
  it("names hop 3 and its role, keeps the entries of hops 1-2, writes nothing for hops 3-5", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const files = await hopCacheFiles("role-e", env, runCli);
    // Hops 1 and 2 answer; hop 3 gets 500s on all of its attempts.
    const first = await runCli(["export", "role-b", "--token-code", "123456"], env);
    expect(first.code).toBe(0);
    world.sts.reset();
    world.sts.injectFault("http500", 10);
    const result = await runCli(["export", "role-e"], env);
    expectCleanError(result);
    expect(result.stderr).toContain("Hop 3 of 5 (profile role-c)");
    expect(result.stderr).toContain("arn:aws:iam::222222222222:role/RoleC");
    expect(world.sts.calls.length).toBeLessThanOrEqual(3);
    expect(files.map((f) => existsSync(f))).toEqual([true, true, false, false, false]);
    expect(leftovers(h)).toEqual([]);
  }, 40_000);
});

describe("ExpiredToken from a session source", () => {
  let clocked: StsServer;
  beforeAll(async () => {
    clocked = await startSts({ world: loadWorld(SEED_WORLD_PATH) });
  });
  afterAll(async () => {
    await clocked.close();
  });

  it("a cached inner hop whose session STS considers expired: a clear error, not retried, the outer entry not written", async () => {
    const h = home();
    const env = baseEnv(h, clocked);
    const files = await hopCacheFiles("role-b", env, runCli);
    expect((await runCli(["export", "role-a", "--token-code", "123456"], env)).code).toBe(0);
    // STS's clock moves on two hours; our cache still believes role-a's session is fresh.
    clocked.advanceClock(2 * 3600);
    clocked.reset();
    const result = await runCli(["export", "role-b"], env);
    expectCleanError(result);
    expect(callsOf(clocked)).toEqual(["AssumeRole RoleB -> ExpiredToken"]);
    expect(result.stderr).toContain("Hop 2 of 2 (profile role-b)");
    expect(result.stderr).toMatch(/hint: The source credentials of this hop have expired.*awsrole cache clear role-b/);
    expect(existsSync(files[1]!)).toBe(false);
    expect(leftovers(h)).toEqual([]);
  });
});
