// The console federation endpoint (https://signin.aws.amazon.com/federation),
// served by the emulator at /federation so `awsrole console` can be tested
// (AWSROLE_FEDERATION_ENDPOINT). Only Action=getSigninToken is implemented:
// the Session JSON must hold temporary credentials the emulator issued, with the
// matching secret and token, not expired; long-term keys are refused, as the
// real endpoint refuses them.

import { randomBytes } from "node:crypto";
import type { CredentialRecord } from "./service.js";

export interface FederationResult {
  status: number;
  body: string;
  contentType: string;
  /** For the call log: never the secret or the token. */
  params: Record<string, string>;
  callerArn: string | null;
  errorCode?: string;
}

export interface FederationDeps {
  lookup(accessKeyId: string): CredentialRecord | undefined;
  callerArn(record: CredentialRecord): string;
  now(): number;
  /** Tokens handed out, so a test can check one. */
  issued: Map<string, string>;
}

export function handleFederation(query: string, deps: FederationDeps): FederationResult {
  const params = new URLSearchParams(query);
  const action = params.get("Action") ?? "";
  const logged: Record<string, string> = { Action: action };
  const duration = params.get("SessionDuration");
  if (duration !== null) logged.SessionDuration = duration;
  const refuse = (
    status: number,
    code: string,
    message: string,
    callerArn: string | null = null,
  ): FederationResult => ({
    status,
    body: message,
    contentType: "text/plain",
    params: logged,
    callerArn,
    errorCode: code,
  });
  if (action !== "getSigninToken") return refuse(400, "InvalidAction", `Unsupported Action ${action}`);
  if (duration !== null) {
    const n = Number(duration);
    if (!Number.isInteger(n) || n < 900 || n > 43200)
      return refuse(400, "InvalidSessionDuration", "SessionDuration must be 900..43200");
  }
  let session: { sessionId?: unknown; sessionKey?: unknown; sessionToken?: unknown };
  try {
    session = JSON.parse(params.get("Session") ?? "");
  } catch {
    return refuse(400, "MalformedSession", "Session is not JSON");
  }
  if (
    typeof session.sessionId !== "string" ||
    typeof session.sessionKey !== "string" ||
    typeof session.sessionToken !== "string"
  ) {
    return refuse(400, "MalformedSession", "Session needs sessionId, sessionKey and sessionToken");
  }
  logged.sessionId = session.sessionId;
  const record = deps.lookup(session.sessionId);
  if (
    !record ||
    record.sessionToken === null ||
    record.secretAccessKey !== session.sessionKey ||
    record.sessionToken !== session.sessionToken
  ) {
    return refuse(400, "InvalidSession", "The session credentials are not valid");
  }
  const callerArn = deps.callerArn(record);
  if (record.expiresAt !== null && deps.now() >= record.expiresAt)
    return refuse(400, "ExpiredSession", "The session credentials have expired", callerArn);
  if (record.origin === "GetSessionToken")
    return refuse(400, "InvalidSession", "GetSessionToken credentials cannot sign in to the console", callerArn);
  const token = randomBytes(48).toString("base64url");
  deps.issued.set(token, callerArn);
  return {
    status: 200,
    body: JSON.stringify({ SigninToken: token }),
    contentType: "application/json",
    params: logged,
    callerArn,
  };
}
