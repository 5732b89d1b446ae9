// IAM Identity Center's OIDC service (sso-oidc): RegisterClient,
// StartDeviceAuthorization and CreateToken (device code, authorization code with
// PKCE, refresh token), the unsigned rest-json calls botocore makes
// (awscli/botocore/utils.py: SSOTokenFetcher, SSOTokenFetcherAuth; the service's
// API reference: docs.aws.amazon.com/singlesignon/latest/OIDCAPIReference/).
//
// Hand-written instead of @aws-sdk/client-sso-oidc (docs/sso.md, "Why the calls
// are hand-written"): three small JSON POSTs, no signing, so no SDK client is
// loaded for a login or a refresh, and the dependency list does not grow.
//
// Every call goes through a transport with the Effects.http shape (one bounded
// request: overall deadline, size limit), so the resolver can pass its effects
// and tests a fake.

import { createHash, randomBytes } from "node:crypto";
import { AwsroleError, InterruptedError, stripControl } from "../errors.js";
import type { AwsConfig, Profile } from "../core/config.js";
import { configuredServiceEndpoint, isHttpsUrl } from "../core/endpoint.js";
import type { HttpRequest, HttpResponse } from "../core/effects.js";
import { boundedRequest, DeadlineError, formatBytes, formatSeconds, ResponseTooLargeError } from "./bounded-http.js";

/** One bounded HTTP(S) request; the shape of Effects.http. */
export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** An OIDC answer is well under 16 KiB (tokens are a few KiB). */
export const OIDC_MAX_RESPONSE_BYTES = 64 * 1024;
/** Each call's overall deadline. */
export const OIDC_DEADLINE_MS = 30_000;

export const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
/** botocore's default sso_registration_scopes for a PKCE registration. */
export const DEFAULT_SSO_SCOPES = ["sso:account:access"];

/** The error types CreateToken and the other calls answer with (the service's shapes). */
export type OidcErrorType =
  | "AuthorizationPendingException"
  | "SlowDownException"
  | "ExpiredTokenException"
  | "InvalidGrantException"
  | "InvalidClientException"
  | "InvalidClientMetadataException"
  | "InvalidRedirectUriException"
  | "InvalidRequestException"
  | "InvalidScopeException"
  | "UnauthorizedClientException"
  | "UnsupportedGrantTypeException"
  | "AccessDeniedException"
  | "InternalServerException"
  | "UnknownError";

/** The OIDC service refused a call; `type` is its error type (x-amzn-ErrorType). */
export class OidcError extends Error {
  readonly type: OidcErrorType;
  readonly status: number;
  /** The OAuth `error` code of the body (authorization_pending, invalid_grant...). */
  readonly error: string | undefined;
  readonly description: string | undefined;
  readonly operation: string;
  constructor(
    operation: string,
    type: OidcErrorType,
    status: number,
    error: string | undefined,
    description: string | undefined,
  ) {
    super(`${operation}: ${type}${description ? ` (${stripControl(description).slice(0, 200)})` : ""}`);
    this.name = "OidcError";
    this.operation = operation;
    this.type = type;
    this.status = status;
    this.error = error;
    this.description = description;
  }
}

const KNOWN_TYPES = new Set<string>([
  "AuthorizationPendingException",
  "SlowDownException",
  "ExpiredTokenException",
  "InvalidGrantException",
  "InvalidClientException",
  "InvalidClientMetadataException",
  "InvalidRedirectUriException",
  "InvalidRequestException",
  "InvalidScopeException",
  "UnauthorizedClientException",
  "UnsupportedGrantTypeException",
  "AccessDeniedException",
  "InternalServerException",
]);

// RFC 6749 / RFC 8628 `error` codes, for a server that sends no error type header.
const BY_OAUTH_CODE: Record<string, OidcErrorType> = {
  authorization_pending: "AuthorizationPendingException",
  slow_down: "SlowDownException",
  expired_token: "ExpiredTokenException",
  invalid_grant: "InvalidGrantException",
  invalid_client: "InvalidClientException",
  invalid_request: "InvalidRequestException",
  invalid_scope: "InvalidScopeException",
  unauthorized_client: "UnauthorizedClientException",
  unsupported_grant_type: "UnsupportedGrantTypeException",
  access_denied: "AccessDeniedException",
  server_error: "InternalServerException",
};

export interface RegisterClientInput {
  clientName: string;
  clientType?: "public";
  scopes?: string[] | undefined;
  grantTypes?: string[] | undefined;
  redirectUris?: string[] | undefined;
  issuerUrl?: string | undefined;
}

export interface RegisterClientOutput {
  clientId: string;
  clientSecret: string;
  clientIdIssuedAt?: number;
  /** Epoch seconds. */
  clientSecretExpiresAt: number;
}

export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  expiresIn: number;
  /** Seconds between polls; the service's default is 5. */
  interval: number;
}

