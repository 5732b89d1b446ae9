// The STS "backend": who holds which keys, which temporary credentials have been issued, and
// what each action does. HTTP lives in server.ts; this module only sees decoded parameters and
// an authenticated caller, and answers with result XML elements or throws StsError.

import { randomBytes } from "node:crypto";
import { assumedRoleArn, parseIamArn, stableUniqueId, type IamArn } from "./arn.js";
import {
  accessDenied,
  DURATION_EXCEEDS_CHAINING_LIMIT,
  DURATION_EXCEEDS_ROLE_MAX,
  expiredToken,
  invalidClientTokenId,
  invalidIdentityToken,
  MFA_BOTH_REQUIRED,
  MFA_INVALID_CODE,
  MFA_UNKNOWN_SERIAL,
  notAuthorized,
  signatureDoesNotMatch,
  StsError,
  validationError,
} from "./errors.js";
import { compileTrustPolicy, evaluateTrustPolicy, type RequestPrincipal, type TrustPolicy } from "./policy.js";
import { headerValue, signatureMatches, type SignedRequestInfo, type WireRequest } from "./sigv4.js";
import {
  EXTERNAL_ID,
  ParamValidator,
  ROLE_ARN,
  ROLE_SESSION_NAME,
  SERIAL_NUMBER,
  SESSION_POLICY,
  SOURCE_IDENTITY,
  TOKEN_CODE,
  WEB_IDENTITY_TOKEN,
} from "./validation.js";
import { DEFAULT_MAX_SESSION_DURATION, validateWorld, type World, type WorldWebIdentityToken } from "./world.js";
import { el, type XmlNode } from "./xml.js";

/** Actions the emulator implements. */
export const ACTIONS = ["AssumeRole", "AssumeRoleWithWebIdentity", "GetSessionToken", "GetCallerIdentity"] as const;
export type Action = (typeof ACTIONS)[number];

/** Real STS actions the emulator knows exist but does not implement (answered with 501). */
export const UNIMPLEMENTED_ACTIONS = [
  "AssumeRoleWithSAML",
  "AssumeRoot",
  "DecodeAuthorizationMessage",
  "GetAccessKeyInfo",
  "GetDelegatedAccessToken",
  "GetFederationToken",
  "GetWebIdentityToken",
];

/** Every action but AssumeRoleWithWebIdentity must be SigV4-signed (the token is the credential). */
export const UNSIGNED_ACTIONS: ReadonlySet<string> = new Set(["AssumeRoleWithWebIdentity"]);

// Role chaining: a role session assuming another role gets at most one hour (IAM user guide,
// "Role chaining").
const CHAINED_SESSION_LIMIT = 3600;
const DEFAULT_ROLE_SESSION_DURATION = 3600;
const DEFAULT_SESSION_TOKEN_DURATION = 43200;

interface UserRecord {
  arn: string;
  parsed: IamArn;
  userId: string;
  /** MFA serial number → accepted codes. */
  mfaDevices: Map<string, string[]>;
}

interface RoleRecord {
  arn: string;
  parsed: IamArn;
  roleId: string;
  maxSessionDuration: number;
  trustPolicy: TrustPolicy;
}

type Identity = { kind: "user"; user: UserRecord } | { kind: "role-session"; role: RoleRecord; sessionName: string };

/** Any key pair the emulator accepts: a user's long-term key or temporary credentials it issued. */
export interface CredentialRecord {
  accessKeyId: string;
  secretAccessKey: string;
  /** null for long-term keys. */
  sessionToken: string | null;
  /** Epoch milliseconds; null for long-term keys. */
  expiresAt: number | null;
  identity: Identity;
  /** How the credentials came to be. "GetSessionToken" sessions act as their user. */
  origin:
    | "long-term"
    | "GetSessionToken"
    | "AssumeRole"
    | "AssumeRoleWithWebIdentity"
    | "GetRoleCredentials"
    | "CreateOAuth2Token";
  /** Epoch ms of the MFA authentication these credentials carry, if any. */
  mfaAuthenticatedAt: number | null;
}

export class StsService {
  private readonly users: UserRecord[] = [];
  private readonly roles = new Map<string, RoleRecord>();
  private readonly webIdentityTokens = new Map<string, WorldWebIdentityToken>();
  private readonly credentials = new Map<string, CredentialRecord>();

