// `npm run bench`: what awsrole's commands cost next to Node's own start and
// next to the AWS CLI v2 doing the same work, measured side by side in one run
// (a benchmark, never a test).
//
// Set-up: throw-away HOMEs with the seed config (a five-hop chain, role-e; a
// one-hop role, s3_test), some with thousands of generated profiles or cache
// entries, and the project's STS emulator (test/sts) on loopback, in this
// process (for one line also over TLS, 10 ms away: ./latency-proxy.ts). Every case runs once per round, round after round (A B C ... A B C
// ...), so drift in machine load hits all alike; the report gives each median
// with its spread (the middle half of the runs) and its ratio to `node -e 0`.
// Cold cases empty the credential cache before each run (not timed) and check
// the number of STS calls afterwards.
//
// Usage: npm run bench [-- --runs 21]

import { execFileSync, spawn } from "node:child_process";
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ssoTokenFileName } from "../../src/core/sso-token.js";
import { makeTestCa } from "../reliability/hostile-servers.js";
import { SEED_WORLD_PATH, SSO_WORLD_PATH, loadWorld, startSts, type StsServer } from "../sts/server.js";
import { startLatencyProxy } from "./latency-proxy.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "awsrole.cjs");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 21;
const GNU_TIME = ["/usr/bin/time"].find((p) => existsSync(p));

interface Case {
  name: string;
  argv: string[];
  env: Record<string, string>;
  /** Runs before each measured run (not timed), e.g. emptying the cache for a cold case. */
  before?: () => void;
  /** Checks each run's effect (not timed), e.g. the number of STS calls. */
  after?: () => void;
}

/** One line of the report: awsrole's case and, where there is one, the AWS CLI v2's. */
interface Figure {
  label: string;
  ours: Case;
  aws?: Case;
  /** Why there is no AWS CLI v2 counterpart. */
  awsNote?: string;
}

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

interface Stats {
  median: number;
  p25: number;
  p75: number;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p25: quantile(sorted, 0.25), p75: quantile(sorted, 0.75) };
}

/** Runs a command asynchronously (the STS emulator lives in this process) and returns its wall time in ms. */
function timeOnce(c: Case): Promise<number> {
  c.before?.();
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(c.argv[0]!, c.argv.slice(1), { env: c.env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) return reject(new Error(`${c.name} failed (${code}): ${stderr}`));
      try {
        c.after?.();
      } catch (error) {
        return reject(error);
      }
      resolve(elapsed);
    });
  });
}

