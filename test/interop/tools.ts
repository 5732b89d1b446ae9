// Interop harness: moto_server as the STS, a recording proxy in front of it, and
// the two clients under comparison, the AWS CLI v1 and the built awsrole, each
// run as a child process (async spawn only: the proxy lives in this process).
//
// moto does not verify signatures, trust policies or MFA
// (docs/aws-rules.md#what-moto-does-not-check); that is fine here, the point is to observe *which* STS calls each tool
// makes and which cache files it reads and writes. Refusals are the emulator's
// job (test/sts, test/e2e).

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "../tools/run-command.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const BIN = join(ROOT, "bin", "awsrole.cjs");
const SEEDS_DIR = join(ROOT, "test", "fixtures", "seeds");
const PTY_MFA = fileURLToPath(new URL("./pty_mfa.py", import.meta.url));
export const REGION = "ap-northeast-1";

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously, with a minimal environment given by the caller. */
export async function run(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 25_000,
): Promise<Run> {
  const { code, signal, stdout, stderr, spawnError } = await runCommand(command, args, { env, timeoutMs });
  if (spawnError) return { code: null, stdout, stderr: `${stderr}${spawnError.message}` };
  return { code, stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr };
}

/**
 * The Python tools the comparison tests run, recognised by version, not by name:
 * Debian's `awscli` package puts an AWS CLI v2 (2.9.19, which ignores
 * AWS_ENDPOINT_URL_STS) at /usr/bin/aws, and that must not pass for the v1.
 */
export type InteropTool = "moto_server" | "aws-cli-v1" | "botocore";

/** The opt-out: with it set, a missing tool skips its tests even under CI=true. */
export const SKIP_INTEROP_VAR = "CI_SKIP_INTEROP";

export interface ToolCheck {
  tool: InteropTool;
  /** The version found, when it is one the tests can use. */
  version?: string;
  /** Why the tool cannot be used (missing, or the wrong version). */
  problem?: string;
}

const toolEnv = (): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: process.env.HOME ?? "/",
});

function output(command: string, args: readonly string[]): string | undefined {
  const r = spawnSync(command, args, { env: toolEnv(), encoding: "utf8", timeout: 20_000 });
  return r.status === 0 ? `${r.stdout}${r.stderr}`.trim() : undefined;
}

/** moto 5 (its server answers the moto-api); botocore 1.43+; the AWS CLI 1.45+ (v1, not v2). */
export function checkTool(tool: InteropTool): ToolCheck {
  if (tool === "aws-cli-v1") {
    const text = output("aws", ["--version"]);
    if (text === undefined) return { tool, problem: "the AWS CLI (aws) is not on PATH" };
    const v = /^aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(text);
    if (!v) return { tool, problem: `\`aws --version\` printed no aws-cli version: ${text.slice(0, 80)}` };
    const version = `${v[1]}.${v[2]}.${v[3]}`;
    if (v[1] !== "1" || Number(v[2]) < 45)
      return {
        tool,
        problem: `the aws on PATH is AWS CLI ${version}; the interop tests need the AWS CLI v1 (1.45 or later)`,
      };
    return { tool, version };
  }
  if (tool === "botocore") {
    const version = output("python3", ["-c", "import botocore, botocore.configloader; print(botocore.__version__)"]);
    if (version === undefined) return { tool, problem: "python3 cannot import botocore" };
    const v = /^(\d+)\.(\d+)\./.exec(version);
    if (v?.[1] !== "1" || Number(v[2]) < 43)
      return {
        tool,
        problem: `python3 has botocore ${version}; the comparison tests need botocore 1.43 or later (1.x)`,
      };
    return { tool, version };
  }
  if (output("moto_server", ["--help"]) === undefined) return { tool, problem: "moto_server is not on PATH" };
  const version = output("python3", ["-c", "import moto; print(moto.__version__)"]);
  if (version === undefined) return { tool, problem: "python3 cannot import moto (moto_server's package)" };
  if (!/^5\./.test(version)) return { tool, problem: `moto ${version} is installed; the interop tests need moto 5` };
  return { tool, version };
}

