// IAM Identity Center's OIDC service (sso-oidc, restJson1): RegisterClient, StartDeviceAuthorization,
// CreateToken (device code, authorization code with PKCE, refresh token), and the browser's
// side of both flows (GET /authorize, GET /device). Tokens it issues are bearer tokens for the
// portal (portal.ts). The user's approval is a test hook (approveUserCode,
// approveAuthorizations) or automatic (autoApprove); see README.md.

import { createHash, randomBytes, randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  errorAnswer,
  JsonServiceError,
  jsonBody,
  stringListMember,
  stringMember,
  type JsonAnswer,
  type JsonRequest,
} from "./jsonapi.js";
import type { WorldSso } from "./world.js";

const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const DEFAULT_SCOPE = "sso:account:access";

// The shapes' `error` codes as the real service sends them (RFC 6749 / RFC 8628 names).
const oidcError = (type: string, status: number, error: string, description: string): JsonServiceError =>
  new JsonServiceError(type, status, { error, error_description: description });
export const invalidRequest = (d: string): JsonServiceError =>
  oidcError("InvalidRequestException", 400, "invalid_request", d);
const invalidClient = (d: string): JsonServiceError => oidcError("InvalidClientException", 401, "invalid_client", d);
const invalidGrant = (d: string): JsonServiceError => oidcError("InvalidGrantException", 400, "invalid_grant", d);
const invalidClientMetadata = (d: string): JsonServiceError =>
  oidcError("InvalidClientMetadataException", 400, "invalid_client_metadata", d);
const invalidRedirectUri = (d: string): JsonServiceError =>
  oidcError("InvalidRedirectUriException", 400, "invalid_redirect_uri", d);
const unauthorizedClient = (d: string): JsonServiceError =>
  oidcError("UnauthorizedClientException", 400, "unauthorized_client", d);
const unsupportedGrantType = (d: string): JsonServiceError =>
  oidcError("UnsupportedGrantTypeException", 400, "unsupported_grant_type", d);
const authorizationPending = (): JsonServiceError =>
  oidcError("AuthorizationPendingException", 400, "authorization_pending", "Authorization is still pending");
const slowDown = (): JsonServiceError => oidcError("SlowDownException", 400, "slow_down", "Client is polling too fast");
const expiredTokenError = (d: string): JsonServiceError => oidcError("ExpiredTokenException", 400, "expired_token", d);
const accessDeniedError = (d: string): JsonServiceError => oidcError("AccessDeniedException", 400, "access_denied", d);

/** Errors injectable into the next CreateToken calls (OidcService.injectCreateTokenError). */
export const OIDC_INJECTABLE: Record<string, () => JsonServiceError> = {
  AuthorizationPendingException: authorizationPending,
  SlowDownException: slowDown,
  ExpiredTokenException: () => expiredTokenError("Token is expired"),
  InvalidGrantException: () => invalidGrant("Invalid grant provided"),
  InvalidClientException: () => invalidClient("Invalid client provided"),
  AccessDeniedException: () => accessDeniedError("Access denied"),
  InternalServerException: () =>
    oidcError("InternalServerException", 500, "server_error", "An internal error occurred"),
};

interface Client {
  clientId: string;
  clientSecret: string;
  clientName: string;
  grantTypes: string[];
  redirectUris: string[];
  issuerUrl: string | undefined;
  scopes: string[];
  issuedAt: number;
  /** Epoch ms. */
  secretExpiresAt: number;
}

interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  clientId: string;
  /** Epoch ms (emulator clock). */
  expiresAt: number;
  interval: number;
  /** Wall-clock ms of the last CreateToken poll (polling speed is real time). */
  lastPollAt: number | null;
  state: "pending" | "approved" | "denied" | "used";
  userName: string | null;
}

interface PendingAuthorization {
  id: string;
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scopes: string[];
  res: ServerResponse | null;
}

interface AuthorizationCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  userName: string;
  scopes: string[];
  expiresAt: number;
  used: boolean;
}

export interface SsoTokenRecord {
  accessToken: string;
  userName: string;
  clientId: string;
  /** Epoch ms. */
  expiresAt: number;
  revoked: boolean;
}

