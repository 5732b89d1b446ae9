// The AWS Sign-In OAuth endpoints behind `aws login` (service "signin", restJson1):
// GET /v1/authorize (PKCE, SHA-256), the remote flow's confirmation page, and POST /v1/token
// (CreateOAuth2Token) for the authorization code and the refresh token. Every token call must
// carry a DPoP proof (RFC 9449: an ES256 JWT over P-256 whose header holds the public JWK),
// and a refresh token only works with the key it was issued to. The keys issued are sessions
// minted by the STS emulator (short-lived, `keySeconds`), so STS accepts them.

import {
  createHash,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  verify,
  type JsonWebKey,
  type KeyObject,
} from "node:crypto";
import type { ServerResponse } from "node:http";
import { errorAnswer, JsonServiceError, jsonBody, stringMember, type JsonAnswer, type JsonRequest } from "./jsonapi.js";
import type { CredentialRecord } from "./service.js";

export const SAME_DEVICE_CLIENT = "arn:aws:signin:::devtools/same-device";
export const CROSS_DEVICE_CLIENT = "arn:aws:signin:::devtools/cross-device";

// The model's OAuth2ErrorCode values travel in `error`, next to a `message`.
const signinError = (type: string, status: number, error: string, message: string): JsonServiceError =>
  new JsonServiceError(type, status, { error, message });
const accessDenied = (error: string, message: string): JsonServiceError =>
  signinError("AccessDeniedException", 400, error, message);
const validation = (message: string): JsonServiceError =>
  signinError("ValidationException", 400, "INVALID_REQUEST", message);

/** Errors injectable into the next CreateOAuth2Token calls (SigninService.injectTokenError). */
export const SIGNIN_INJECTABLE: Record<string, () => JsonServiceError> = {
  TOKEN_EXPIRED: () => accessDenied("TOKEN_EXPIRED", "The refresh token has expired"),
  USER_CREDENTIALS_CHANGED: () => accessDenied("USER_CREDENTIALS_CHANGED", "The user's credentials have changed"),
  INSUFFICIENT_PERMISSIONS: () =>
    accessDenied("INSUFFICIENT_PERMISSIONS", "User is not authorized to perform: signin:CreateOAuth2Token"),
  AUTHCODE_EXPIRED: () => accessDenied("AUTHCODE_EXPIRED", "The authorization code has expired"),
  INVALID_REQUEST: () => validation("Invalid request"),
  server_error: () => signinError("InternalServerException", 500, "server_error", "An internal error occurred"),
  TooManyRequestsError: () => signinError("TooManyRequestsError", 429, "INVALID_REQUEST", "Rate exceeded"),
};

/** Why a DPoP proof was refused (the ValidationException message says it). */
export class DpopError extends Error {}

export interface DpopCheck {
  method: string;
  /** The URL the request went to, without query (RFC 9449 §4.3). */
  url: string;
  /** Wall-clock seconds. */
  nowSeconds: number;
  /** Largest |now - iat| accepted. */
  maxAgeSeconds: number;
  /** jti values already used; the proof's is added on success. */
  seenJtis: Set<string>;
}

