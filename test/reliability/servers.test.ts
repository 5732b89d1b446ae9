// Issue 14, servers and what they return: hostile or broken STS, container,
// instance-metadata endpoints and credential_process programs, against the
// built CLI. Every refusal is one clear sentence and a hint, exit 1, nothing on
// stdout, no stack trace, nothing cached (docs/security.md, "Servers and what
// they return").

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv, makeHome, STACK_LINE, seedWorld, parseEnvExport, type Home } from "./helpers.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback servers and temp HOMEs.
import { runCli } from "../in-process.js";
import { runRecorded } from "../e2e/harness.js";
import {
  assumeRoleXml,
  errorXml,
  HOSTILE_CONFIG,
  HOSTILE_CREDENTIALS,
  hugeAnswer,
  isoIn,
  listen,
  makeTestCa,
  processScript,
  stsAnswer,
  trickle,
  type Listening,
  type TestCa,
} from "./hostile-servers.js";

const homes: Home[] = [];
const servers: Listening[] = [];
function home(config = HOSTILE_CONFIG, credentials = HOSTILE_CREDENTIALS): Home {
  const h = makeHome({ config, credentials });
  homes.push(h);
  return h;
}
async function serve(...args: Parameters<typeof listen>): Promise<Listening> {
  const s = await listen(...args);
  servers.push(s);
  return s;
}
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const h of homes) h.remove();
});

/** The env of a run against a given STS URL, one attempt (so the fault is seen once). */
function stsEnv(h: Home, url: string, extra: Record<string, string | undefined> = {}): Record<string, string> {
  return baseEnv(h, undefined, { AWS_ENDPOINT_URL_STS: url, AWS_REGION: "us-east-1", AWS_MAX_ATTEMPTS: "1", ...extra });
}

const CONTROL = /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/;

function expectRefusal(result: { code: number | null; stdout: string; stderr: string }, message: RegExp) {
  expect(result.stderr).toMatch(message);
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect(result.stderr).toMatch(/\nhint: /);
  expect(result.stderr).not.toMatch(CONTROL);
}

