// Wire-level checks with raw HTTP (no SDK in between): response shapes, headers, the query
// protocol's Action/Version handling, GET requests, and SigV4 edge cases. Requests are signed
// with the emulator's own signer here; the SDK and botocore tests prove that signer agrees
// with real clients.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, startSts, type StsServer } from "../sts/server.js";
import { signRequest, type WireRequest } from "../sts/sigv4.js";
import { escapeXml } from "../sts/xml.js";
import { CHAIN_USER, role, SEEDS_PATH, USER1, USER1_ARN, WEB_TOKEN, type KeyPair } from "./helpers.js";

let server: StsServer;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SEEDS_PATH) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const NS = "https://sts.amazonaws.com/doc/2011-06-15/";

/** Text of the first <tag> element (entities decoded). */
function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!match) return undefined;
  return match[1]!
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

interface RawOptions {
  method?: "GET" | "POST";
  params: Record<string, string>;
  keys?: KeyPair | null; // null: unsigned
  region?: string;
  service?: string;
  /** Signing time (default now). */
  date?: Date;
  tamper?: (request: WireRequest) => void;
}

/** Sends a query-protocol request like an SDK would, optionally tampering after signing. */
async function raw(options: RawOptions): Promise<{ status: number; headers: Headers; body: string }> {
  const method = options.method ?? "POST";
  const form = new URLSearchParams(options.params).toString();
  const host = new URL(server.url).host;
  const request: WireRequest = {
    method,
    path: "/",
    query: method === "GET" ? form : "",
    headers:
      method === "POST"
        ? { host: [host], "content-type": ["application/x-www-form-urlencoded; charset=utf-8"] }
        : { host: [host] },
    body: Buffer.from(method === "POST" ? form : ""),
  };
  if (options.keys !== null) {
    signRequest(request, options.keys ?? USER1, {
      region: options.region ?? "us-east-1",
      service: options.service,
      date: options.date,
    });
  }
  options.tamper?.(request);
  const headers = new Headers();
  for (const [name, values] of Object.entries(request.headers))
    if (name !== "host") headers.set(name, values.join(","));
  const response = await fetch(`${server.url}${request.path}${request.query ? `?${request.query}` : ""}`, {
    method,
    headers,
    body: method === "POST" ? new Uint8Array(request.body) : undefined,
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const GCI = { Action: "GetCallerIdentity", Version: "2011-06-15" };

describe("response shapes", () => {
  it("GetCallerIdentity: namespace, element names, text/xml and a matching x-amzn-RequestId", async () => {
    const res = await raw({ params: GCI });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/xml");
    expect(res.body.startsWith(`<GetCallerIdentityResponse xmlns="${NS}">\n  <GetCallerIdentityResult>\n`)).toBe(true);
    expect(xmlText(res.body, "Arn")).toBe(USER1_ARN);
    expect(xmlText(res.body, "Account")).toBe("123456789012");
    expect(xmlText(res.body, "UserId")).toMatch(/^AIDA[A-Z0-9]{17}$/);
    const requestId = res.headers.get("x-amzn-requestid");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body).toContain(`<ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>`);
    expect(server.calls[0]!.requestId).toBe(requestId);
  });

  it("AssumeRole: Credentials, AssumedRoleUser, PackedPolicySize; Expiration without fractions", async () => {
    const res = await raw({
      params: {
        Action: "AssumeRole",
        Version: "2011-06-15",
        RoleArn: role("123456789012", "s3-developer"),
        RoleSessionName: "shape",
      },
    });
    expect(res.status).toBe(200);
    for (const tag of ["AssumeRoleResult", "Credentials", "AssumedRoleUser", "PackedPolicySize", "ResponseMetadata"])
      expect(res.body).toContain(`<${tag}>`);
    expect(xmlText(res.body, "Expiration")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(xmlText(res.body, "AccessKeyId")).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(xmlText(res.body, "SessionToken")).toMatch(/^[A-Za-z0-9+/=]{300,}$/);
  });

  it("AssumeRoleWithWebIdentity: unsigned, with SubjectFromWebIdentityToken, Provider and Audience", async () => {
    const res = await raw({
      keys: null,
      params: {
        Action: "AssumeRoleWithWebIdentity",
        Version: "2011-06-15",
        RoleArn: role("444444444444", "WebRole"),
        RoleSessionName: "web",
        WebIdentityToken: WEB_TOKEN,
      },
    });
    expect(res.status).toBe(200);
    expect(xmlText(res.body, "SubjectFromWebIdentityToken")).toBe("ci-runner");
    expect(xmlText(res.body, "Provider")).toBe("oidc.awsrole.test");
    expect(xmlText(res.body, "Audience")).toBe("sts.amazonaws.com");
  });

  it("errors: ErrorResponse with Type, Code, Message and RequestId; values are XML-escaped", async () => {
    const res = await raw({
      params: {
        Action: "AssumeRole",
        Version: "2011-06-15",
        RoleArn: role("123456789012", "s3-developer"),
        RoleSessionName: `a<b>&"c'`,
      },
    });
    expect(res.status).toBe(400);
    expect(
      res.body.startsWith(
        `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>ValidationError</Code>\n`,
      ),
    ).toBe(true);
    expect(res.body).toContain(escapeXml(`Value 'a<b>&"c'' at 'roleSessionName'`));
    expect(xmlText(res.body, "Message")).toContain(`Value 'a<b>&"c'' at 'roleSessionName'`);
    expect(xmlText(res.body, "RequestId")).toBe(res.headers.get("x-amzn-requestid"));
  });
});

describe("query protocol", () => {
  it("accepts GET with the parameters in a signed query string", async () => {
    const res = await raw({ method: "GET", params: GCI, keys: CHAIN_USER });
    expect(res.status).toBe(200);
    expect(xmlText(res.body, "Arn")).toBe("arn:aws:iam::111111111111:user/User1");
  });

  it("unknown Action => 400 InvalidAction; missing Action => MissingAction", async () => {
    const unknown = await raw({ params: { Action: "GetEverything", Version: "2011-06-15" } });
    expect(unknown.status).toBe(400);
    expect(xmlText(unknown.body, "Code")).toBe("InvalidAction");
    expect(xmlText(unknown.body, "Message")).toBe("Could not find operation GetEverything for version 2011-06-15");
    const missing = await raw({ params: { Version: "2011-06-15" } });
    expect(missing.status).toBe(400);
    expect(xmlText(missing.body, "Code")).toBe("MissingAction");
  });

  it("wrong or missing Version => InvalidAction naming the version", async () => {
    const wrong = await raw({ params: { Action: "GetCallerIdentity", Version: "2010-05-08" } });
    expect(wrong.status).toBe(400);
    expect(xmlText(wrong.body, "Message")).toBe("Could not find operation GetCallerIdentity for version 2010-05-08");
    const missing = await raw({ params: { Action: "GetCallerIdentity" } });
    expect(xmlText(missing.body, "Message")).toBe(
      "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED",
    );
  });

  it("records params without Action/Version, plus access key and region from the scope", async () => {
    await raw({ params: { ...GCI, Extra: "a b+c" }, region: "ap-northeast-1" });
    expect(server.calls[0]).toMatchObject({
      action: "GetCallerIdentity",
      params: { Extra: "a b+c" },
      accessKeyId: USER1.accessKeyId,
      region: "ap-northeast-1",
      callerArn: USER1_ARN,
    });
  });
});

describe("SigV4", () => {
  it("unsigned GetCallerIdentity => 403 MissingAuthenticationToken", async () => {
    const res = await raw({ params: GCI, keys: null });
    expect(res.status).toBe(403);
    expect(xmlText(res.body, "Code")).toBe("MissingAuthenticationToken");
  });

  it("a body changed after signing => SignatureDoesNotMatch", async () => {
    const res = await raw({
      params: {
        Action: "AssumeRole",
        Version: "2011-06-15",
        RoleArn: role("123456789012", "s3-developer"),
        RoleSessionName: "signed",
      },
      tamper: (r) => {
        r.body = Buffer.from(r.body.toString().replace("signed", "forged"));
      },
    });
    expect(res.status).toBe(403);
    expect(xmlText(res.body, "Code")).toBe("SignatureDoesNotMatch");
  });

  it("a signed header changed after signing => SignatureDoesNotMatch", async () => {
    const res = await raw({
      params: GCI,
      tamper: (r) => (r.headers["x-amz-date"] = [r.headers["x-amz-date"]![0]!.replace(/\d\dZ$/, "59Z")]),
    });
    expect(xmlText(res.body, "Code")).toBe("SignatureDoesNotMatch");
  });

  it("credential scope for another service => SignatureDoesNotMatch", async () => {
    const res = await raw({ params: GCI, service: "s3" });
    expect(res.status).toBe(403);
    expect(xmlText(res.body, "Code")).toBe("SignatureDoesNotMatch");
    expect(xmlText(res.body, "Message")).toBe("Credential should be scoped to correct service: 'sts'. ");
  });

  it("any region name in the scope is accepted", async () => {
    for (const region of ["eu-west-1", "cn-north-1", "made-up-1"]) {
      expect((await raw({ params: GCI, region })).status).toBe(200);
    }
  });

  it("missing X-Amz-Date => IncompleteSignature", async () => {
    const res = await raw({ params: GCI, tamper: (r) => delete r.headers["x-amz-date"] });
    expect(res.status).toBe(400);
    expect(xmlText(res.body, "Code")).toBe("IncompleteSignature");
  });

  it("x-amz-date is not checked for clock skew (tests move the emulator clock)", async () => {
    expect((await raw({ params: GCI, date: new Date("2001-02-03T04:05:06Z") })).status).toBe(200);
    server.advanceClock(86400 * 30);
    expect((await raw({ params: GCI })).status).toBe(200);
  });
});
