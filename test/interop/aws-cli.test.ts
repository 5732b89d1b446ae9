// Interop with the real AWS CLI v1 (botocore) through moto_server: for every
// profile, awsrole must make the same STS calls, hop by hop, as the AWS CLI,
// end at the same identity, and share the AWS CLI's credential cache both ways
// (same file names; either tool reuses what the other wrote).
//
// A recording proxy in front of moto captures each tool's STS requests. Both
// tools run as child processes with a throw-away HOME, the region, the STS
// endpoint and no other AWS_* variable. MFA profiles: the AWS CLI reads the
// code from /dev/tty, so it runs under a pseudo-terminal (pty_mfa.py).
// Skipped, with a warning, where moto_server or the AWS CLI v1 is missing (an
// error under CI=true: test/interop/tools.ts, requireTool).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ENV_SOURCE_KEYS,
  REGION,
  ROOT,
  envFor,
  jsonIn,
  makeHome,
  normaliseSession,
  removeHomes,
  requireTool,
  runAws,
  runAwsrole,
  runs,
  startMoto,
  startRecorder,
  type Call,
  type Moto,
  type Run,
} from "./tools.js";

// By version: an AWS CLI v2 first on PATH is not the v1. Under CI=true a missing one fails (tools.ts).
const hasMoto = requireTool("moto_server", "interop suite");
const hasAws = requireTool("aws-cli-v1", "interop suite");
const hasPty = await runs("python3", ["-c", "import pty"]);
const missing = [hasMoto ? "" : "moto_server", hasAws ? "" : "aws"].filter(Boolean);
if (missing.length === 0 && !hasPty)
  console.warn(
    "interop: MFA profiles skipped: python3 with the pty module is needed to answer the AWS CLI's /dev/tty prompt",
  );
if (missing.length === 0 && !existsSync(join(ROOT, "dist", "cli.cjs"))) {
  throw new Error("dist/cli.cjs is missing: run `npm run build` (npm test does it) before the interop tests.");
}

const MFA_CODE = "123456";
const DEFAULT_KEY = "AKIAUSER1CHAIN000001"; // [default] in test/fixtures/seeds/credentials

interface Case {
  profile: string;
  /** Role names assumed, innermost first; [] for a profile with static keys. */
  roles: string[];
  /** The access key that signs the first request (the source's long-term key). */
  signer: string;
  mfa?: boolean;
  env?: Record<string, string>;
}

const CASES: Case[] = [
  // The seed config (test/fixtures/seeds).
  { profile: "default", roles: [], signer: DEFAULT_KEY },
  { profile: "user1", roles: [], signer: "AKIAUSER1S3DEV000001" },
  { profile: "no_skill", roles: [], signer: "AKIANOSKILL000000001" },
  { profile: "s3-developer", roles: ["s3-developer"], signer: "AKIAUSER1S3DEV000001" },
  { profile: "s3_test", roles: ["s3_role"], signer: "AKIANOSKILL000000001" },
  { profile: "role-a", roles: ["RoleA"], signer: DEFAULT_KEY, mfa: true },
  { profile: "role-b", roles: ["RoleA", "RoleB"], signer: DEFAULT_KEY, mfa: true },
  { profile: "role-c", roles: ["RoleA", "RoleB", "RoleC"], signer: DEFAULT_KEY, mfa: true },
  { profile: "role-d", roles: ["RoleA", "RoleB", "RoleC", "RoleD"], signer: DEFAULT_KEY, mfa: true },
  { profile: "role-e", roles: ["RoleA", "RoleB", "RoleC", "RoleD", "RoleE"], signer: DEFAULT_KEY, mfa: true },
  // The extra profiles (tools.ts EXTRA_CONFIG / EXTRA_CREDENTIALS).
  { profile: "chain3-c", roles: ["HopOne", "HopTwo", "HopThree"], signer: DEFAULT_KEY },
  { profile: "cred-role", roles: ["CredFileRole"], signer: "AKIAUSER1S3DEV000001" },
  { profile: "self", roles: ["SelfRole"], signer: "AKIASELFSOURCE000001" },
  { profile: "static-src", roles: ["StaticSrcRole"], signer: DEFAULT_KEY },
  { profile: "uses-static-src", roles: ["Target"], signer: "AKIASTATICSOURCE0001" },
  { profile: "from-env", roles: ["EnvSourceRole"], signer: ENV_SOURCE_KEYS.AWS_ACCESS_KEY_ID, env: ENV_SOURCE_KEYS },
];

