// The local credential server behind `awsrole exec --server` and `awsrole serve`:
// an ECS-style container credentials endpoint on a loopback address, which every
// AWS SDK reads through AWS_CONTAINER_CREDENTIALS_FULL_URI and
// AWS_CONTAINER_AUTHORIZATION_TOKEN (botocore ContainerProvider, the JS SDK's
// fromHttp), and which keeps a profile's credentials fresh for as long as it runs.
//
// The refresh rule (docs/workflow.md): credentials are renewed once less than
// RENEW_BEFORE_SECONDS (20 minutes) remain, so what a client receives always has
// more left than botocore's refresh windows (15 minutes advisory, 10 mandatory)
// and the JS SDK's (5 minutes): the SDKs then fetch again only when the server
// already holds newer credentials. Sessions too short for that (shorter than
// 25 minutes) are renewed at half their remaining life instead.

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { isIPv4, isIPv6, type AddressInfo } from "node:net";
import type { Credentials } from "../core/resolve.js";
import { AwsroleError, UsageError } from "../errors.js";
import { formatExpiration } from "../render/credentials.js";

/** Renew when less than this remains: more than botocore's 900 s advisory window. */
export const RENEW_BEFORE_SECONDS = 1200;
/** A session needs this much life for the 20-minute rule; shorter ones are renewed at half-life. */
export const FULL_RULE_MIN_SECONDS = 1500;
/** After a failed renewal, the next attempt waits this long (requests meanwhile get the last error). */
export const RETRY_AFTER_MS = 5000;

/** How long before expiry a session of this remaining life is renewed. */
export function renewBeforeMs(lifeMs: number): number {
  return lifeMs >= FULL_RULE_MIN_SECONDS * 1000 ? RENEW_BEFORE_SECONDS * 1000 : Math.floor(lifeMs / 2);
}

interface Held {
  credentials: Credentials & { expiration: Date };
  renewBeforeMs: number;
}

export interface KeeperOptions {
  /** Resolves the profile's credentials (the first call may use --token-code, later ones may prompt). */
  resolve(): Promise<Credentials>;
  now(): number;
  onRenewed?(credentials: Credentials): void;
  onFailure?(error: unknown): void;
}

/**
 * Holds one profile's credentials and renews them ahead of expiry: on a timer,
 * and on demand when a request finds them due. Concurrent requests share one
 * renewal (single flight).
 */
export class CredentialKeeper {
  private held: Held | undefined;
  private renewing: Promise<Held> | undefined;
  private failure: { error: unknown; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: KeeperOptions) {}

  /** The first resolution; its errors are the caller's (awsrole fails before starting anything). */
  async start(): Promise<Credentials> {
    const held = await this.fetch();
    this.adopt(held);
    return held.credentials;
  }

  /** Credentials for a client, renewed first when due; throws the renewal's error when there are none to give. */
  async get(): Promise<Credentials> {
    const now = this.options.now();
    const held = this.held;
    const left = held ? held.credentials.expiration.getTime() - now : 0;
    if (held && left >= held.renewBeforeMs) return held.credentials;
    const renewal = this.renew();
    // Due, but still comfortably valid: answer at once, the renewal runs on (it may be waiting for an MFA code).
    if (held && left >= held.renewBeforeMs / 2) return held.credentials;
    if (renewal) {
      try {
        return (await renewal).credentials;
      } catch (error) {
        if (this.stillUsable(held)) return held!.credentials;
        throw error;
      }
    }
    if (this.stillUsable(held)) return held!.credentials;
    throw (
      this.failure?.error ??
      new AwsroleError("ServerNoCredentials", "The credential server has no credentials to give.")
    );
  }

  /**
   * Worth handing out when no renewal succeeds: a quarter of the margin (at most a minute) still left,
   * so a request signed with them arrives before they expire.
   */
  private stillUsable(held: Held | undefined): boolean {
    return (
      held !== undefined &&
      held.credentials.expiration.getTime() - this.options.now() >= Math.min(60_000, held.renewBeforeMs / 4)
    );
  }