  /**
   * `now` returns the emulator clock in epoch milliseconds. `sessionSeconds`, when it
   * returns a number, caps the lifetime of every session issued from then on (tests of
   * refreshing in real time; real STS never issues less than 900 seconds).
   */
  constructor(
    world: World,
    private readonly now: () => number,
    private readonly sessionSeconds: () => number | undefined = () => undefined,
  ) {
    const valid = validateWorld(world);
    for (const u of valid.users) {
      const user: UserRecord = {
        arn: u.arn,
        parsed: parseIamArn(u.arn)!,
        userId: u.userId ?? stableUniqueId("AIDA", u.arn),
        mfaDevices: new Map((u.mfaDevices ?? []).map((d) => [d.serialNumber, d.codes])),
      };
      this.users.push(user);
      for (const key of u.accessKeys) {
        this.credentials.set(key.accessKeyId, {
          accessKeyId: key.accessKeyId,
          secretAccessKey: key.secretAccessKey,
          sessionToken: null,
          expiresAt: null,
          identity: { kind: "user", user },
          origin: "long-term",
          mfaAuthenticatedAt: null,
        });
      }
    }
    for (const r of valid.roles) {
      this.roles.set(r.arn, {
        arn: r.arn,
        parsed: parseIamArn(r.arn)!,
        roleId: r.roleId ?? stableUniqueId("AROA", r.arn),
        maxSessionDuration: r.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
        trustPolicy: compileTrustPolicy(r.trustPolicy),
      });
    }
    for (const t of valid.webIdentityTokens ?? []) this.webIdentityTokens.set(t.token, t);
  }

  // -------------------------------------------------------------------------------------------
  // Authentication
  // -------------------------------------------------------------------------------------------

  /**
   * What real STS checks for a signed request, in its order: the key must exist; temporary
   * keys need their exact session token (and long-term keys none); the credentials must not
   * have expired; the signature must match. Throws StsError.
   */
  authenticate(request: WireRequest, signed: SignedRequestInfo): CredentialRecord {
    const credential = this.credentials.get(signed.accessKeyId);
    if (!credential) throw invalidClientTokenId();
    const token = headerValue(request, "x-amz-security-token");
    if ((token ?? null) !== credential.sessionToken) throw invalidClientTokenId();
    if (credential.expiresAt !== null && this.now() >= credential.expiresAt) throw expiredToken();
    if (!signatureMatches(request, signed, credential.secretAccessKey)) throw signatureDoesNotMatch();
    return credential;
  }

  /** ARN the caller acts as: the user ARN (also for GetSessionToken sessions) or the assumed-role ARN. */
  callerArn(credential: CredentialRecord): string {
    const identity = credential.identity;
    return identity.kind === "user" ? identity.user.arn : assumedRoleArn(identity.role.parsed, identity.sessionName);
  }

  // -------------------------------------------------------------------------------------------
  // Credentials for the other services (portal.ts, signin.ts)
  // -------------------------------------------------------------------------------------------

  /**
   * Temporary credentials of a session of a world role, as IAM Identity Center's
   * GetRoleCredentials hands out: GetCallerIdentity shows assumed-role/ROLE/SESSION, and they
   * can AssumeRole (as a chained role session) wherever the role is trusted.
   */
  issueRoleSession(
    roleArn: string,
    sessionName: string,
    durationSeconds: number,
    origin: "GetRoleCredentials" | "CreateOAuth2Token",
  ): CredentialRecord {
    const role = this.roles.get(roleArn);
    if (!role) throw new Error(`issueRoleSession: ${roleArn} is not a role of this world`);
    return this.issue({ kind: "role-session", role, sessionName }, origin, durationSeconds, null);
  }

  /**
   * Temporary credentials acting as a world user (console sign-in of an IAM user): like a
   * GetSessionToken session, GetCallerIdentity shows the user.
   */
  issueUserSession(userArn: string, durationSeconds: number): CredentialRecord {
    const user = this.users.find((u) => u.arn === userArn);
    if (!user) throw new Error(`issueUserSession: ${userArn} is not a user of this world`);
    return this.issue({ kind: "user", user }, "CreateOAuth2Token", durationSeconds, null);
  }

