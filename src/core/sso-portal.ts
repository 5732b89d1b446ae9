// The AWS access portal API (the "sso" service) calls awsrole makes to resolve
// and to log out: GetRoleCredentials and Logout, unsigned rest-json with the
// bearer token in the x-amz-sso_bearer_token header (SSO API reference:
// docs.aws.amazon.com/singlesignon/latest/PortalAPIReference/). Hand-written
// over the Effects' one bounded request, so no SDK client is loaded (docs/sso.md).

import { AwsroleError, stripControl } from "../errors.js";
import type { HttpRequest, HttpResponse } from "./effects.js";

export type Http = (request: HttpRequest) => Promise<HttpResponse>;

/** A portal answer is a few KiB. */
const PORTAL_MAX_BYTES = 64 * 1024;
const PORTAL_DEADLINE_MS = 30_000;
/** TooManyRequestsException and 5xx are retried (botocore's legacy retry mode tries 5 times). */
const ATTEMPTS = 5;

/** The portal refused a call: its error type (x-amzn-ErrorType) and HTTP status. */
export class PortalError extends Error {
  constructor(
    readonly operation: string,
    readonly type: string,
    readonly status: number,
    readonly detail: string | undefined,
  ) {
    super(`${operation}: ${type} (HTTP ${status})${detail ? `: ${stripControl(detail).slice(0, 200)}` : ""}`);
    this.name = "PortalError";
  }
}

/** https://portal.sso.{region}.amazonaws.com (amazonaws.com.cn in China), botocore's sso endpoint rule. */
export function defaultPortalEndpoint(region: string): string {
  return `https://portal.sso.${region}.${region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com"}`;
}

export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch milliseconds. */
  expiration: number;
}

async function call(
  http: Http,
  operation: string,
  request: { url: string; method: string; token: string },
  sleep: (ms: number) => Promise<void>,
): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    let response: HttpResponse;
    try {
      response = await http({
        url: request.url,
        method: request.method,
        headers: { "x-amz-sso_bearer_token": request.token, Accept: "application/json" },
        deadlineMs: PORTAL_DEADLINE_MS,
        maxBytes: PORTAL_MAX_BYTES,
      });
    } catch (error) {
      if (error instanceof AwsroleError || (error as Error)?.name === "NeedsOnline") throw error;
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      const why = code && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "the request failed";
      throw new AwsroleError("SsoPortalUnreachable", `Cannot reach the AWS access portal at ${new URL(request.url).origin} for ${operation}: ${why}.`, {
        hint: "Check the network and sso_region (or AWS_ENDPOINT_URL_SSO).",
        cause: error,
      });
    }
    let body: unknown;
    try {
      body = response.body === "" ? {} : JSON.parse(response.body);
    } catch {
      body = undefined;
    }
    const doc = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    if (response.status >= 200 && response.status < 300) {
      if (!doc) {
        throw new AwsroleError("SsoPortalBadResponse", `The AWS access portal at ${new URL(request.url).origin} answered ${operation} with something that is not a JSON object.`, {
          hint: "Check the portal endpoint (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL or endpoint_url).",
        });
      }
      return doc;
    }
    const header = response.headers["x-amzn-errortype"];
    const rawType = (Array.isArray(header) ? header[0] : header) ?? (typeof doc?.__type === "string" ? doc.__type : undefined);
    const type = rawType?.split(":")[0]?.split("#").pop() ?? `HTTP ${response.status}`;
    const retryable = response.status === 429 || response.status >= 500 || type === "TooManyRequestsException";
    if (retryable && attempt < ATTEMPTS) {
      await sleep(Math.min(2000, 100 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2));
      continue;
    }
    throw new PortalError(operation, type, response.status, typeof doc?.message === "string" ? doc.message : undefined);
  }
}

/** GetRoleCredentials: GET /federation/credentials?role_name=R&account_id=A. */
export async function getRoleCredentials(
  http: Http,
  endpoint: string,
  args: { accessToken: string; accountId: string; roleName: string },
  sleep: (ms: number) => Promise<void>,
): Promise<RoleCredentials> {
  const query = new URLSearchParams({ role_name: args.roleName, account_id: args.accountId });
  const url = `${endpoint.replace(/\/+$/, "")}/federation/credentials?${query.toString()}`;
  const doc = await call(http, "GetRoleCredentials", { url, method: "GET", token: args.accessToken }, sleep);
  const rc = doc.roleCredentials;
  const c = typeof rc === "object" && rc !== null ? (rc as Record<string, unknown>) : {};
  const missing = ["accessKeyId", "secretAccessKey", "sessionToken"].filter((k) => typeof c[k] !== "string" || c[k] === "");
  const expiration = Number(c.expiration);
  if (!Number.isFinite(expiration)) missing.push("expiration");
  if (missing.length > 0) {
    throw new AwsroleError("SsoPortalBadResponse", `The AWS access portal answered GetRoleCredentials without roleCredentials.${missing.join(", roleCredentials.")}.`, {
      hint: "Check the portal endpoint (AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL or endpoint_url).",
    });
  }
  return { accessKeyId: c.accessKeyId as string, secretAccessKey: c.secretAccessKey as string, sessionToken: c.sessionToken as string, expiration };
}

/** Logout: POST /logout, which ends the token (and the refresh tokens of its client). */
export async function portalLogout(http: Http, endpoint: string, accessToken: string, sleep: (ms: number) => Promise<void>): Promise<void> {
  await call(http, "Logout", { url: `${endpoint.replace(/\/+$/, "")}/logout`, method: "POST", token: accessToken }, sleep);
}
