// The STS adapter: the only module that uses @aws-sdk/client-sts (through
// ./sts-sdk.ts). It is loaded with import() only when a call is needed, so a
// warm-cache export never pays for the SDK (docs/performance.md).
//
// All hops share one keep-alive agent (one connection for a whole chain). Time
// is bounded: 3 s to connect, 6 s per attempt, 3 attempts with the SDK's
// standard retry (it retries throttling, 5xx and network errors, never
// AccessDenied), so a dead endpoint fails in well under 30 s; and one deadline
// over all attempts of a call, with a size limit on every response
// (src/adapters/bounded-http.ts), for servers that answer slowly or endlessly.

import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import { AwsroleError, InterruptedError, stripControl } from "../errors.js";
import { isHttpsUrl, type StsEndpoint } from "../core/endpoint.js";
import { formatExpiration } from "../render/credentials.js";
import {
  DeadlineError,
  formatBytes,
  formatSeconds,
  isCredentialText,
  ResponseTooLargeError,
  responseLimitMiddleware,
  STS_MAX_RESPONSE_BYTES,
} from "./bounded-http.js";
import type { CallContext, Credentials, StsPort, StsResponse } from "../core/resolve.js";
import { explicitClientSettings, type SdkEnvSettings } from "./sts-client.js";
import { type EarlyConnection, letIoRun } from "./sts-connection.js";

export interface StsAdapterOptions {
  endpoint: StsEndpoint;
  signal: AbortSignal;
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** AWS_RETRY_MODE and AWS_SDK_UA_APP_ID (src/adapters/sts-client.ts): the SDK reads no env or file itself. */
  sdkSettings?: SdkEnvSettings;
  /** PEM text of a custom CA bundle for https endpoints. */
  ca?: string | undefined;
  /** The whole call, all attempts together (default: attempts x (connect + request timeout)). */
  deadlineMs?: number;
  /** A connection to the endpoint opened before this module loaded (./sts-connection.ts): the first request's. */
  early?: EarlyConnection | undefined;
}

/** What node:http's Agent calls to open a socket (not in its public typings). */
interface OpensConnections {
  createConnection(options: { host?: string | null; port?: number | string | null }, callback: unknown): unknown;
}

