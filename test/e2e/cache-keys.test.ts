// One cacheKeysOf (src/core/cache-keys.ts) for the resolver and the cache
// commands: `cache clear --chain` removes every entry the resolver wrote for
// the profile, the MFA session included, whatever the source of its long-term
// keys (issue 10: it used to know only keys in a file).

import { describe, expect, it } from "vitest";
import { CHAIN_MFA, baseEnv, callsOf, runCli, seedWorld } from "./harness.js";

const world = seedWorld();

const CONFIG = `[default]
region = ap-northeast-1

[profile from-env]
role_arn = arn:aws:iam::222222222222:role/RoleA
mfa_serial = ${CHAIN_MFA}
credential_source = Environment
mfa_session = true
`;
const EXPORTED = {
  AWS_ACCESS_KEY_ID: "AKIAUSER1CHAIN000001",
  AWS_SECRET_ACCESS_KEY: "User1ChainSecretKey00000000000000000001",
};

describe("cache clear --chain and the MFA session", () => {
  it("an MFA session of exported keys (credential_source = Environment): both entries the resolver wrote are cleared", async () => {
    const h = world.home({ config: CONFIG, credentials: "" });
    const env = baseEnv(h, world.sts, EXPORTED);
    const exported = await runCli(["export", "from-env", "--token-code", "123456"], env);
    expect(exported.stderr).toBe("");
    expect(callsOf(world.sts)).toEqual(["GetSessionToken", "AssumeRole RoleA"]);
    expect(h.cacheFiles().filter((n) => n.endsWith(".json"))).toHaveLength(2);
    const cleared = await runCli(["cache", "clear", "from-env", "--chain"], env);
    expect(cleared.stdout).toMatch(/^Removed 2 cached credentials of profile from-env and its chain from /);
    expect(h.cacheFiles()).toEqual([]);
  });
});
