// Issue 10: every STS-like call goes through the one cache wrapper
// (src/core/cached-session.ts throughCache), so GetSessionToken (mfa_session)
// and AssumeRoleWithWebIdentity are single-flight across processes, as
// AssumeRole has been (stampede.test.ts): many cold processes at once make one
// call, and all export the one session that was cached.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CHAIN_MFA, baseEnv, callsOf, parseEnvExport, runCli, seedWorld } from "../e2e/harness.js";
import { leftovers } from "./helpers.js";

const world = seedWorld();

const KEYS = `[default]
aws_access_key_id = AKIAUSER1CHAIN000001
aws_secret_access_key = User1ChainSecretKey00000000000000000001
`;
// Two roles, one MFA session: their hops have different keys (and locks), so
// only the MFA session's own lock can make its GetSessionToken single-flight.
const MFA_SESSION_CONFIG = `[default]
region = ap-northeast-1

[profile role-a]
role_arn = arn:aws:iam::222222222222:role/RoleA
mfa_serial = ${CHAIN_MFA}
source_profile = default
mfa_session = true

[profile mfa-role]
role_arn = arn:aws:iam::444444444444:role/MfaSessionRole
mfa_serial = ${CHAIN_MFA}
source_profile = default
mfa_session = true
`;
const WEB_TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaS1ydW5uZXIifQ.sig";

describe("single flight beyond AssumeRole", () => {
  it("twenty cold processes on two roles sharing one MFA session: one GetSessionToken in all", async () => {
    const h = world.home({ config: MFA_SESSION_CONFIG, credentials: KEYS });
    const env = baseEnv(h, world.sts);
    const profiles = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? "role-a" : "mfa-role"));
    const results = await Promise.all(
      profiles.map((p) => runCli(["export", p, "--token-code", "123456"], env, { timeoutMs: 60_000 })),
    );
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(parseEnvExport(r.stdout).AWS_SESSION_TOKEN).toBeTruthy();
    }
    expect(callsOf(world.sts).sort()).toEqual(["AssumeRole MfaSessionRole", "AssumeRole RoleA", "GetSessionToken"]);
    expect(leftovers(h)).toEqual([]);
  }, 90_000);

  it("twenty cold `export web` processes (web identity at the top): one AssumeRoleWithWebIdentity in all", async () => {
    const h = world.home({ config: "", credentials: "" });
    const token = join(h.dir, "token");
    writeFileSync(token, WEB_TOKEN);
    writeFileSync(
      join(h.awsDir, "config"),
      `[profile web]\nrole_arn = arn:aws:iam::444444444444:role/WebRole\nweb_identity_token_file = ${token}\nrole_session_name = ci-job\n`,
    );
    const env = baseEnv(h, world.sts);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runCli(["export", "web"], env, { timeoutMs: 60_000 })),
    );
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
    expect(callsOf(world.sts)).toEqual(["AssumeRoleWithWebIdentity WebRole"]);
    expect(new Set(results.map((r) => parseEnvExport(r.stdout).AWS_ACCESS_KEY_ID)).size).toBe(1);
    expect(leftovers(h)).toEqual([]);
  }, 90_000);
});
