// AWS Signature Version 4, server side: parse the Authorization header, rebuild the canonical
// request from what actually arrived on the wire, and recompute the signature with the secret
// the emulator knows. Follows the published algorithm
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html); the same code
// also signs requests for the emulator's own raw-HTTP tests (`signRequest`).
//
// Only header-based signing (the Authorization header) is supported: that is what botocore and
// the JS SDK send to STS. Presigned (query-string) requests are treated as unsigned.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { incompleteSignature, signatureDoesNotMatch } from "./errors.js";

export const ALGORITHM = "AWS4-HMAC-SHA256";
export const SERVICE = "sts";

/** An HTTP request as received: raw path and query, lower-cased header names. */
export interface WireRequest {
  method: string;
  /** Raw (still percent-encoded) path, without the query. */
  path: string;
  /** Raw query string without the leading "?" ("" when absent). */
  query: string;
  /** Lower-cased names; repeated headers keep every value in order. */
  headers: Record<string, string[]>;
  body: Buffer;
}

export interface SignedRequestInfo {
  accessKeyId: string;
  /** YYYYMMDD from the credential scope. */
  scopeDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** The x-amz-date header value (YYYYMMDDTHHMMSSZ). */
  amzDate: string;
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

/** RFC 3986 encoding as SigV4 wants it: everything but A-Z a-z 0-9 - _ . ~ is %XX (upper-case hex). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

// In a query string "+" means a space (form encoding); in a path it is a literal "+".
function decodeComponent(value: string, plusIsSpace: boolean): string {
  try {
    return decodeURIComponent(plusIsSpace ? value.replace(/\+/g, " ") : value);
  } catch {
    return value;
  }
}

/** Lower-cased header value list from the request, or undefined. */
export function headerValue(request: WireRequest, name: string): string | undefined {
  const values = request.headers[name.toLowerCase()];
  return values === undefined ? undefined : values.join(",");
}

/**
 * Parses `AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request,
 * SignedHeaders=host;x-amz-date, Signature=…` and checks the parts STS checks before it
 * even looks the key up. Throws StsError (IncompleteSignature / SignatureDoesNotMatch).
 */
export function parseSignedRequest(request: WireRequest): SignedRequestInfo {
  const authorization = headerValue(request, "authorization") ?? "";
  const [algorithm = "", ...rest] = authorization.trim().split(/\s+/);
  if (algorithm !== ALGORITHM) {
    throw incompleteSignature(`Unsupported AWS 'algorithm': '${algorithm}'. Only '${ALGORITHM}' is accepted.`);
  }
  const fields = new Map<string, string>();
  for (const part of rest.join(" ").split(",")) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    if (eq < 0) {
      throw incompleteSignature(
        `'${trimmed}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`,
      );
    }
    fields.set(trimmed.slice(0, eq), trimmed.slice(eq + 1));
  }
  for (const required of ["Credential", "SignedHeaders", "Signature"]) {
    if (!fields.get(required)) {
      throw incompleteSignature(
        `Authorization header requires '${required}' parameter. Authorization=${authorization}`,
      );
    }
  }
  const scope = fields.get("Credential")!.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || scope.some((p) => p === "")) {
    throw incompleteSignature(`Credential should be scoped to a valid region. Credential=${fields.get("Credential")}`);
  }
  const [accessKeyId = "", scopeDate = "", region = "", service = ""] = scope;
  if (service !== SERVICE) {
    throw signatureDoesNotMatch(`Credential should be scoped to correct service: '${SERVICE}'. `);
  }
  const signedHeaders = fields.get("SignedHeaders")!.split(";");
  if (!signedHeaders.includes("host")) {
    throw incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  const amzDate = headerValue(request, "x-amz-date");
  if (amzDate === undefined) {
    throw incompleteSignature(
      `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${authorization}`,
    );
  }
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw incompleteSignature(`Invalid X-Amz-Date '${amzDate}': must be in ISO8601 basic format YYYYMMDDTHHMMSSZ.`);
  }
  if (amzDate.slice(0, 8) !== scopeDate) {
    throw signatureDoesNotMatch(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of ` +
        `date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  return { accessKeyId, scopeDate, region, service, signedHeaders, signature: fields.get("Signature")!, amzDate };
}

/** Canonical URI: each path segment URI-encoded twice (SigV4 for every service but S3). */
function canonicalUri(rawPath: string): string {
  const path = rawPath === "" ? "/" : rawPath;
  return path
    .split("/")
    .map((segment) => uriEncode(uriEncode(decodeComponent(segment, false))))
    .join("/");
}

/** Canonical query: decode every pair, re-encode strictly, sort by name then value. */
function canonicalQuery(rawQuery: string): string {
  if (rawQuery === "") return "";
  return rawQuery
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? "" : pair.slice(eq + 1);
      return [uriEncode(decodeComponent(name, true)), uriEncode(decodeComponent(value, true))] as const;
    })
    .sort(([an, av], [bn, bv]) => (an < bn ? -1 : an > bn ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([n, v]) => `${n}=${v}`)
    .join("&");
}