/** RFC 7638 JWK thumbprint of a P-256 public key (base64url SHA-256 of the canonical members). */
export function jwkThumbprint(jwk: { crv: string; kty: string; x: string; y: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash("sha256").update(canonical).digest("base64url");
}

/**
 * Verifies a DPoP proof as the token endpoint must: three base64url parts; header typ
 * dpop+jwt, alg ES256, a public P-256 jwk (no private "d"); the ES256 signature (raw r||s)
 * against that jwk; claims htm, htu, iat within maxAgeSeconds, a fresh jti. Returns the
 * key's thumbprint. Throws DpopError.
 */
export function verifyDpopProof(proof: string | undefined, check: DpopCheck): string {
  if (!proof) throw new DpopError("the DPoP header is missing");
  const parts = proof.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw new DpopError("not a compact JWS");
  const [h, p, s] = parts as [string, string, string];
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>;
    claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    throw new DpopError("header or claims are not JSON");
  }
  if (header.typ !== "dpop+jwt") throw new DpopError(`typ must be dpop+jwt, got ${JSON.stringify(header.typ)}`);
  if (header.alg !== "ES256") throw new DpopError(`alg must be ES256, got ${JSON.stringify(header.alg)}`);
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (jwk?.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string") {
    throw new DpopError("jwk must be a P-256 EC public key");
  }
  if ("d" in jwk) throw new DpopError("jwk must not contain the private key");
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y } as JsonWebKey, format: "jwk" });
  } catch {
    throw new DpopError("jwk is not a valid P-256 point");
  }
  const signature = Buffer.from(s, "base64url");
  if (signature.length !== 64) throw new DpopError("ES256 signature must be 64 bytes (r||s)");
  if (!verify("sha256", Buffer.from(`${h}.${p}`, "ascii"), { key, dsaEncoding: "ieee-p1363" }, signature)) {
    throw new DpopError("signature does not verify against the jwk");
  }
  if (claims.htm !== check.method)
    throw new DpopError(`htm ${JSON.stringify(claims.htm)} is not the request method ${check.method}`);
  if (claims.htu !== check.url)
    throw new DpopError(`htu ${JSON.stringify(claims.htu)} is not the request URL ${check.url}`);
  if (typeof claims.iat !== "number" || Math.abs(check.nowSeconds - claims.iat) > check.maxAgeSeconds) {
    throw new DpopError(`iat ${JSON.stringify(claims.iat)} is not within ${check.maxAgeSeconds} s of now`);
  }
  if (typeof claims.jti !== "string" || claims.jti === "") throw new DpopError("jti is missing");
  if (check.seenJtis.has(claims.jti)) throw new DpopError(`jti ${claims.jti} was already used`);
  check.seenJtis.add(claims.jti);
  return jwkThumbprint({ crv: "P-256", kty: "EC", x: jwk.x, y: jwk.y });
}

/** S256 / "SHA-256" PKCE challenge of a verifier. */
const challengeOf = (verifier: string): string => createHash("sha256").update(verifier, "ascii").digest("base64url");

interface LoginSession {
  arn: string;
  accountId: string;
  clientId: string;
  /** JWK thumbprint of the DPoP key the session is bound to. */
  jkt: string;
  /** Epoch ms (emulator clock): the 12-hour limit of the console session. */
  expiresAt: number;
  /** Set when the session was ended (revokeSession): refresh answers this error. */
  refusal: string | null;
}

interface PendingLogin {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  res: ServerResponse | null;
}

interface LoginCode {
  arn: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
  used: boolean;
}

/** A cache file ~/.aws/login/cache/<sha256(arn)>.json as the AWS CLI writes it. */
export interface LoginCacheFile {
  accessToken: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken: string;
    accountId: string;
    expiresAt: string;
  };
  tokenType: string;
  clientId: string;
  refreshToken: string;
  idToken: string;
  dpopKey: string;
}

export interface SigninOptions {
  now: () => number;
  /** Mints the keys of a login session: the user's or the role session's ARN. */
  issueKeys: (arn: string, durationSeconds: number) => CredentialRecord;
  /** Whether the ARN is a principal of the world (an IAM user or an assumed-role ARN of a world role). */
  knows: (arn: string) => boolean;
  /** Approve every login at once, as this ARN (the demo). */
  autoApprove?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const accountOf = (arn: string): string => /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1] ?? "";