/** What must be equal between the two tools, per request. */
function comparable(call: Call): Record<string, string | undefined> {
  return {
    Action: call.Action,
    RoleArn: call.RoleArn,
    RoleSessionName: call.RoleSessionName === undefined ? undefined : normaliseSession(call.RoleSessionName),
    ExternalId: call.ExternalId,
    SerialNumber: call.SerialNumber,
    TokenCode: call.TokenCode,
    DurationSeconds: call.DurationSeconds,
    region: call.region,
    // Long-term keys must be the same key; temporary ones only the same kind.
    signer: call.accessKeyId?.startsWith("ASIA") ? "temporary (ASIA…)" : call.accessKeyId,
  };
}

function summary(calls: Call[]): string[] {
  return calls.map((c) => `${c.Action}${c.RoleArn ? ` ${c.RoleArn.split("/").pop()}` : ""}`);
}

function ok(result: Run, what: string): void {
  expect(result.code, `${what} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`).toBe(0);
}

/** AWS_ACCESS_KEY_ID from `awsrole export` (env format). */
function exportedKey(stdout: string): string {
  const match = /^export AWS_ACCESS_KEY_ID='([^']+)'$/m.exec(stdout);
  if (!match) throw new Error(`no AWS_ACCESS_KEY_ID in:\n${stdout}`);
  return match[1]!;
}

let moto: Moto;

/** One tool run with its own recording proxy; returns the run and the STS calls it made. */
async function recorded(
  tool: (env: Record<string, string>) => Promise<Run>,
  home: ReturnType<typeof makeHome>,
  extraEnv?: Record<string, string>,
): Promise<{ result: Run; calls: Call[] }> {
  const recorder = await startRecorder(moto.url);
  try {
    const result = await tool(envFor(home, recorder, extraEnv));
    return { result, calls: [...recorder.calls] };
  } finally {
    await recorder.close();
  }
}