/** Header values are trimmed and runs of spaces collapsed; repeated headers joined with ",". */
function canonicalHeaderValue(values: string[]): string {
  return values.map((v) => v.trim().replace(/\s+/g, " ")).join(",");
}

export function canonicalRequest(request: WireRequest, signedHeaders: string[], payloadHash: string): string {
  const headerLines = signedHeaders
    .map((name) => `${name}:${canonicalHeaderValue(request.headers[name] ?? [])}\n`)
    .join("");
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    headerLines,
    signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, "aws4_request");
}

/**
 * The payload hash the client signed: `x-amz-content-sha256` when sent (it is then also
 * checked against the body, so a body swapped after signing cannot slip through), otherwise
 * the SHA-256 of the body as received.
 */
function payloadHash(request: WireRequest): string {
  const bodyHash = sha256Hex(request.body);
  const declared = headerValue(request, "x-amz-content-sha256");
  if (declared === undefined) return bodyHash;
  if (declared !== "UNSIGNED-PAYLOAD" && declared.toLowerCase() !== bodyHash) {
    throw signatureDoesNotMatch();
  }
  return declared;
}

export function computeSignature(
  request: WireRequest,
  info: Omit<SignedRequestInfo, "signature" | "accessKeyId">,
  secretAccessKey: string,
): string {
  const canonical = canonicalRequest(request, info.signedHeaders, payloadHash(request));
  const scope = `${info.scopeDate}/${info.region}/${info.service}/aws4_request`;
  const stringToSign = [ALGORITHM, info.amzDate, scope, sha256Hex(canonical)].join("\n");
  return createHmac("sha256", signingKey(secretAccessKey, info.scopeDate, info.region, info.service))
    .update(stringToSign, "utf8")
    .digest("hex");
}

/** True when the request's signature is the one `secretAccessKey` produces. Constant-time compare. */
export function signatureMatches(request: WireRequest, info: SignedRequestInfo, secretAccessKey: string): boolean {
  const expected = Buffer.from(computeSignature(request, info, secretAccessKey), "utf8");
  const given = Buffer.from(info.signature.toLowerCase(), "utf8");
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** x-amz-date format of a Date: 20260101T120000Z. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

/**
 * Signs a request in place (adds x-amz-date, x-amz-security-token when given, and
 * Authorization). For the emulator's own raw-HTTP tests; SDK tests use the real SDK signers.
 */
export function signRequest(
  request: WireRequest,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  options: { region: string; service?: string; date?: Date },
): void {
  const date = amzDate(options.date ?? new Date());
  request.headers["x-amz-date"] = [date];
  if (credentials.sessionToken !== undefined) request.headers["x-amz-security-token"] = [credentials.sessionToken];
  const signedHeaders = Object.keys(request.headers)
    .filter((h) => h !== "authorization")
    .sort();
  const info = {
    scopeDate: date.slice(0, 8),
    region: options.region,
    service: options.service ?? SERVICE,
    signedHeaders,
    amzDate: date,
  };
  const signature = computeSignature(request, info, credentials.secretAccessKey);
  const scope = `${info.scopeDate}/${info.region}/${info.service}/aws4_request`;
  request.headers.authorization = [
    `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders.join(";")}, Signature=${signature}`,
  ];
}