export class SigninService {
  private readonly sessions = new Map<string, LoginSession>();
  private readonly pendingLogins: PendingLogin[] = [];
  private readonly codes = new Map<string, LoginCode>();
  private readonly seenJtis = new Set<string>();
  private readonly injected: JsonServiceError[] = [];
  /** Lifetime of issued keys (expiresIn). Real: 900. */
  keySeconds = 900;
  /** DPoP iat tolerance. */
  dpopMaxAgeSeconds = 300;
  /** How long a login stays refreshable. Real: 12 hours. */
  sessionSeconds = 12 * 3600;
  autoApprove: string | undefined;

  constructor(private readonly options: SigninOptions) {
    this.autoApprove = options.autoApprove;
  }

  handle(request: JsonRequest): JsonAnswer | undefined {
    if (request.method === "GET" && request.path === "/v1/sessions/confirmation") {
      const code = request.query.get("code");
      const state = request.query.get("state");
      if (!code || !state) return { status: 400, html: "<p>Missing code or state.</p>" };
      const paste = Buffer.from(`code=${code}&state=${state}`).toString("base64");
      return { status: 200, html: `<p>Paste this into the CLI:</p><pre id="code">${paste}</pre>` };
    }
    if (request.method !== "POST" || request.path !== "/v1/token") return undefined;
    try {
      return { status: 200, body: this.createOAuth2Token(request) };
    } catch (error) {
      if (error instanceof JsonServiceError) return errorAnswer(error);
      throw error;
    }
  }

  private createOAuth2Token(request: JsonRequest): Record<string, unknown> {
    const body = jsonBody(request, validation);
    const grantType = stringMember(body, "grantType", validation);
    const clientId = stringMember(body, "clientId", validation);
    if (!grantType) throw validation("grantType is required");
    if (!clientId) throw validation("clientId is required");
    if (clientId !== SAME_DEVICE_CLIENT && clientId !== CROSS_DEVICE_CLIENT)
      throw validation(`Unknown clientId ${clientId}`);
    let jkt: string;
    try {
      jkt = verifyDpopProof(request.headers.dpop, {
        method: request.method,
        url: `${request.origin}${request.path}`,
        nowSeconds: Math.floor(Date.now() / 1000),
        maxAgeSeconds: this.dpopMaxAgeSeconds,
        seenJtis: this.seenJtis,
      });
    } catch (error) {
      if (error instanceof DpopError) throw validation(`Invalid DPoP proof: ${error.message}`);
      throw error;
    }
    const injected = this.injected.shift();
    if (injected) throw injected;

    if (grantType === "refresh_token") {
      const refreshToken = stringMember(body, "refreshToken", validation);
      if (!refreshToken) throw validation("refreshToken is required");
      const session = this.sessions.get(refreshToken);
      if (!session || session.clientId !== clientId) throw SIGNIN_INJECTABLE.TOKEN_EXPIRED!();
      if (session.jkt !== jkt)
        throw validation("Invalid DPoP proof: the key is not the one the refresh token is bound to");
      if (session.refusal) throw SIGNIN_INJECTABLE[session.refusal]!();
      if (this.options.now() >= session.expiresAt) throw SIGNIN_INJECTABLE.TOKEN_EXPIRED!();
      const keys = this.options.issueKeys(session.arn, this.keySeconds);
      return this.tokenOutput(keys, refreshToken);
    }
    if (grantType === "authorization_code") {
      const code = stringMember(body, "code", validation);
      const verifier = stringMember(body, "codeVerifier", validation);
      const redirectUri = stringMember(body, "redirectUri", validation);
      if (!code) throw validation("code is required");
      const record = this.codes.get(code);
      if (!record || record.used || record.clientId !== clientId) throw validation("Invalid authorization code");
      record.used = true;
      if (this.options.now() >= record.expiresAt) throw SIGNIN_INJECTABLE.AUTHCODE_EXPIRED!();
      if (redirectUri !== record.redirectUri) throw validation("redirectUri does not match the authorization request");
      if (!verifier || challengeOf(verifier) !== record.codeChallenge)
        throw validation("codeVerifier does not match the code challenge");
      const refreshToken = this.newSession(record.arn, clientId, jkt);
      const keys = this.options.issueKeys(record.arn, this.keySeconds);
      return { ...this.tokenOutput(keys, refreshToken), idToken: this.idToken(record.arn, clientId, request.origin) };
    }
    throw validation(`Unsupported grantType ${grantType}`);
  }