  /** Whether the world has this user / role ARN. */
  hasPrincipal(arn: string): boolean {
    return this.roles.has(arn) || this.users.some((u) => u.arn === arn);
  }

  // -------------------------------------------------------------------------------------------
  // Actions
  // -------------------------------------------------------------------------------------------

  /** Runs an action. `caller` is null only for unsigned actions. Returns the Result's children. */
  handle(action: Action, params: Record<string, string>, caller: CredentialRecord | null): XmlNode[] {
    switch (action) {
      case "GetCallerIdentity":
        return this.getCallerIdentity(caller!);
      case "GetSessionToken":
        return this.getSessionToken(params, caller!);
      case "AssumeRole":
        return this.assumeRole(params, caller!);
      case "AssumeRoleWithWebIdentity":
        return this.assumeRoleWithWebIdentity(params);
    }
  }

  private getCallerIdentity(caller: CredentialRecord): XmlNode[] {
    const identity = caller.identity;
    // A GetSessionToken session reports its user, exactly like the user's long-term keys.
    const userId = identity.kind === "user" ? identity.user.userId : `${identity.role.roleId}:${identity.sessionName}`;
    const account = identity.kind === "user" ? identity.user.parsed.account : identity.role.parsed.account;
    return [el("Arn", this.callerArn(caller)), el("UserId", userId), el("Account", account)];
  }

  private getSessionToken(params: Record<string, string>, caller: CredentialRecord): XmlNode[] {
    const v = new ParamValidator(params);
    const duration = v.integer("DurationSeconds", 900, 129600);
    v.string("SerialNumber", SERIAL_NUMBER);
    v.string("TokenCode", TOKEN_CODE);
    v.check();

    // Only IAM users' long-term keys may call GetSessionToken.
    if (caller.origin !== "long-term") throw accessDenied("Cannot call GetSessionToken with session credentials");
    const mfaAt = this.verifyMfa(params, caller);

    const issued = this.issue(caller.identity, "GetSessionToken", duration ?? DEFAULT_SESSION_TOKEN_DURATION, mfaAt);
    return [credentialsElement(issued)];
  }

  private assumeRole(params: Record<string, string>, caller: CredentialRecord): XmlNode[] {
    const v = new ParamValidator(params);
    const roleArn = v.string("RoleArn", { ...ROLE_ARN, required: true });
    const sessionName = v.string("RoleSessionName", { ...ROLE_SESSION_NAME, required: true });
    const externalId = v.string("ExternalId", EXTERNAL_ID);
    v.string("SerialNumber", SERIAL_NUMBER);
    v.string("TokenCode", TOKEN_CODE);
    const sourceIdentity = v.string("SourceIdentity", SOURCE_IDENTITY);
    const policy = v.string("Policy", SESSION_POLICY);
    const requested = v.integer("DurationSeconds", 900, 43200);
    v.check();

    const requestMfaAt = this.verifyMfa(params, caller);
    const mfaAt = requestMfaAt ?? caller.mfaAuthenticatedAt;

    const callerArn = this.callerArn(caller);
    const role = this.roles.get(roleArn!);
    // An unknown role gets the same answer as an untrusted one: STS does not reveal which roles exist.
    if (!role) throw notAuthorized(callerArn, "sts:AssumeRole", roleArn!);

    const keys: Record<string, string> = {
      "sts:RoleSessionName": sessionName!,
      "aws:PrincipalArn": caller.identity.kind === "user" ? caller.identity.user.arn : caller.identity.role.arn,
      "aws:PrincipalAccount": this.account(caller),
      "aws:PrincipalType": caller.identity.kind === "user" ? "User" : "AssumedRole",
      "aws:CurrentTime": new Date(this.now()).toISOString(),
      "aws:EpochTime": String(Math.floor(this.now() / 1000)),
    };
    if (caller.identity.kind === "user") keys["aws:username"] = caller.identity.user.parsed.name;
    if (externalId !== undefined) keys["sts:ExternalId"] = externalId;
    if (sourceIdentity !== undefined) keys["sts:SourceIdentity"] = sourceIdentity;
    // aws:MultiFactorAuthPresent is absent for long-term keys without MFA (which is why policies
    // use BoolIfExists), "true" when this request or the caller's session carries MFA, and
    // "false" for temporary credentials obtained without MFA. MultiFactorAuthAge exists only with MFA.
    if (mfaAt !== null) {
      keys["aws:MultiFactorAuthPresent"] = "true";
      keys["aws:MultiFactorAuthAge"] = String(Math.floor((this.now() - mfaAt) / 1000));
    } else if (caller.origin !== "long-term") {
      keys["aws:MultiFactorAuthPresent"] = "false";
    }

    const decision = evaluateTrustPolicy(role.trustPolicy, {
      action: "sts:AssumeRole",
      principal: this.principal(caller),
      keys,
    });
    if (decision !== "Allow") throw notAuthorized(callerArn, "sts:AssumeRole", role.arn);

    const chained = caller.identity.kind === "role-session";
    if (requested !== undefined) {
      if (chained && requested > CHAINED_SESSION_LIMIT) throw validationError(DURATION_EXCEEDS_CHAINING_LIMIT);
      if (requested > role.maxSessionDuration) throw validationError(DURATION_EXCEEDS_ROLE_MAX);
    }
    const packedPolicySize = this.packedPolicySize(policy);

    const identity: Identity = { kind: "role-session", role, sessionName: sessionName! };
    const issued = this.issue(identity, "AssumeRole", requested ?? DEFAULT_ROLE_SESSION_DURATION, mfaAt);
    return [
      assumedRoleUserElement(role, sessionName!),
      credentialsElement(issued),
      el("PackedPolicySize", packedPolicySize),
      sourceIdentity === undefined ? undefined : el("SourceIdentity", sourceIdentity),
    ].filter((n): n is XmlNode => n !== undefined);
  }