interface RefreshRecord {
  userName: string;
  clientId: string;
  scopes: string[];
  revoked: boolean;
}

/** A seeded session, in the fields the AWS CLI's token cache file needs (OidcService.issueToken). */
export interface SeededSsoToken {
  accessToken: string;
  /** ISO, like the cache file's expiresAt. */
  expiresAt: string;
  refreshToken?: string;
  clientId: string;
  clientSecret: string;
  /** ISO, the client registration's expiry. */
  registrationExpiresAt: string;
}

/** One step a user would take in the browser, for tests waiting for it (OidcService.pending). */
export interface PendingApproval {
  kind: "device" | "authorize";
  clientId: string;
  /** Device flow only. */
  userCode?: string;
}

export interface OidcOptions {
  sso: WorldSso;
  now: () => number;
  /** Approve every device code and authorization at once, as this user (the demo). */
  autoApprove?: string;
}

const b64url = (bytes: Buffer): string => bytes.toString("base64url");
/** PKCE S256 (RFC 7636 §4.2): base64url(SHA-256(verifier)) without padding. */
export function pkceChallenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** RFC 8252 §7.3: a loopback redirect URI matches the registered one whatever its port. */
function redirectMatches(registered: string[], actual: string): boolean {
  let a: URL;
  try {
    a = new URL(actual);
  } catch {
    return false;
  }
  return registered.some((r) => {
    if (r === actual) return true;
    let u: URL;
    try {
      u = new URL(r);
    } catch {
      return false;
    }
    const loopback = ["127.0.0.1", "[::1]", "localhost"].includes(u.hostname);
    return (
      loopback &&
      u.protocol === a.protocol &&
      u.hostname === a.hostname &&
      u.pathname === a.pathname &&
      u.search === a.search
    );
  });
}

export class OidcService {
  private readonly clients = new Map<string, Client>();
  private readonly devices = new Map<string, DeviceAuthorization>();
  private readonly pendingAuthorizations: PendingAuthorization[] = [];
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly tokens = new Map<string, SsoTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshRecord>();
  private readonly injected: JsonServiceError[] = [];
  /** Lifetime of access tokens (CreateToken expiresIn). */
  tokenSeconds = 3600;
  /** Lifetime of client registrations (clientSecretExpiresAt). Real: 90 days. */
  registrationSeconds = 90 * 24 * 3600;
  /** Device authorizations: expiresIn and interval. */
  deviceExpiresSeconds = 600;
  deviceInterval = 1;
  autoApprove: string | undefined;

  constructor(private readonly options: OidcOptions) {
    this.autoApprove = options.autoApprove;
  }

  private get defaultUser(): string {
    const first = this.options.sso.users[0];
    if (!first) throw new Error("the world's sso section has no users");
    return first.userName;
  }

  private checkUser(userName: string): string {
    if (!this.options.sso.users.some((u) => u.userName === userName))
      throw new Error(`no SSO user "${userName}" in the world`);
    return userName;
  }

  // --- HTTP --------------------------------------------------------------------------------

  /** Answers /client/register, /device_authorization, /token; undefined if the path is not OIDC's. */
  handle(request: JsonRequest): JsonAnswer | undefined {
    const route = `${request.method} ${request.path}`;
    try {
      switch (route) {
        case "POST /client/register":
          return { status: 200, body: this.registerClient(jsonBody(request, invalidRequest)) };
        case "POST /device_authorization":
          return {
            status: 200,
            body: this.startDeviceAuthorization(jsonBody(request, invalidRequest), request.origin),
          };
        case "POST /token":
          if (request.query.has("aws_iam")) throw unsupportedGrantType("CreateTokenWithIAM is not emulated");
          return { status: 200, body: this.createToken(jsonBody(request, invalidRequest)) };
        case "GET /device":
          return this.devicePage(request.query.get("user_code") ?? "");
        default:
          return undefined;
      }
    } catch (error) {
      if (error instanceof JsonServiceError) return errorAnswer(error);
      throw error;
    }
  }