export async function createSts(options: StsAdapterOptions): Promise<StsPort> {
  // The SDK's bundle (dist/sts-sdk.cjs) when built, the package itself from source.
  const sdk = await import("./sts-sdk.js");
  // An early connection's handshake may have moved on while the SDK loaded.
  if (options.early) await letIoRun();
  silenceNodeVersionNotice(
    () =>
      new sdk.STSClient({
        ...explicitClientSettings(options.sdkSettings ?? {}),
        region: options.endpoint.region,
        requestHandler: {},
      }),
  );
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  // A CA bundle (AWS_CA_BUNDLE or ca_bundle) replaces the default roots, as in the AWS CLI.
  const httpsAgent = new HttpsAgent({
    keepAlive: true,
    maxSockets: 4,
    ...(options.ca !== undefined ? { ca: options.ca } : {}),
  });
  const { endpoint } = options;
  if (options.early) {
    // The agent takes the early socket for its first connection to that host and port, if it is still usable.
    const agent = (isHttpsUrl(endpoint.url) ? httpsAgent : httpAgent) as unknown as OpensConnections;
    const open = agent.createConnection.bind(agent);
    const early = options.early;
    agent.createConnection = (connectOptions, callback) => early.take(connectOptions) ?? open(connectOptions, callback);
  }

  const clientFor = (credentials: Credentials | undefined): STSClient => {
    const config: STSClientConfig = {
      ...explicitClientSettings(options.sdkSettings ?? {}),
      region: endpoint.region,
      endpoint: endpoint.url,
      // src/core/endpoint.ts has already applied FIPS and dual-stack to the URL;
      // left to read them itself, the SDK refuses them next to a custom endpoint.
      useFipsEndpoint: false,
      useDualstackEndpoint: false,
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        httpAgent,
        httpsAgent,
        connectionTimeout: options.connectionTimeoutMs ?? 3000,
        requestTimeout: options.requestTimeoutMs ?? 6000,
        // Without this, @smithy/node-http-handler (4.x) only logs a warning on
        // stderr when requestTimeout passes and keeps waiting: a server that
        // accepts the connection and never answers would hang awsrole forever.
        throwOnRequestTimeout: true,
      },
    };
    if (credentials) {
      // Checked before the SDK starts a request: its timers would outlive Node's refusal by 9 s.
      if (![credentials.accessKeyId, credentials.sessionToken ?? ""].every((v) => HEADER_SAFE.test(v))) {
        throw Object.assign(new Error("credentials cannot go into a request header"), { code: "ERR_INVALID_CHAR" });
      }
      config.credentials = {
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
      };
    } else {
      // AssumeRoleWithWebIdentity is unsigned: no credentials at all.
      config.credentials = async () => ({ accessKeyId: "", secretAccessKey: "" });
      config.signer = { sign: async (request) => request };
    }
    const client = new sdk.STSClient(config);
    // Each attempt's body is read with a size limit before the XML parser sees it.
    client.middlewareStack.add(
      responseLimitMiddleware(STS_MAX_RESPONSE_BYTES) as unknown as Parameters<typeof client.middlewareStack.add>[0],
      { step: "deserialize", priority: "low", name: "awsroleResponseLimit" },
    );
    return client;
  };
  // One deadline over all attempts of a call: the request timeout only notices
  // silence, so a server trickling a byte a second would otherwise hold every attempt.
  const attempts = options.maxAttempts ?? 3;
  const deadlineMs =
    options.deadlineMs ?? attempts * ((options.connectionTimeoutMs ?? 3000) + (options.requestTimeoutMs ?? 6000));

  // Ctrl-C aborts the request in flight (docs/security.md, "Signals"), and so does the deadline.
  let firstCall = true;
  const send = async <T>(
    operation: string,
    call: CallContext,
    credentials: Credentials | undefined,
    run: (client: STSClient, abortSignal: AbortSignal) => Promise<T>,
  ): Promise<T> => {
    if (options.signal.aborted) throw new InterruptedError();
    const deadline = AbortSignal.timeout(deadlineMs);
    try {
      const client = clientFor(credentials);
      // The first client is built (a cold process takes milliseconds over it): the early connection's handshake may move on.
      if (firstCall && options.early) await letIoRun();
      firstCall = false;
      return await run(client, AbortSignal.any([options.signal, deadline]));
    } catch (error) {
      // A call that failed before its request went out leaves the early connection unused: it goes now.
      options.early?.drop();
      if (options.signal.aborted) throw new InterruptedError();
      throw stsFailure(deadline.aborted ? new DeadlineError(deadlineMs) : error, operation, call, endpoint);
    }
  };

  return {
    async assumeRole(credentials, params, call) {
      const out = await send("AssumeRole", call, credentials, (client, abortSignal) =>
        client.send(new sdk.AssumeRoleCommand(params), { abortSignal }),
      );
      return toResponse(out, "AssumeRole", call);
    },
    async assumeRoleWithWebIdentity(params, call) {
      const out = await send("AssumeRoleWithWebIdentity", call, undefined, (client, abortSignal) =>
        client.send(new sdk.AssumeRoleWithWebIdentityCommand(params), { abortSignal }),
      );
      return toResponse(out, "AssumeRoleWithWebIdentity", call);
    },
    async getSessionToken(credentials, params, call) {
      const out = await send("GetSessionToken", call, credentials, (client, abortSignal) =>
        client.send(new sdk.GetSessionTokenCommand(params), { abortSignal }),
      );
      return toResponse(out, "GetSessionToken", call);
    },
    async getCallerIdentity(credentials, call) {
      const out = await send("GetCallerIdentity", call, credentials, (client, abortSignal) =>
        client.send(new sdk.GetCallerIdentityCommand({}), { abortSignal }),
      );
      return { UserId: out.UserId ?? "", Account: out.Account ?? "", Arn: out.Arn ?? "" };
    },
  };
}

