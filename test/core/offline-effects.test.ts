// The warm path's effects (src/effects/offline.ts) under the real executor and
// a real cache directory: a warm hit is answered; anything that needs more
// (STS, a lock, a process, the network, a prompt) is NeedsOnline, never
// another error, so the warm path can hand the command to the full CLI.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CacheStore } from "../../src/adapters/cache-store.js";
import type { Context } from "../../src/context.js";
import { hopCacheKey } from "../../src/core/cache-key.js";
import { buildConfig } from "../../src/core/config.js";
import { NeedsOnline } from "../../src/core/effects.js";
import { parseIni } from "../../src/core/ini.js";
import { planProfile } from "../../src/core/plan.js";
import { resolvePlan } from "../../src/core/resolve.js";
import { offlineEffects } from "../../src/effects/offline.js";

const dir = mkdtempSync(join(tmpdir(), "awsrole-offline-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
const CONFIG = `[profile plain]
role_arn = arn:aws:iam::222222222222:role/Plain
source_profile = base
[profile proc]
credential_process = /bin/creds
[profile imds]
role_arn = arn:aws:iam::222222222222:role/Imds
credential_source = Ec2InstanceMetadata
[profile mfa]
role_arn = arn:aws:iam::222222222222:role/Mfa
source_profile = base
mfa_serial = arn:aws:iam::111111111111:mfa/me
`;
const config = buildConfig(
  parseIni(CONFIG, paths.configPath),
  parseIni("[base]\naws_access_key_id = AKIAEXAMPLE0000001\naws_secret_access_key = s\n", paths.credentialsPath),
  paths,
);
const stderr: string[] = [];
const ctx: Context = {
  env: {},
  now: () => new Date(),
  stdout: { write: () => {} },
  stderr: { write: (t) => void stderr.push(t) },
  isTerminal: async () => false,
  color: false,
  debug: false,
  signal: new AbortController().signal,
  effects: offlineEffects,
};
const plan = (name: string) => planProfile(config, { name, from: "flag" }, { env: {} });
const fx = (name: string) => offlineEffects(ctx, { config, plan: plan(name), region: undefined, cacheDir: dir });

describe("offline effects", () => {
  it.each([
    ["a cold role: the lock", "plain", /a cache miss/],
    ["a credential_process", "proc", /a credential process/],
    ["the instance role, after a miss", "imds", /a cache miss/],
    ["an MFA hop, after a miss", "mfa", /a cache miss/],
  ])("%s is NeedsOnline", async (_name, profile, what) => {
    const error = await resolvePlan(plan(profile), fx(profile)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NeedsOnline);
    expect((error as Error).message).toMatch(what);
  });

  it("the instance role itself (no cache) is NeedsOnline, not an ImdsUnavailable message", async () => {
    const noCache = offlineEffects(ctx, {
      config,
      plan: plan("imds"),
      region: undefined,
      cacheDir: dir,
      noCache: true,
    });
    await expect(resolvePlan(plan("imds"), noCache)).rejects.toBeInstanceOf(NeedsOnline);
  });

  it("a warm hit is answered from the cache directory, with nothing said", async () => {
    const key = hopCacheKey(plan("plain").hops[0]!);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    new CacheStore(dir).write(key, {
      Credentials: {
        AccessKeyId: "ASIACACHED000000001",
        SecretAccessKey: "s",
        SessionToken: "t",
        Expiration: expiration,
      },
    });
    const resolution = await resolvePlan(plan("plain"), fx("plain"));
    expect(resolution.credentials.accessKeyId).toBe("ASIACACHED000000001");
    expect(resolution.trace[0]!.outcome).toBe("cache-hit");
    expect(stderr).toEqual([]);
  });
});