export type CreateTokenInput = { clientId: string; clientSecret: string } & (
  | { grantType: typeof DEVICE_CODE_GRANT; deviceCode: string }
  | { grantType: "authorization_code"; code: string; codeVerifier: string; redirectUri: string }
  | { grantType: "refresh_token"; refreshToken: string }
);

export interface TokenOutput {
  accessToken: string;
  tokenType?: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken?: string;
  idToken?: string;
}

export interface OidcClient {
  /** The service's base URL (no trailing slash). */
  readonly endpoint: string;
  registerClient(input: RegisterClientInput): Promise<RegisterClientOutput>;
  startDeviceAuthorization(input: {
    clientId: string;
    clientSecret: string;
    startUrl: string;
  }): Promise<DeviceAuthorization>;
  createToken(input: CreateTokenInput): Promise<TokenOutput>;
}

/** The endpoint of the sso-oidc service: a configured one (botocore ConfiguredEndpointProvider), else https://oidc.{region}.amazonaws.com. */
export function resolveOidcEndpoint(
  config: AwsConfig,
  sessionProfile: Profile | undefined,
  env: Readonly<Record<string, string | undefined>>,
  ssoRegion: string,
): { url: string; origin: string } {
  const configured = configuredServiceEndpoint(config, sessionProfile, env, "sso_oidc");
  if (configured) return configured;
  const suffix = ssoRegion.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return { url: `https://oidc.${ssoRegion}.${suffix}`, origin: `the sso-oidc endpoint for ${ssoRegion}` };
}

/** A transport on boundedRequest: the given signal ends the call (Ctrl-C), errors become one sentence. */
export function boundedTransport(signal: AbortSignal, ca?: () => string | undefined): HttpTransport {
  return async (request) => {
    const https = isHttpsUrl(request.url);
    try {
      const answer = await boundedRequest(request.url, {
        ...(request.method === undefined ? {} : { method: request.method }),
        ...(request.headers === undefined ? {} : { headers: request.headers }),
        body: request.body,
        ca: https && ca ? ca() : undefined,
        deadlineMs: request.deadlineMs,
        maxBytes: request.maxBytes,
        signal,
      });
      return { status: answer.status, headers: answer.headers, body: answer.body.toString("utf8") };
    } catch (error) {
      if (signal.aborted) throw new InterruptedError();
      throw error;
    }
  };
}

/** The three OIDC calls against `endpoint` through `http`. */
export function oidcClient(endpoint: string, http: HttpTransport): OidcClient {
  const base = endpoint.replace(/\/+$/, "");
  const call = async <T>(operation: string, path: string, body: Record<string, unknown>): Promise<T> => {
    let response: HttpResponse;
    try {
      response = await http({
        url: `${base}${path}`,
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        deadlineMs: OIDC_DEADLINE_MS,
        maxBytes: OIDC_MAX_RESPONSE_BYTES,
      });
    } catch (error) {
      if (error instanceof AwsroleError) throw error;
      throw unreachable(operation, base, error);
    }
    let parsed: unknown;
    try {
      parsed = response.body === "" ? {} : JSON.parse(response.body);
    } catch {
      parsed = undefined;
    }
    if (response.status < 200 || response.status >= 300) throw toOidcError(operation, response, parsed);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new AwsroleError(
        "SsoOidcBadResponse",
        `IAM Identity Center (${base}) answered ${operation} with something that is not a JSON object.`,
        {
          hint: "Check the sso-oidc endpoint (AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL or endpoint_url); run with --debug for details.",
        },
      );
    }
    return parsed as T;
  };
  const need = (operation: string, value: Record<string, unknown>, keys: string[]): void => {
    const missing = keys.filter((k) => typeof value[k] !== "string" || value[k] === "");
    if (missing.length > 0) {
      throw new AwsroleError(
        "SsoOidcBadResponse",
        `IAM Identity Center (${base}) answered ${operation} without ${missing.join(", ")}.`,
        {
          hint: "Check the sso-oidc endpoint; nothing was written.",
        },
      );
    }
  };
  return {
    endpoint: base,
    async registerClient(input) {
      const body: Record<string, unknown> = { clientName: input.clientName, clientType: input.clientType ?? "public" };
      if (input.scopes !== undefined && input.scopes.length > 0) body.scopes = input.scopes;
      if (input.grantTypes !== undefined) body.grantTypes = input.grantTypes;
      if (input.redirectUris !== undefined) body.redirectUris = input.redirectUris;
      if (input.issuerUrl !== undefined) body.issuerUrl = input.issuerUrl;
      const out = await call<Record<string, unknown>>("RegisterClient", "/client/register", body);
      need("RegisterClient", out, ["clientId", "clientSecret"]);
      const expires = Number(out.clientSecretExpiresAt);
      if (!Number.isFinite(expires)) need("RegisterClient", {}, ["clientSecretExpiresAt"]);
      return {
        clientId: out.clientId as string,
        clientSecret: out.clientSecret as string,
        ...(typeof out.clientIdIssuedAt === "number" ? { clientIdIssuedAt: out.clientIdIssuedAt } : {}),
        clientSecretExpiresAt: expires,
      };
    },
    async startDeviceAuthorization(input) {
      const out = await call<Record<string, unknown>>("StartDeviceAuthorization", "/device_authorization", {
        ...input,
      });
      need("StartDeviceAuthorization", out, ["deviceCode", "userCode", "verificationUri"]);
      const interval = Number(out.interval);
      const expiresIn = Number(out.expiresIn);
      return {
        deviceCode: out.deviceCode as string,
        userCode: out.userCode as string,
        verificationUri: out.verificationUri as string,
        ...(typeof out.verificationUriComplete === "string"
          ? { verificationUriComplete: out.verificationUriComplete }
          : {}),
        expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 600,
        // botocore: interval defaults to 5 seconds when absent.
        interval: Number.isFinite(interval) && interval > 0 ? interval : 5,
      };
    },
    async createToken(input) {
      const out = await call<Record<string, unknown>>("CreateToken", "/token", { ...input });
      need("CreateToken", out, ["accessToken"]);
      const expiresIn = Number(out.expiresIn);
      if (!Number.isFinite(expiresIn) || expiresIn <= 0) need("CreateToken", {}, ["expiresIn"]);
      const token: TokenOutput = { accessToken: out.accessToken as string, expiresIn };
      if (typeof out.tokenType === "string") token.tokenType = out.tokenType;
      if (typeof out.refreshToken === "string" && out.refreshToken !== "") token.refreshToken = out.refreshToken;
      if (typeof out.idToken === "string") token.idToken = out.idToken;
      return token;
    },
  };
}

