// A faithful STS endpoint on 127.0.0.1 for tests: real SigV4 verification, real trust-policy
// and MFA enforcement, real wire format (see README.md in this folder). Start one per test
// file with `startSts({ world })`, point the SDK or the AWS CLI at `server.url`, and always
// `await server.close()`.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import {
  internalFailure,
  invalidAction,
  missingAction,
  missingAuthenticationToken,
  StsError,
  throttling,
} from "./errors.js";
import {
  ACTIONS,
  StsService,
  UNIMPLEMENTED_ACTIONS,
  UNSIGNED_ACTIONS,
  type Action,
  type CredentialRecord,
} from "./service.js";
import { parseSignedRequest, type WireRequest } from "./sigv4.js";
import { loadWorld as loadWorldFile, type World } from "./world.js";
import { renderError, renderResult, renderTruncated } from "./xml.js";
import { handleFederation } from "./federation.js";
import type { JsonAnswer, JsonRequest } from "./jsonapi.js";
import { OidcService } from "./oidc.js";
import { PortalService } from "./portal.js";
import { SigninService } from "./signin.js";
import { parseIamArn } from "./arn.js";

export type { World } from "./world.js";

export const STS_API_VERSION = "2011-06-15";

/** Absolute path of the seed world (test/sts/worlds/seeds.json): `loadWorld(SEED_WORLD_PATH)`. */
export const SEED_WORLD_PATH = fileURLToPath(new URL("./worlds/seeds.json", import.meta.url));

/** Absolute path of the IAM Identity Center / console sign-in world (test/sts/worlds/sso.json). */
export const SSO_WORLD_PATH = fileURLToPath(new URL("./worlds/sso.json", import.meta.url));

export interface StsCall {
  /**
   * "AssumeRole" | "GetCallerIdentity" | … ("" when the request had no Action); for the JSON
   * services the operation: "RegisterClient", "CreateToken", "GetRoleCredentials",
   * "CreateOAuth2Token", "Authorize" (GET /authorize), "SigninAuthorize" (GET /v1/authorize), …
   */
  action: string;
  /** Which service answered: absent for STS (and getSigninToken). */
  service?: "sso-oidc" | "sso" | "signin" | "test-hook";
  /** Decoded form/query parameters except Action and Version. */
  params: Record<string, string>;
  /**
   * The authenticated principal: a user ARN (also for GetSessionToken sessions) or
   * arn:aws:sts::ACCT:assumed-role/Role/session. null when the request was unsigned or was
   * refused before authentication succeeded (unknown key, bad signature, expired token…).
   */
  callerArn: string | null;
  /** From the SigV4 credential scope, even if authentication then failed. */
  accessKeyId: string | null;
  /** From the SigV4 credential scope. */
  region: string | null;
  /** HTTP status sent; 0 when a fault sent nothing ("hang", "reset-connection"). */
  status: number;
  /** Error code of an ErrorResponse, e.g. "AccessDenied". */
  errorCode?: string;
  /** Error message of an ErrorResponse. */
  errorMessage?: string;
  /** The injected fault that answered this request, if any. */
  fault?: Fault;
  /** The x-amzn-RequestId sent (or that would have been sent). */
  requestId: string;
  /** Which TCP connection carried the request (1, 2, ... in order of connection), to check keep-alive reuse. */
  connection: number;
}

export type Fault = "hang" | "http500" | "throttle" | "malformed-xml" | "reset-connection";
export const FAULTS: readonly Fault[] = ["hang", "http500", "throttle", "malformed-xml", "reset-connection"];

/** The JSON services (oidc.ts, portal.ts, signin.ts) as the call log and injectServiceFault name them. */
export type JsonService = "sso-oidc" | "sso" | "signin";
export type JsonFault = "hang" | "http500" | "reset-connection";
export const JSON_FAULTS: readonly JsonFault[] = ["hang", "http500", "reset-connection"];