  private registerClient(body: Record<string, unknown>): Record<string, unknown> {
    const clientName = stringMember(body, "clientName", invalidRequest);
    const clientType = stringMember(body, "clientType", invalidRequest);
    if (!clientName) throw invalidRequest("clientName is required");
    if (!clientType) throw invalidRequest("clientType is required");
    if (clientType !== "public") throw invalidClientMetadata(`Invalid client type: ${clientType}`);
    const grantTypes = stringListMember(body, "grantTypes", invalidRequest) ?? [];
    const redirectUris = stringListMember(body, "redirectUris", invalidRequest) ?? [];
    const scopes = stringListMember(body, "scopes", invalidRequest) ?? [];
    const issuerUrl = stringMember(body, "issuerUrl", invalidRequest);
    for (const g of grantTypes) {
      if (!["authorization_code", "refresh_token", DEVICE_GRANT].includes(g))
        throw invalidClientMetadata(`Invalid grant type: ${g}`);
    }
    if (grantTypes.includes("authorization_code")) {
      if (redirectUris.length === 0)
        throw invalidRedirectUri("redirectUris are required for the authorization_code grant");
      if (issuerUrl !== this.options.sso.startUrl)
        throw invalidClientMetadata(`Invalid issuer url: ${issuerUrl ?? "(none)"}`);
    }
    for (const uri of redirectUris) {
      try {
        new URL(uri);
      } catch {
        throw invalidRedirectUri(`Invalid redirect uri: ${uri}`);
      }
    }
    const now = this.options.now();
    const client: Client = {
      clientId: b64url(randomBytes(16)),
      clientSecret: b64url(randomBytes(48)),
      clientName,
      grantTypes,
      redirectUris,
      issuerUrl,
      scopes,
      issuedAt: Math.floor(now / 1000),
      secretExpiresAt: Math.floor(now / 1000) * 1000 + this.registrationSeconds * 1000,
    };
    this.clients.set(client.clientId, client);
    return {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      clientIdIssuedAt: client.issuedAt,
      clientSecretExpiresAt: Math.floor(client.secretExpiresAt / 1000),
    };
  }

  /** clientId + clientSecret of a registration that has not expired. */
  private authenticateClient(body: Record<string, unknown>): Client {
    const clientId = stringMember(body, "clientId", invalidRequest);
    const clientSecret = stringMember(body, "clientSecret", invalidRequest);
    if (!clientId) throw invalidRequest("clientId is required");
    if (!clientSecret) throw invalidRequest("clientSecret is required");
    const client = this.clients.get(clientId);
    if (!client || client.clientSecret !== clientSecret) throw invalidClient("Invalid client provided");
    if (this.options.now() >= client.secretExpiresAt) throw invalidClient("Client registration has expired");
    return client;
  }

  private startDeviceAuthorization(body: Record<string, unknown>, origin: string): Record<string, unknown> {
    const client = this.authenticateClient(body);
    const startUrl = stringMember(body, "startUrl", invalidRequest);
    if (!startUrl) throw invalidRequest("startUrl is required");
    if (startUrl !== this.options.sso.startUrl) throw invalidRequest(`Invalid start url: ${startUrl}`);
    const letters = "BCDFGHJKLMNPQRSTVWXZ";
    const code = [...randomBytes(8)].map((b) => letters[b % letters.length]).join("");
    const device: DeviceAuthorization = {
      deviceCode: b64url(randomBytes(32)),
      userCode: `${code.slice(0, 4)}-${code.slice(4)}`,
      clientId: client.clientId,
      expiresAt: this.options.now() + this.deviceExpiresSeconds * 1000,
      interval: this.deviceInterval,
      lastPollAt: null,
      state: "pending",
      userName: null,
    };
    if (this.autoApprove !== undefined) {
      device.state = "approved";
      device.userName = this.checkUser(this.autoApprove);
    }
    this.devices.set(device.deviceCode, device);
    return {
      deviceCode: device.deviceCode,
      userCode: device.userCode,
      verificationUri: `${origin}/device`,
      verificationUriComplete: `${origin}/device?user_code=${device.userCode}`,
      expiresIn: this.deviceExpiresSeconds,
      interval: device.interval,
    };
  }