/**
 * awsrole supports Node 20 by design and package-lock pins an SDK that does;
 * the SDK's seven-line "upgrade Node" notice on every cold call is not
 * something an awsrole user can act on. The SDK checks its variable once, when
 * the first client is built, and remembers; so it is set only for that moment
 * and then restored, and never reaches `awsrole exec` children. A user's own
 * setting is respected.
 */
function silenceNodeVersionNotice(buildFirstClient: () => unknown): void {
  const name = "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED";
  if (process.env[name] !== undefined) {
    buildFirstClient();
    return;
  }
  process.env[name] = "true";
  try {
    buildFirstClient();
  } finally {
    delete process.env[name];
  }
}

interface SdkCredentialsOutput {
  Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
  AssumedRoleUser?: { AssumedRoleId?: string; Arn?: string };
  PackedPolicySize?: number;
  SourceIdentity?: string;
  SubjectFromWebIdentityToken?: string;
  Provider?: string;
  Audience?: string;
  $metadata?: { requestId?: string };
}

function toResponse(out: SdkCredentialsOutput, operation: string, call: CallContext): StsResponse {
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new AwsroleError(
      "StsBadResponse",
      `${whereOf(call)}: STS answered ${operation} without complete credentials.`,
      {
        hint: "Check that the STS endpoint is a real STS service; nothing was exported or cached.",
      },
    );
  }
  if (![c.AccessKeyId, c.SecretAccessKey, c.SessionToken].every(isCredentialText)) {
    throw new AwsroleError(
      "StsBadResponse",
      `${whereOf(call)}: STS answered ${operation} with credentials holding characters no AWS credential has.`,
      { hint: "Check that the STS endpoint is a real STS service; nothing was exported or cached." },
    );
  }
  // botocore refuses both: a timestamp its parser cannot read, and credentials
  // that are expired on arrival ("the refreshed credentials are still expired").
  const expiresAt = c.Expiration instanceof Date ? c.Expiration.getTime() : NaN;
  if (!Number.isFinite(expiresAt)) {
    throw new AwsroleError(
      "StsBadResponse",
      `${whereOf(call)}: STS answered ${operation} with an Expiration that is not a timestamp.`,
      { hint: "Check that the STS endpoint is a real STS service; nothing was exported or cached." },
    );
  }
  if (expiresAt <= Date.now()) {
    throw new AwsroleError(
      "StsExpiredCredentials",
      `${whereOf(call)}: STS answered ${operation} with credentials that had already expired (Expiration ${formatExpiration(c.Expiration)}).`,
      {
        hint: "Check this machine's clock (and the endpoint's); nothing was exported or cached.",
      },
    );
  }
  const response: StsResponse = {
    Credentials: {
      AccessKeyId: c.AccessKeyId,
      SecretAccessKey: c.SecretAccessKey,
      SessionToken: c.SessionToken,
      // The wire format real STS sends (and the AWS CLI v1 caches): no fractional seconds.
      Expiration: formatExpiration(c.Expiration),
    },
  };
  if (out.AssumedRoleUser?.Arn && out.AssumedRoleUser.AssumedRoleId)
    response.AssumedRoleUser = { AssumedRoleId: out.AssumedRoleUser.AssumedRoleId, Arn: out.AssumedRoleUser.Arn };
  if (out.PackedPolicySize !== undefined) response.PackedPolicySize = out.PackedPolicySize;
  if (out.SourceIdentity) response.SourceIdentity = out.SourceIdentity;
  if (out.SubjectFromWebIdentityToken) response.SubjectFromWebIdentityToken = out.SubjectFromWebIdentityToken;
  if (out.Provider) response.Provider = out.Provider;
  if (out.Audience) response.Audience = out.Audience;
  if (out.$metadata?.requestId) response.RequestId = out.$metadata.requestId;
  return response;
}

/** Which hop made a call, for the start of a message: "Hop 2 of 3 (profile role-b)". */
function whereOf(call: CallContext): string {
  return call.step > 0
    ? `Hop ${call.step} of ${call.of}${call.profile ? ` (profile ${call.profile})` : ""}`
    : call.profile
      ? `Profile ${call.profile}`
      : call.fromEnvironment
        ? "The keys exported in this shell (AWS_ACCESS_KEY_ID)"
        : "The request";
}

