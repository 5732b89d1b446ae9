// Every credential source of docs/aws-rules.md#role-profiles, end to end: the built
// CLI against the loopback STS, with a fake EC2 metadata service (IMDSv2) and a
// fake ECS credentials endpoint on 127.0.0.1.

import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { baseEnv, callsOf, seedWorld, type Home } from "./harness.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback STS and temp HOMEs.
import { runCli } from "../in-process.js";

const CI_KEY = "AKIACIUSER0000000001";
const CI_SECRET = "CiUserSecretKey0000000000000000000000001";
const CI_ARN = "arn:aws:iam::444444444444:user/ci";
const WEB_TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaS1ydW5uZXIifQ.sig";
const ENV_ROLE = "arn:aws:iam::444444444444:role/EnvSourceRole";

const world = seedWorld();
const servers: Server[] = [];
function home(config: string, credentials = ""): Home {
  return world.home({ config, credentials });
}
async function listen(
  handler: (req: IncomingMessage, body: string) => { status: number; body: string },
): Promise<{ url: string; requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }> }> {
  const requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }> = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      const answer = handler(req, body);
      res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

afterAll(() => {
  for (const s of servers) s.close();
});

const credentialsJson = JSON.stringify({
  Code: "Success",
  AccessKeyId: CI_KEY,
  SecretAccessKey: CI_SECRET,
  Expiration: new Date(Date.now() + 6 * 3600_000).toISOString(),
});

