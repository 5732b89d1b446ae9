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

/** An AWS account as IAM Identity Center lists it (ListAccounts). */
export interface WorldSsoAccount {
  accountId: string;
  accountName: string;
  emailAddress: string;
}

/** A permission set of an Identity Center user in one account (ListAccountRoles, GetRoleCredentials). */
export interface WorldSsoAssignment {
  accountId: string;
  roleName: string;
  /**
   * The IAM role the portal's credentials are sessions of; it must be a role of this world.
   * Default arn:aws:iam::ACCOUNT:role/ROLENAME. Real ones look like
   * arn:aws:iam::ACCOUNT:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_ROLENAME_<hex>.
   */
  roleArn?: string;
  /** Lifetime of GetRoleCredentials sessions (the permission set's session duration). Default 3600. */
  sessionDuration?: number;
}

/** An Identity Center user: the session name of its role credentials. */
export interface WorldSsoUser {
  userName: string;
  assignments: WorldSsoAssignment[];
}

/** IAM Identity Center (sso-oidc and the portal), see README.md. */
export interface WorldSso {
  /** The AWS access portal URL; StartDeviceAuthorization and PKCE issuerUrl must match it. */
  startUrl: string;
  accounts: WorldSsoAccount[];
  users: WorldSsoUser[];
}

export interface World {
  description?: string;
  users: WorldUser[];
  roles: WorldRole[];
  webIdentityTokens?: WorldWebIdentityToken[];
  sso?: WorldSso;
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
    if (!allowed.includes(key))
      fail(source, `${where}.${key}`, `unknown field (expected one of ${allowed.join(", ")})`);
  }
}

function requireString(source: string, where: string, value: unknown, pattern?: RegExp, patternText?: string): string {
  if (typeof value !== "string" || value === "")
    fail(source, where, `must be a non-empty string, got ${JSON.stringify(value)}`);
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
  checkKeys(source, "(top level)", value, ["description", "users", "roles", "webIdentityTokens", "sso", "$comment"]);

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
    const arn = requireString(
      source,
      `${at}.arn`,
      raw.arn,
      /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:user\/.+$/,
      "is not an IAM user ARN (arn:aws:iam::123456789012:user/NAME)",
    );
    unique(arns, `${at}.arn`, arn, "ARN");
    const userId =
      raw.userId === undefined
        ? undefined
        : requireString(source, `${at}.userId`, raw.userId, /^AIDA[A-Z0-9]{12,124}$/, "must look like AIDA…");
    const accessKeys = requireArray(source, `${at}.accessKeys`, raw.accessKeys).map((k, j): WorldAccessKey => {
      const kat = `${at}.accessKeys[${j}]`;
      if (!isObject(k)) fail(source, kat, "must be an object");
      checkKeys(source, kat, k, ["accessKeyId", "secretAccessKey"]);
      // Long-term IAM user keys start with AKIA; ASIA is reserved for the emulator's temporary keys.
      const accessKeyId = requireString(
        source,
        `${kat}.accessKeyId`,
        k.accessKeyId,
        /^AKIA[A-Z0-9]{12,124}$/,
        "must be AKIA followed by 12+ upper-case letters/digits",
      );
      unique(accessKeyIds, `${kat}.accessKeyId`, accessKeyId, "access key id");
      const secretAccessKey = requireString(source, `${kat}.secretAccessKey`, k.secretAccessKey);
      return { accessKeyId, secretAccessKey };
    });
    const mfaDevices = requireArray(source, `${at}.mfaDevices`, raw.mfaDevices ?? []).map((d, j): WorldMfaDevice => {
      const dat = `${at}.mfaDevices[${j}]`;
      if (!isObject(d)) fail(source, dat, "must be an object");
      checkKeys(source, dat, d, ["serialNumber", "codes"]);
      const serialNumber = requireString(
        source,
        `${dat}.serialNumber`,
        d.serialNumber,
        /^[\w+=/:,.@-]{9,256}$/,
        "is not a valid MFA serial number (9-256 chars of [\\w+=/:,.@-])",
      );
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
    const arn = requireString(
      source,
      `${at}.arn`,
      raw.arn,
      /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\/.+$/,
      "is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)",
    );
    unique(arns, `${at}.arn`, arn, "ARN");
    const roleId =
      raw.roleId === undefined
        ? undefined
        : requireString(source, `${at}.roleId`, raw.roleId, /^AROA[A-Z0-9]{12,124}$/, "must look like AROA…");
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
        fail(
          source,
          `users[${i}].mfaDevices[${j}].serialNumber`,
          `belongs to account ${deviceArn.account}, the user to ${account}`,
        );
      }
    }
  }

  const world: World = { users, roles, webIdentityTokens };
  if (typeof value.description === "string") world.description = value.description;
  if (value.sso !== undefined) world.sso = validateSso(source, value.sso, new Set(roles.map((r) => r.arn)));
  return world;
}