  private createToken(body: Record<string, unknown>): Record<string, unknown> {
    const grantType = stringMember(body, "grantType", invalidRequest);
    if (!grantType) throw invalidRequest("grantType is required");
    const client = this.authenticateClient(body);
    const injected = this.injected.shift();
    if (injected) throw injected;
    switch (grantType) {
      case DEVICE_GRANT:
        return this.deviceCodeGrant(client, body);
      case "authorization_code":
        return this.authorizationCodeGrant(client, body);
      case "refresh_token":
        return this.refreshTokenGrant(client, body);
      default:
        throw unsupportedGrantType(`Unsupported grant type: ${grantType}`);
    }
  }

  private deviceCodeGrant(client: Client, body: Record<string, unknown>): Record<string, unknown> {
    const deviceCode = stringMember(body, "deviceCode", invalidRequest);
    if (!deviceCode) throw invalidRequest("deviceCode is required");
    const device = this.devices.get(deviceCode);
    if (!device || device.clientId !== client.clientId || device.state === "used")
      throw invalidGrant("Invalid device code provided");
    if (this.options.now() >= device.expiresAt) throw expiredTokenError("Device code has expired");
    if (device.state === "denied") throw accessDeniedError("Authorization was denied");
    // RFC 8628 §3.5: polling faster than the interval earns slow_down (and 5 s more interval).
    const wall = Date.now();
    const tooFast = device.lastPollAt !== null && wall - device.lastPollAt < device.interval * 1000 - 250;
    device.lastPollAt = wall;
    if (tooFast) {
      device.interval += 5;
      throw slowDown();
    }
    if (device.state === "pending") throw authorizationPending();
    device.state = "used";
    return this.mint(client, device.userName!, client.scopes);
  }