describe.skipIf(missing.length > 0)("interop with the AWS CLI v1 through moto_server", () => {
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(async () => {
    await moto?.stop();
    removeHomes();
  });

  describe.concurrent("same STS calls hop by hop, same identity, same cache file names", () => {
    for (const c of CASES) {
      it.skipIf(c.mfa && !hasPty)(
        `${c.profile}${c.mfa ? " (MFA)" : ""}: ${c.roles.length === 0 ? "static keys" : c.roles.join(" -> ")}`,
        async () => {
          const awsHome = makeHome();
          const aws = await recorded(
            (env) =>
              runAws(
                ["sts", "get-caller-identity", "--profile", c.profile, "--output", "json"],
                env,
                c.mfa ? MFA_CODE : undefined,
              ),
            awsHome,
            c.env,
          );
          ok(aws.result, `aws sts get-caller-identity --profile ${c.profile}`);

          const roleHome = makeHome();
          const tokenArgs = c.mfa ? ["--token-code", MFA_CODE] : [];
          const ours = await recorded(
            (env) => runAwsrole(["whoami", c.profile, "--output", "json", ...tokenArgs], env),
            roleHome,
            c.env,
          );
          ok(ours.result, `awsrole whoami ${c.profile}`);

          // The reference behaves as documented (so the comparison is not vacuous) ...
          expect(summary(aws.calls)).toEqual([...c.roles.map((r) => `AssumeRole ${r}`), "GetCallerIdentity"]);
          expect(aws.calls[0]!.accessKeyId).toBe(c.signer);
          // ... and awsrole made the same requests, in the same order, with the same parameters.
          expect(ours.calls.map(comparable)).toEqual(aws.calls.map(comparable));

          // The same identity at the end.
          const awsArn = String(jsonIn(aws.result.stdout).Arn);
          const ourArn = String(jsonIn(ours.result.stdout).Arn);
          expect(normaliseSession(ourArn)).toBe(normaliseSession(awsArn));
          if (c.roles.length > 0) expect(awsArn).toContain(`:assumed-role/${c.roles.at(-1)}/`);

          // The same cache files: one per hop, named by botocore's key.
          expect(roleHome.cacheFiles()).toEqual(awsHome.cacheFiles());
          expect(awsHome.cacheFiles()).toHaveLength(c.roles.length);
        },
      );
    }

    it("the per-hop options reach STS on their own hop (3-hop chain, as the AWS CLI sends them)", async () => {
      const home = makeHome();
      const { result, calls } = await recorded((env) => runAwsrole(["export", "chain3-c"], env), home);
      ok(result, "awsrole export chain3-c");
      const hops = calls.map((call) => ({
        RoleSessionName: call.RoleSessionName,
        ExternalId: call.ExternalId,
        DurationSeconds: call.DurationSeconds,
      }));
      expect(hops).toEqual([
        { RoleSessionName: "hop-one", ExternalId: undefined, DurationSeconds: undefined },
        {
          RoleSessionName: expect.stringMatching(/^botocore-session-\d+$/),
          ExternalId: "ext-123",
          DurationSeconds: undefined,
        },
        {
          RoleSessionName: expect.stringMatching(/^botocore-session-\d+$/),
          ExternalId: undefined,
          DurationSeconds: "1800",
        },
      ]);
      expect(calls.every((call) => call.region === REGION)).toBe(true);
    });
  });

  // Profiles whose cache is shared both ways; role-b also shows that a cached MFA hop needs no code.
  const SHARED: Case[] = CASES.filter((c) =>
    ["s3_test", "role-b", "chain3-c", "cred-role", "from-env"].includes(c.profile),
  );

  describe.concurrent("the cache, AWS CLI first: awsrole reuses what the AWS CLI wrote", () => {
    for (const c of SHARED) {
      it.skipIf(c.mfa && !hasPty)(
        `${c.profile}: awsrole export makes no STS call and returns the AWS CLI's key`,
        async () => {
          const home = makeHome();
          const aws = await recorded(
            (env) =>
              runAws(
                ["sts", "get-caller-identity", "--profile", c.profile, "--output", "json"],
                env,
                c.mfa ? MFA_CODE : undefined,
              ),
            home,
            c.env,
          );
          ok(aws.result, `aws sts get-caller-identity --profile ${c.profile}`);
          expect(summary(aws.calls)).toEqual([...c.roles.map((r) => `AssumeRole ${r}`), "GetCallerIdentity"]);
          const awsKey = aws.calls.at(-1)!.accessKeyId;
          const files = home.cacheFiles();
          const before = files.map((f) => readFileSync(join(home.cacheDir, f), "utf8"));

          // No --token-code: a cache hit must not need one.
          const ours = await recorded((env) => runAwsrole(["export", c.profile], env), home, c.env);
          ok(ours.result, `awsrole export ${c.profile}`);
          expect(summary(ours.calls)).toEqual([]);
          expect(exportedKey(ours.result.stdout)).toBe(awsKey);
          // Read, not rewritten.
          expect(home.cacheFiles()).toEqual(files);
          expect(files.map((f) => readFileSync(join(home.cacheDir, f), "utf8"))).toEqual(before);
        },
      );
    }
  });

  describe.concurrent("the cache, awsrole first: the AWS CLI reuses what awsrole wrote", () => {
    for (const c of SHARED) {
      it(`${c.profile}: aws sts get-caller-identity makes no AssumeRole and signs with awsrole's key`, async () => {
        const home = makeHome();
        const tokenArgs = c.mfa ? ["--token-code", MFA_CODE] : [];
        const ours = await recorded((env) => runAwsrole(["export", c.profile, ...tokenArgs], env), home, c.env);
        ok(ours.result, `awsrole export ${c.profile}`);
        expect(summary(ours.calls)).toEqual(c.roles.map((r) => `AssumeRole ${r}`));
        const ourKey = exportedKey(ours.result.stdout);

        // No pty: if the AWS CLI needed an MFA code it could not get one and would fail.
        const aws = await recorded(
          (env) => runAws(["sts", "get-caller-identity", "--profile", c.profile, "--output", "json"], env),
          home,
          c.env,
        );
        ok(aws.result, `aws sts get-caller-identity --profile ${c.profile}`);
        expect(summary(aws.calls)).toEqual(["GetCallerIdentity"]);
        expect(aws.calls[0]!.accessKeyId).toBe(ourKey);
        expect(String(jsonIn(aws.result.stdout).Arn)).toContain(`:assumed-role/${c.roles.at(-1)}/`);
      });
    }
  });
});