  /** Starts a renewal unless one runs (returns that one) or the last failed less than RETRY_AFTER_MS ago (undefined). */
  renew(): Promise<Held> | undefined {
    if (this.renewing) return this.renewing;
    if (this.stopped) return undefined;
    if (this.failure && this.options.now() - this.failure.at < RETRY_AFTER_MS) return undefined;
    const renewing = this.fetch().then(
      (held) => {
        this.failure = undefined;
        this.adopt(held);
        this.options.onRenewed?.(held.credentials);
        return held;
      },
      (error: unknown) => {
        this.failure = { error, at: this.options.now() };
        this.options.onFailure?.(error);
        throw error;
      },
    );
    this.renewing = renewing.finally(() => {
      this.renewing = undefined;
    });
    // A timer-started renewal has no awaiting request; its failure is reported through onFailure.
    this.renewing.catch(() => {});
    return this.renewing;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private async fetch(): Promise<Held> {
    const credentials = await this.options.resolve();
    const expiration = credentials.expiration;
    if (!expiration) {
      throw new AwsroleError(
        "ServerNeedsTemporaryCredentials",
        "These credentials have no expiry time (long-term keys), so there is nothing for a credential server to renew.",
        {
          hint: "Use awsrole exec without --server, or a profile that assumes a role.",
        },
      );
    }
    const life = expiration.getTime() - this.options.now();
    if (life < 2000) {
      throw new AwsroleError(
        "ServerCredentialsExpired",
        `The credentials came back with ${Math.max(0, Math.floor(life / 1000))} s left, too little to hand out.`,
        {
          hint: "Check the profile's source (credential_process or container role): it returns credentials that are about to expire.",
        },
      );
    }
    return { credentials: { ...credentials, expiration }, renewBeforeMs: renewBeforeMs(life) };
  }

  private adopt(held: Held): void {
    this.held = held;
    if (this.timer) clearTimeout(this.timer);
    if (this.stopped) return;
    const due = held.credentials.expiration.getTime() - held.renewBeforeMs - this.options.now();
    // Renew on time even when no request comes, so an MFA prompt appears when it is due.
    this.timer = setTimeout(() => void this.renew(), Math.max(0, due));
    this.timer.unref();
  }
}

/** The container credentials JSON both botocore and the JS SDK accept. */
export function credentialsBody(credentials: Credentials): Record<string, string> {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    Token: credentials.sessionToken ?? "",
    Expiration: credentials.expiration ? formatExpiration(credentials.expiration) : "",
    ...(credentials.accountId ? { AccountId: credentials.accountId } : {}),
  };
}

/** A random token per server: 30 bytes, base64url (no newline, no characters a header would refuse). */
export function newToken(): string {
  return randomBytes(30).toString("base64url");
}

/** Constant-time comparison (of SHA-256 digests, so different lengths take the same time too). */
export function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The address to listen on, which must be a loopback one: anything else would
 * offer the credentials to the network. "localhost" means 127.0.0.1 (one
 * address, whatever the resolver prefers).
 */
export function loopbackHost(host: string): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (bare.toLowerCase() === "localhost") return "127.0.0.1";
  if (isIPv4(bare) && bare.split(".")[0] === "127") return bare;
  if (isIPv6(bare) && new URL(`http://[${bare}]/`).hostname === "[::1]") return "::1";
  throw new UsageError(
    `--host ${host} is not a loopback address; the credential server listens only ` +
      `on 127.0.0.1 (or another 127.x.x.x), ::1 or localhost, so nothing beyond this ` +
      `machine can ask it for credentials.`,
    "Leave --host out (127.0.0.1), or give a loopback address.",
  );
}