/** Peak resident memory (MiB) of one run, by GNU time's %M. */
function peakMemory(c: Case): Promise<number | undefined> {
  if (!GNU_TIME) return Promise.resolve(undefined);
  c.before?.();
  return new Promise((resolve, reject) => {
    const out = join(mkdtempSync(join(tmpdir(), "awsrole-bench-mem-")), "rss");
    const child = spawn(GNU_TIME, ["-f", "%M", "-o", out, ...c.argv], { env: c.env, stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${c.name} failed (${code}) under ${GNU_TIME}`));
      resolve(Number(readFileSync(out, "utf8").trim().split("\n").pop()) / 1024);
    });
  });
}

const ORG_PROFILE = (i: number) =>
  `[profile org-${i}-admin]\nrole_arn = arn:aws:iam::${100000000000 + i}:role/OrganizationAccountAccessRole\nsource_profile ` +
  `= default\nregion = eu-west-1\nrole_session_name = bench.user@example.com\n\n`;

const homes: string[] = [];

/** A HOME with the seed config and, as organisations generate them, `extraProfiles` more roles. */
function makeHome(extraProfiles: number): string {
  const home = mkdtempSync(join(tmpdir(), "awsrole-bench-"));
  homes.push(home);
  mkdirSync(join(home, ".aws"));
  cpSync(join(ROOT, "test/fixtures/seeds/config"), join(home, ".aws/config"));
  cpSync(join(ROOT, "test/fixtures/seeds/credentials"), join(home, ".aws/credentials"));
  let text = "\n";
  for (let i = 0; i < extraProfiles; i++) text += ORG_PROFILE(i);
  if (extraProfiles > 0) appendFileSync(join(home, ".aws/config"), text);
  return home;
}

/** `count` cache entries like the one a warm-up wrote (other keys, the same content). */
function fillCache(home: string, count: number): void {
  const dir = join(home, ".aws/cli/cache");
  const sample = readdirSync(dir).find((f) => f.endsWith(".json"));
  if (!sample) throw new Error(`no cache entry in ${dir} to copy`);
  const text = readFileSync(join(dir, sample), "utf8");
  for (let i = 0; i < count; i++)
    writeFileSync(join(dir, `${(0x1000000000 + i).toString(16).padStart(40, "0")}.json`), text, { mode: 0o600 });
}

/**
 * Debian's awscli package (an AWS CLI v2) for the comparison column, where no v2
 * is on PATH and apt-get can install it (as root): for the bench only. The test
 * suite never uses it: its interop tests take the AWS CLI v1 by version
 * (test/interop/check-tools.ts). Elsewhere the column stays empty and says so.
 */
function installAwsCliV2(): { path: string; version: string } | undefined {
  if (process.platform !== "linux" || process.getuid?.() !== 0) return undefined;
  try {
    execFileSync("apt-get", ["--version"], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  process.stderr.write("no AWS CLI v2 on PATH: installing Debian's awscli package for the comparison column...\n");
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env });
    execFileSync("apt-get", ["install", "-y", "-qq", "awscli"], { stdio: "ignore", env });
  } catch {
    process.stderr.write("could not install awscli: the AWS CLI v2 column stays empty\n");
    return undefined;
  }
  return awsCliV2();
}

/** An AWS CLI v2 anywhere on PATH (a v1 may come first, e.g. from pyenv shims). */
function awsCliV2(): { path: string; version: string } | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const path = join(dir, "aws");
    try {
      const out = execFileSync(path, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
      const match = /aws-cli\/(2\.[\d.]+)/.exec(out);
      if (match) return { path, version: match[1]! };
    } catch {
      // not there, or not runnable
    }
  }
  return undefined;
}

const fmt = (s: Stats, floor: number) =>
  `${s.median.toFixed(1).padStart(7)} ms [${s.p25.toFixed(0)}-${s.p75.toFixed(0)}] ${(s.median / floor).toFixed(2).padStart(5)}x`;

async function main(): Promise<void> {
  if (!RUNS || RUNS < 5) throw new Error("--runs must be at least 5");
  const sts: StsServer = await startSts({ world: loadWorld(SEED_WORLD_PATH) });
  // IAM Identity Center's portal and OIDC service, for the warm SSO case's warm-up (its runs call nothing).
  const ssoServer: StsServer = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
  // The same STS over TLS, 10 ms away each way: where opening the connection early shows.
  const ca = makeTestCa();
  const farSts = await startLatencyProxy(sts.url, 10, { key: ca.key, cert: ca.cert });
  try {
    const envFor = (home: string) => ({
      PATH: process.env.PATH ?? "",
      HOME: home,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_REGION: "ap-northeast-1",
      NO_COLOR: "1",
      AWS_EC2_METADATA_DISABLED: "true",
    });
    // The AWS CLI gets the same, plus a dead loopback proxy for anything it would
    // not send to the emulator: nothing leaves the machine.
    const awsEnvFor = (home: string) => ({
      ...envFor(home),
      AWS_DEFAULT_REGION: "ap-northeast-1",
      HTTPS_PROXY: "http://127.0.0.1:9",
      HTTP_PROXY: "http://127.0.0.1:9",
      NO_PROXY: "127.0.0.1,localhost",
    });
    const awsrole = (name: string, home: string, args: string[], extra: Partial<Case> = {}): Case => ({
      name,
      argv: [process.execPath, BIN, ...args],
      env: envFor(home),
      ...extra,
    });

    const small = makeHome(0);
    const large = makeHome(2000);
    const huge = makeHome(20000);
    const cache1k = makeHome(0);
    const cache10k = makeHome(0);
    const coldHomes = [makeHome(0), makeHome(2000), makeHome(20000)];
    const cold1 = makeHome(0);
    const coldFar = makeHome(0);
    const chain = ["export", "role-e", "--token-code", "123456"];
    for (const home of [small, large, huge, cache1k, cache10k]) await timeOnce(awsrole("warm-up", home, chain));
    // An SSO-based chain (GetRoleCredentials, then AssumeRole), warmed once through the SSO emulator.
    const ssoHome = makeHome(0);
    appendFileSync(
      join(ssoHome, ".aws/config"),
      "\n[sso-session bench]\nsso_start_url = https://d-abc123.awsapps.com/start\nsso_region = us-east-1\n" +
        "sso_registration_scopes = sso:account:access\n\n[profile sso-dev]\nsso_session = bench\nsso_account_id = 555555555555\n" +
        "sso_role_name = Developer\n\n[profile sso-chain]\nsource_profile = sso-dev\nrole_arn = arn:aws:iam::555555555555:role/ChainTarget\n",
    );
    mkdirSync(join(ssoHome, ".aws/sso/cache"), { recursive: true });
    const ssoToken = {
      startUrl: "https://d-abc123.awsapps.com/start",
      region: "us-east-1",
      ...ssoServer.oidc.issueToken({ userName: "alice" }),
    };
    writeFileSync(join(ssoHome, ".aws/sso/cache", ssoTokenFileName("bench")), JSON.stringify(ssoToken), {
      mode: 0o600,
    });
    const ssoEnv = {
      ...envFor(ssoHome),
      AWS_ENDPOINT_URL_SSO: ssoServer.url,
      AWS_ENDPOINT_URL_SSO_OIDC: ssoServer.url,
      AWS_ENDPOINT_URL_STS: ssoServer.url,
    };
    await timeOnce({ name: "sso warm-up", argv: [process.execPath, BIN, "export", "sso-chain"], env: ssoEnv });
    fillCache(cache1k, 1000);
    fillCache(cache10k, 10000);

    const expectCalls = (n: number) => () => {
      if (sts.calls.length !== n) throw new Error(`a run made ${sts.calls.length} STS calls, expected ${n}`);
    };
    const coldBefore = (home: string) => () => {
      rmSync(join(home, ".aws/cli/cache"), { recursive: true, force: true });
      sts.reset();
    };
    const counted = (n: number) => ({ before: () => sts.reset(), after: expectCalls(n) });

    const v2 = awsCliV2() ?? installAwsCliV2();
    const aws = (name: string, home: string, args: string[], extra: Partial<Case> = {}): Case | undefined =>
      v2 ? { name, argv: [v2.path, ...args], env: awsEnvFor(home), ...extra } : undefined;
    const exportCredentials = ["configure", "export-credentials", "--profile", "role-e", "--format", "env"];
    // The seeds' s3_test hop, as the AWS CLI v2 sends it (no_skill's keys, AssumeRole s3_role).
    const assumeS3Role = (endpoint: string) => [
      "sts",
      "assume-role",
      "--profile",
      "no_skill",
      "--role-arn",
      "arn:aws:iam::333333333333:role/s3_role",
      "--role-session-name",
      "s3_role",
      "--duration-seconds",
      "3600",
      "--endpoint-url",
      endpoint,
    ];
    const noChain = `AWS CLI ${v2?.version ?? "2.x"} cannot send a chain's AssumeRole calls to a loopback STS (AWS_ENDPOINT_URL_STS came in 2.13)`;

    const node: Case = { name: "node -e 0", argv: [process.execPath, "-e", "0"], env: envFor(small) };
    const sizes = [
      ["10", small],
      ["2,010", large],
      ["20,010", huge],
    ] as const;
    const figures: Figure[] = [
      ...sizes.slice(0, 2).map(([n, home]) => ({
        label: `warm export role-e, ${n} profiles`,
        ours: awsrole(`warm ${n}`, home, ["export", "role-e"], counted(0)),
        aws: aws(`aws warm ${n}`, home, exportCredentials),
      })),
      {
        label: "warm export sso-chain (SSO role, then a role)",
        ours: {
          name: "warm sso-chain",
          argv: [process.execPath, BIN, "export", "sso-chain"],
          env: ssoEnv,
          before: () => ssoServer.reset(),
          after: () => {
            if (ssoServer.calls.length !== 0) throw new Error(`a warm SSO run made ${ssoServer.calls.length} calls`);
          },
        },
        awsNote: "the AWS CLI v2 does not cache an SSO hop used as a source",
      },
      {
        label: "cold export sso-chain (SSO role, then a role)",
        ours: {
          name: "cold sso-chain",
          argv: [process.execPath, BIN, "export", "sso-chain"],
          env: ssoEnv,
          // The role credentials and the hop go; the IAM Identity Center token stays (a logged-in user).
          before: () => {
            rmSync(join(ssoHome, ".aws/cli/cache"), { recursive: true, force: true });
            ssoServer.reset();
          },
          after: () => {
            const calls = ssoServer.calls.map((c) => c.action).join(", ");
            if (calls !== "GetRoleCredentials, AssumeRole") throw new Error(`a cold SSO run made: ${calls}`);
          },
        },
        awsNote: "the AWS CLI v2 does not cache an SSO hop used as a source",
      },
      ...[0, 1, 2].map((i) => ({
        label: `cold export role-e (5 AssumeRole), ${sizes[i]![0]} profiles`,
        ours: awsrole(`cold ${sizes[i]![0]}`, coldHomes[i]!, chain, {
          before: coldBefore(coldHomes[i]!),
          after: expectCalls(5),
        }),
        awsNote: noChain,
      })),
      {
        label: "cold export s3_test (1 AssumeRole)",
        ours: awsrole("cold 1-hop", cold1, ["export", "s3_test"], { before: coldBefore(cold1), after: expectCalls(1) }),
        aws: aws("aws sts assume-role", cold1, assumeS3Role(sts.url), counted(1)),
      },
      {
        label: "cold export s3_test, TLS STS 10 ms away each way (1 AssumeRole)",
        ours: {
          ...awsrole("cold 1-hop far", coldFar, ["export", "s3_test"], {
            before: coldBefore(coldFar),
            after: expectCalls(1),
          }),
          env: { ...envFor(coldFar), AWS_ENDPOINT_URL_STS: farSts.url, AWS_CA_BUNDLE: ca.caPath },
        },
        aws: aws("aws sts assume-role far", coldFar, assumeS3Role(farSts.url), {
          ...counted(1),
          env: { ...awsEnvFor(coldFar), AWS_CA_BUNDLE: ca.caPath },
        }),
      },
      {
        label: "whoami role-e, cached credentials (1 GetCallerIdentity)",
        ours: awsrole("whoami", small, ["whoami", "role-e"], counted(1)),
        aws: aws(
          "aws sts get-caller-identity",
          small,
          ["sts", "get-caller-identity", "--profile", "role-e", "--endpoint-url", sts.url],
          counted(1),
        ),
      },
      ...sizes.slice(1).map(([n, home]) => ({
        label: `profile names for completion, ${n} profiles`,
        ours: awsrole(`__profiles ${n}`, home, ["__profiles"]),
        aws: aws(`aws configure list-profiles ${n}`, home, ["configure", "list-profiles"]),
      })),
      ...[
        ["1,000", cache1k],
        ["10,000", cache10k],
      ].map(([n, home]) => ({
        label: `cache list, ${n} entries`,
        ours: awsrole(`cache list ${n}`, home!, ["cache", "list"]),
        awsNote: "no AWS CLI counterpart",
      })),
      ...sizes.slice(1).map(([n, home]) => ({
        label: `chain role-e, ${n} profiles`,
        ours: awsrole(`chain ${n}`, home, ["chain", "role-e"]),
        awsNote: "no AWS CLI counterpart",
      })),
      ...sizes.slice(1).map(([n, home]) => ({
        label: `doctor, ${n} profiles`,
        ours: awsrole(`doctor ${n}`, home, ["doctor"]),
        awsNote: "no AWS CLI counterpart",
      })),
    ];

    const cases = [node, ...figures.flatMap((f) => (f.aws ? [f.ours, f.aws] : [f.ours]))];
    const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
    for (let i = 0; i < RUNS; i++) {
      process.stderr.write(`\rround ${i + 1} of ${RUNS}...`);
      for (const c of cases) times.get(c)!.push(await timeOnce(c));
    }
    process.stderr.write("\n");
    const s = (c: Case) => stats(times.get(c)!);
    const floor = s(node).median;

    const width = Math.max(...figures.map((f) => f.label.length));
    const out = (line: string) => process.stdout.write(line + "\n");
    out(
      `awsrole bench: medians [middle half] of ${RUNS} interleaved runs, ratios ` +
        `to node -e 0; Node ${process.version}; STS: the project's emulator (test/sts) ` +
        `on loopback (one line over TLS, through a proxy adding 10 ms each way); ${new Date().toISOString()}`,
    );
    out(
      v2
        ? `AWS CLI v2: ${v2.version} (${v2.path})`
        : "AWS CLI v2: not on PATH (Debian's awscli package is v2): its column is empty",
    );
    out("");
    out(`  ${"node -e 0".padEnd(width)}  ${fmt(s(node), floor)}`);
    out(`  ${"".padEnd(width)}  ${"awsrole".padEnd(32)}  AWS CLI v2`);
    for (const f of figures)
      out(
        `  ${f.label.padEnd(width)}  ${fmt(s(f.ours), floor).padEnd(32)}  ${f.aws ? fmt(s(f.aws), floor) : `- (${f.awsNote ?? "AWS CLI v2 not installed"})`}`,
      );

    // Growth: the cost above Node's start, at 10x the size.
    out("");
    out("  growth at 10x the size (time above node -e 0; linear would be 10x):");
    const growth = (label: string, a: Case, b: Case) => {
      const above = s(a).median - floor;
      const line = `    ${label.padEnd(40)} ${s(a).median.toFixed(0).padStart(6)} -> ${s(b).median.toFixed(0).padStart(6)} ms`;
      // Within a few ms of the floor, the ratio of what is above it is noise: compare the totals then.
      const g = above >= 5 ? (s(b).median - floor) / above : s(b).median / s(a).median;
      out(
        `${line}  ${g.toFixed(1).padStart(5)}x${above >= 5 ? "" : " (total)"}  ${g <= 12 ? "no worse than linear" : "WORSE than linear"}`,
      );
    };
    const fig = (prefix: string) => figures.filter((f) => f.label.startsWith(prefix)).map((f) => f.ours);
    // By label, not by position: a new line in the table must not shift what a target or a memory row measures.
    const figure = (label: string): Figure => {
      const found = figures.find((f) => f.label === label);
      if (!found) throw new Error(`bench: no figure labelled "${label}"`);
      return found;
    };
    const [cold2k, cold20k] = fig("cold export role-e").slice(1);
    growth("cold export, 2,010 -> 20,010 profiles", cold2k!, cold20k!);
    for (const prefix of ["profile names", "cache list", "chain", "doctor"]) {
      const [a, b] = fig(prefix);
      growth(`${prefix}`, a!, b!);
    }

    // Peak memory, from separate runs (GNU time), the median of five.
    out("");
    if (GNU_TIME) {
      const memory = async (c: Case) => {
        const values: number[] = [];
        for (let i = 0; i < 5; i++) values.push((await peakMemory(c))!);
        return stats(values).median;
      };
      const warmCase = figure("warm export role-e, 10 profiles");
      const coldCase = figure("cold export role-e (5 AssumeRole), 10 profiles");
      const rows: Array<[string, Case | undefined]> = [
        ["node -e 0", node],
        ["awsrole warm export (10 profiles)", warmCase.ours],
        ["awsrole cold export (5 hops, 10 profiles)", coldCase.ours],
        [`AWS CLI v2 warm export-credentials`, warmCase.aws],
      ];
      out("  peak memory (max RSS, median of 5 runs):");
      for (const [label, c] of rows)
        if (c) out(`    ${label.padEnd(44)} ${(await memory(c)).toFixed(1).padStart(6)} MiB`);
    } else {
      out("  peak memory: skipped (no /usr/bin/time)");
    }

    // The targets of docs/performance.md.
    const ratio = (c: Case) => s(c).median / floor;
    const check = (label: string, ok: boolean) => out(`  target: ${label} -> ${ok ? "met" : "NOT met"}`);
    out("");
    const within = (bound: number, ...labels: string[]) => labels.every((l) => ratio(figure(l).ours) <= bound);
    check(
      "warm export within 1.3x of node -e 0 (10 and 2,010 profiles, and the SSO-based chain)",
      within(
        1.3,
        "warm export role-e, 10 profiles",
        "warm export role-e, 2,010 profiles",
        "warm export sso-chain (SSO role, then a role)",
      ),
    );
    check(
      "cold 5-hop export within 2.0x (10 and 2,010 profiles), and the cold SSO-based chain",
      within(
        2.0,
        "cold export role-e (5 AssumeRole), 10 profiles",
        "cold export role-e (5 AssumeRole), 2,010 profiles",
        "cold export sso-chain (SSO role, then a role)",
      ),
    );
    check(
      "cold 1-hop export and whoami within 1.8x",
      within(1.8, "cold export s3_test (1 AssumeRole)", "whoami role-e, cached credentials (1 GetCallerIdentity)"),
    );
    check(
      "profile-name completion within 1.2x (2,010 profiles)",
      within(1.2, "profile names for completion, 2,010 profiles"),
    );
  } finally {
    await farSts.close();
    ca.remove();
    await sts.close();
    await ssoServer.close();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
}

await main();
