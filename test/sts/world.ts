// The emulator's "AWS account contents": IAM users with their access keys and MFA devices,
// roles with their trust policies, and the web identity tokens an OIDC provider would accept.
// Loaded from JSON (test/sts/worlds/*.json) and validated strictly, with the path of the bad
// field in every error, because a silently wrong fixture makes every test built on it lie.

import { readFileSync } from "node:fs";
import { parseIamArn } from "./arn.js";
import { compileTrustPolicy, PolicyError, type PolicyDocument } from "./policy.js";

export interface WorldAccessKey {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface WorldMfaDevice {
  serialNumber: string;
  /** One-time codes the device "shows". Any of them is accepted, any number of times. */
  codes: string[];
}

export interface WorldUser {
  arn: string;
  /** IAM unique id (AIDA…). Derived from the ARN when omitted. */
  userId?: string;
  accessKeys: WorldAccessKey[];
  mfaDevices?: WorldMfaDevice[];
}

export interface WorldRole {
  arn: string;
  /** IAM unique id (AROA…). Derived from the ARN when omitted. */
  roleId?: string;
  /** Seconds, 3600..43200 as in IAM. Default 3600. */
  maxSessionDuration?: number;
  trustPolicy: PolicyDocument;
}

export interface WorldWebIdentityToken {
  token: string;
  subject: string;
  /** Issuer as it appears in trust policies' "Federated" (e.g. "oidc.awsrole.test"). */
  provider: string;
  audience: string;
}

export interface World {
  description?: string;
  users: WorldUser[];
  roles: WorldRole[];
  webIdentityTokens?: WorldWebIdentityToken[];
}

export class WorldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorldError";
  }
}

export const DEFAULT_MAX_SESSION_DURATION = 3600;