  private authorizationCodeGrant(client: Client, body: Record<string, unknown>): Record<string, unknown> {
    if (!client.grantTypes.includes("authorization_code"))
      throw unauthorizedClient("Client is not registered for the authorization_code grant");
    const code = stringMember(body, "code", invalidRequest);
    const verifier = stringMember(body, "codeVerifier", invalidRequest);
    const redirectUri = stringMember(body, "redirectUri", invalidRequest);
    if (!code) throw invalidRequest("code is required");
    const record = this.codes.get(code);
    if (!record || record.used || record.clientId !== client.clientId)
      throw invalidGrant("Invalid authorization code provided");
    record.used = true; // single use, even when the rest of the request is wrong
    if (this.options.now() >= record.expiresAt) throw invalidGrant("Authorization code has expired");
    if (redirectUri !== record.redirectUri) throw invalidGrant("Redirect URI does not match the authorization request");
    if (!verifier) throw invalidRequest("codeVerifier is required");
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) || pkceChallenge(verifier) !== record.codeChallenge) {
      throw invalidGrant("Code verifier does not match the code challenge");
    }
    return this.mint(client, record.userName, record.scopes.length > 0 ? record.scopes : client.scopes);
  }

  private refreshTokenGrant(client: Client, body: Record<string, unknown>): Record<string, unknown> {
    if (client.grantTypes.length > 0 && !client.grantTypes.includes("refresh_token"))
      throw unauthorizedClient("Client is not registered for the refresh_token grant");
    const refreshToken = stringMember(body, "refreshToken", invalidRequest);
    if (!refreshToken) throw invalidRequest("refreshToken is required");
    const record = this.refreshTokens.get(refreshToken);
    if (!record || record.revoked || record.clientId !== client.clientId)
      throw invalidGrant("Invalid refresh token provided");
    const answer = this.mint(client, record.userName, record.scopes, false);
    // The same refresh token stays valid (botocore keeps the old one when none is returned).
    return { ...answer, refreshToken };
  }

  /** Issues an access token (and a refresh token when the client asked for scopes, as sso-session clients do). */
  private mint(client: Client, userName: string, scopes: string[], withRefresh = true): Record<string, unknown> {
    const accessToken = `aoa${b64url(randomBytes(48))}`;
    const expiresAt = Math.floor(this.options.now() / 1000) * 1000 + this.tokenSeconds * 1000;
    this.tokens.set(accessToken, { accessToken, userName, clientId: client.clientId, expiresAt, revoked: false });
    const answer: Record<string, unknown> = { accessToken, tokenType: "Bearer", expiresIn: this.tokenSeconds };
    if (withRefresh && scopes.length > 0) {
      const refreshToken = `aor${b64url(randomBytes(48))}`;
      this.refreshTokens.set(refreshToken, { userName, clientId: client.clientId, scopes, revoked: false });
      answer.refreshToken = refreshToken;
    }
    return answer;
  }

  // --- the browser's side ------------------------------------------------------------------

  private devicePage(userCode: string): JsonAnswer {
    const device = [...this.devices.values()].find((d) => d.userCode === userCode);
    if (!device) return { status: 404, html: "<p>Unknown or expired code.</p>" };
    if (this.autoApprove !== undefined && device.state === "pending") this.approveUserCode(userCode, this.autoApprove);
    return {
      status: 200,
      html: `<p>Code ${userCode}: ${device.state === "pending" ? "waiting for approval" : device.state}.</p>`,
    };
  }

  /**
   * GET /authorize (PKCE): checks the request, then holds the browser's request until the
   * user approves (approveAuthorizations) or denies, and answers with a 302 to redirect_uri
   * carrying code and state (or error=access_denied). With autoApprove it redirects at once.
   */
  authorize(query: URLSearchParams, res: ServerResponse): { status: number; error?: string } {
    const fail = (status: number, message: string): { status: number; error: string } => {
      res.writeHead(status, { "Content-Type": "text/html" });
      res.end(`<p>${message}</p>`);
      return { status, error: message };
    };
    const client = this.clients.get(query.get("client_id") ?? "");
    if (!client) return fail(400, "Invalid client_id");
    const redirectUri = query.get("redirect_uri") ?? "";
    if (!redirectMatches(client.redirectUris, redirectUri))
      return fail(400, "redirect_uri is not registered for this client");
    if (query.get("response_type") !== "code") return fail(400, "response_type must be code");
    if (query.get("code_challenge_method") !== "S256") return fail(400, "code_challenge_method must be S256");
    const codeChallenge = query.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
      return fail(400, "code_challenge must be a base64url SHA-256 digest");
    const state = query.get("state");
    if (!state) return fail(400, "state is required");
    const scopes = (query.get("scopes") ?? "").split(" ").filter((s) => s !== "");
    const pending: PendingAuthorization = {
      id: randomUUID(),
      clientId: client.clientId,
      redirectUri,
      state,
      codeChallenge,
      scopes,
      res,
    };
    res.on("close", () => {
      pending.res = null;
      const i = this.pendingAuthorizations.indexOf(pending);
      if (i >= 0) this.pendingAuthorizations.splice(i, 1);
    });
    if (this.autoApprove !== undefined) {
      this.finishAuthorization(pending, this.checkUser(this.autoApprove));
      return { status: 302 };
    }
    this.pendingAuthorizations.push(pending);
    return { status: 0 };
  }

  private finishAuthorization(pending: PendingAuthorization, userName: string | null): void {
    const target = new URL(pending.redirectUri);
    if (userName === null) {
      target.searchParams.set("error", "access_denied");
    } else {
      const code = b64url(randomBytes(32));
      this.codes.set(code, {
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        userName,
        scopes: pending.scopes,
        expiresAt: this.options.now() + 10 * 60 * 1000,
        used: false,
      });
      target.searchParams.set("code", code);
    }
    target.searchParams.set("state", pending.state);
    pending.res?.writeHead(302, { Location: target.toString(), "Content-Length": 0 });
    pending.res?.end();
  }

  // --- test hooks --------------------------------------------------------------------------

  /** What is waiting for the user: device codes not yet approved, held /authorize requests. */
  pending(): PendingApproval[] {
    const now = this.options.now();
    return [
      ...[...this.devices.values()]
        .filter((d) => d.state === "pending" && now < d.expiresAt)
        .map((d) => ({ kind: "device" as const, clientId: d.clientId, userCode: d.userCode })),
      ...this.pendingAuthorizations.map((p) => ({ kind: "authorize" as const, clientId: p.clientId })),
    ];
  }

  /** The user enters the code and approves (as `userName`, default the world's first SSO user). Throws for an unknown code. */
  approveUserCode(userCode: string, userName = this.defaultUser): void {
    const device = [...this.devices.values()].find((d) => d.userCode === userCode && d.state === "pending");
    if (!device) throw new Error(`no pending device authorization with user code ${userCode}`);
    device.state = "approved";
    device.userName = this.checkUser(userName);
  }

  /** The user refuses the device code: CreateToken answers AccessDeniedException. */
  denyUserCode(userCode: string): void {
    const device = [...this.devices.values()].find((d) => d.userCode === userCode && d.state === "pending");
    if (!device) throw new Error(`no pending device authorization with user code ${userCode}`);
    device.state = "denied";
  }

  /** Approves (or, with userName null, denies) every held /authorize request. Returns how many. */
  approveAuthorizations(userName: string | null = this.defaultUser): number {
    if (userName !== null) this.checkUser(userName);
    const all = this.pendingAuthorizations.splice(0);
    for (const p of all) this.finishAuthorization(p, userName);
    return all.length;
  }

  /** The next `count` CreateToken calls (after client authentication) answer this error. */
  injectCreateTokenError(type: keyof typeof OIDC_INJECTABLE, count = 1): void {
    const make = OIDC_INJECTABLE[type];
    if (!make) throw new RangeError(`unknown OIDC error "${type}" (one of ${Object.keys(OIDC_INJECTABLE).join(", ")})`);
    for (let i = 0; i < count; i++) this.injected.push(make());
  }

  /**
   * A signed-in session without going through a flow, for seeding ~/.aws/sso/cache: registers
   * a client (with the sso-session scopes unless `legacy`) and issues a token for the user.
   */
  issueToken(
    options: { userName?: string; expiresInSeconds?: number; legacy?: boolean; registrationSeconds?: number } = {},
  ): SeededSsoToken {
    const body = this.registerClient({
      clientName: "seeded",
      clientType: "public",
      ...(options.legacy ? {} : { scopes: [DEFAULT_SCOPE] }),
    });
    const client = this.clients.get(body.clientId as string)!;
    if (options.registrationSeconds !== undefined)
      client.secretExpiresAt = Math.floor(this.options.now() / 1000) * 1000 + options.registrationSeconds * 1000;
    const saved = this.tokenSeconds;
    if (options.expiresInSeconds !== undefined) this.tokenSeconds = options.expiresInSeconds;
    try {
      const minted = this.mint(client, this.checkUser(options.userName ?? this.defaultUser), client.scopes);
      const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
      const seeded: SeededSsoToken = {
        accessToken: minted.accessToken as string,
        expiresAt: iso(this.tokens.get(minted.accessToken as string)!.expiresAt),
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        registrationExpiresAt: iso(client.secretExpiresAt),
      };
      if (typeof minted.refreshToken === "string") seeded.refreshToken = minted.refreshToken;
      return seeded;
    } finally {
      this.tokenSeconds = saved;
    }
  }

  /** Revokes a refresh token (the user's session was ended elsewhere): refresh gets InvalidGrantException. */
  revokeRefreshToken(refreshToken: string): void {
    const record = this.refreshTokens.get(refreshToken);
    if (record) record.revoked = true;
  }

  // --- for the portal ----------------------------------------------------------------------

  /** The token's record if it exists, is not revoked and has not expired. */
  validAccessToken(token: string | undefined): SsoTokenRecord | undefined {
    if (!token) return undefined;
    const record = this.tokens.get(token);
    if (!record || record.revoked || this.options.now() >= record.expiresAt) return undefined;
    return record;
  }

  /** Logout: the access token stops working, and so do refresh tokens of its user and client. */
  logout(record: SsoTokenRecord): void {
    record.revoked = true;
    for (const r of this.refreshTokens.values())
      if (r.userName === record.userName && r.clientId === record.clientId) r.revoked = true;
  }
}
