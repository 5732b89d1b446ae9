// The AWS access portal API (service "sso", restJson1): GetRoleCredentials, ListAccounts,
// ListAccountRoles, Logout. Unsigned; the OIDC access token comes in the
// x-amz-sso_bearer_token header. Role credentials are sessions of world roles minted by the
// STS emulator, so STS accepts them and SSO-based role chains work.

import { errorAnswer, JsonServiceError, type JsonAnswer, type JsonRequest } from "./jsonapi.js";
import type { OidcService, SsoTokenRecord } from "./oidc.js";
import type { CredentialRecord } from "./service.js";
import type { WorldSso, WorldSsoAssignment } from "./world.js";

const portalError = (type: string, status: number, message: string): JsonServiceError =>
  new JsonServiceError(type, status, { message });
const unauthorized = (): JsonServiceError =>
  portalError("UnauthorizedException", 401, "Session token not found or invalid");
const invalidRequest = (message: string): JsonServiceError => portalError("InvalidRequestException", 400, message);
const tooManyRequests = (): JsonServiceError => portalError("TooManyRequestsException", 429, "HTTP 429 Unknown Code");
const notFound = (message: string): JsonServiceError => portalError("ResourceNotFoundException", 404, message);

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

export interface PortalOptions {
  sso: WorldSso;
  oidc: OidcService;
  issueRoleSession: (roleArn: string, sessionName: string, durationSeconds: number) => CredentialRecord;
}

/**
 * Throttling: every `everyNth` call (1 = all) or more than `perSecond` calls within one
 * wall-clock second answers TooManyRequestsException. Only the calls named in `operations`
 * (default all four) count and are throttled.
 */
export interface PortalThrottle {
  everyNth?: number;
  perSecond?: number;
  operations?: string[];
}

export class PortalService {
  private throttle: PortalThrottle | undefined;
  private counted = 0;
  private window: number[] = [];

  constructor(private readonly options: PortalOptions) {}

  setThrottle(throttle: PortalThrottle | undefined): void {
    if (throttle?.everyNth !== undefined && (!Number.isInteger(throttle.everyNth) || throttle.everyNth < 1))
      throw new RangeError("everyNth must be a whole number >= 1");
    if (throttle?.perSecond !== undefined && (!Number.isInteger(throttle.perSecond) || throttle.perSecond < 1))
      throw new RangeError("perSecond must be a whole number >= 1");
    this.throttle = throttle;
    this.counted = 0;
    this.window = [];
  }

  /** The operation a request is for, or undefined when the path is not the portal's. */
  static operation(method: string, path: string): string | undefined {
    return (
      {
        "GET /federation/credentials": "GetRoleCredentials",
        "GET /assignment/accounts": "ListAccounts",
        "GET /assignment/roles": "ListAccountRoles",
        "POST /logout": "Logout",
      } as Record<string, string>
    )[`${method} ${path}`];
  }

  handle(request: JsonRequest): JsonAnswer | undefined {
    const operation = PortalService.operation(request.method, request.path);
    if (!operation) return undefined;
    try {
      this.maybeThrottle(operation);
      const token = this.authenticate(request);
      switch (operation) {
        case "GetRoleCredentials":
          return { status: 200, body: this.getRoleCredentials(token, request.query) };
        case "ListAccounts":
          return { status: 200, body: this.listAccounts(token, request.query) };
        case "ListAccountRoles":
          return { status: 200, body: this.listAccountRoles(token, request.query) };
        default:
          this.options.oidc.logout(token);
          return { status: 200 };
      }
    } catch (error) {
      if (error instanceof JsonServiceError) return errorAnswer(error);
      throw error;
    }
  }

  private maybeThrottle(operation: string): void {
    const t = this.throttle;
    if (!t || (t.operations && !t.operations.includes(operation))) return;
    this.counted++;
    if (t.everyNth !== undefined && this.counted % t.everyNth === 0) throw tooManyRequests();
    if (t.perSecond !== undefined) {
      const now = Date.now();
      this.window = this.window.filter((at) => now - at < 1000);
      if (this.window.length >= t.perSecond) throw tooManyRequests();
      this.window.push(now);
    }
  }

  private authenticate(request: JsonRequest): SsoTokenRecord {
    const token = this.options.oidc.validAccessToken(request.headers["x-amz-sso_bearer_token"]);
    if (!token) throw unauthorized();
    return token;
  }

  private assignments(token: SsoTokenRecord): WorldSsoAssignment[] {
    return this.options.sso.users.find((u) => u.userName === token.userName)?.assignments ?? [];
  }

  private getRoleCredentials(token: SsoTokenRecord, query: URLSearchParams): Record<string, unknown> {
    const roleName = query.get("role_name");
    const accountId = query.get("account_id");
    if (!roleName) throw invalidRequest("role_name is required");
    if (!accountId) throw invalidRequest("account_id is required");
    const assignment = this.assignments(token).find((a) => a.accountId === accountId && a.roleName === roleName);
    // The real portal's answer for a role the user is not assigned: "An error occurred
    // (ForbiddenException) when calling the GetRoleCredentials operation: No access" (an
    // error the service model does not list).
    if (!assignment) throw new JsonServiceError("ForbiddenException", 403, { message: "No access" });
    const issued = this.options.issueRoleSession(
      assignment.roleArn!,
      token.userName,
      assignment.sessionDuration ?? 3600,
    );
    return {
      roleCredentials: {
        accessKeyId: issued.accessKeyId,
        secretAccessKey: issued.secretAccessKey,
        sessionToken: issued.sessionToken,
        expiration: issued.expiresAt, // epoch milliseconds
      },
    };
  }

  private page<T>(items: T[], query: URLSearchParams): { items: T[]; nextToken: string | null } {
    const maxText = query.get("max_result");
    const max = maxText === null ? DEFAULT_PAGE : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE)
      throw invalidRequest(`max_result must be between 1 and ${MAX_PAGE}`);
    const next = query.get("next_token");
    let start = 0;
    if (next !== null) {
      const decoded = /^p(\d+)$/.exec(Buffer.from(next, "base64url").toString("utf8"));
      if (!decoded) throw invalidRequest("Invalid next_token");
      start = Number(decoded[1]);
    }
    const slice = items.slice(start, start + max);
    const end = start + slice.length;
    return { items: slice, nextToken: end < items.length ? Buffer.from(`p${end}`).toString("base64url") : null };
  }

  private listAccounts(token: SsoTokenRecord, query: URLSearchParams): Record<string, unknown> {
    const ids = new Set(this.assignments(token).map((a) => a.accountId));
    const accounts = this.options.sso.accounts.filter((a) => ids.has(a.accountId));
    const { items, nextToken } = this.page(accounts, query);
    return {
      nextToken,
      accountList: items.map((a) => ({
        accountId: a.accountId,
        accountName: a.accountName,
        emailAddress: a.emailAddress,
      })),
    };
  }

  private listAccountRoles(token: SsoTokenRecord, query: URLSearchParams): Record<string, unknown> {
    const accountId = query.get("account_id");
    if (!accountId) throw invalidRequest("account_id is required");
    if (!this.options.sso.accounts.some((a) => a.accountId === accountId))
      throw notFound(`Account ${accountId} not found`);
    const roles = this.assignments(token).filter((a) => a.accountId === accountId);
    const { items, nextToken } = this.page(roles, query);
    return { nextToken, roleList: items.map((a) => ({ roleName: a.roleName, accountId: a.accountId })) };
  }
}
