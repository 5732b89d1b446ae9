// `awsrole exec --server` and `awsrole serve` end to end: the built CLI runs the
// credential server; real SDK children (boto3, the JS SDK's default chain) call
// the loopback STS through it while the emulator issues sessions that expire
// within seconds, so the renewals happen in real time.

import { execFile, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BIN, ROOT, SEEDS_DIR, baseEnv, callsOf, runCli, seedWorld } from "../e2e/harness.js";

const world = seedWorld();
const home = world.home;
const NODE = process.execPath;
const SDK_LOOP = join(ROOT, "test", "server", "sdk-loop.mjs");
const BOTO_LOOP = join(ROOT, "test", "server", "boto-loop.py");
const hasBoto3 = spawnSync("python3", ["-c", "import boto3"], { stdio: "ignore" }).status === 0;

/** Sessions of this many seconds are renewed every SESSION / 2 seconds. */
const SESSION = 6;
const LOOP = 14;

afterEach(() => world.sts.setSessionSeconds(undefined));

/** The distinct access keys GetCallerIdentity was called with, and whether any call failed. */
function identityCalls(): { keys: Set<string>; failed: string[] } {
  const calls = world.sts.calls.filter((c) => c.action === "GetCallerIdentity");
  return {
    keys: new Set(calls.map((c) => c.accessKeyId ?? "")),
    failed: calls.filter((c) => c.errorCode).map((c) => c.errorCode!),
  };
}

/** One HTTP GET with exactly these headers (Host included), as a hostile or careless client would send it. */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function refused(port: number): Promise<boolean> {
  try {
    await get(`http://127.0.0.1:${port}/`, {});
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ECONNREFUSED";
  }
}

// The child's view: its AWS variables and what the server answers it, printed as JSON.
const PROBE =
  `
const http = require("node:http");
const url = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI, token = process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
const get = (headers) => new Promise((resolve) => http.get(url, { headers, ` +
  `agent: false }, (res) => { let b = ""; res.on("data", (c) => (b += c)); res.on("end", ` +
  `() => resolve({ status: res.statusCode, body: b })); }));
(async () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AWS")));
  const ok = await get({ Authorization: token });
  const results = { env, ok: { status: ok.status, body: JSON.parse(ok.body) ` +
  `}, none: (await get({})).status, wrong: (await get({ Authorization: token.slice(0, ` +
  `-1) + "x" })).status, longer: (await get({ Authorization: token + "x" })).status, ` +
  `rebound: (await get({ Authorization: token, Host: "evil.example:" + new URL(url).port ` +
  `})).status, localhost: (await get({ Authorization: token, Host: "localhost:" ` +
  `+ new URL(url).port })).status };
  process.stdout.write(JSON.stringify(results));
})();`;