/** Reads a world JSON file and validates it (see validateWorld). */
export function loadWorld(path: string): World {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new WorldError(`cannot read world file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WorldError(`${path}: not valid JSON: ${(error as Error).message}`);
  }
  return validateWorld(json, path);
}

type Json = Record<string, unknown>;

function fail(source: string, where: string, message: string): never {
  throw new WorldError(`${source}: ${where}: ${message}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checkKeys(source: string, where: string, value: Json, allowed: string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(source, `${where}.${key}`, `unknown field (expected one of ${allowed.join(", ")})`);
  }
}

function requireString(source: string, where: string, value: unknown, pattern?: RegExp, patternText?: string): string {
  if (typeof value !== "string" || value === "") fail(source, where, `must be a non-empty string, got ${JSON.stringify(value)}`);
  if (pattern && !pattern.test(value)) fail(source, where, `"${value}" ${patternText ?? `must match ${pattern}`}`);
  return value;
}

function requireArray(source: string, where: string, value: unknown): unknown[] {
  if (!Array.isArray(value)) fail(source, where, `must be an array, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Validates a parsed world and returns a copy with defaults filled in. `source` names the
 * file (or "<inline world>") in error messages. Throws WorldError.
 */
export function validateWorld(value: unknown, source = "<inline world>"): World {
  if (!isObject(value)) fail(source, "(top level)", "must be an object with users and roles");
  checkKeys(source, "(top level)", value, ["description", "users", "roles", "webIdentityTokens", "$comment"]);

  const arns = new Set<string>();
  const accessKeyIds = new Set<string>();
  const serials = new Set<string>();
  const unique = (set: Set<string>, where: string, item: string, what: string): void => {
    if (set.has(item)) fail(source, where, `duplicate ${what} "${item}"`);
    set.add(item);
  };

  const users = requireArray(source, "users", value.users).map((raw, i): WorldUser => {
    const at = `users[${i}]`;
    if (!isObject(raw)) fail(source, at, "must be an object");
    checkKeys(source, at, raw, ["arn", "userId", "accessKeys", "mfaDevices", "$comment"]);
    const arn = requireString(source, `${at}.arn`, raw.arn, /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:user\/.+$/, "is not an IAM user ARN (arn:aws:iam::123456789012:user/NAME)");
    unique(arns, `${at}.arn`, arn, "ARN");
    const userId = raw.userId === undefined ? undefined : requireString(source, `${at}.userId`, raw.userId, /^AIDA[A-Z0-9]{12,124}$/, "must look like AIDA…");
    const accessKeys = requireArray(source, `${at}.accessKeys`, raw.accessKeys).map((k, j): WorldAccessKey => {
      const kat = `${at}.accessKeys[${j}]`;
      if (!isObject(k)) fail(source, kat, "must be an object");
      checkKeys(source, kat, k, ["accessKeyId", "secretAccessKey"]);
      // Long-term IAM user keys start with AKIA; ASIA is reserved for the emulator's temporary keys.
      const accessKeyId = requireString(source, `${kat}.accessKeyId`, k.accessKeyId, /^AKIA[A-Z0-9]{12,124}$/, "must be AKIA followed by 12+ upper-case letters/digits");
      unique(accessKeyIds, `${kat}.accessKeyId`, accessKeyId, "access key id");
      const secretAccessKey = requireString(source, `${kat}.secretAccessKey`, k.secretAccessKey);
      return { accessKeyId, secretAccessKey };
    });
    const mfaDevices = requireArray(source, `${at}.mfaDevices`, raw.mfaDevices ?? []).map((d, j): WorldMfaDevice => {
      const dat = `${at}.mfaDevices[${j}]`;
      if (!isObject(d)) fail(source, dat, "must be an object");
      checkKeys(source, dat, d, ["serialNumber", "codes"]);
      const serialNumber = requireString(source, `${dat}.serialNumber`, d.serialNumber, /^[\w+=/:,.@-]{9,256}$/, "is not a valid MFA serial number (9-256 chars of [\\w+=/:,.@-])");
      unique(serials, `${dat}.serialNumber`, serialNumber, "MFA serial number");
      const codes = requireArray(source, `${dat}.codes`, d.codes).map((c, n) =>
        requireString(source, `${dat}.codes[${n}]`, c, /^\d{6}$/, "must be six digits"),
      );
      if (codes.length === 0) fail(source, `${dat}.codes`, "must list at least one code");
      return { serialNumber, codes };
    });
    return { arn, userId, accessKeys, mfaDevices };
  });

  const roles = requireArray(source, "roles", value.roles).map((raw, i): WorldRole => {
    const at = `roles[${i}]`;
    if (!isObject(raw)) fail(source, at, "must be an object");
    checkKeys(source, at, raw, ["arn", "roleId", "maxSessionDuration", "trustPolicy", "$comment"]);
    const arn = requireString(source, `${at}.arn`, raw.arn, /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\/.+$/, "is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)");
    unique(arns, `${at}.arn`, arn, "ARN");
    const roleId = raw.roleId === undefined ? undefined : requireString(source, `${at}.roleId`, raw.roleId, /^AROA[A-Z0-9]{12,124}$/, "must look like AROA…");
    const max = raw.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION;
    // IAM's own limits for a role's MaxSessionDuration.
    if (typeof max !== "number" || !Number.isInteger(max) || max < 3600 || max > 43200) {
      fail(source, `${at}.maxSessionDuration`, `must be an integer from 3600 to 43200, got ${JSON.stringify(max)}`);
    }
    try {
      compileTrustPolicy(raw.trustPolicy, `${at}.trustPolicy`);
    } catch (error) {
      if (error instanceof PolicyError) fail(source, `${at}.trustPolicy`, error.message);
      throw error;
    }
    return { arn, roleId, maxSessionDuration: max, trustPolicy: raw.trustPolicy as PolicyDocument };
  });

  const tokens = new Set<string>();
  const webIdentityTokens = requireArray(source, "webIdentityTokens", value.webIdentityTokens ?? []).map(
    (raw, i): WorldWebIdentityToken => {
      const at = `webIdentityTokens[${i}]`;
      if (!isObject(raw)) fail(source, at, "must be an object");
      checkKeys(source, at, raw, ["token", "subject", "provider", "audience"]);
      const token = requireString(source, `${at}.token`, raw.token);
      // STS model: WebIdentityToken is 4..20000 characters.
      if (token.length < 4 || token.length > 20000) fail(source, `${at}.token`, "must be 4 to 20000 characters");
      unique(tokens, `${at}.token`, token, "token");
      return {
        token,
        subject: requireString(source, `${at}.subject`, raw.subject),
        provider: requireString(source, `${at}.provider`, raw.provider),
        audience: requireString(source, `${at}.audience`, raw.audience),
      };
    },
  );

  // MFA serials must belong to the same account as their user, as in IAM.
  for (const [i, user] of users.entries()) {
    const account = parseIamArn(user.arn)?.account;
    for (const [j, device] of (user.mfaDevices ?? []).entries()) {
      const deviceArn = parseIamArn(device.serialNumber);
      if (deviceArn && deviceArn.account !== account) {
        fail(source, `users[${i}].mfaDevices[${j}].serialNumber`, `belongs to account ${deviceArn.account}, the user to ${account}`);
      }
    }
  }

  const world: World = { users, roles, webIdentityTokens };
  if (typeof value.description === "string") world.description = value.description;
  return world;
}