  private tokenOutput(keys: CredentialRecord, refreshToken: string): Record<string, unknown> {
    return {
      accessToken: {
        accessKeyId: keys.accessKeyId,
        secretAccessKey: keys.secretAccessKey,
        sessionToken: keys.sessionToken,
      },
      tokenType: "aws_sigv4",
      expiresIn: Math.ceil((keys.expiresAt! - this.options.now()) / 1000),
      refreshToken,
    };
  }

  private newSession(arn: string, clientId: string, jkt: string): string {
    const refreshToken = randomBytes(48).toString("base64url");
    this.sessions.set(refreshToken, {
      arn,
      accountId: accountOf(arn),
      clientId,
      jkt,
      expiresAt: this.options.now() + this.sessionSeconds * 1000,
      refusal: null,
    });
    return refreshToken;
  }

  /** An id token whose `sub` is the ARN (`aws login` writes it as login_session). Not verifiably signed. */
  private idToken(arn: string, clientId: string, origin: string): string {
    const now = Math.floor(this.options.now() / 1000);
    const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
    const header = part({ alg: "ES256", typ: "JWT", kid: "awsrole-emulator" });
    const payload = part({ sub: arn, iss: origin, aud: clientId, iat: now, exp: now + 900 });
    return `${header}.${payload}.${randomBytes(64).toString("base64url")}`;
  }

