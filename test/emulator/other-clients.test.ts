// The emulator's SigV4 verification must accept requests signed by botocore (the AWS CLI's
// signer) as well as by the JS SDK, and refuse botocore requests with a wrong secret.
// Skipped, with the reason in the test name, where python3+botocore or the AWS CLI is missing.

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requireTool } from "../interop/tools.js";
import { loadWorld, startSts, type StsServer } from "../sts/server.js";
import { CHAIN_MFA, CHAIN_USER, CHAIN_USER_ARN, role, SEEDS_PATH, USER1, USER1_ARN } from "./helpers.js";

const run = promisify(execFile);

// By version (test/interop/tools.ts): Debian's AWS CLI v2 on PATH is not the v1.
const hasBotocore = requireTool("botocore", "other-clients.test");
const hasAwsCli = requireTool("aws-cli-v1", "other-clients.test");

let server: StsServer;
let home: string;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SEEDS_PATH) });
  // A throw-away HOME: the CLI must never see (or write a cache into) a real ~/.aws.
  home = mkdtempSync(join(tmpdir(), "awsrole-sts-clients-"));
});
afterAll(async () => {
  await server.close();
  rmSync(home, { recursive: true, force: true });
});

/** Environment for a child process: no AWS_* from the parent, a throw-away HOME. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_")) env[k] = v;
  return {
    ...env,
    HOME: home,
    AWS_CONFIG_FILE: join(home, ".aws", "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
    ...extra,
  };
}

// botocore session clients pointed at the emulator: long-term keys, AssumeRole with MFA,
// a chained hop with the temporary credentials, GetSessionToken, and a wrong secret.
const BOTOCORE_SCRIPT = `
import json, sys
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = json.loads(sys.argv[1])
session = botocore.session.get_session()
def client(keys):
    return session.create_client("sts", region_name="eu-west-1", endpoint_url=cfg["url"],
        aws_access_key_id=keys["accessKeyId"], aws_secret_access_key=keys["secretAccessKey"],
        aws_session_token=keys.get("sessionToken"), config=Config(retries={"max_attempts": 0}))
def keys_of(creds):
    return {"accessKeyId": creds["AccessKeyId"], "secretAccessKey": creds["SecretAccessKey"], "sessionToken": creds["SessionToken"]}

out = {}
user = client(cfg["user"])
out["user"] = user.get_caller_identity()["Arn"]
role_a = user.assume_role(RoleArn=cfg["roleA"], RoleSessionName="botocore-a", SerialNumber=cfg["mfa"], TokenCode="123456", DurationSeconds=1800)
out["roleA"] = client(keys_of(role_a["Credentials"])).get_caller_identity()["Arn"]
role_b = client(keys_of(role_a["Credentials"])).assume_role(RoleArn=cfg["roleB"], RoleSessionName="botocore-b")
out["roleB"] = role_b["AssumedRoleUser"]["Arn"]
out["sessionToken"] = client(keys_of(user.get_session_token(DurationSeconds=900)["Credentials"])).get_caller_identity()["Arn"]
try:
    client(dict(cfg["user"], secretAccessKey="wrong" + cfg["user"]["secretAccessKey"])).get_caller_identity()
    out["wrongSecret"] = "accepted"
except ClientError as e:
    out["wrongSecret"] = e.response["Error"]["Code"]
print(json.dumps(out))
`;

describe("botocore", () => {
  it.skipIf(!hasBotocore)(
    `signs requests the emulator verifies${hasBotocore ? "" : " (skipped: python3 with botocore not found)"}`,
    async () => {
      server.reset();
      const cfg = {
        url: server.url,
        user: CHAIN_USER,
        mfa: CHAIN_MFA,
        roleA: role("222222222222", "RoleA"),
        roleB: role("222222222222", "RoleB"),
      };
      const { stdout } = await run("python3", ["-c", BOTOCORE_SCRIPT, JSON.stringify(cfg)], {
        env: childEnv({}),
        timeout: 20_000,
      });
      expect(JSON.parse(stdout)).toEqual({
        user: CHAIN_USER_ARN,
        roleA: "arn:aws:sts::222222222222:assumed-role/RoleA/botocore-a",
        roleB: "arn:aws:sts::222222222222:assumed-role/RoleB/botocore-b",
        sessionToken: CHAIN_USER_ARN,
        wrongSecret: "SignatureDoesNotMatch",
      });
      expect(server.calls.map((c) => `${c.action}:${c.status}`)).toEqual([
        "GetCallerIdentity:200",
        "AssumeRole:200",
        "GetCallerIdentity:200",
        "AssumeRole:200",
        "GetSessionToken:200",
        "GetCallerIdentity:200",
        "GetCallerIdentity:403",
      ]);
      expect(server.calls[1]!.params).toMatchObject({
        DurationSeconds: "1800",
        SerialNumber: CHAIN_MFA,
        TokenCode: "123456",
      });
      expect(new Set(server.calls.map((c) => c.region))).toEqual(new Set(["eu-west-1"]));
    },
  );
});

describe("AWS CLI v1", () => {
  it.skipIf(!hasAwsCli)(
    `resolves a source_profile role through the emulator${hasAwsCli ? "" : " (skipped: the AWS CLI v1 not found)"}`,
    async () => {
      server.reset();
      mkdirSync(join(home, ".aws"), { recursive: true });
      writeFileSync(
        join(home, ".aws", "credentials"),
        `[user1]\naws_access_key_id = ${USER1.accessKeyId}\naws_secret_access_key = ${USER1.secretAccessKey}\n`,
      );
      writeFileSync(
        join(home, ".aws", "config"),
        `[profile s3-developer]\nrole_arn = ${role("123456789012", "s3-developer")}\nsource_profile = user1\nrole_session_name = cli-session\n`,
      );
      const env = childEnv({ AWS_ENDPOINT_URL_STS: server.url, AWS_DEFAULT_REGION: "us-east-1" });
      const { stdout } = await run(
        "aws",
        ["sts", "get-caller-identity", "--profile", "s3-developer", "--output", "json"],
        { env, timeout: 20_000 },
      );
      expect(JSON.parse(stdout)).toMatchObject({
        Arn: "arn:aws:sts::123456789012:assumed-role/s3-developer/cli-session",
        Account: "123456789012",
      });
      expect(server.calls.map((c) => [c.action, c.callerArn])).toEqual([
        ["AssumeRole", USER1_ARN],
        ["GetCallerIdentity", "arn:aws:sts::123456789012:assumed-role/s3-developer/cli-session"],
      ]);
    },
  );
});