/** An STS call failed: which hop, for which role and principal, and the likely cause. */
export class StsCallError extends AwsroleError {
  readonly stsCode: string;
  readonly call: CallContext;
  constructor(stsCode: string, message: string, hint: string, call: CallContext, cause: unknown) {
    super(`Sts.${stsCode}`, message, { hint, cause });
    this.stsCode = stsCode;
    this.call = call;
  }
}

/** What Node accepts in a header value (its checkInvalidHeaderChar). */
const HEADER_SAFE = /^[\t\x20-\x7e\x80-\xff]*$/;

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

export function stsFailure(error: unknown, operation: string, call: CallContext, endpoint: StsEndpoint): Error {
  // Credentials that cannot go into a request header (a session token with a
  // control or non-ASCII character, from a file or the environment): Node refuses
  // to send the request. Not a bug in awsrole, and not STS's answer either.
  if ((error as { code?: string })?.code === "ERR_INVALID_CHAR") {
    return new AwsroleError(
      "UnsendableCredentials",
      `${whereOf(call)}: ${operation} was not sent: the credentials (${call.principal}) hold characters that cannot go into a request header.`,
      {
        hint: "Check those keys and session token for stray characters (no AWS credential has spaces, control or non-ASCII characters).",
      },
    );
  }
  // A programming error is a bug in awsrole, not an STS answer: let the reporter say so.
  // (The SDK's parsers throw TypeError on a malformed field; the deserializer marks those with $response.)
  if (
    (error instanceof TypeError || error instanceof ReferenceError || error instanceof RangeError) &&
    !(error as { $response?: unknown }).$response
  )
    return error;
  const e = error as {
    name?: string;
    code?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: unknown;
  };
  const name = e?.name ?? "Error";
  // Server text: control characters (ESC, BEL, CR, C1) never reach a terminal.
  const rawMessage = stripControl((e?.message ?? String(error)).replace(/\s+/g, " ")).trim();
  const where = whereOf(call);
  // Keys from the environment: the fix is in the shell, not in a file.
  const reexport =
    'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN, or export a profile again: eval "$(awsrole export PROFILE)".';
  const target = call.hop ? ` of ${call.hop.roleArn}` : "";
  const hop = call.hop;
  const section = call.profile ? `[profile ${call.profile}]` : "the profile";

  if (error instanceof DeadlineError) {
    return new StsCallError(
      "Deadline",
      `${where}: STS at ${endpoint.url} did not finish answering ${operation} within ${formatSeconds(error.ms)}.`,
      `Check the network and the endpoint (${endpoint.origin}); nothing was cached.`,
      call,
      error,
    );
  }
  if (error instanceof ResponseTooLargeError) {
    return new StsCallError(
      "ResponseTooLarge",
      `${where}: STS at ${endpoint.url} sent a response to ${operation} larger than ${formatBytes(error.limit)}, which awsrole refuses.`,
      `Check that the endpoint (${endpoint.origin}) is an STS service; nothing was cached.`,
      call,
      error,
    );
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(e?.code ?? "")) {
    return new StsCallError(
      "TlsCertificate",
      `${where}: could not verify the TLS certificate of STS at ${endpoint.url} for ${operation} (${e.code}).`,
      "If the endpoint uses a private CA, point AWS_CA_BUNDLE (or ca_bundle in the profile) at its PEM file; nothing was cached.",
      call,
      error,
    );
  }
  if (
    NETWORK_CODES.has(e?.code ?? "") ||
    NETWORK_CODES.has(name) ||
    name === "TimeoutError" ||
    /socket hang up|timed? ?out|ECONNREFUSED|ECONNRESET/i.test(rawMessage)
  ) {
    return new StsCallError(
      "Unreachable",
      `${where}: could not reach STS at ${endpoint.url} for ${operation} (${e?.code ?? name}).`,
      `Check the network and the endpoint (${endpoint.origin}); nothing was cached.`,
      call,
      error,
    );
  }
  const status = e?.$metadata?.httpStatusCode;
  let hint: string;
  switch (name) {
    case "AccessDenied":
      if (/MultiFactorAuthentication/i.test(rawMessage)) {
        hint = /invalid MFA one time pass code/i.test(rawMessage)
          ? "The MFA code was wrong or already used; wait for the next code and try again."
          : /must provide both/i.test(rawMessage)
            ? `Set mfa_serial in ${section} so awsrole asks for a code.`
            : `Check that mfa_serial in ${section} is the MFA device of ${call.principal}.`;
      } else if (hop && !hop.mfaSerial) {
        hint =
          `The role's trust policy does not allow ${call.principal}${hop.externalId === undefined ? "" : " with this external_id"}; ` +
          `if it requires MFA, add mfa_serial to ${section}, and if it requires an external ` +
          `ID, add external_id.`;
      } else {
        hint = `The role's trust policy does not allow ${call.principal}; check its Principal and Condition (MFA, sts:ExternalId).`;
      }
      break;
    case "ValidationError":
      hint = /1 hour session limit/i.test(rawMessage)
        ? `This hop is role chaining, which STS caps at 3600 seconds: set duration_seconds to 3600 or less in ${section}.`
        : /MaxSessionDuration/i.test(rawMessage)
          ? `Lower duration_seconds in ${section} to the role's maximum session duration, or raise the role's maximum.`
          : `Check role_session_name, external_id and duration_seconds in ${section}.`;
      break;
    case "ExpiredToken":
    case "ExpiredTokenException":
      hint = call.fromEnvironment
        ? `The session in AWS_SESSION_TOKEN has expired; ${reexport}`
        : `The source credentials of this hop have expired; refresh them (for session ` +
          `keys in a file, get new ones), then run \`awsrole cache clear${call.profile ? " " + call.profile : ""}\`.`;
      break;
    case "InvalidClientTokenId":
      hint = call.fromEnvironment
        ? `STS does not know the access key in AWS_ACCESS_KEY_ID (it came from this shell's environment, not a file); ${reexport}`
        : `STS does not know the access key used by ${call.principal}; check aws_access_key_id (it may be deleted or mistyped).`;
      break;
    case "SignatureDoesNotMatch":
      hint = call.fromEnvironment
        ? `AWS_SECRET_ACCESS_KEY does not match AWS_ACCESS_KEY_ID (both came from this shell's environment, not a file); ${reexport}`
        : `The secret key used by ${call.principal} does not match its access key; check aws_secret_access_key.`;
      break;
    case "Throttling":
    case "ThrottlingException":
    case "RequestLimitExceeded":
      hint = "STS throttled the requests even after retries; wait a moment and try again. Nothing was cached.";
      break;
    case "RegionDisabledException":
      hint = `STS is not activated in ${endpoint.region} for this account; use another region or activate it in IAM.`;
      break;
    case "InvalidIdentityToken":
    case "InvalidIdentityTokenException":
    case "IDPRejectedClaim":
    case "IDPRejectedClaimException":
      hint =
        "The web identity token was rejected; check web_identity_token_file and the role's trust policy for the identity provider.";
      break;
    default:
      if (status !== undefined && status >= 500) {
        hint = "STS had an internal error even after retries; try again shortly. Nothing was cached.";
      } else if (
        e?.$fault === undefined &&
        (/Deserialization|XML|parse|char|Unexpected/i.test(name + " " + rawMessage) || e?.$response !== undefined)
      ) {
        // A service error carries $fault and an error code; a response the SDK
        // could not read at all does not.
        return new StsCallError(
          "BadResponse",
          `${where}: STS at ${endpoint.url} sent a response to ${operation} that is not valid STS XML.`,
          `Check that the endpoint (${endpoint.origin}) is an STS service; nothing was cached.`,
          call,
          error,
        );
      } else {
        hint = "See the STS message above; run with --debug for details.";
      }
  }
  return new StsCallError(
    name,
    `${where}: STS refused ${operation}${target} for ${call.principal}: ${name}: ${rawMessage}`,
    hint,
    call,
    error,
  );
}