export interface StsServer {
  /** "http://127.0.0.1:PORT" */
  url: string;
  port: number;
  /** Every request served, in order, including refused and faulted ones. */
  calls: StsCall[];
  /** Clears `calls`. Issued credentials and the clock are kept. */
  reset(): void;
  /**
   * Moves the emulator's credential clock forward (expiry tests). The Date response header
   * stays on wall-clock time: advancing models credentials growing old, not a skewed server,
   * and a skewed Date makes the SDK correct its clock and retry (a request real STS never sees).
   */
  advanceClock(seconds: number): void;
  /** The emulator's current time. */
  now(): Date;
  /**
   * Sessions issued from now on last at most this many seconds, whatever DurationSeconds
   * asked for (undefined: back to the normal durations). For refresh tests in real time.
   */
  setSessionSeconds(seconds: number | undefined): void;
  /** The next `count` (default 1) STS requests get this fault instead of an answer. */
  injectFault(fault: Fault, count?: number): void;
  /**
   * The next `count` (default 1) API calls to this JSON service get this fault, before the
   * service sees them (nothing is consumed): "hang", "reset-connection", or "http500"
   * (500 InternalServerException). Browser pages and test hooks are not affected.
   */
  injectServiceFault(service: JsonService, fault: JsonFault, count?: number): void;
  /** Stops listening and ends every open connection, including hanging ones. */
  close(): Promise<void>;
  /** SigninToken → caller ARN, for every token the /federation endpoint handed out. */
  signinTokens: Map<string, string>;
  /** IAM Identity Center's OIDC service: approval hooks, seeded tokens, injected errors (oidc.ts). */
  oidc: OidcService;
  /** The SSO portal: throttling (portal.ts). */
  portal: PortalService;
  /** The sign-in token endpoint of `aws login`: approval, seeded sessions, key lifetime (signin.ts). */
  signin: SigninService;
}

export interface StartStsOptions {
  world: World;
  /** Default 0: any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Cap on the lifetime of issued sessions, in seconds (see StsServer.setSessionSeconds). */
  sessionSeconds?: number;
  /** Called after each request has been answered (main.ts logs with it). */
  onCall?: (call: StsCall) => void;
  /** Approve every SSO device code and /authorize request at once as this SSO user (the demo). */
  autoApproveSso?: string;
  /** Approve every `aws login` authorize request at once as this ARN (the demo). */
  autoApproveLogin?: string;
  /** Lifetime of the keys the sign-in endpoint issues (default 900). */
  loginKeySeconds?: number;
}