  /**
   * GET /v1/authorize: checks the request and holds it until approveLogins (or autoApprove),
   * then redirects to redirect_uri with code and state.
   */
  authorize(query: URLSearchParams, origin: string, res: ServerResponse): { status: number; error?: string } {
    const fail = (status: number, message: string): { status: number; error: string } => {
      res.writeHead(status, { "Content-Type": "text/html" });
      res.end(`<p>${message}</p>`);
      return { status, error: message };
    };
    const clientId = query.get("client_id") ?? "";
    if (clientId !== SAME_DEVICE_CLIENT && clientId !== CROSS_DEVICE_CLIENT) return fail(400, "Unknown client_id");
    const redirectUri = query.get("redirect_uri") ?? "";
    const loopback = /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\/oauth\/callback$/.test(redirectUri);
    const confirmation = redirectUri === `${origin}/v1/sessions/confirmation`;
    if (clientId === SAME_DEVICE_CLIENT ? !loopback : !confirmation)
      return fail(400, "redirect_uri is not allowed for this client");
    if (query.get("response_type") !== "code") return fail(400, "response_type must be code");
    if (query.get("code_challenge_method") !== "SHA-256") return fail(400, "code_challenge_method must be SHA-256");
    const codeChallenge = query.get("code_challenge") ?? "";
    if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge))
      return fail(400, "code_challenge must be a base64url SHA-256 digest");
    const state = query.get("state");
    if (!state) return fail(400, "state is required");
    if (!(query.get("scope") ?? "").split(" ").includes("openid")) return fail(400, "scope must include openid");
    const pending: PendingLogin = { clientId, redirectUri, state, codeChallenge, res };
    res.on("close", () => {
      pending.res = null;
      const i = this.pendingLogins.indexOf(pending);
      if (i >= 0) this.pendingLogins.splice(i, 1);
    });
    if (this.autoApprove !== undefined) {
      this.finish(pending, this.autoApprove);
      return { status: 302 };
    }
    this.pendingLogins.push(pending);
    return { status: 0 };
  }

  private finish(pending: PendingLogin, arn: string | null): void {
    const target = new URL(pending.redirectUri);
    if (arn === null) {
      target.searchParams.set("error", "access_denied");
    } else {
      const code = randomBytes(32).toString("base64url");
      this.codes.set(code, {
        arn,
        clientId: pending.clientId,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        expiresAt: this.options.now() + 5 * 60 * 1000,
        used: false,
      });
      target.searchParams.set("code", code);
    }
    target.searchParams.set("state", pending.state);
    pending.res?.writeHead(302, { Location: target.toString(), "Content-Length": 0 });
    pending.res?.end();
  }

  // --- test hooks --------------------------------------------------------------------------

  /** How many /v1/authorize requests are waiting for the user. */
  pendingLoginCount(): number {
    return this.pendingLogins.length;
  }

  /** The user signs in to the console as `arn` (or, with null, cancels) for every held authorize request. */
  approveLogins(arn: string | null): number {
    if (arn !== null && !this.options.knows(arn)) throw new Error(`${arn} is not a principal of the world`);
    const all = this.pendingLogins.splice(0);
    for (const p of all) this.finish(p, arn);
    return all.length;
  }

  /** The next `count` token calls with a valid DPoP proof answer this error (an OAuth2ErrorCode, or TooManyRequestsError). */
  injectTokenError(code: keyof typeof SIGNIN_INJECTABLE, count = 1): void {
    if (!SIGNIN_INJECTABLE[code])
      throw new RangeError(`unknown sign-in error "${code}" (one of ${Object.keys(SIGNIN_INJECTABLE).join(", ")})`);
    for (let i = 0; i < count; i++) this.injected.push(SIGNIN_INJECTABLE[code]!());
  }

  /** Ends a session: its refresh answers AccessDeniedException with this error from now on. */
  revokeSession(
    refreshToken: string,
    error: "TOKEN_EXPIRED" | "USER_CREDENTIALS_CHANGED" | "INSUFFICIENT_PERMISSIONS" = "TOKEN_EXPIRED",
  ): void {
    const session = this.sessions.get(refreshToken);
    if (!session) throw new Error("unknown refresh token");
    session.refusal = error;
  }

  /**
   * A signed-in console session without the browser, as the AWS CLI's cache file: keys that
   * expire in `expiresInSeconds` (default keySeconds; negative: already expired), a refresh
   * token bound to the DPoP key (a new P-256 key unless `dpopKeyPem` is given), the key in
   * SEC1 PEM ("EC PRIVATE KEY", as the CLI writes it) or PKCS#8 with `pkcs8`.
   */
  createLoginSession(
    arn: string,
    options: { dpopKeyPem?: string; pkcs8?: boolean; expiresInSeconds?: number; clientId?: string } = {},
  ): LoginCacheFile {
    if (!this.options.knows(arn)) throw new Error(`${arn} is not a principal of the world`);
    let pem = options.dpopKeyPem;
    if (pem === undefined) {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      pem = privateKey.export({ format: "pem", type: options.pkcs8 ? "pkcs8" : "sec1" }).toString();
    }
    const jwk = createPublicKey(pem).export({ format: "jwk" }) as { crv: string; kty: string; x: string; y: string };
    const clientId = options.clientId ?? SAME_DEVICE_CLIENT;
    const refreshToken = this.newSession(arn, clientId, jwkThumbprint(jwk));
    const seconds = options.expiresInSeconds ?? this.keySeconds;
    const keys = this.options.issueKeys(arn, Math.max(1, seconds));
    const expiresAt = seconds > 0 ? keys.expiresAt! : this.options.now() + seconds * 1000;
    return {
      accessToken: {
        accessKeyId: keys.accessKeyId,
        secretAccessKey: keys.secretAccessKey,
        sessionToken: keys.sessionToken!,
        accountId: accountOf(arn),
        expiresAt: iso(expiresAt),
      },
      tokenType: "aws_sigv4",
      clientId,
      refreshToken,
      idToken: this.idToken(arn, clientId, "http://emulator"),
      dpopKey: pem,
    };
  }
}