export interface ServerLogEntry {
  method: string;
  path: string;
  status: number;
  /** What happened, in words: "credentials until 20:31:05Z", "wrong token", … (never a secret). */
  note: string;
}

export interface CredentialServer {
  /** For AWS_CONTAINER_CREDENTIALS_FULL_URI, e.g. http://127.0.0.1:49152/ */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export interface ServerOptions {
  host: string;
  port: number;
  keeper: Pick<CredentialKeeper, "get">;
  log(entry: ServerLogEntry): void;
  /** How a refusal to hand out credentials reads, for the client (the reason, without hints). */
  describeFailure(error: unknown): string;
}

export async function startCredentialServer(options: ServerOptions): Promise<CredentialServer> {
  const host = loopbackHost(options.host);
  const token = newToken();
  let allowedHosts: Set<string> = new Set();

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: unknown, note: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      "Cache-Control": "no-store",
    });
    res.end(text);
    options.log({ method: req.method ?? "?", path: (req.url ?? "/").split("?")[0]!, status, note });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // DNS rebinding: a web page whose name resolves to 127.0.0.1 reaches this
    // port, but its requests carry its own name in Host.
    const hostHeader = (req.headers.host ?? "").toLowerCase();
    if (!allowedHosts.has(hostHeader)) {
      return send(
        req,
        res,
        403,
        {
          Code: "HostNotAllowed",
          Message: "This credential server answers only requests addressed to a loopback address.",
        },
        `Host ${JSON.stringify(hostHeader.slice(0, 80))} refused`,
      );
    }
    const authorization = req.headers.authorization;
    if (!tokenMatches(authorization, token)) {
      return send(
        req,
        res,
        401,
        { Code: "Unauthorized", Message: "Missing or wrong authorization token (AWS_CONTAINER_AUTHORIZATION_TOKEN)." },
        authorization === undefined ? "no token" : "wrong token",
      );
    }
    if (req.method !== "GET") {
      res.setHeader("Allow", "GET");
      return send(req, res, 405, { Code: "MethodNotAllowed", Message: "Use GET." }, "not GET");
    }
    if ((req.url ?? "/").split("?")[0] !== "/") {
      return send(req, res, 404, { Code: "NotFound", Message: "The credentials are at /." }, "no such path");
    }
    try {
      const credentials = await options.keeper.get();
      send(
        req,
        res,
        200,
        credentialsBody(credentials),
        `credentials until ${credentials.expiration ? formatExpiration(credentials.expiration) : "?"}`,
      );
    } catch (error) {
      const message = options.describeFailure(error);
      send(req, res, 503, { Code: "CredentialsUnavailable", Message: message }, `no credentials: ${message}`);
    }
  };

  const server: Server = createServer((req, res) => {
    req.resume();
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 5000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const where = `${host.includes(":") ? `[${host}]` : host}:${options.port}`;
      if (error.code === "EADDRINUSE")
        reject(
          new AwsroleError("ServerPortInUse", `Cannot listen on ${where}: the port is in use.`, {
            hint: "Choose another --port, or leave --port out for a free one.",
          }),
        );
      else if (error.code === "EADDRNOTAVAIL")
        reject(
          new AwsroleError(
            "ServerAddressUnavailable",
            `Cannot listen on ${where}: this machine does not have that address.`,
            { hint: "Leave --host out (127.0.0.1)." },
          ),
        );
      else if (error.code === "EACCES")
        reject(
          new AwsroleError(
            "ServerPortDenied",
            `Cannot listen on ${where}: permission denied (ports below 1024 need privileges).`,
            { hint: "Choose a --port above 1023, or leave --port out." },
          ),
        );
      else
        reject(new AwsroleError("ServerListenFailed", `Cannot listen on ${where} (${error.code ?? error.message}).`));
    });
    server.listen(options.port, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const bracketed = host.includes(":") ? `[${host}]` : host;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${bracketed}:${port}`]);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${bracketed}:${port}/`,
    port,
    token,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
