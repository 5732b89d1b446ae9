// The plan executor (src/core/resolve.ts) in-process, over fake Effects
// (test/core/fake-effects.ts): what it touches and in which order, one case a
// line. The rules are botocore's: a warm hit at the top touches nothing
// inside; on a miss a hop's MFA code is asked for before its source is
// resolved; web identity is file-cached only for the selected profile; and,
// awsrole's own, every STS-like call is single-flight under its key's lock.

import { describe, expect, it } from "vitest";
import { hopCacheKey, mfaSessionCacheKey, webIdentityCacheKey } from "../../src/core/cache-key.js";
import { cacheKeysOf } from "../../src/core/cache-keys.js";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import { chooseProfile, planProfile, type Plan } from "../../src/core/plan.js";
import { resolvePlan } from "../../src/core/resolve.js";
import { fakeEffects, sharedWorld, short, type FakeOptions } from "./fake-effects.js";

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
const KEYS = "aws_access_key_id = AKIAEXAMPLE0000001\naws_secret_access_key = secret\n";
const MFA = (name: string) => `mfa_serial = arn:aws:iam::111111111111:mfa/${name}\n`;
const ROLE = (name: string) => `role_arn = arn:aws:iam::222222222222:role/${name}\n`;

// base: keys; inner: a role from base with MFA; outer: a role from inner with MFA;
// plain: a role from base without MFA; wi: web identity; wi-role: a role sourced from wi;
// sess-a / sess-b: two roles sharing one MFA session of base's keys; env-sess: the same from exported keys.
const CONFIG = `
[profile inner]
${ROLE("Inner")}source_profile = base
${MFA("inner")}
[profile outer]
${ROLE("Outer")}source_profile = inner
${MFA("outer")}
[profile plain]
${ROLE("Plain")}source_profile = base

[profile wi]
${ROLE("Web")}web_identity_token_file = /t/token

[profile wi-role]
${ROLE("FromWeb")}source_profile = wi

[profile sess-a]
${ROLE("A")}source_profile = base
${MFA("me")}mfa_session = true

[profile sess-b]
${ROLE("B")}source_profile = base
${MFA("me")}mfa_session = true

[profile env-sess]
${ROLE("E")}credential_source = Environment
${MFA("me")}mfa_session = true

[profile proc]
credential_process = /bin/creds --json
`;
const CREDENTIALS = `[base]\n${KEYS}`;
const config = buildConfig(parseIni(CONFIG, paths.configPath), parseIni(CREDENTIALS, paths.credentialsPath), paths);

function planOf(profile: string, env: Record<string, string> = {}): Plan {
  return planProfile(config, chooseProfile(profile, env), { env });
}
/** The short key of hop `i` (0 = innermost) of a profile's plan. */
const hop = (profile: string, i: number) => short(hopCacheKey(planOf(profile).hops[i]!));
const FILES = { "/t/token": "eyJ.token" };

async function run(profile: string, options: FakeOptions = {}) {
  const fake = fakeEffects({ files: FILES, ...options });
  const resolution = await resolvePlan(planOf(profile, options.env), fake.fx);
  return { ...fake, resolution };
}

