// Limits on what a server may send back (docs/security.md, "Servers and what
// they return"): every response has a size limit, every call an overall
// deadline, so a server that trickles one byte a second or sends 100 MB is
// given up on quickly, with a clear error, and nothing is cached.
//
// Used by the STS adapter (as an SDK middleware, so the SDK's client setup is
// untouched) and by the instance-metadata and container sources (a plain
// node:http(s) request, so they can honour a CA bundle, which fetch cannot).

import type { IncomingMessage } from "node:http";

/** A legitimate STS answer is a few KiB; the cache reader refuses entries over 1 MiB. */
export const STS_MAX_RESPONSE_BYTES = 256 * 1024;
/** A metadata or container credentials document is well under 4 KiB. */
export const METADATA_MAX_RESPONSE_BYTES = 64 * 1024;

/** A server's response was over its size limit; it was not read further. */
export class ResponseTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`response larger than ${formatBytes(limit)}`);
    this.name = "ResponseTooLargeError";
    this.limit = limit;
  }
}

/** The overall deadline of a call passed before the server finished answering. */
export class DeadlineError extends Error {
  readonly ms: number;
  constructor(ms: number) {
    super(`no complete answer within ${formatSeconds(ms)}`);
    this.name = "DeadlineError";
    this.ms = ms;
  }
}

export function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Reads a response body of at most maxBytes. A Content-Length over the limit
 * is refused before reading anything; a body that grows past it is cut off
 * and its connection destroyed, so nothing more is buffered.
 */
export function readLimited(
  stream: IncomingMessage | NodeJS.ReadableStream,
  maxBytes: number,
  contentLength?: string | number | undefined,
): Promise<Buffer> {
  const destroy = () => (stream as { destroy?: (e?: Error) => void }).destroy?.();
  const declared = contentLength === undefined ? NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > maxBytes) {
    destroy();
    return Promise.reject(new ResponseTooLargeError(maxBytes));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: Error | undefined) => {
      if (done) return;
      done = true;
      stream.removeListener("data", onData);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) {
        finish(new ResponseTooLargeError(maxBytes));
        destroy();
        return;
      }
      chunks.push(buffer);
    };
    stream.on("data", onData);
    stream.once("end", () => finish(undefined));
    stream.once("error", (error: Error) => finish(error));
    stream.once("close", () => finish(done ? undefined : new Error("connection closed before the response ended")));
  });
}

interface SdkHttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * An SDK middleware (step "deserialize", priority "low": between the handler
 * and the XML parser) that reads each attempt's body with readLimited and
 * hands the parser the bytes it read.
 */
export function responseLimitMiddleware(maxBytes: number) {
  return (next: (args: unknown) => Promise<{ response: unknown }>) =>
    async (args: unknown): Promise<{ response: unknown }> => {
      const result = await next(args);
      const response = result.response as SdkHttpResponse | undefined;
      const body = response?.body as NodeJS.ReadableStream | undefined;
      if (!response || !body || typeof (body as { on?: unknown }).on !== "function") return result;
      const length = Object.entries(response.headers ?? {}).find(([k]) => k.toLowerCase() === "content-length")?.[1];
      const bytes = await readLimited(body, maxBytes, length);
      const { Readable } = await import("node:stream");
      response.body = Readable.from([bytes]);
      return result;
    };
}

export interface BoundedRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A request body (JSON for IAM Identity Center); sent with its Content-Length. */
  body?: string | undefined;
  /** PEM text of the CA certificates to trust for https (replaces the default roots, as a CA bundle does for the AWS CLI). */
  ca?: string | undefined;
  deadlineMs: number;
  maxBytes: number;
  signal: AbortSignal;
}

export interface BoundedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * One HTTP(S) request with an overall deadline (connect, headers and body
 * together) and a size limit on the body. Rejects with DeadlineError,
 * ResponseTooLargeError, the caller's abort reason, or a network error.
 */
export async function boundedRequest(url: string, options: BoundedRequest): Promise<BoundedResponse> {
  const target = new URL(url);
  const https = target.protocol === "https:";
  const lib = https ? await import("node:https") : await import("node:http");
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | undefined, value?: BoundedResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener("abort", onAbort);
      if (error) {
        request.destroy();
        reject(error);
      } else resolve(value!);
    };
    const onAbort = () => settle(new Error("interrupted"));
    const timer = setTimeout(() => settle(new DeadlineError(options.deadlineMs)), options.deadlineMs);
    const body = options.body === undefined ? undefined : Buffer.from(options.body, "utf8");
    const request = lib.request(target, {
      method: options.method ?? "GET",
      headers:
        body === undefined ? (options.headers ?? {}) : { ...options.headers, "Content-Length": String(body.length) },
      ...(https && options.ca !== undefined ? { ca: options.ca } : {}),
      agent: false,
    });
    request.on("error", (error) => settle(error));
    request.on("response", (response) => {
      readLimited(response, options.maxBytes, response.headers["content-length"]).then(
        (bytes) => settle(undefined, { status: response.statusCode ?? 0, headers: response.headers, body: bytes }),
        (error: Error) => settle(error),
      );
    });
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener("abort", onAbort, { once: true });
    request.end(body);
  });
}

/**
 * Whether a credential value from a server or a credential_process is one AWS
 * could have issued: printable ASCII, no spaces (access key IDs, secret keys
 * and base64 session tokens all are). Anything else cannot be sent in an HTTP
 * header when the credentials sign the next call, and is refused up front.
 */
export function isCredentialText(value: string): boolean {
  return /^[\x21-\x7e]+$/.test(value);
}

/** What makes a value fail isCredentialText, naming the first odd character by code point, never quoting the value. */
export function credentialTextProblem(value: string): string | undefined {
  if (value === "") return "is empty";
  const odd = /[^\x21-\x7e]/u.exec(value);
  if (!odd) return undefined;
  const point = odd[0].codePointAt(0)!;
  const code = `U+${point.toString(16).toUpperCase().padStart(4, "0")}`;
  if (point === 0x20) return "contains a space";
  if (point < 0x20 || (point >= 0x7f && point <= 0x9f)) return `contains a control character (${code})`;
  return `contains a non-ASCII character (${code})`;
}