function validateSso(source: string, raw: unknown, roleArns: Set<string>): WorldSso {
  const at = "sso";
  if (!isObject(raw)) fail(source, at, "must be an object with startUrl, accounts and users");
  checkKeys(source, at, raw, ["startUrl", "accounts", "users", "$comment"]);
  const startUrl = requireString(source, `${at}.startUrl`, raw.startUrl, /^https?:\/\/\S+$/, "must be an http(s) URL");
  const accountIds = new Set<string>();
  const accounts = requireArray(source, `${at}.accounts`, raw.accounts).map((a, i): WorldSsoAccount => {
    const aat = `${at}.accounts[${i}]`;
    if (!isObject(a)) fail(source, aat, "must be an object");
    checkKeys(source, aat, a, ["accountId", "accountName", "emailAddress", "$comment"]);
    const accountId = requireString(source, `${aat}.accountId`, a.accountId, /^\d{12}$/, "must be 12 digits");
    if (accountIds.has(accountId)) fail(source, `${aat}.accountId`, `duplicate account id "${accountId}"`);
    accountIds.add(accountId);
    return {
      accountId,
      accountName: requireString(source, `${aat}.accountName`, a.accountName),
      emailAddress: requireString(source, `${aat}.emailAddress`, a.emailAddress),
    };
  });
  const userNames = new Set<string>();
  const users = requireArray(source, `${at}.users`, raw.users).map((u, i): WorldSsoUser => {
    const uat = `${at}.users[${i}]`;
    if (!isObject(u)) fail(source, uat, "must be an object");
    checkKeys(source, uat, u, ["userName", "assignments", "$comment"]);
    // The user name becomes the RoleSessionName of the portal's role credentials.
    const userName = requireString(
      source,
      `${uat}.userName`,
      u.userName,
      /^[\w+=,.@-]{2,64}$/,
      "must be a valid role session name ([\\w+=,.@-], 2-64)",
    );
    if (userNames.has(userName)) fail(source, `${uat}.userName`, `duplicate user "${userName}"`);
    userNames.add(userName);
    const assignments = requireArray(source, `${uat}.assignments`, u.assignments).map((g, j): WorldSsoAssignment => {
      const gat = `${uat}.assignments[${j}]`;
      if (!isObject(g)) fail(source, gat, "must be an object");
      checkKeys(source, gat, g, ["accountId", "roleName", "roleArn", "sessionDuration", "$comment"]);
      const accountId = requireString(source, `${gat}.accountId`, g.accountId, /^\d{12}$/, "must be 12 digits");
      if (!accountIds.has(accountId)) fail(source, `${gat}.accountId`, `account ${accountId} is not in sso.accounts`);
      const roleName = requireString(
        source,
        `${gat}.roleName`,
        g.roleName,
        /^[\w+=,.@-]{1,32}$/,
        "must be a permission set name ([\\w+=,.@-], 1-32)",
      );
      const roleArn =
        g.roleArn === undefined
          ? `arn:aws:iam::${accountId}:role/${roleName}`
          : requireString(source, `${gat}.roleArn`, g.roleArn);
      if (!roleArns.has(roleArn)) fail(source, `${gat}.roleArn`, `role ${roleArn} is not in roles`);
      if (parseIamArn(roleArn)?.account !== accountId)
        fail(source, `${gat}.roleArn`, `role ${roleArn} is not in account ${accountId}`);
      const sessionDuration = g.sessionDuration ?? 3600;
      // Permission sets allow 1 to 12 hours.
      if (
        typeof sessionDuration !== "number" ||
        !Number.isInteger(sessionDuration) ||
        sessionDuration < 3600 ||
        sessionDuration > 43200
      ) {
        fail(
          source,
          `${gat}.sessionDuration`,
          `must be an integer from 3600 to 43200, got ${JSON.stringify(sessionDuration)}`,
        );
      }
      return { accountId, roleName, roleArn, sessionDuration };
    });
    return { userName, assignments };
  });
  return { startUrl, accounts, users };
}