describe("the executor: what a resolution touches, in order", () => {
  const O = hop("outer", 1);
  const I = hop("outer", 0);
  const W = short(webIdentityCacheKey({ roleArn: "arn:aws:iam::222222222222:role/Web" }));
  const R = hop("wi-role", 0);
  it.each<[string, string, FakeOptions, string[]]>([
    [
      "a warm hit at the top touches nothing inside",
      "outer",
      { cached: { [hopCacheKey(planOf("outer").hops[1]!)]: 3600 } },
      [`read ${O}`],
    ],
    [
      "cold: each hop's MFA code before its source, STS calls innermost first",
      "outer",
      { codes: ["111111", "222222"] },
      [
        `read ${O}`,
        `lock ${O}`,
        `read ${O}`,
        "mfa outer",
        `read ${I}`,
        `lock ${I}`,
        `read ${I}`,
        "mfa inner",
        "sts AssumeRole Inner",
        `write ${I}`,
        "sts AssumeRole Outer",
        `write ${O}`,
      ],
    ],
    [
      "an inner hit still costs the outer code, first",
      "outer",
      { codes: ["111111"], cached: { [hopCacheKey(planOf("outer").hops[0]!)]: 3600 } },
      [`read ${O}`, `lock ${O}`, `read ${O}`, "mfa outer", `read ${I}`, "sts AssumeRole Outer", `write ${O}`],
    ],
    ["--no-cache: no read, no lock, no write", "plain", { noCache: true }, ["sts AssumeRole Plain"]],
    [
      "web identity at the top: cached under its key",
      "wi",
      {},
      [`read ${W}`, `lock ${W}`, `read ${W}`, "readFile /t/token", "sts AssumeRoleWithWebIdentity Web", `write ${W}`],
    ],
    [
      "web identity as a source profile: never cached",
      "wi-role",
      {},
      [
        `read ${R}`,
        `lock ${R}`,
        `read ${R}`,
        "readFile /t/token",
        "sts AssumeRoleWithWebIdentity Web",
        "sts AssumeRole FromWeb",
        `write ${R}`,
      ],
    ],
    ["credential_process: run through the effects", "proc", {}, ["run /bin/creds --json"]],
  ])("%s", async (_name, profile, options, expected) => {
    const { log } = await run(profile, options);
    expect(log).toEqual(expected);
  });
});

describe("the executor: outcomes and miss reasons", () => {
  const outerKey = () => hopCacheKey(planOf("plain").hops[0]!);
  it.each<[string, FakeOptions, { outcome: string; missReason?: string; source: string }]>([
    ["no entry", {}, { outcome: "assumed", missReason: "absent", source: "used" }],
    [
      "an entry too close to expiry",
      { cached: { [outerKey()]: 600 } },
      { outcome: "assumed", missReason: "expired", source: "used" },
    ],
    [
      "--refresh, over a good entry",
      { refresh: true, cached: { [outerKey()]: 3600 } },
      { outcome: "assumed", missReason: "refresh requested", source: "used" },
    ],
    ["a good entry", { cached: { [outerKey()]: 3600 } }, { outcome: "cache-hit", source: "not-needed" }],
  ])("%s", async (_name, options, expected) => {
    const { resolution } = await run("plain", options);
    const trace = resolution.trace[0]!;
    expect({
      outcome: trace.outcome,
      ...(trace.missReason ? { missReason: trace.missReason } : {}),
      source: resolution.sourceOutcome,
    }).toEqual(expected);
    expect(trace.cacheFile).toBe(`/cache/${outerKey()}.json`);
  });

  it.each<[string, string, FakeOptions, string]>([
    ["web identity fetched", "wi", {}, "assumed"],
    [
      "web identity from the cache",
      "wi",
      { cached: { [webIdentityCacheKey({ roleArn: "arn:aws:iam::222222222222:role/Web" })]: 3600 } },
      "cache-hit",
    ],
    ["keys in a file", "base", {}, "used"],
  ])("source outcome: %s", async (_name, profile, options, expected) => {
    expect((await run(profile, options)).resolution.sourceOutcome).toBe(expected);
  });
});

