// `npm run bench`: how long a warm `awsrole export` takes next to Node's own
// start, measured side by side in one run (a benchmark, never a test).
//
// Setup: a throw-away HOME with the seed config (a five-hop chain, role-e), a
// loopback STS, and the cache warmed once. Then each command is run N times,
// interleaved (A B C A B C ...) so drift in machine load hits all alike, and the
// median wall time of each is reported with its ratio to `node -e 0`.
//
// Usage: npm run bench [-- --runs 41]

import { spawnSync, execFileSync } from "node:child_process";
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SEED_WORLD_PATH, loadWorld, startSts } from "../sts/server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "awsrole.cjs");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 41;

interface Case {
  name: string;
  argv: string[];
  env: Record<string, string>;
  /** Runs before each measured run (not timed), e.g. clearing the cache for the cold case. */
  before?: () => void;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function timeOnce(c: Case): number {
  c.before?.();
  const start = process.hrtime.bigint();
  const result = spawnSync(c.argv[0]!, c.argv.slice(1), { env: c.env, stdio: ["ignore", "pipe", "pipe"] });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${c.name} failed (${result.status}): ${result.stderr.toString()}`);
  return elapsed;
}

function makeHome(extraProfiles: number): string {
  const home = mkdtempSync(join(tmpdir(), "awsrole-bench-"));
  mkdirSync(join(home, ".aws"));
  cpSync(join(ROOT, "test/fixtures/seeds/config"), join(home, ".aws/config"));
  cpSync(join(ROOT, "test/fixtures/seeds/credentials"), join(home, ".aws/credentials"));
  if (extraProfiles > 0) {
    // Organisations generate configs like this: many roles in many accounts.
    let text = "\n";
    for (let i = 0; i < extraProfiles; i++) {
      const account = String(100000000000 + i);
      text += `[profile org-${i}-admin]\nrole_arn = arn:aws:iam::${account}:role/OrganizationAccountAccessRole\nsource_profile = default\nregion = eu-west-1\nrole_session_name = bench.user@example.com\n\n`;
    }
    appendFileSync(join(home, ".aws/config"), text);
  }
  return home;
}

async function main(): Promise<void> {
  if (!RUNS || RUNS < 5) throw new Error("--runs must be at least 5");
  const sts = await startSts({ world: loadWorld(SEED_WORLD_PATH) });
  const homes: string[] = [];
  try {
    const small = makeHome(0);
    const large = makeHome(2000);
    const cold = makeHome(0);
    homes.push(small, large, cold);
    const envFor = (home: string) => ({ PATH: process.env.PATH ?? "", HOME: home, AWS_ENDPOINT_URL_STS: sts.url, AWS_REGION: "ap-northeast-1", NO_COLOR: "1", AWS_EC2_METADATA_DISABLED: "true" });
    // The STS emulator runs in this process, so the warm-up calls use an async-free
    // path: execFileSync would block the server. Warm with a detached child instead.
    for (const home of [small, large]) await warm(BIN, envFor(home));

    const node: Case = { name: "node -e 0", argv: [process.execPath, "-e", "0"], env: envFor(small) };
    const warmSmall: Case = { name: "awsrole export role-e (warm, 10 profiles)", argv: [process.execPath, BIN, "export", "role-e"], env: envFor(small) };
    const warmLarge: Case = { name: "awsrole export role-e (warm, 2,010 profiles)", argv: [process.execPath, BIN, "export", "role-e"], env: envFor(large) };
    const cases = [node, warmSmall, warmLarge];

    const awsV2 = awsCliV2();
    const awsCase: Case | undefined = awsV2
      ? { name: `aws configure export-credentials --format env (AWS CLI ${awsV2.version})`, argv: [awsV2.path, "configure", "export-credentials", "--profile", "role-e", "--format", "env"], env: envFor(small) }
      : undefined;
    if (awsCase) cases.push(awsCase);

    const times = new Map<Case, number[]>(cases.map((c) => [c, []]));
    for (let i = 0; i < RUNS; i++) for (const c of cases) times.get(c)!.push(timeOnce(c));

    // The cold chain needs the STS server to answer, so it runs asynchronously.
    const coldTimes: number[] = [];
    const coldRuns = Math.min(RUNS, 15);
    for (let i = 0; i < coldRuns; i++) {
      rmSync(join(cold, ".aws/cli/cache"), { recursive: true, force: true });
      sts.reset();
      coldTimes.push(await timeAsync([process.execPath, BIN, "export", "role-e", "--token-code", "123456"], envFor(cold)));
      if (sts.calls.length !== 5) throw new Error(`cold run made ${sts.calls.length} STS calls, expected 5`);
    }

    const floor = median(times.get(node)!);
    const rows: Array<[string, number, string]> = cases.map((c) => [c.name, median(times.get(c)!), c === node ? "1.00x (the floor)" : `${(median(times.get(c)!) / floor).toFixed(2)}x node`]);
    rows.push([`awsrole export role-e (cold: 5 AssumeRole over one connection)`, median(coldTimes), `${(median(coldTimes) / floor).toFixed(2)}x node`]);

    const width = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`awsrole bench: medians of ${RUNS} interleaved runs (cold: ${coldRuns}), Node ${process.version}, ${new Date().toISOString()}\n\n`);
    for (const [name, ms, ratio] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${ms.toFixed(1).padStart(7)} ms  ${ratio}\n`);
    if (!awsCase) process.stdout.write(`\n  (AWS CLI v2 not installed: \`aws configure export-credentials\` is a v2 command; comparison skipped.)\n`);
    if (awsCase) process.stdout.write(`\n  awsrole warm export vs AWS CLI v2: ${(median(times.get(awsCase)!) / median(times.get(warmSmall)!)).toFixed(1)}x faster\n`);
    const target = 1.3;
    const ok = median(times.get(warmSmall)!) / floor <= target && median(times.get(warmLarge)!) / floor <= target;
    process.stdout.write(`\n  target: warm export within ${target}x of node -e 0 -> ${ok ? "met" : "NOT met"}\n`);
  } finally {
    await sts.close();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
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

async function warm(bin: string, env: Record<string, string>): Promise<void> {
  await timeAsync([process.execPath, bin, "export", "role-e", "--token-code", "123456"], env);
}

function timeAsync(argv: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    import("node:child_process").then(({ spawn }) => {
      const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("close", (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`exit ${code}: ${stderr}`))));
    }, reject);
  });
}

await main();
