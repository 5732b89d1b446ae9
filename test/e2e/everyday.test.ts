// Everyday use as a new user meets it (issue 15): cache clear's scope, the
// region rule, --write-profile onto role profiles, errors for exported keys.
// The built CLI against the loopback STS, in throw-away HOMEs.

import { describe, expect, it } from "vitest";
import { baseEnv, callsOf, runCli, seedWorld } from "./harness.js";

const world = seedWorld();
const home = world.home;

describe("cache clear PROFILE", () => {
  it("removes only the profile's own session by default, so the chain it came from needs no new MFA code", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-c", "--token-code", "123456"], env);
    expect(h.cacheFiles()).toHaveLength(3);
    const cleared = await runCli(["cache", "clear", "role-c"], env);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/^Removed 1 cached credential of profile role-c from .*\.\n$/);
    expect(cleared.stderr).toContain("kept the sessions of role-a, role-b, which role-c is assumed from; add --chain to clear them too.");
    expect(h.cacheFiles()).toHaveLength(2);
    world.sts.reset();
    // role-b is still cached: no prompt (there is no terminal here), no STS call.
    const again = await runCli(["export", "role-b"], env);
    expect(again.code).toBe(0);
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("--chain removes the whole chain's sessions, and the count is the files removed", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    await runCli(["export", "role-b", "--token-code", "123456"], env);
    expect(h.cacheFiles()).toHaveLength(2);
    // role-c's own hop was never cached: 2 removed, not 3.
    const cleared = await runCli(["cache", "clear", "role-c", "--chain"], env);
    expect(cleared.stdout).toMatch(/^Removed 2 cached credentials of profile role-c and its chain from /);
    expect(h.cacheFiles()).toEqual([]);
  });

  it("--chain without a profile is a usage error", async () => {
    const result = await runCli(["cache", "clear", "--chain"], baseEnv(home(), world.sts));
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("--chain goes with a profile");
  });
});