  private assumeRoleWithWebIdentity(params: Record<string, string>): XmlNode[] {
    const v = new ParamValidator(params);
    const roleArn = v.string("RoleArn", { ...ROLE_ARN, required: true });
    const sessionName = v.string("RoleSessionName", { ...ROLE_SESSION_NAME, required: true });
    const tokenText = v.string("WebIdentityToken", { ...WEB_IDENTITY_TOKEN, required: true });
    const policy = v.string("Policy", { ...SESSION_POLICY, max: 2048 });
    const requested = v.integer("DurationSeconds", 900, 43200);
    v.check();

    const token = this.webIdentityTokens.get(tokenText!);
    if (!token) throw invalidIdentityToken();

    const role = this.roles.get(roleArn!);
    const keys: Record<string, string> = {
      "sts:RoleSessionName": sessionName!,
      [`${token.provider}:sub`]: token.subject,
      [`${token.provider}:aud`]: token.audience,
      "aws:FederatedProvider": token.provider,
    };
    const decision = role
      ? evaluateTrustPolicy(role.trustPolicy, {
          action: "sts:AssumeRoleWithWebIdentity",
          principal: { kind: "federated", provider: token.provider },
          keys,
        })
      : "ImplicitDeny";
    // Real STS's wording for web identity refusals (no caller ARN: the caller is anonymous).
    if (!role || decision !== "Allow") throw accessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    if (requested !== undefined && requested > role.maxSessionDuration)
      throw validationError(DURATION_EXCEEDS_ROLE_MAX);
    const packedPolicySize = this.packedPolicySize(policy);

    const identity: Identity = { kind: "role-session", role, sessionName: sessionName! };
    const issued = this.issue(identity, "AssumeRoleWithWebIdentity", requested ?? DEFAULT_ROLE_SESSION_DURATION, null);
    return [
      el("SubjectFromWebIdentityToken", token.subject),
      el("Audience", token.audience),
      assumedRoleUserElement(role, sessionName!),
      credentialsElement(issued),
      el("PackedPolicySize", packedPolicySize),
      el("Provider", token.provider),
    ];
  }

  // -------------------------------------------------------------------------------------------
  // Helpers
  // -------------------------------------------------------------------------------------------