/** Reads and validates a world JSON file. Throws WorldError with the offending field's path. */
export function loadWorld(path: string): World {
  return loadWorldFile(path);
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function startSts(options: StartStsOptions): Promise<StsServer> {
  let clockOffsetMs = 0;
  const now = (): number => Date.now() + clockOffsetMs;
  let sessionSeconds = options.sessionSeconds;
  const service = new StsService(options.world, now, () => sessionSeconds);
  const calls: StsCall[] = [];
  const pendingFaults: Fault[] = [];
  const sockets = new Set<Socket>();
  const connectionIds = new WeakMap<Socket, number>();
  let connectionCount = 0;
  const host = options.host ?? "127.0.0.1";
  let port = 0;

  const record = (call: StsCall): void => {
    calls.push(call);
    options.onCall?.(call);
  };

  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => serve(req, res, body))
      .catch(() => req.socket.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    connectionIds.set(socket, connectionIds.has(socket) ? connectionIds.get(socket)! : ++connectionCount);
    socket.on("close", () => sockets.delete(socket));
  });

  const signinTokens = new Map<string, string>();
  // The sign-in endpoint's getSigninToken (federation.ts). StsService keeps its
  // credentials private; the federation endpoint only reads them.
  const issuedCredentials = (service as unknown as { credentials: Map<string, CredentialRecord> }).credentials;

  // The JSON services share the path space with STS, which only ever uses "/": every path
  // below is theirs, whatever the method, and STS answers everything else.
  const roleArns = new Map(options.world.roles.map((r) => [r.arn, parseIamArn(r.arn)!]));
  const userArns = new Set(options.world.users.map((u) => u.arn));
  /** The world role an assumed-role ARN is a session of, and the session name. */
  const roleSession = (arn: string): { roleArn: string; sessionName: string } | undefined => {
    const m = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(arn);
    if (!m) return undefined;
    for (const [roleArn, parsed] of roleArns) {
      if (parsed.partition === m[1] && parsed.account === m[2] && parsed.name === m[3])
        return { roleArn, sessionName: m[4]! };
    }
    return undefined;
  };
  const oidc = new OidcService({
    sso: options.world.sso ?? { startUrl: "https://sso.not-configured.invalid/start", accounts: [], users: [] },
    now,
    ...(options.autoApproveSso === undefined ? {} : { autoApprove: options.autoApproveSso }),
  });
  const portal = new PortalService({
    sso: options.world.sso ?? { startUrl: "", accounts: [], users: [] },
    oidc,
    issueRoleSession: (roleArn, sessionName, seconds) =>
      service.issueRoleSession(roleArn, sessionName, seconds, "GetRoleCredentials"),
  });
  const signin = new SigninService({
    now,
    issueKeys: (arn, seconds) => {
      if (userArns.has(arn)) return service.issueUserSession(arn, seconds);
      const session = roleSession(arn);
      if (!session) throw new Error(`${arn} is not a principal of the world`);
      return service.issueRoleSession(session.roleArn, session.sessionName, seconds, "CreateOAuth2Token");
    },
    knows: (arn) => userArns.has(arn) || roleSession(arn) !== undefined,
    ...(options.autoApproveLogin === undefined ? {} : { autoApprove: options.autoApproveLogin }),
  });
  if (options.loginKeySeconds !== undefined) signin.keySeconds = options.loginKeySeconds;
  // A typo in the demo's flags should stop the start, not break every later login.
  if (
    options.autoApproveSso !== undefined &&
    !(options.world.sso?.users ?? []).some((u) => u.userName === options.autoApproveSso)
  ) {
    throw new Error(`autoApproveSso: "${options.autoApproveSso}" is not a user in the world's sso section`);
  }
  if (
    options.autoApproveLogin !== undefined &&
    !(userArns.has(options.autoApproveLogin) || roleSession(options.autoApproveLogin))
  ) {
    throw new Error(
      `autoApproveLogin: ${options.autoApproveLogin} is not an IAM user or assumed-role ARN of a role in the world`,
    );
  }

  const serviceFaults: Record<JsonService, JsonFault[]> = { "sso-oidc": [], sso: [], signin: [] };
  const OIDC_OPERATIONS: Record<string, string> = {
    "/client/register": "RegisterClient",
    "/device_authorization": "StartDeviceAuthorization",
    "/token": "CreateToken",
    "/device": "DevicePage",
  };

  /** Serves the JSON services and the test hooks; false when the request is STS's. */
  function serveJson(req: IncomingMessage, res: ServerResponse, wire: WireRequest): boolean {
    const query = new URLSearchParams(wire.query);
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    const requestId = randomUUID();
    const base = {
      params: Object.fromEntries(query),
      callerArn: null,
      accessKeyId: null,
      region: null,
      requestId,
      connection: connectionIds.get(req.socket) ?? 0,
    };
    const log = (
      service: NonNullable<StsCall["service"]>,
      action: string,
      status: number,
      errorCode?: string,
      extra: Record<string, string> = {},
    ): void => {
      const call: StsCall = { ...base, params: { ...base.params, ...extra }, service, action, status };
      if (errorCode !== undefined) call.errorCode = errorCode;
      record(call);
    };
    const request: JsonRequest = {
      method: wire.method,
      path: wire.path,
      query,
      headers: Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [k.toLowerCase(), v[0]])),
      body: wire.body,
      origin,
    };
    const bodyParams = (): Record<string, string> => {
      try {
        const parsed = JSON.parse(wire.body.toString("utf8")) as Record<string, unknown>;
        return Object.fromEntries(Object.entries(parsed).filter(([, v]) => typeof v === "string")) as Record<
          string,
          string
        >;
      } catch {
        return {};
      }
    };

    if (wire.method === "GET" && wire.path === "/authorize") {
      const outcome = oidc.authorize(query, res);
      if (outcome.status !== 0)
        log("sso-oidc", "Authorize", outcome.status, outcome.error === undefined ? undefined : "InvalidRequest");
      else res.on("finish", () => log("sso-oidc", "Authorize", 302));
      return true;
    }
    if (wire.method === "GET" && wire.path === "/v1/authorize") {
      const outcome = signin.authorize(query, origin, res);
      if (outcome.status !== 0)
        log("signin", "SigninAuthorize", outcome.status, outcome.error === undefined ? undefined : "InvalidRequest");
      else res.on("finish", () => log("signin", "SigninAuthorize", 302));
      return true;
    }
    if (wire.path.startsWith("/__emulator/")) {
      const answer = testHook(wire.method, wire.path, query);
      sendJson(res, answer, requestId);
      log("test-hook", wire.path, answer.status, answer.errorType);
      return true;
    }
    const target = jsonServiceOf(wire.method, wire.path);
    const fault = target && serviceFaults[target].shift();
    if (target && fault) {
      const action =
        target === "sso"
          ? PortalService.operation(wire.method, wire.path)!
          : target === "signin"
            ? "CreateOAuth2Token"
            : (OIDC_OPERATIONS[wire.path] ?? wire.path);
      const call: StsCall = { ...base, service: target, action, status: 0, fault };
      if (fault === "reset-connection") req.socket.destroy();
      if (fault === "http500") {
        // The JSON services' server error: InternalServerException (sso-oidc, signin) with its members.
        sendJson(
          res,
          {
            status: 500,
            body:
              target === "sso"
                ? { message: "Internal failure" }
                : { error: "server_error", error_description: "Internal failure", message: "Internal failure" },
            headers: { "x-amzn-ErrorType": "InternalServerException" },
          },
          requestId,
        );
        Object.assign(call, { status: 500, errorCode: "InternalServerException" });
      }
      record(call); // "hang": never answered; close() ends the socket
      return true;
    }
    let service: NonNullable<StsCall["service"]> | undefined;
    let action = "";
    // Each service is asked in turn; the first that answers handles the request.
    let answer: JsonAnswer | undefined = oidc.handle(request);
    if (answer) {
      service = "sso-oidc";
      action = OIDC_OPERATIONS[wire.path] ?? wire.path;
    }
    if (!answer) {
      answer = portal.handle(request);
      if (answer) {
        service = "sso";
        action = PortalService.operation(wire.method, wire.path)!;
      }
    }
    if (!answer) {
      answer = signin.handle(request);
      if (answer) {
        service = "signin";
        action = wire.path === "/v1/token" ? "CreateOAuth2Token" : "SigninConfirmation";
      }
    }
    if (!answer || !service) return false; // service is set whenever answer is
    sendJson(res, answer, requestId);
    log(service, action, answer.status, answer.errorType, wire.method === "POST" ? bodyParams() : {});
    return true;
  }

  /** Which JSON service a request is for (its API calls only, not the browser pages). */
  function jsonServiceOf(method: string, path: string): JsonService | undefined {
    if (method === "POST" && ["/client/register", "/device_authorization", "/token"].includes(path)) return "sso-oidc";
    if (PortalService.operation(method, path)) return "sso";
    if (method === "POST" && path === "/v1/token") return "signin";
    return undefined;
  }

  /** HTTP versions of the approval and seeding hooks, for the emulator as a process (the demo). */
  function testHook(method: string, path: string, query: URLSearchParams): JsonAnswer {
    const bad = (message: string, status = 400): JsonAnswer => ({
      status,
      body: { message },
      errorType: "TestHookError",
    });
    if (method !== "POST" && path !== "/__emulator/pending")
      return bad("test hooks are POST (but /__emulator/pending)", 405);
    const user = query.get("user") ?? undefined;
    const seconds = query.get("expires_in") === null ? undefined : Number(query.get("expires_in"));
    try {
      switch (path) {
        case "/__emulator/pending":
          return { status: 200, body: { sso: oidc.pending(), signin: signin.pendingLoginCount() } };
        case "/__emulator/sso/approve":
          oidc.approveUserCode(query.get("user_code") ?? "", user);
          return { status: 200, body: { approved: 1 } };
        case "/__emulator/sso/approve-authorizations":
          return { status: 200, body: { approved: oidc.approveAuthorizations(user) } };
        case "/__emulator/sso/token":
          return {
            status: 200,
            body: oidc.issueToken({
              ...(user === undefined ? {} : { userName: user }),
              ...(seconds === undefined ? {} : { expiresInSeconds: seconds }),
              legacy: query.get("legacy") === "true",
            }),
          };
        case "/__emulator/sso/throttle": {
          const everyNth = query.get("every_nth");
          const perSecond = query.get("per_second");
          const operations = query.get("operations");
          portal.setThrottle(
            everyNth === null && perSecond === null
              ? undefined
              : {
                  ...(everyNth === null ? {} : { everyNth: Number(everyNth) }),
                  ...(perSecond === null ? {} : { perSecond: Number(perSecond) }),
                  ...(operations === null ? {} : { operations: operations.split(",") }),
                },
          );
          return { status: 200, body: { throttle: everyNth === null && perSecond === null ? "off" : "on" } };
        }
        case "/__emulator/signin/approve":
          return { status: 200, body: { approved: signin.approveLogins(query.get("arn") ?? "") } };
        case "/__emulator/signin/session":
          return {
            status: 200,
            body: signin.createLoginSession(
              query.get("arn") ?? "",
              seconds === undefined ? {} : { expiresInSeconds: seconds },
            ),
          };
        case "/__emulator/clock": {
          const advance = Number(query.get("advance"));
          if (!Number.isFinite(advance) || advance < 0) return bad("advance must be a number of seconds >= 0");
          clockOffsetMs += advance * 1000;
          return { status: 200, body: { now: new Date(now()).toISOString() } };
        }
        default:
          return bad(`unknown test hook ${path}`, 404);
      }
    } catch (error) {
      return bad((error as Error).message);
    }
  }

  function sendJson(res: ServerResponse, answer: JsonAnswer, requestId: string): void {
    const headers: Record<string, string | number> = {
      "x-amzn-RequestId": requestId,
      Date: new Date().toUTCString(),
      ...answer.headers,
    };
    let out = Buffer.alloc(0);
    if (answer.html !== undefined) {
      out = Buffer.from(`<!doctype html><title>awsrole emulator</title>${answer.html}`, "utf8");
      headers["Content-Type"] = "text/html";
    } else if (answer.body !== undefined) {
      out = Buffer.from(JSON.stringify(answer.body), "utf8");
      headers["Content-Type"] = "application/json";
    }
    headers["Content-Length"] = out.length;
    res.writeHead(answer.status, headers);
    res.end(out);
  }

  function serve(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const wire = toWireRequest(req, body);
    if (wire.path !== "/" && wire.path !== "/federation" && serveJson(req, res, wire)) return;
    if (wire.path === "/federation") {
      const requestId = randomUUID();
      const result = handleFederation(wire.query, {
        lookup: (id) => issuedCredentials.get(id),
        callerArn: (record) => service.callerArn(record),
        now,
        issued: signinTokens,
      });
      const out = Buffer.from(result.body, "utf8");
      res.writeHead(result.status, { "Content-Type": result.contentType, "Content-Length": out.length });
      res.end(out);
      const call: StsCall = {
        action: "getSigninToken",
        params: result.params,
        callerArn: result.callerArn,
        accessKeyId: result.params.sessionId ?? null,
        region: null,
        status: result.status,
        requestId,
        connection: connectionIds.get(req.socket) ?? 0,
      };
      if (result.errorCode !== undefined) call.errorCode = result.errorCode;
      record(call);
      return;
    }
    const allParams = requestParams(wire);
    const { Action: action = "", Version: version, ...params } = allParams;
    const scope = credentialScope(wire);
    const requestId = randomUUID();
    const call: StsCall = {
      action,
      params,
      callerArn: null,
      accessKeyId: scope.accessKeyId,
      region: scope.region,
      status: 0,
      requestId,
      connection: connectionIds.get(req.socket) ?? 0,
    };

    const fault = pendingFaults.shift();
    if (fault) {
      applyFault(fault, call, req, res);
      return;
    }

    try {
      const caller = authenticateAndRoute(wire, action, version);
      if (caller) call.callerArn = service.callerArn(caller);
      const result = service.handle(action as Action, params, caller);
      send(res, 200, renderResult(action, result, requestId), requestId);
      call.status = 200;
    } catch (error) {
      const stsError = error instanceof StsError ? error : internalFailure();
      if (!(error instanceof StsError)) console.error("[sts emulator] internal error:", error);
      send(res, stsError.status, renderError(stsError, requestId), requestId);
      Object.assign(call, { status: stsError.status, errorCode: stsError.code, errorMessage: stsError.message });
    }
    record(call);
  }

  /** Protocol checks, then SigV4 for every action that needs it. Returns the caller (null if unsigned). */
  function authenticateAndRoute(
    wire: WireRequest,
    action: string,
    version: string | undefined,
  ): CredentialRecord | null {
    if (action === "") throw missingAction();
    if (version !== STS_API_VERSION) throw invalidAction(action, version);
    if (UNIMPLEMENTED_ACTIONS.includes(action)) {
      throw new StsError("NotImplemented", 501, `The awsrole STS emulator does not implement ${action}.`, "Receiver");
    }
    if (!(ACTIONS as readonly string[]).includes(action)) throw invalidAction(action, version);
    if (UNSIGNED_ACTIONS.has(action)) return null;
    if (wire.headers.authorization === undefined) throw missingAuthenticationToken();
    return service.authenticate(wire, parseSignedRequest(wire));
  }

  function applyFault(fault: Fault, call: StsCall, req: IncomingMessage, res: ServerResponse): void {
    call.fault = fault;
    switch (fault) {
      case "hang":
        // Never answer; close() ends the socket.
        break;
      case "reset-connection":
        req.socket.destroy();
        break;
      case "malformed-xml":
        send(res, 200, renderTruncated(call.action || "Unknown"), call.requestId);
        call.status = 200;
        break;
      case "http500":
      case "throttle": {
        const error = fault === "http500" ? internalFailure() : throttling();
        send(res, error.status, renderError(error, call.requestId), call.requestId);
        Object.assign(call, { status: error.status, errorCode: error.code, errorMessage: error.message });
        break;
      }
    }
    record(call);
  }

  function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
    const body = Buffer.from(xml, "utf8");
    res.writeHead(status, {
      "Content-Type": "text/xml",
      "Content-Length": body.length,
      "x-amzn-RequestId": requestId,
      // The service's clock, so SDK clock-skew correction sees the emulated time.
      Date: new Date().toUTCString(),
    });
    res.end(body);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    calls,
    signinTokens,
    oidc,
    portal,
    signin,
    reset: () => {
      calls.length = 0;
    },
    advanceClock: (seconds: number) => {
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new RangeError(`advanceClock: seconds must be >= 0, got ${seconds}`);
      clockOffsetMs += seconds * 1000;
    },
    now: () => new Date(now()),
    setSessionSeconds: (seconds: number | undefined) => {
      if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 1))
        throw new RangeError(`setSessionSeconds: a whole number of seconds >= 1, got ${seconds}`);
      sessionSeconds = seconds;
    },
    injectFault: (fault: Fault, count = 1) => {
      if (!FAULTS.includes(fault)) throw new RangeError(`unknown fault "${fault}" (one of ${FAULTS.join(", ")})`);
      for (let i = 0; i < count; i++) pendingFaults.push(fault);
    },
    injectServiceFault: (target: JsonService, fault: JsonFault, count = 1) => {
      if (!(target in serviceFaults))
        throw new RangeError(`unknown service "${target}" (one of ${Object.keys(serviceFaults).join(", ")})`);
      if (!JSON_FAULTS.includes(fault))
        throw new RangeError(`unknown fault "${fault}" (one of ${JSON_FAULTS.join(", ")})`);
      for (let i = 0; i < count; i++) serviceFaults[target].push(fault);
    },
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive and hanging connections would otherwise hold close() open.
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error("request body too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function toWireRequest(req: IncomingMessage, body: Buffer): WireRequest {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  return {
    method: req.method ?? "GET",
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? "" : url.slice(q + 1),
    headers: { ...req.headersDistinct } as Record<string, string[]>,
    body,
  };
}

/** Query-string parameters, overlaid with the form body (POST), as the query protocol reads them. */
function requestParams(wire: WireRequest): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(wire.query)) params[k] = v;
  if (wire.body.length > 0) {
    for (const [k, v] of new URLSearchParams(wire.body.toString("utf8"))) params[k] = v;
  }
  return params;
}

/** Access key id and region from `Credential=AKID/DATE/REGION/sts/aws4_request`, for the call log. */
function credentialScope(wire: WireRequest): { accessKeyId: string | null; region: string | null } {
  const authorization = wire.headers.authorization?.join(",") ?? "";
  const match = /Credential=([^/,\s]+)\/[^/,\s]*\/([^/,\s]+)\//.exec(authorization);
  return { accessKeyId: match?.[1] ?? null, region: match?.[2] ?? null };
}
