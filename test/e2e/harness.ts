// End-to-end harness: the built CLI (bin/awsrole.cjs -> dist/) run as a real
// subprocess, in a throw-away HOME, against the loopback STS emulator. Nothing
// is mocked: the CLI's real @aws-sdk/client-sts signs real HTTP requests.
// `npm test` builds dist/ first.

import { spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { SEED_WORLD_PATH, loadWorld, startSts, type StsServer } from "../sts/server.js";
import { runCommand } from "../tools/run-command.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = join(ROOT, "bin", "awsrole.cjs");
export const SEEDS_DIR = join(ROOT, "test", "fixtures", "seeds");

if (!existsSync(join(ROOT, "dist", "cli.cjs"))) {
  throw new Error("dist/cli.cjs is missing: run `npm run build` (npm test does it) before the end-to-end tests.");
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Home {
  dir: string;
  awsDir: string;
  cacheDir: string;
  env: Record<string, string>;
  cacheFiles(): string[];
  remove(): void;
}

/** A fresh HOME with ~/.aws from the seed fixtures (or the given texts). */
export function makeHome(options: { config?: string; credentials?: string; seeds?: boolean } = {}): Home {
  const dir = mkdtempSync(join(tmpdir(), "awsrole-home-"));
  const awsDir = join(dir, ".aws");
  mkdirSync(awsDir, { recursive: true });
  if (options.seeds !== false && options.config === undefined && options.credentials === undefined) {
    cpSync(join(SEEDS_DIR, "config"), join(awsDir, "config"));
    cpSync(join(SEEDS_DIR, "credentials"), join(awsDir, "credentials"));
  }
  if (options.config !== undefined) writeFileSync(join(awsDir, "config"), options.config);
  if (options.credentials !== undefined)
    writeFileSync(join(awsDir, "credentials"), options.credentials, { mode: 0o600 });
  const cacheDir = join(awsDir, "cli", "cache");
  return {
    dir,
    awsDir,
    cacheDir,
    env: { HOME: dir },
    cacheFiles: () => (existsSync(cacheDir) ? readdirSync(cacheDir).sort() : []),
    remove: () => {
      try {
        chmodSync(cacheDir, 0o700); // a test may have made it read-only
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs the built CLI with test/e2e/fixtures/record-modules.cjs preloaded: what
 * the run required, read and loaded (builtins, files, "read:<path>",
 * "readAsync:<path>", "internal:<name>"), with its exit code and output. The
 * warm-path and cold-path tests pin what each entry loads with it.
 */
export function runRecorded(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string; modules: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), "awsrole-modules-"));
  const out = join(dir, "modules.json");
  const recorder = join(ROOT, "test", "e2e", "fixtures", "record-modules.cjs");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", recorder, BIN, ...args], {
      env: { ...env, AWSROLE_TEST_MODULES_OUT: out },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      try {
        resolve({ code, stdout, stderr, modules: JSON.parse(readFileSync(out, "utf8")) as string[] });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/** The minimal environment of a user's shell: PATH, HOME, and what the test adds. No AWS_* leaks in. */
export function baseEnv(
  home: Home,
  sts?: Pick<StsServer, "url">,
  extra: Record<string, string | undefined> = {},
): Record<string, string> {
  // AWS_EC2_METADATA_DISABLED: a profile without credentials would otherwise make
  // the CLI ask the EC2 instance role at 169.254.169.254, as the AWS CLI does;
  // tests never send traffic off loopback. Tests of IMDS set it to undefined and
  // point AWS_EC2_METADATA_SERVICE_ENDPOINT at a loopback fake.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NO_COLOR: "1",
    AWS_EC2_METADATA_DISABLED: "true",
    ...home.env,
  };
  if (sts) {
    env.AWS_ENDPOINT_URL_STS = sts.url;
    env.AWS_REGION = "ap-northeast-1";
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export async function runCli(
  args: readonly string[],
  env: Record<string, string>,
  options: { input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const { code, signal, stdout, stderr, spawnError } = await runCommand(process.execPath, [BIN, ...args], {
    env,
    input: options.input ?? "",
    timeoutMs: options.timeoutMs ?? 25_000,
  });
  if (spawnError) throw spawnError;
  return { code, signal, stdout, stderr };
}

export async function startSeedSts(): Promise<StsServer> {
  return startSts({ world: loadWorld(SEED_WORLD_PATH) });
}

/**
 * The usual set-up of an end-to-end test file: the seed-world STS, started
 * before all tests, reset after each, closed after all (or, with perTest, a new
 * one for each test); and throw-away HOMEs, removed after all.
 */
export function seedWorld(options: { perTest?: boolean } = {}): {
  readonly sts: StsServer;
  home(options?: Parameters<typeof makeHome>[0]): Home;
} {
  let server: StsServer | undefined;
  const homes: Home[] = [];
  if (options.perTest) {
    // A fresh emulator for every test: faults injected but not consumed, or a
    // moved clock, cannot leak into the next test.
    beforeEach(async () => {
      server = await startSeedSts();
    });
    afterEach(async () => {
      await server?.close();
    });
  } else {
    beforeAll(async () => {
      server = await startSeedSts();
    });
    afterEach(() => server?.reset());
    afterAll(async () => {
      await server?.close();
    });
  }
  afterAll(() => {
    for (const h of homes) h.remove();
  });
  return {
    get sts(): StsServer {
      if (!server) throw new Error("seedWorld().sts is available inside tests and hooks only");
      return server;
    },
    home(options) {
      const h = makeHome(options);
      homes.push(h);
      return h;
    },
  };
}

/** The STS actions served since the last reset, e.g. ["AssumeRole RoleA", "AssumeRole RoleB"]. */
export function callsOf(server: StsServer): string[] {
  return server.calls.map((call) => {
    const role = call.params.RoleArn?.split("/").pop();
    return `${call.action}${role ? ` ${role}` : ""}${call.errorCode ? ` -> ${call.errorCode}` : ""}`;
  });
}

/** Parse `export KEY='value'` lines (the env format) into a map. */
export function parseEnvExport(stdout: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const match = /^export ([A-Z_]+)='((?:[^']|'\\'')*)'$/.exec(line);
    if (!match) throw new Error(`not an export line: ${JSON.stringify(line)}`);
    vars[match[1]!] = match[2]!.replace(/'\\''/g, "'");
  }
  return vars;
}

// Seed world facts (test/sts/worlds/seeds.json).
export const CHAIN_MFA = "arn:aws:iam::111111111111:mfa/User1";
export const VALID_CODES = ["123456", "654321", "111111"] as const;