describe("credential_source", () => {
  it("Environment: the keys in AWS_ACCESS_KEY_ID assume the role, even with --profile", async () => {
    const h = home(`[profile ci]\nrole_arn = ${ENV_ROLE}\ncredential_source = Environment\n`);
    const result = await runCli(
      ["whoami", "--profile", "ci", "--output", "json"],
      baseEnv(h, world.sts, { AWS_ACCESS_KEY_ID: CI_KEY, AWS_SECRET_ACCESS_KEY: CI_SECRET }),
    );
    expect(result.stderr).toBe("");
    expect(callsOf(world.sts)).toEqual(["AssumeRole EnvSourceRole", "GetCallerIdentity"]);
    expect(world.sts.calls[0]!.callerArn).toBe(CI_ARN);
    expect(JSON.parse(result.stdout).Arn).toMatch(/assumed-role\/EnvSourceRole\//);
  });

  it("Environment without keys: a clear error, no STS call", async () => {
    const h = home(`[profile ci]\nrole_arn = ${ENV_ROLE}\ncredential_source = Environment\n`);
    const result = await runCli(["export", "ci"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('AWS_ACCESS_KEY_ID is not set (credential_source = Environment in profile "ci")');
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("Ec2InstanceMetadata: IMDSv2 (a session token first), then AssumeRole", async () => {
    const imds = await listen((req) => {
      if (req.method === "PUT" && req.url === "/latest/api/token") return { status: 200, body: "imds-token-123" };
      if (req.headers["x-aws-ec2-metadata-token"] !== "imds-token-123") return { status: 401, body: "" };
      if (req.url === "/latest/meta-data/iam/security-credentials/") return { status: 200, body: "ci-instance-role" };
      if (req.url === "/latest/meta-data/iam/security-credentials/ci-instance-role")
        return { status: 200, body: credentialsJson };
      return { status: 404, body: "" };
    });
    const h = home(`[profile ec2]\nrole_arn = ${ENV_ROLE}\ncredential_source = Ec2InstanceMetadata\n`);
    const result = await runCli(
      ["export", "ec2"],
      baseEnv(h, world.sts, { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_EC2_METADATA_DISABLED: undefined }),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(imds.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "PUT /latest/api/token",
      "GET /latest/meta-data/iam/security-credentials/",
      "GET /latest/meta-data/iam/security-credentials/ci-instance-role",
    ]);
    expect(imds.requests[0]!.headers["x-aws-ec2-metadata-token-ttl-seconds"]).toBe("21600");
    expect(callsOf(world.sts)).toEqual(["AssumeRole EnvSourceRole"]);
    expect(world.sts.calls[0]!.callerArn).toBe(CI_ARN);
  });

  it("EcsContainer: the full URI with its authorization token", async () => {
    const ecs = await listen((req) =>
      req.headers.authorization === "task-secret"
        ? { status: 200, body: JSON.stringify({ AccessKeyId: CI_KEY, SecretAccessKey: CI_SECRET }) }
        : { status: 403, body: "{}" },
    );
    const h = home(`[profile ecs]\nrole_arn = ${ENV_ROLE}\ncredential_source = EcsContainer\n`);
    const result = await runCli(
      ["export", "ecs"],
      baseEnv(h, world.sts, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}/v2/credentials`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "task-secret",
      }),
    );
    expect(result.stderr).toBe("");
    expect(ecs.requests.map((r) => r.url)).toEqual(["/v2/credentials"]);
    expect(callsOf(world.sts)).toEqual(["AssumeRole EnvSourceRole"]);
  });

  it("EcsContainer outside a container: a clear error", async () => {
    const h = home(`[profile ecs]\nrole_arn = ${ENV_ROLE}\ncredential_source = EcsContainer\n`);
    const result = await runCli(["export", "ecs"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
    );
  });
});

describe("the end of the AWS CLI's provider chain: container role, then instance role", () => {
  const bare = "[profile bare]\nregion = us-east-1\n";

  it("a profile with no credentials, in a container: the container role is used", async () => {
    const ecs = await listen(() => ({
      status: 200,
      body: JSON.stringify({ AccessKeyId: CI_KEY, SecretAccessKey: CI_SECRET }),
    }));
    const h = home(bare);
    const result = await runCli(
      ["whoami", "bare", "--output", "json"],
      baseEnv(h, world.sts, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${ecs.url}/creds` }),
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout).Arn).toBe(CI_ARN);
    expect(ecs.requests).toHaveLength(1);
  });

  it("no profile and no [default], on EC2: the instance role (IMDSv2) is used", async () => {
    const imds = await listen((req) =>
      req.method === "PUT"
        ? { status: 200, body: "tok" }
        : req.url?.endsWith("/security-credentials/")
          ? { status: 200, body: "instance-role" }
          : { status: 200, body: credentialsJson },
    );
    const h = home("");
    const result = await runCli(
      ["export", "--format", "json"],
      baseEnv(h, world.sts, { AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_EC2_METADATA_DISABLED: undefined }),
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout).AccessKeyId).toBe(CI_KEY);
    expect(imds.requests.map((r) => r.method)).toEqual(["PUT", "GET", "GET"]);
  });

  it("a profile with no credentials and no instance role answering: one sentence saying what was tried", async () => {
    const h = home(bare);
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const result = await runCli(
      ["export", "bare"],
      baseEnv(h, world.sts, {
        AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9",
        AWS_EC2_METADATA_DISABLED: undefined,
      }),
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain(
      'Profile "bare" has no credentials of its own, so, as the AWS CLI does, the EC2 instance role was tried',
    );
    expect(result.stderr).toContain("hint: Add keys or role_arn with source_profile to [bare]");
    expect(world.sts.calls).toEqual([]);
  });
});

describe("web identity", () => {
  it("web_identity_token_file in a profile: an unsigned AssumeRoleWithWebIdentity, cached like the AWS CLI", async () => {
    const h = home(
      `[profile web]\nrole_arn = arn:aws:iam::444444444444:role/WebRole\nweb_identity_token_file = TOKEN\nrole_session_name = ci-job\n`,
    );
    writeFileSync(join(h.dir, "token"), WEB_TOKEN);
    writeFileSync(
      join(h.awsDir, "config"),
      `[profile web]\nrole_arn = arn:aws:iam::444444444444:role/WebRole\nweb_identity_token_file = ${join(h.dir, "token")}\nrole_session_name = ci-job\n`,
    );
    const env = baseEnv(h, world.sts);
    const first = await runCli(["whoami", "web", "--output", "json"], env);
    expect(first.stderr).toBe("");
    expect(callsOf(world.sts)).toEqual(["AssumeRoleWithWebIdentity WebRole", "GetCallerIdentity"]);
    expect(world.sts.calls[0]!.accessKeyId).toBeNull(); // unsigned
    expect(world.sts.calls[0]!.params).toMatchObject({ RoleSessionName: "ci-job", WebIdentityToken: WEB_TOKEN });
    expect(JSON.parse(first.stdout).Arn).toBe("arn:aws:sts::444444444444:assumed-role/WebRole/ci-job");
    // The AWS CLI's key: sha1 of botocore's sorted JSON of {RoleArn, RoleSessionName}; the session name is part of it.
    const key = createHash("sha1")
      .update('{"RoleArn": "arn:aws:iam::444444444444:role/WebRole", "RoleSessionName": "ci-job"}')
      .digest("hex");
    expect(h.cacheFiles()).toEqual([`${key}.json`]);
    world.sts.reset();
    expect((await runCli(["export", "web"], env)).code).toBe(0);
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN alone (CI), with no config at all", async () => {
    const h = world.home({ config: "", credentials: "" });
    writeFileSync(join(h.dir, "token"), WEB_TOKEN);
    const result = await runCli(
      ["export", "--format", "json"],
      baseEnv(h, world.sts, {
        AWS_WEB_IDENTITY_TOKEN_FILE: join(h.dir, "token"),
        AWS_ROLE_ARN: "arn:aws:iam::444444444444:role/WebRole",
        AWS_ROLE_SESSION_NAME: "gha",
      }),
    );
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout).Arn).toBe("arn:aws:sts::444444444444:assumed-role/WebRole/gha");
  });

  it("a token the identity provider did not issue: the STS error and a hint", async () => {
    const h = home("");
    writeFileSync(join(h.dir, "token"), "not-a-token");
    writeFileSync(
      join(h.awsDir, "config"),
      `[profile web]\nrole_arn = arn:aws:iam::444444444444:role/WebRole\nweb_identity_token_file = ${join(h.dir, "token")}\n`,
    );
    const result = await runCli(["export", "web"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/InvalidIdentityToken/);
    expect(result.stderr).toMatch(/hint: The web identity token was rejected/);
  });
});

describe("credential_process", () => {
  it("a source profile's process supplies the keys (run without a shell, its JSON read)", async () => {
    const h = home("");
    const script = join(h.dir, "creds helper.mjs");
    writeFileSync(
      script,
      `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: ${JSON.stringify(CI_KEY)}, SecretAccessKey: ${JSON.stringify(CI_SECRET)} }));\n`,
    );
    writeFileSync(
      join(h.awsDir, "config"),
      `[profile proc]\ncredential_process = "${process.execPath}" "${script}"\n[profile viaproc]\nrole_arn = ${ENV_ROLE}\nsource_profile = proc\n`,
    );
    const result = await runCli(["export", "viaproc"], baseEnv(h, world.sts));
    expect(result.stderr).toBe("");
    expect(callsOf(world.sts)).toEqual(["AssumeRole EnvSourceRole"]);
    expect(world.sts.calls[0]!.callerArn).toBe(CI_ARN);
  });

  it("a process that fails: its exit code, never its output", async () => {
    const h = home("");
    writeFileSync(
      join(h.awsDir, "config"),
      `[profile proc]\ncredential_process = "${process.execPath}" -e "process.stdout.write('SECRETSTUFF'); process.exit(3)"\n`,
    );
    const result = await runCli(["export", "proc"], baseEnv(h, world.sts));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('The credential_process of profile "proc"');
    expect(result.stderr).toContain("exited with code 3");
    expect(result.stderr).not.toContain("SECRETSTUFF");
  });
});

describe("session keys in a file", () => {
  it("aws_session_token is sent as the security token of the source (and the hop is role chaining)", async () => {
    // Session keys of EnvSourceRole, which trusts its own account's principals.
    const ci = home(`[profile ci]\nrole_arn = ${ENV_ROLE}\ncredential_source = Environment\n`);
    const keys = (
      await runCli(
        ["export", "ci", "--format", "json"],
        baseEnv(ci, world.sts, { AWS_ACCESS_KEY_ID: CI_KEY, AWS_SECRET_ACCESS_KEY: CI_SECRET }),
      )
    ).stdout;
    const { AccessKeyId, SecretAccessKey, SessionToken } = JSON.parse(keys) as Record<string, string>;
    const h = home(
      `[profile next]\nrole_arn = ${ENV_ROLE}\nsource_profile = session\nrole_session_name = second\n`,
      `[session]\naws_access_key_id = ${AccessKeyId}\naws_secret_access_key = ${SecretAccessKey}\naws_session_token = ${SessionToken}\n`,
    );
    world.sts.reset();
    const result = await runCli(["export", "next"], baseEnv(h, world.sts));
    expect(result.stderr).toBe("");
    expect(callsOf(world.sts)).toEqual(["AssumeRole EnvSourceRole"]);
    expect(world.sts.calls[0]!.callerArn).toMatch(
      /^arn:aws:sts::444444444444:assumed-role\/EnvSourceRole\/botocore-session-\d+$/,
    );
  });
});