  /**
   * MFA on AssumeRole / GetSessionToken. Returns the MFA time (now) when a valid serial and
   * code were given, null when neither was. The serial must be a device of the calling user
   * (a role session has no devices of its own).
   */
  private verifyMfa(params: Record<string, string>, caller: CredentialRecord): number | null {
    const serial = params.SerialNumber;
    const code = params.TokenCode;
    if (serial === undefined && code === undefined) return null;
    if (serial === undefined || code === undefined) throw accessDenied(MFA_BOTH_REQUIRED);
    const codes = caller.identity.kind === "user" ? caller.identity.user.mfaDevices.get(serial) : undefined;
    if (!codes) throw accessDenied(MFA_UNKNOWN_SERIAL);
    if (!codes.includes(code)) throw accessDenied(MFA_INVALID_CODE);
    return this.now();
  }

  private principal(caller: CredentialRecord): RequestPrincipal {
    const identity = caller.identity;
    if (identity.kind === "user")
      return { kind: "user", arn: identity.user.arn, account: identity.user.parsed.account };
    return {
      kind: "assumed-role",
      arn: assumedRoleArn(identity.role.parsed, identity.sessionName),
      account: identity.role.parsed.account,
      roleArn: identity.role.arn,
    };
  }

  private account(caller: CredentialRecord): string {
    return caller.identity.kind === "user" ? caller.identity.user.parsed.account : caller.identity.role.parsed.account;
  }

  /**
   * PackedPolicySize: the session policy's size as a percentage of the allowed packed size.
   * 0 when no session policy was passed. A policy that is not JSON is refused like STS does.
   */
  private packedPolicySize(policy: string | undefined): number {
    if (policy === undefined) return 0;
    try {
      JSON.parse(policy);
    } catch {
      throw new StsError("MalformedPolicyDocument", 400, "The policy is not in the valid JSON format.");
    }
    const percent = Math.ceil((policy.replace(/\s+/g, "").length / 2048) * 100);
    if (percent > 100) {
      throw new StsError(
        "PackedPolicyTooLarge",
        400,
        `Packed size of session policies and session tags combined exceeds the limit (${percent}% of allowed size).`,
      );
    }
    return percent;
  }

  /** Mints temporary credentials (ASIA…) and remembers them so later requests can use them. */
  private issue(
    identity: Identity,
    origin: CredentialRecord["origin"],
    durationSeconds: number,
    mfaAt: number | null,
  ): CredentialRecord {
    // STS expirations have whole seconds; start from the current second so the ISO string
    // handed out is exactly the instant the emulator treats as the end.
    const start = Math.floor(this.now() / 1000) * 1000;
    const cap = this.sessionSeconds();
    if (cap !== undefined) durationSeconds = Math.min(durationSeconds, cap);
    const record: CredentialRecord = {
      accessKeyId: newTemporaryAccessKeyId(),
      secretAccessKey: randomToken(30), // 30 bytes = 40 base64 characters, like real secrets
      sessionToken: randomToken(300),
      expiresAt: start + durationSeconds * 1000,
      identity,
      origin,
      mfaAuthenticatedAt: mfaAt,
    };
    this.credentials.set(record.accessKeyId, record);
    return record;
  }
}

const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** ASIA + 16 upper-case alphanumerics, like real temporary access key ids. */
function newTemporaryAccessKeyId(): string {
  const bytes = randomBytes(16);
  let id = "ASIA";
  for (const b of bytes) id += KEY_ALPHABET[b % KEY_ALPHABET.length];
  return id;
}

function randomToken(bytes: number): string {
  return randomBytes(bytes).toString("base64");
}

/** 2026-11-22T18:48:33Z: ISO-8601 UTC without fractional seconds, as STS writes it. */
export function formatExpiration(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function credentialsElement(record: CredentialRecord): XmlNode {
  return el("Credentials", [
    el("AccessKeyId", record.accessKeyId),
    el("SecretAccessKey", record.secretAccessKey),
    el("SessionToken", record.sessionToken ?? ""),
    el("Expiration", formatExpiration(record.expiresAt!)),
  ]);
}

function assumedRoleUserElement(role: RoleRecord, sessionName: string): XmlNode {
  return el("AssumedRoleUser", [
    el("AssumedRoleId", `${role.roleId}:${sessionName}`),
    el("Arn", assumedRoleArn(role.parsed, sessionName)),
  ]);
}