describe("the executor: MFA sessions and retries", () => {
  it("a wrong code typed at the terminal is asked for again (retryMfa), the session cached once", async () => {
    const retried = await run("inner", {
      codes: ["111111", "222222"],
      failOnce: ["arn:aws:iam::222222222222:role/Inner"],
      retryMfa: (_e, attempt) => attempt < 3,
    });
    expect(retried.log.filter((l) => l.startsWith("mfa") || l.startsWith("sts") || l.startsWith("write"))).toEqual([
      "mfa inner",
      "sts AssumeRole Inner",
      "mfa inner",
      "sts AssumeRole Inner",
      `write ${hop("inner", 0)}`,
    ]);
    expect((retried.calls[1]!.params as { TokenCode: string }).TokenCode).toBe("222222");
  });

  it("without retryMfa a refused code is the error", async () => {
    await expect(
      run("inner", { codes: ["111111", "222222"], failOnce: ["arn:aws:iam::222222222222:role/Inner"] }),
    ).rejects.toThrow(/MultiFactorAuthentication/);
  });

  it("mfa_session: GetSessionToken after the source (its key holds the source's key id), then AssumeRole without a code", async () => {
    const { log, calls, resolution } = await run("sess-a", { codes: ["123456"] });
    const S = short(
      mfaSessionCacheKey({ serialNumber: "arn:aws:iam::111111111111:mfa/me", sourceAccessKeyId: "AKIAEXAMPLE0000001" }),
    );
    const A = hop("sess-a", 0);
    expect(log).toEqual([
      `read ${A}`,
      `lock ${A}`,
      `read ${A}`,
      `read ${S}`,
      `lock ${S}`,
      `read ${S}`,
      "mfa me",
      "sts GetSessionToken",
      `write ${S}`,
      "sts AssumeRole A",
      `write ${A}`,
    ]);
    expect(calls[1]!.params).not.toHaveProperty("TokenCode");
    expect(resolution.trace[0]!.mfaSession).toBe("created");
  });

  it("GetSessionToken is single-flight: two roles sharing one MFA session, resolved at once, make one call", async () => {
    const world = sharedWorld();
    const [a, b] = await Promise.all([
      resolvePlan(planOf("sess-a"), fakeEffects({ shared: world, codes: ["123456"] }).fx),
      resolvePlan(planOf("sess-b"), fakeEffects({ shared: world, codes: ["654321"] }).fx),
    ]);
    expect(world.calls.map((c) => c.op).sort()).toEqual(["AssumeRole", "AssumeRole", "GetSessionToken"]);
    expect([a.trace[0]!.mfaSession, b.trace[0]!.mfaSession].sort()).toEqual(["cache-hit", "created"]);
  });

  it("web identity is single-flight at the top: two resolutions at once make one call", async () => {
    const world = sharedWorld();
    await Promise.all([1, 2].map(() => resolvePlan(planOf("wi"), fakeEffects({ shared: world, files: FILES }).fx)));
    expect(world.calls.map((c) => c.op)).toEqual(["AssumeRoleWithWebIdentity"]);
  });
});

describe("cacheKeysOf: the keys the executor uses", () => {
  it.each<[string, string, Record<string, string>, FakeOptions]>([
    ["a role chain with MFA", "outer", {}, { codes: ["111111", "222222"] }],
    ["an MFA session of keys in a file", "sess-a", {}, { codes: ["123456"] }],
    [
      "an MFA session of exported keys (credential_source = Environment)",
      "env-sess",
      { AWS_ACCESS_KEY_ID: "AKIAEXPORTED00000001", AWS_SECRET_ACCESS_KEY: "s" },
      { codes: ["123456"] },
    ],
    ["web identity at the top", "wi", {}, {}],
    ["web identity under a role", "wi-role", {}, {}],
  ])("%s: every entry written is one cacheKeysOf names", async (_name, profile, env, options) => {
    // AWS_PROFILE-free: the profile is named by flag, so exported keys do not win.
    const plan = planProfile(config, { name: profile, from: "flag" }, { env });
    const fake = fakeEffects({ files: FILES, env, ...options });
    await resolvePlan(plan, fake.fx);
    const written = fake.log
      .filter((l) => l.startsWith("write "))
      .map((l) => l.slice(6))
      .sort();
    expect(written.length).toBeGreaterThan(0);
    expect(
      cacheKeysOf(plan, env)
        .map((k) => short(k.key))
        .sort(),
    ).toEqual(written);
  });

  it("marks the profile's own entry: the outermost hop, or with no hop the source's", () => {
    const own = (profile: string) =>
      cacheKeysOf(planOf(profile), {})
        .filter((k) => k.own)
        .map((k) => k.use);
    expect([own("outer"), own("wi"), own("wi-role"), own("base")]).toEqual([["hop"], ["source"], ["hop"], []]);
  });
});