describe("STS answers awsrole refuses", () => {
  it("an Expiration in the past: an error, nothing exported, nothing cached (botocore: still expired)", async () => {
    const h = home();
    const sts = await serve(stsAnswer(assumeRoleXml({ expiration: isoIn(-60) })));
    const result = await runCli(["export", "r"], stsEnv(h, sts.url));
    expectRefusal(
      result,
      /Hop 1 of 1 \(profile r\): STS answered AssumeRole with credentials that had already expired \(Expiration /,
    );
    expect(h.cacheFiles()).toEqual([]);
  });

  it("a malformed Expiration: an error, not 'unexpected error', nothing cached", async () => {
    const h = home();
    const sts = await serve(stsAnswer(assumeRoleXml({ expiration: "tomorrow-ish" })));
    const result = await runCli(["export", "r"], stsEnv(h, sts.url));
    // The SDK's timestamp parser refuses it; before, its TypeError was reported as a bug.
    expectRefusal(
      result,
      /Hop 1 of 1 \(profile r\): STS at http:\/\/127\.0\.0\.1:\d+ sent a response to AssumeRole that is not valid STS XML\./,
    );
    expect(h.cacheFiles()).toEqual([]);
  });

  it("an empty SessionToken: an error naming the hop, nothing exported, nothing cached", async () => {
    const h = home();
    const sts = await serve(stsAnswer(assumeRoleXml({ token: "" })));
    const result = await runCli(["export", "r"], stsEnv(h, sts.url));
    expectRefusal(
      result,
      /Hop 1 of 1 \(profile r\): STS answered AssumeRole without complete credentials\.\nhint: .*nothing was exported or cached\./,
    );
    expect(h.cacheFiles()).toEqual([]);
  });

  it.each([
    ["a bidi override in SessionToken", { token: "\u202e" }],
    ["a space in SecretAccessKey", { secret: "two words" }],
    ["a tab in AccessKeyId", { accessKeyId: "ASIA\tX" }],
  ])(
    "credentials holding characters no AWS credential has (%s): refused before they sign the next call (found by the fuzz run)",
    async (_name, fields) => {
      const h = home();
      const sts = await serve(stsAnswer(assumeRoleXml(fields)));
      // whoami signs GetCallerIdentity with them: an invalid header crashed it.
      const result = await runCli(["whoami", "r"], stsEnv(h, sts.url));
      expectRefusal(
        result,
        /Hop 1 of 1 \(profile r\): STS answered AssumeRole with credentials holding characters no AWS credential has\./,
      );
      expect(h.cacheFiles()).toEqual([]);
    },
  );

  it("a session token in the credentials file that cannot go into a header: a clear error, not a crash", async () => {
    const h = home(
      "[profile src]\nregion = us-east-1\n",
      "[src]\naws_access_key_id = AKIAHOSTILE000000001\naws_secret_access_key = x\naws_session_token = a\u202eb\n",
    );
    const sts = await serve(stsAnswer(assumeRoleXml()));
    const started = Date.now();
    const result = await runCli(["whoami", "src"], stsEnv(h, sts.url));
    // At once: the SDK's connection and request timers once kept the process alive for 9 s.
    expect(Date.now() - started).toBeLessThan(5_000);
    expectRefusal(
      result,
      /Profile src: GetCallerIdentity was not sent: the credentials \(.*\) hold characters that cannot go into a request header\./,
    );
    expect(sts.requests).toEqual([]);
  });

  it("ESC, BEL, CR and C1 bytes in an STS error message never reach the terminal", async () => {
    const h = home();
    const sts = await serve(
      stsAnswer(errorXml("AccessDenied", "Not allowed\x1b]0;pwned\x07 \x1b[2J\rhidden\u009b31m")),
    );
    const result = await runCli(["export", "r"], stsEnv(h, sts.url));
    expectRefusal(result, /STS refused AssumeRole .*AccessDenied: Not allowed/);
    expect(result.stderr).not.toContain("\x1b");
    expect(result.stderr).not.toContain("\x07");
    expect(h.cacheFiles()).toEqual([]);
  });

  it.each([
    ["with a Content-Length", true],
    ["chunked, without a length", false],
  ])("a 100 MB response (%s) is refused quickly without reading it all; nothing cached", async (_name, declared) => {
    const h = home();
    const sts = await serve(hugeAnswer(100 * 1024 * 1024, declared));
    const started = Date.now();
    const result = await runCli(["export", "r"], stsEnv(h, sts.url));
    expectRefusal(result, /sent a response to AssumeRole larger than 256 KiB, which awsrole refuses\./);
    expect(Date.now() - started).toBeLessThan(10_000);
    // Socket buffers let some megabytes through; nowhere near 100 MB.
    expect(sts.bytesWritten()).toBeLessThan(30 * 1024 * 1024);
    expect(h.cacheFiles()).toEqual([]);
  });

  it("a server sending one byte per second is given up on at the call's deadline (1 attempt: 9 s)", async () => {
    const h = home();
    const body = assumeRoleXml();
    // The status line and headers at once, then the body a byte a second: the
    // SDK's request timeout (silence on the socket) never fires.
    const sts = await trickle(
      `HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`,
      body,
      1000,
    );
    servers.push(sts);
    const started = Date.now();
    const result = await runCli(["export", "r"], stsEnv(h, sts.url), { timeoutMs: 40_000 });
    const elapsed = Date.now() - started;
    expectRefusal(result, /STS at http:\/\/127\.0\.0\.1:\d+ did not finish answering AssumeRole within 9 s\./);
    expect(elapsed).toBeLessThan(20_000);
    expect(h.cacheFiles()).toEqual([]);
  }, 45_000);
});

describe("container credentials endpoints", () => {
  const creds = JSON.stringify({
    AccessKeyId: "ASIACONTAINER0000001",
    SecretAccessKey: "ContainerSecret0000000000000000000000001",
    Token: "ContainerToken0001",
    Expiration: isoIn(3600),
  });
  const config = "[profile c]\ncredential_source = EcsContainer\nrole_arn = arn:aws:iam::111111111111:role/R\n";

  it.each([
    ["a public address", "http://192.0.2.10/creds"],
    ["a host name", "http://metadata.example.com/creds"],
    ["a link-local address that is not ECS's", "http://169.254.169.254/latest"],
    ["an IPv4-mapped loopback", "http://[::ffff:127.0.0.1]:9/creds"],
  ])("plain http to %s is refused before the token is read (botocore: Unsupported host)", async (_name, url) => {
    const h = home(config, "");
    const tokenFile = join(h.dir, "token");
    writeFileSync(tokenFile, "secret-container-token");
    const result = await runCli(
      ["export", "c"],
      baseEnv(h, undefined, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
        AWS_REGION: "us-east-1",
      }),
    );
    expectRefusal(
      result,
      new RegExp(
        String.raw`AWS_CONTAINER_CREDENTIALS_FULL_URI \(host .*\) is not allowed: over plain http only a loopback address ` +
          String.raw`or 169\.254\.170\.2, 169\.254\.170\.23 or fd00:ec2::23 may be used`,
      ),
    );
    expect(result.stderr).not.toContain("secret-container-token");
  });

  it("plain http to any 127.0.0.0/8 address is allowed, with the token", async () => {
    const h = home(config, "");
    const container = await serve(
      (_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(creds),
      undefined,
      "127.0.0.2",
    );
    const sts = await serve(stsAnswer(assumeRoleXml()));
    const result = await runCli(
      ["export", "c"],
      stsEnv(h, sts.url, {
        AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://127.0.0.2:${container.port}/creds`,
        AWS_CONTAINER_AUTHORIZATION_TOKEN: "tok",
      }),
    );
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(container.requests[0]?.headers.authorization).toBe("tok");
    expect(parseEnvExport(result.stdout).AWS_ACCESS_KEY_ID).toBe("ASIAHOSTILE000000001");
  });

  it("a non-JSON body is never echoed on stderr", async () => {
    const h = home(config, "");
    const container = await serve((_req, res) =>
      res.writeHead(200, { "content-type": "text/html" }).end("<html>\x1b[31mBODY-SECRET-TEXT</html>"),
    );
    const result = await runCli(
      ["export", "c"],
      baseEnv(h, undefined, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/creds`, AWS_REGION: "us-east-1" }),
    );
    expectRefusal(result, /The container credentials endpoint .* returned a response that is not JSON\./);
    expect(result.stderr).not.toContain("BODY-SECRET-TEXT");
  });

  it("an oversized body is refused (64 KiB)", async () => {
    const h = home(config, "");
    const container = await serve(hugeAnswer(50 * 1024 * 1024, false));
    const result = await runCli(
      ["export", "c"],
      baseEnv(h, undefined, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/creds`, AWS_REGION: "us-east-1" }),
    );
    expectRefusal(result, /gave no credentials .*: the response was larger than 64 KiB\./);
  });

  it("an Expiration in the past, or malformed, is refused", async () => {
    for (const [expiration, message] of [
      [isoIn(-5), /returned credentials that had already expired/],
      ["soon", /returned credentials whose Expiration is not a timestamp/],
    ] as const) {
      const h = home(config, "");
      const body = JSON.stringify({
        AccessKeyId: "ASIACONTAINER0000001",
        SecretAccessKey: "ContainerSecret0000000000000000000000001",
        Token: "t",
        Expiration: expiration,
      });
      const container = await serve((_req, res) => res.writeHead(200).end(body));
      const result = await runCli(
        ["export", "c"],
        baseEnv(h, undefined, {
          AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/creds`,
          AWS_REGION: "us-east-1",
        }),
      );
      expectRefusal(result, message);
      expect(h.cacheFiles()).toEqual([]);
    }
  });
});

describe("the instance-metadata service", () => {
  const config = "[profile i]\ncredential_source = Ec2InstanceMetadata\nrole_arn = arn:aws:iam::111111111111:role/R\n";

  it("a non-JSON credentials body is never echoed", async () => {
    const h = home(config, "");
    const imds = await serve((req, res) => {
      if (req.method === "PUT") return void res.writeHead(200).end("imds-token");
      if (req.url?.endsWith("/security-credentials/")) return void res.writeHead(200).end("role");
      res.writeHead(200).end("Oops \x1b[2J IMDS-BODY-TEXT");
    });
    const result = await runCli(
      ["export", "i"],
      baseEnv(h, undefined, {
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
        AWS_REGION: "us-east-1",
      }),
    );
    expectRefusal(result, /The EC2 instance metadata service at .* returned a response that is not JSON\./);
    expect(result.stderr).not.toContain("IMDS-BODY-TEXT");
  });

  function fakeImds(credentials: string): Parameters<typeof listen>[0] {
    return (req, res) => {
      if (req.method === "PUT") return void res.writeHead(200).end("imds-token");
      if (req.url?.endsWith("/security-credentials/")) return void res.writeHead(200).end("role");
      res.writeHead(200).end(credentials);
    };
  }
  const imdsCreds = () =>
    JSON.stringify({
      Code: "Success",
      AccessKeyId: "ASIAIMDS000000000001",
      SecretAccessKey: "ImdsSecret000000000000000000000000000001",
      Token: "t",
      Expiration: isoIn(3600),
    });

  it("ec2_metadata_service_endpoint in the profile is used; the variable beats it (botocore)", async () => {
    const imds = await serve(fakeImds(imdsCreds()));
    const sts = await serve(stsAnswer(assumeRoleXml()));
    const h = home(`${config}ec2_metadata_service_endpoint = ${imds.url}\n`, "");
    const result = await runCli(["export", "i"], stsEnv(h, sts.url, { AWS_EC2_METADATA_DISABLED: undefined }));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(imds.requests.map((r) => r.method)).toEqual(["PUT", "GET", "GET"]);
    const fresh = home(`${config}ec2_metadata_service_endpoint = ${imds.url}\n`, "");
    const other = await runCli(
      ["export", "i"],
      stsEnv(fresh, sts.url, { AWS_EC2_METADATA_DISABLED: undefined, AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://" }),
    );
    expectRefusal(
      other,
      /The instance-metadata endpoint "http:\/\/" \(AWS_EC2_METADATA_SERVICE_ENDPOINT\) is not a valid http or https URL\./,
    );
  });

  it("a body trickled a byte at a time is given up on within the request's 1 s deadline", async () => {
    const imds = await trickle("HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n", "x".repeat(100), 200);
    servers.push(imds);
    const h = home(config, "");
    const started = Date.now();
    const result = await runCli(
      ["export", "i"],
      baseEnv(h, undefined, {
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
        AWS_REGION: "us-east-1",
      }),
    );
    expectRefusal(result, /gave no credentials .*: no complete answer within 1 s\./);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it("an endpoint that is not a URL is a clear error (botocore: InvalidIMDSEndpointError)", async () => {
    const h = home(config, "");
    const result = await runCli(
      ["export", "i"],
      baseEnv(h, undefined, {
        AWS_EC2_METADATA_DISABLED: undefined,
        AWS_EC2_METADATA_SERVICE_ENDPOINT: "not a url",
        AWS_REGION: "us-east-1",
      }),
    );
    expectRefusal(
      result,
      /The instance-metadata endpoint "not\?a\?url" \(AWS_EC2_METADATA_SERVICE_ENDPOINT\) is not a valid http or https URL\./,
    );
  });
});

describe("credential_process output", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["null", "echo null", /printed JSON that is not an object/],
    ["an array", "echo '[1,2]'", /printed JSON that is not an object/],
    [
      "a string Version",
      `echo '{"Version":"1","AccessKeyId":"A","SecretAccessKey":"S"}'`,
      /printed a Version that is not a number; only Version 1 is supported/,
    ],
    [
      "numbers for keys",
      `echo '{"Version":1,"AccessKeyId":5,"SecretAccessKey":6}'`,
      /printed no AccessKeyId or SecretAccessKey \(as strings\)/,
    ],
    [
      "an object SessionToken",
      `echo '{"Version":1,"AccessKeyId":"AKIAPROC000000000001","SecretAccessKey":"S","SessionToken":{}}'`,
      /printed a SessionToken that is not a string/,
    ],
    [
      "an Expiration in the past",
      `echo '{"Version":1,"AccessKeyId":"AKIAPROC000000000001","SecretAccessKey":"S","Expiration":"2020-01-01T00:00:00Z"}'`,
      /returned credentials that had already expired/,
    ],
    [
      "a malformed Expiration",
      `echo '{"Version":1,"AccessKeyId":"AKIAPROC000000000001","SecretAccessKey":"S","Expiration":"not-a-date"}'`,
      /Expiration is not a timestamp/,
    ],
    [
      "a numeric Expiration",
      `echo '{"Version":1,"AccessKeyId":"AKIAPROC000000000001","SecretAccessKey":"S","Expiration":12}'`,
      /Expiration is not a timestamp/,
    ],
    ["endless output", "yes '{\"Version\": 1}'", /printed more than 1 MiB on stdout; it was stopped\./],
    [
      "a non-ASCII SessionToken",
      `printf '{"Version":1,"AccessKeyId":"AKIAPROC000000000001","SecretAccessKey":"S","SessionToken":"\\u202e"}'`,
      /returned credentials holding characters no AWS credential has/,
    ],
  ];
  it.each(cases)("%s: a clear error, nothing exported", async (_name, script, message) => {
    const h = home("", "");
    const path = processScript(h.dir, "proc.sh", script);
    writeFileSync(join(h.awsDir, "config"), `[profile p]\ncredential_process = ${path}\n`);
    const result = await runCli(["export", "p"], baseEnv(h));
    expectRefusal(result, message);
  });

  it("a process that never finishes is stopped at the time limit", async () => {
    const h = home("", "");
    const path = processScript(h.dir, "slow.sh", "exec sleep 60");
    writeFileSync(join(h.awsDir, "config"), `[profile p]\ncredential_process = ${path}\n`);
    const started = Date.now();
    const result = await runCli(
      ["export", "p"],
      baseEnv(h, undefined, { AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS: "1500" }),
    );
    expectRefusal(result, /did not finish within 2 s; it was stopped\./);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("valid output with a future Expiration still works", async () => {
    const h = home("", "");
    const path = processScript(
      h.dir,
      "ok.sh",
      `echo '{"Version":1,"AccessKeyId":"AKIAPROC000000000001","SecretAccessKey":"S","SessionToken":"T","Expiration":"${isoIn(3600)}"}'`,
    );
    writeFileSync(join(h.awsDir, "config"), `[profile p]\ncredential_process = ${path}\n`);
    const result = await runCli(["export", "p"], baseEnv(h));
    expect(result.stderr).toBe("");
    expect(parseEnvExport(result.stdout).AWS_ACCESS_KEY_ID).toBe("AKIAPROC000000000001");
  });
});

describe("custom CA bundles (AWS_CA_BUNDLE, ca_bundle)", () => {
  let ca: TestCa;
  let sts: Listening;
  beforeAll(async () => {
    ca = makeTestCa();
    sts = await serve(stsAnswer(assumeRoleXml()), { key: ca.key, cert: ca.cert });
  });
  afterAll(() => ca?.remove());

  it("without a bundle, a certificate from an unknown CA is refused with a clear error", async () => {
    const h = home();
    const result = await runCli(["export", "r"], stsEnv(h, sts.url));
    expectRefusal(result, /could not verify the TLS certificate of STS at https:\/\/localhost:\d+/);
    expect(h.cacheFiles()).toEqual([]);
  });

  it("AWS_CA_BUNDLE is used for STS", async () => {
    const h = home();
    const result = await runCli(["export", "r"], stsEnv(h, sts.url, { AWS_CA_BUNDLE: ca.caPath }));
    expect(result.stderr).toBe("");
    expect(parseEnvExport(result.stdout).AWS_ACCESS_KEY_ID).toBe("ASIAHOSTILE000000001");
  });

  it("ca_bundle in the selected profile is used for STS", async () => {
    const h = home(
      HOSTILE_CONFIG.replace("source_profile = src\n", `source_profile = src\nca_bundle = ${ca.caPath}\n`),
    );
    const result = await runCli(["export", "r"], stsEnv(h, sts.url));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("over TLS, the connection opened before the SDK loads is the one the request goes out on", async () => {
    const h = home();
    const { code, modules, stderr } = await runRecorded(
      ["export", "r"],
      stsEnv(h, sts.url, { AWS_CA_BUNDLE: ca.caPath }),
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
    // One TLS connection (src/adapters/sts-connection.ts), verified against the bundle, before node:https loads.
    const port = new URL(sts.url).port;
    expect(modules.filter((m) => m.startsWith("connect:"))).toEqual([`connect:tls:${port}`]);
    expect(modules.indexOf(`connect:tls:${port}`)).toBeLessThan(modules.indexOf("node:https"));
  });

  it("AWS_CA_BUNDLE beats ca_bundle, as in botocore", async () => {
    const h = home(
      HOSTILE_CONFIG.replace("source_profile = src\n", `source_profile = src\nca_bundle = ${ca.caPath}\n`),
    );
    const result = await runCli(["export", "r"], stsEnv(h, sts.url, { AWS_CA_BUNDLE: ca.otherCaPath }));
    expectRefusal(result, /could not verify the TLS certificate/);
  });

  it("a missing bundle file is a clear error naming it", async () => {
    const h = home();
    const result = await runCli(["export", "r"], stsEnv(h, sts.url, { AWS_CA_BUNDLE: join(h.dir, "nope.pem") }));
    expectRefusal(result, /Cannot use the CA bundle .*nope\.pem \(AWS_CA_BUNDLE\): ENOENT\./);
  });

  it("the instance-metadata service over https uses the bundle too", async () => {
    const h = home(
      "[profile i]\ncredential_source = Ec2InstanceMetadata\nrole_arn = arn:aws:iam::111111111111:role/R\n",
      "",
    );
    const body = JSON.stringify({
      AccessKeyId: "ASIAIMDS000000000001",
      SecretAccessKey: "ImdsSecret000000000000000000000000000001",
      Token: "t",
      Expiration: isoIn(3600),
    });
    const imds = await serve(
      (req, res) => {
        if (req.method === "PUT") return void res.writeHead(200).end("imds-token");
        if (req.url?.endsWith("/security-credentials/")) return void res.writeHead(200).end("role");
        res.writeHead(200).end(body);
      },
      { key: ca.key, cert: ca.cert },
    );
    const plainSts = await serve(stsAnswer(assumeRoleXml()));
    const env = stsEnv(h, plainSts.url, {
      AWS_EC2_METADATA_DISABLED: undefined,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url,
    });
    expectRefusal(await runCli(["export", "i"], env), /EC2 instance metadata service/);
    const withBundle = await runCli(["export", "i"], { ...env, AWS_CA_BUNDLE: ca.caPath });
    expect(withBundle.stderr).toBe("");
    expect(withBundle.code).toBe(0);
  });

  it("the container endpoint over https uses the bundle too", async () => {
    const h = home("[profile c]\ncredential_source = EcsContainer\nrole_arn = arn:aws:iam::111111111111:role/R\n", "");
    const body = JSON.stringify({
      AccessKeyId: "ASIACONTAINER0000001",
      SecretAccessKey: "ContainerSecret0000000000000000000000001",
      Token: "t",
      Expiration: isoIn(3600),
    });
    const container = await serve((_req, res) => res.writeHead(200).end(body), { key: ca.key, cert: ca.cert });
    const plainSts = await serve(stsAnswer(assumeRoleXml()));
    const env = stsEnv(h, plainSts.url, { AWS_CONTAINER_CREDENTIALS_FULL_URI: `${container.url}/creds` });
    const without = await runCli(["export", "c"], env);
    expectRefusal(without, /container credentials endpoint/);
    const withBundle = await runCli(["export", "c"], { ...env, AWS_CA_BUNDLE: ca.caPath });
    expect(withBundle.stderr).toBe("");
    expect(withBundle.code).toBe(0);
  });
});

describe("FIPS and dual-stack settings next to a configured endpoint", () => {
  const world = seedWorld();
  it.each(["AWS_USE_DUALSTACK_ENDPOINT", "AWS_USE_FIPS_ENDPOINT"])(
    "%s=true with AWS_ENDPOINT_URL_STS uses the configured endpoint, as botocore does",
    async (name) => {
      const h = world.home();
      const result = await runCli(["export", "s3-developer"], baseEnv(h, world.sts, { [name]: "true" }));
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
    },
  );
});