describe("awsrole exec --server", () => {
  it("a Node child (the JS SDK's default chain) calls STS across three renewals of short sessions without a failed call", {
    timeout: 45_000,
  }, async () => {
    world.sts.setSessionSeconds(SESSION);
    const result = await runCli(
      ["exec", "--server", "s3-developer", "--", NODE, SDK_LOOP, String(LOOP)],
      baseEnv(home(), world.sts, { AWS_PROFILE: "user1" }),
      { timeoutMs: 40_000 },
    );
    expect(result.code).toBe(0);
    const child = JSON.parse(result.stdout) as { calls: number; failures: string[]; arn: string };
    expect(child.failures).toEqual([]);
    expect(child.calls).toBeGreaterThan(20);
    // The server's credentials, not the [default] keys in ~/.aws/credentials nor AWS_PROFILE's.
    expect(child.arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/s3-developer\//);
    const { keys, failed } = identityCalls();
    expect(failed).toEqual([]);
    expect(keys.size).toBeGreaterThanOrEqual(4); // the first session and at least three renewals
    expect(callsOf(world.sts).filter((c) => c === "AssumeRole s3-developer").length).toBeGreaterThanOrEqual(4);
  });

  it.skipIf(!hasBoto3)(
    "a Python child (boto3) calls STS across three renewals of short sessions without a failed call",
    { timeout: 45_000 },
    async () => {
      world.sts.setSessionSeconds(SESSION);
      const result = await runCli(
        ["exec", "--server", "s3-developer", "--", "python3", BOTO_LOOP, String(LOOP)],
        baseEnv(home(), world.sts, { AWS_PROFILE: "user1" }),
        { timeoutMs: 40_000 },
      );
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const child = JSON.parse(result.stdout) as { calls: number; failures: string[]; arn: string };
      expect(child.failures).toEqual([]);
      expect(child.calls).toBeGreaterThan(20);
      expect(child.arn).toMatch(/^arn:aws:sts::123456789012:assumed-role\/s3-developer\//);
      const { keys, failed } = identityCalls();
      expect(failed).toEqual([]);
      expect(keys.size).toBeGreaterThanOrEqual(4);
    },
  );

  it("the child's environment points at the server; the token is checked (401), and so is Host (403)", async () => {
    const env = baseEnv(home(), world.sts, {
      AWS_PROFILE: "role-e",
      AWS_ACCESS_KEY_ID: "AKIASTALE00000000000",
      AWS_SECRET_ACCESS_KEY: "stale",
      AWS_SESSION_TOKEN: "stale",
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/stale",
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: "/nonexistent/token",
      // A previous session's expiry and the legacy credentials-file pointer: stale for the child, as under exec.
      AWS_SESSION_EXPIRATION: "2020-01-01T00:00:00Z",
      AWS_CREDENTIAL_FILE: "/nonexistent/credentials",
    });
    const result = await runCli(["exec", "--server", "s3-developer", "--", NODE, "-e", PROBE], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const probe = JSON.parse(result.stdout) as {
      env: Record<string, string>;
      ok: { status: number; body: Record<string, string> };
      none: number;
      wrong: number;
      longer: number;
      rebound: number;
      localhost: number;
    };
    expect(Object.keys(probe.env).sort()).toEqual([
      "AWSROLE_PROFILE",
      "AWS_CONFIG_FILE",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_DEFAULT_REGION",
      "AWS_EC2_METADATA_DISABLED",
      "AWS_ENDPOINT_URL_STS",
      "AWS_REGION",
      "AWS_SHARED_CREDENTIALS_FILE",
    ]);
    expect(probe.env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(probe.env.AWS_CONTAINER_AUTHORIZATION_TOKEN).toMatch(/^[A-Za-z0-9_-]{40}$/);
    // The seed ~/.aws/credentials has [default] keys, which both SDKs would use before the server.
    expect([probe.env.AWS_CONFIG_FILE, probe.env.AWS_SHARED_CREDENTIALS_FILE]).toEqual(["/dev/null", "/dev/null"]);
    expect(probe.env.AWS_DEFAULT_REGION).toBe("ap-northeast-1");
    expect(probe.env.AWSROLE_PROFILE).toBe("s3-developer");
    expect(probe.ok.status).toBe(200);
    expect(Object.keys(probe.ok.body).sort()).toEqual([
      "AccessKeyId",
      "AccountId",
      "Expiration",
      "SecretAccessKey",
      "Token",
    ]);
    expect(probe.ok.body.AccessKeyId).toMatch(/^ASIA/);
    expect(probe.ok.body.AccountId).toBe("123456789012");
    expect(probe.ok.body.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect([probe.none, probe.wrong, probe.longer]).toEqual([401, 401, 401]);
    expect(probe.rebound).toBe(403);
    expect(probe.localhost).toBe(200);
  });

  it("leaves the shared files visible when the default profile has no credentials", async () => {
    const h = home({
      config: "[default]\nregion = eu-west-1\n",
      credentials:
        "[user1]\naws_access_key_id = AKIAUSER1S3DEV000001\naws_secret_access_key " +
        "= user1s3devSecretKey000000000000000000001\n[s3-developer]\nrole_arn = arn:aws:iam::123456789012:role/s3-developer\nsource_profile = user1\n",
    });
    const result = await runCli(["exec", "--server", "s3-developer", "--", NODE, "-e", PROBE], baseEnv(h, world.sts));
    expect(result.code).toBe(0);
    const probe = JSON.parse(result.stdout) as { env: Record<string, string> };
    expect(probe.env.AWS_CONFIG_FILE).toBeUndefined();
    expect(probe.env.AWS_SHARED_CREDENTIALS_FILE).toBeUndefined();
  });

  it("the server is gone when the child exits, and when the child is killed", async () => {
    const env = baseEnv(home(), world.sts);
    const exits = await runCli(
      [
        "exec",
        "--server",
        "s3-developer",
        "--",
        NODE,
        "-e",
        "process.stdout.write(new URL(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI).port)",
      ],
      env,
    );
    expect(exits.code).toBe(0);
    expect(await refused(Number(exits.stdout))).toBe(true);
    // Killed, with a keep-alive connection to the server still open.
    const killedScript =
      `const http = require("node:http"); const u = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
      http.get(u, { headers: { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN ` +
      `}, agent: new http.Agent({ keepAlive: true }) }, (res) => { res.resume(); ` +
      `res.on("end", () => { process.stdout.write(new URL(u).port); process.kill(process.pid, ` +
      `"SIGKILL"); }); });`;
    const killed = await runCli(["exec", "--server", "s3-developer", "--", NODE, "-e", killedScript], env, {
      timeoutMs: 15_000,
    });
    expect(killed.code).toBe(128 + 9);
    expect(await refused(Number(killed.stdout))).toBe(true);
  });

  it("SIGTERM to awsrole reaches the child; then the server is gone", async () => {
    const script = `process.stdout.write(new URL(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI).port + "\\n"); setInterval(() => {}, 1000);`;
    const child = spawn(NODE, [BIN, "exec", "--server", "s3-developer", "--", NODE, "-e", script], {
      env: baseEnv(home(), world.sts),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      if (stdout.includes("\n")) child.kill("SIGTERM");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(code).toBe(128 + 15);
    expect(await refused(Number(stdout.trim()))).toBe(true);
  });

  it("an interrupt passed on to the command does not stop the renewals: the command may go on working after it", {
    timeout: 30_000,
  }, async () => {
    world.sts.setSessionSeconds(SESSION);
    const script = `process.on("SIGINT", () => {}); process.stdout.write("ready\\n"); import(${JSON.stringify(new URL(`file://${SDK_LOOP}`).href)});`;
    const child = spawn(NODE, [BIN, "exec", "--server", "s3-developer", "--", NODE, "-e", script, "x", "8"], {
      env: baseEnv(home(), world.sts),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      if (!stdout.includes("ready") && (stdout + c).includes("ready")) setTimeout(() => child.kill("SIGINT"), 300);
      stdout += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout.split("\n")[1]!) as { calls: number; failures: string[] };
    expect(result.failures).toEqual([]);
    expect(identityCalls().keys.size).toBeGreaterThanOrEqual(3);
  });

  it("a renewal that needs an MFA code with no terminal reaches the child as an error, and stderr says why", {
    timeout: 30_000,
  }, async () => {
    world.sts.setSessionSeconds(SESSION);
    const result = await runCli(
      ["exec", "--server", "role-b", "--token-code", "123456", "--", NODE, SDK_LOOP, String(SESSION + 4)],
      baseEnv(home(), world.sts),
      { timeoutMs: 25_000 },
    );
    expect(result.code).toBe(0);
    const child = JSON.parse(result.stdout) as { calls: number; failures: string[] };
    expect(child.calls).toBeGreaterThan(0); // the first session worked
    expect(child.failures.length).toBeGreaterThan(0);
    expect(result.stderr).toContain('could not renew the credentials of profile "role-b"');
    expect(result.stderr).toContain(
      "needs a code from MFA device arn:aws:iam::111111111111:mfa/User1, and there is no terminal to ask on",
    );
    // No expired credentials were ever used: the child failed at the server, not at STS.
    expect(identityCalls().failed).toEqual([]);
  });

  it("a cached session with less than 25 minutes left is not served: the server starts with a fresh one", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    world.sts.setSessionSeconds(1400); // cached (more than the AWS CLI's 15-minute window), but too short for the server's rule
    await runCli(["export", "s3-developer"], env);
    world.sts.setSessionSeconds(undefined);
    world.sts.reset();
    const result = await runCli(["exec", "--server", "s3-developer", "--", NODE, "-e", PROBE], env);
    expect(result.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["AssumeRole s3-developer"]);
    const served = JSON.parse(result.stdout).ok.body as { Expiration: string };
    expect(Date.parse(served.Expiration) - Date.now()).toBeGreaterThan(3500_000);
  });

  it("a renewal that needs an MFA code asks on the terminal, and the command goes on with the new session", {
    timeout: 40_000,
  }, async () => {
    const h = home({
      config:
        readFileSync(join(SEEDS_DIR, "config"), "utf8") +
        ("\n[profile mfa-role]\nrole_arn = arn:aws:iam::444444444444:role/MfaSessionRole\nsource_profile " +
          "= default\nmfa_serial = arn:aws:iam::111111111111:mfa/User1\nmfa_session = true\n"),
      credentials: readFileSync(join(SEEDS_DIR, "credentials"), "utf8"),
    });
    world.sts.setSessionSeconds(SESSION);
    const script = `"${NODE}" "${BIN}" exec --server mfa-role -- sh -c 'echo started; exec "${NODE}" "${SDK_LOOP}" 5'`;
    const spec = {
      argv: ["bash", "-c", script],
      env: { ...baseEnv(h, world.sts), TERM: "xterm" },
      timeout: 30,
      steps: [
        { expect: "Enter MFA code", send: "123456\r" },
        { expect: "started", send: "" },
        { expect: "Enter MFA code", send: "654321\r" },
      ],
    };
    const { stdout } = await promisify(execFile)(
      "python3",
      [join(ROOT, "test", "features", "pty-run.py"), JSON.stringify(spec)],
      { encoding: "utf8", timeout: 35_000 },
    );
    const pty = JSON.parse(stdout) as { output: string; exit: number; timedOut: boolean; pendingSteps: number };
    expect(pty.timedOut).toBe(false);
    expect(pty.pendingSteps).toBe(0);
    expect(pty.exit).toBe(0);
    const child = JSON.parse(/\{"calls".*\}/.exec(pty.output)![0]) as { calls: number; arn: string };
    expect(child.arn).toMatch(/assumed-role\/MfaSessionRole\//);
    const sessions = world.sts.calls.filter((c) => c.action === "GetSessionToken" && !c.errorCode);
    expect(sessions.map((c) => c.params.TokenCode).slice(0, 2)).toEqual(["123456", "654321"]);
    expect(identityCalls().keys.size).toBeGreaterThanOrEqual(2); // the child used the renewed session
  });

  it("refuses long-term keys (nothing to renew) before running the command", async () => {
    const result = await runCli(
      ["exec", "--server", "user1", "--", NODE, "-e", "process.stdout.write('ran')"],
      baseEnv(home(), world.sts),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("no expiry time (long-term keys)");
  });
});

describe("awsrole serve", () => {
  it("prints the variables, answers with the token only, logs each request on stderr, stops on SIGINT", {
    timeout: 20_000,
  }, async () => {
    const server = spawn(NODE, [BIN, "serve", "s3-developer"], {
      env: baseEnv(home(), world.sts),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    server.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const closed = new Promise<number | null>((resolve) => server.on("close", (c) => resolve(c)));
    await new Promise<void>((resolve) => {
      server.stdout.setEncoding("utf8").on("data", (c: string) => {
        stdout += c;
        if (stdout.includes("AWS_SHARED_CREDENTIALS_FILE")) resolve();
      });
    });
    const vars = Object.fromEntries([...stdout.matchAll(/^export ([A-Z_]+)='([^']*)'$/gm)].map((m) => [m[1]!, m[2]!]));
    expect(stdout).toMatch(/^unset AWS_PROFILE .*AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/m);
    const url = vars.AWS_CONTAINER_CREDENTIALS_FULL_URI!;
    const port = Number(new URL(url).port);
    const ok = await get(url, { Authorization: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN!, Host: `127.0.0.1:${port}` });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).AccessKeyId).toMatch(/^ASIA/);
    expect((await get(url, { Host: `127.0.0.1:${port}` })).status).toBe(401);
    server.kill("SIGINT");
    expect(await closed).toBe(0);
    expect(stderr).toMatch(/GET \/ 200 credentials until \d{4}-/);
    expect(stderr).toContain("GET / 401 no token");
    expect(stderr).toContain("awsrole: warning: the default profile sets aws_access_key_id");
    expect(stderr).not.toContain(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN!);
    expect(await refused(port)).toBe(true);
  });

  it("refuses to listen on an address that is not loopback, before any STS call", async () => {
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
      const result = await runCli(["serve", "s3-developer", "--host", host], baseEnv(home(), world.sts));
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`--host ${host} is not a loopback address`);
    }
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("--port: a port in use is one clear error", async () => {
    const blocker = await new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => resolve(s));
    });
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = await runCli(["serve", "s3-developer", "--port", String(port)], baseEnv(home(), world.sts));
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(`Cannot listen on 127.0.0.1:${port}: the port is in use.`);
    } finally {
      blocker.close();
    }
  });
});

describe("awsrole doctor --server", () => {
  it("warns where the default profile would win over the server, naming file and line; silent otherwise", async () => {
    const seeds = home();
    const warned = await runCli(["doctor", "--server"], baseEnv(seeds));
    expect(warned.code).toBe(0);
    expect(warned.stdout).toContain(
      `${seeds.awsDir}/credentials:3: warning: The default profile sets aws_access_key_id, which SDKs use before a credential server`,
    );
    expect((await runCli(["doctor"], baseEnv(seeds))).stdout).toMatch(/No problems found\.\n$/);
    const clean = home({
      config: "[default]\nregion = eu-west-1\n",
      credentials: "[user1]\naws_access_key_id = A\naws_secret_access_key = B\n",
    });
    expect((await runCli(["doctor", "--server"], baseEnv(clean))).stdout).toMatch(/No problems found\.\n$/);
  });
});
