// What the JSON services (sso-oidc, the SSO portal, sign-in) share: their error type and how
// an answer goes on the wire. All three are restJson1: the error's name travels in the
// x-amzn-ErrorType header (botocore and the JS SDK read it from there first), its members in
// the JSON body.

/** A refusal of one of the JSON services. `body` holds the error's members as the model names them. */
export class JsonServiceError extends Error {
  constructor(
    /** Shape name, e.g. "AuthorizationPendingException"; sent as x-amzn-ErrorType. */
    readonly type: string,
    readonly status: number,
    readonly body: Record<string, string>,
  ) {
    super(body.error_description ?? body.message ?? type);
    this.name = "JsonServiceError";
  }
}

/** What a JSON service hands back to server.ts to send and to log. */
export interface JsonAnswer {
  status: number;
  /** JSON body; undefined: no body (e.g. Logout). */
  body?: unknown;
  /** Extra response headers (e.g. Location for a redirect). */
  headers?: Record<string, string>;
  /** A non-JSON body (the authorize page), sent as text/html. */
  html?: string;
  /** Set for refusals. */
  errorType?: string;
}

export function errorAnswer(error: JsonServiceError): JsonAnswer {
  return { status: error.status, body: error.body, errorType: error.type, headers: { "x-amzn-ErrorType": error.type } };
}

/** The request as the JSON services see it. */
export interface JsonRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Lower-case header names; the first value of each. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** "http://127.0.0.1:PORT" as the client addressed it (for DPoP htu). */
  origin: string;
}

/** Parses a JSON object body; anything else is the service's `invalidRequest(...)`. */
export function jsonBody(
  request: JsonRequest,
  invalid: (message: string) => JsonServiceError,
): Record<string, unknown> {
  if (request.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString("utf8"));
  } catch {
    throw invalid("Request body is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid("Request body must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** A string member, or undefined; a member of another type is refused. */
export function stringMember(
  body: Record<string, unknown>,
  name: string,
  invalid: (message: string) => JsonServiceError,
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(`${name} must be a string`);
  return value;
}

export function stringListMember(
  body: Record<string, unknown>,
  name: string,
  invalid: (message: string) => JsonServiceError,
): string[] | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
    throw invalid(`${name} must be a list of strings`);
  return value as string[];
}