/**
 * Whether `tool` can be used. Without it the tests skip, with a warning; but under
 * CI=true a missing or wrong tool is an error, unless CI_SKIP_INTEROP=1 asks to
 * skip them (.ci/run then names what was skipped on its closing line).
 */
export function requireTool(tool: InteropTool, suite: string): boolean {
  const check = checkTool(tool);
  if (check.problem === undefined) return true;
  if (process.env.CI === "true" && process.env[SKIP_INTEROP_VAR] !== "1") {
    throw new Error(
      `${suite}: ${check.problem}. Under CI=true this fails the run: install it ` +
        `(or put the right version first on PATH), or set ${SKIP_INTEROP_VAR}=1 to ` +
        `skip these tests on purpose.`,
    );
  }
  console.warn(`${suite}: skipped: ${check.problem}`);
  return false;
}

/** Is the command on PATH and runnable? (asynchronous, for top-level await in a test file) */
export async function runs(command: string, args: readonly string[]): Promise<boolean> {
  const result = await run(
    command,
    args,
    { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/" },
    20_000,
  );
  return result.code === 0;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "GET", timeout: 1000 }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

export interface Moto {
  url: string;
  stop(): Promise<void>;
}

/** `moto_server -H 127.0.0.1 -p <free port>`, resolved once it answers HTTP. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.setEncoding("utf8").on("data", (c: string) => (log = (log + c).slice(-4000)));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.on("close", () => {
      exited = true;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (!exited) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exit;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`moto_server exited before answering:\n${log}`);
    try {
      await get(`${url}/moto-api/`);
      return { url, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`moto_server did not answer on ${url} within 20 s:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** One STS request as the proxy saw it. */
export interface Call {
  Action: string;
  RoleArn?: string;
  RoleSessionName?: string;
  SerialNumber?: string;
  TokenCode?: string;
  ExternalId?: string;
  DurationSeconds?: string;
  /** From the SigV4 Authorization header (Credential=AKID/date/region/sts/aws4_request). */
  accessKeyId?: string;
  region?: string;
}

const RECORDED = [
  "Action",
  "RoleArn",
  "RoleSessionName",
  "SerialNumber",
  "TokenCode",
  "ExternalId",
  "DurationSeconds",
] as const;

export interface Recorder {
  url: string;
  calls: Call[];
  close(): Promise<void>;
}

/** A recording HTTP proxy on 127.0.0.1 that forwards every request verbatim to `target`. */
export async function startRecorder(target: string): Promise<Recorder> {
  const upstream = new URL(target);
  const calls: Call[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const query = new URL(req.url ?? "/", "http://x").searchParams;
      const form = new URLSearchParams(req.method === "POST" ? body.toString("utf8") : "");
      const call: Call = { Action: "" };
      for (const name of RECORDED) {
        const value = form.get(name) ?? query.get(name);
        if (value !== null) call[name] = value;
      }
      const auth = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/sts\/aws4_request/.exec(req.headers.authorization ?? "");
      if (auth) {
        call.accessKeyId = auth[1]!;
        call.region = auth[2]!;
      }
      calls.push(call);
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", (error) => {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`recording proxy: ${error.message}`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Extra profiles beyond the seeds, for the parts of botocore's resolution the
// seeds do not exercise (docs/aws-rules.md#source-credentials, docs/aws-rules.md#loop-detection, docs/aws-rules.md#request-parameters).
export const EXTRA_CONFIG = `
# A 3-hop chain with a different per-hop option on each hop.
[profile chain3-a]
role_arn = arn:aws:iam::111111111111:role/HopOne
source_profile = default
role_session_name = hop-one

[profile chain3-b]
role_arn = arn:aws:iam::222222222222:role/HopTwo
source_profile = chain3-a
external_id = ext-123

[profile chain3-c]
role_arn = arn:aws:iam::333333333333:role/HopThree
source_profile = chain3-b
duration_seconds = 1800

# Self-sourcing: legal because the profile has its own keys; one AssumeRole with them.
[profile self]
aws_access_key_id = AKIASELFSOURCE000001
aws_secret_access_key = SelfSourceSecretKey000000000000000000001
role_arn = arn:aws:iam::444444444444:role/SelfRole
source_profile = self

# Static keys and a role: at the top level the role is assumed (with default's keys);
# as a source, the static keys win and its role is not assumed.
[profile static-src]
aws_access_key_id = AKIASTATICSOURCE0001
aws_secret_access_key = StaticSourceSecretKey0000000000000000001
role_arn = arn:aws:iam::555555555555:role/StaticSrcRole
source_profile = default

[profile uses-static-src]
role_arn = arn:aws:iam::555555555555:role/Target
source_profile = static-src

# The source keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
[profile from-env]
role_arn = arn:aws:iam::444444444444:role/EnvSourceRole
credential_source = Environment
role_session_name = env-session
`;

export const EXTRA_CREDENTIALS = `
# A role profile in the credentials file, with options.
[cred-role]
role_arn = arn:aws:iam::123456789012:role/CredFileRole
source_profile = user1
role_session_name = cred-file
external_id = cred-ext
`;

export const ENV_SOURCE_KEYS = {
  AWS_ACCESS_KEY_ID: "AKIAENVSOURCE0000001",
  AWS_SECRET_ACCESS_KEY: "EnvSourceSecretKey000000000000000000001",
};

export interface Home {
  dir: string;
  cacheDir: string;
  cacheFiles(): string[];
}

const homes: string[] = [];

/** A throw-away HOME with the seed config and credentials plus the extra profiles. */
export function makeHome(): Home {
  const dir = mkdtempSync(join(tmpdir(), "awsrole-interop-"));
  homes.push(dir);
  const aws = join(dir, ".aws");
  mkdirSync(aws);
  writeFileSync(join(aws, "config"), readFileSync(join(SEEDS_DIR, "config"), "utf8") + EXTRA_CONFIG);
  writeFileSync(join(aws, "credentials"), readFileSync(join(SEEDS_DIR, "credentials"), "utf8") + EXTRA_CREDENTIALS, {
    mode: 0o600,
  });
  const cacheDir = join(aws, "cli", "cache");
  return {
    dir,
    cacheDir,
    cacheFiles: () =>
      existsSync(cacheDir)
        ? readdirSync(cacheDir)
            .filter((f) => f.endsWith(".json"))
            .sort()
        : [],
  };
}

export function removeHomes(): void {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A user's shell for one tool run: PATH, the HOME, region and endpoint; no other AWS_* variable. */
export function envFor(home: Home, recorder: Recorder, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home.dir,
    NO_COLOR: "1",
    AWS_ENDPOINT_URL_STS: recorder.url,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    // Both tools would ask the EC2 instance role for a profile without credentials;
    // botocore and awsrole both honour this, and tests stay on loopback.
    AWS_EC2_METADATA_DISABLED: "true",
    ...extra,
  };
}

/** `aws ...`; with `mfaCode`, under a pseudo-terminal that answers the MFA prompts. */
export function runAws(args: readonly string[], env: Record<string, string>, mfaCode?: string): Promise<Run> {
  if (mfaCode === undefined) return run("aws", args, env);
  return run("python3", [PTY_MFA, mfaCode, "20", "aws", ...args], env);
}

export function runAwsrole(args: readonly string[], env: Record<string, string>): Promise<Run> {
  return run(process.execPath, [BIN, ...args], env);
}

/** The first JSON object in a tool's output (a pty adds the prompt and CRLFs). */
export function jsonIn(text: string): Record<string, unknown> {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error(`no JSON in output:\n${text}`);
  return JSON.parse(text.slice(start, end + 1).replace(/\r\n/g, "\n")) as Record<string, unknown>;
}

/** botocore's generated session name, the same pattern for both tools. */
export function normaliseSession(value: string): string {
  return value.replace(/botocore-session-\d+$/, "botocore-session-<secs>");
}