function toOidcError(operation: string, response: HttpResponse, parsed: unknown): OidcError {
  const body = parsed !== null && typeof parsed === "object" ? (parsed as Record<string, unknown>) : {};
  const header = response.headers["x-amzn-errortype"];
  const rawType =
    (Array.isArray(header) ? header[0] : header) ?? (typeof body.__type === "string" ? body.__type : undefined);
  // "InvalidGrantException:http://internal.amazon.com/..." and "com.amazonaws...#InvalidGrantException" both occur.
  const named = rawType?.split(":")[0]?.split("#").pop();
  const oauth = typeof body.error === "string" ? body.error : undefined;
  const type: OidcErrorType =
    named && KNOWN_TYPES.has(named) ? (named as OidcErrorType) : (oauth && BY_OAUTH_CODE[oauth]) || "UnknownError";
  const description =
    typeof body.error_description === "string"
      ? body.error_description
      : typeof body.message === "string"
        ? body.message
        : undefined;
  return new OidcError(operation, type, response.status, oauth, description);
}

function unreachable(operation: string, base: string, error: unknown): AwsroleError {
  let why: string;
  if (error instanceof DeadlineError) why = `no complete answer within ${formatSeconds(error.ms)}`;
  else if (error instanceof ResponseTooLargeError) why = `the response was larger than ${formatBytes(error.limit)}`;
  else {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    why = code && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "the request failed";
  }
  return new AwsroleError(
    "SsoOidcUnreachable",
    `Cannot reach IAM Identity Center at ${base} for ${operation}: ${why}.`,
    {
      hint: "Check the network and the sso_region (or AWS_ENDPOINT_URL_SSO_OIDC); nothing was written.",
      cause: error,
    },
  );
}

// --- PKCE (RFC 7636) -------------------------------------------------------------------------

const VERIFIER_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";

/** A code verifier: 64 characters of [A-Za-z0-9-._~], as botocore makes it. */
export function pkceVerifier(): string {
  // 66 characters, and 256 % 66 != 0: draw bytes and drop those that would bias the choice.
  const limit = 256 - (256 % VERIFIER_ALPHABET.length);
  let out = "";
  while (out.length < 64) {
    for (const byte of randomBytes(96)) {
      if (byte < limit && out.length < 64) out += VERIFIER_ALPHABET[byte % VERIFIER_ALPHABET.length];
    }
  }
  return out;
}

/** The S256 challenge: base64url(SHA-256(verifier)) without padding. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** The browser's URL of the PKCE flow: GET {oidc}/authorize (note `scopes`, space-separated, as botocore sends it). */
export function authorizeUrl(
  endpoint: string,
  params: { clientId: string; redirectUri: string; state: string; codeChallenge: string; scopes: string[] },
): string {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: params.clientId,
    redirect_uri: params.redirectUri,
    state: params.state,
    code_challenge_method: "S256",
    scopes: params.scopes.join(" "),
    code_challenge: params.codeChallenge,
  });
  return `${endpoint.replace(/\/+$/, "")}/authorize?${query.toString()}`;
}
