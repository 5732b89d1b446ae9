// The files `awsrole login` writes in ~/.aws/sso/cache, exactly as the AWS CLI v2
// does (docs/sso.md, "Files"), so the AWS CLI, botocore and the SDKs use the
// session awsrole logged in:
// - the token: <sha1(session name)>.json for an sso-session, <sha1(start URL as
//   written)>.json for the legacy form (botocore utils.py:
//   SSOTokenLoader._generate_cache_key);
// - the client registration: <sha1(Python json.dumps({"tool":"botocore",
//   "startUrl","region","scopes","session_name"}, sort_keys=True))>.json
//   (awscli utils.py: SSOTokenFetcher._registration_cache_key).
// Both 0600, written atomically (temp file in the same directory, fsync, rename).
//
// Only the writer side the login needs; reading and refreshing tokens belongs
// to the SSO credential kind.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { sha1Hex } from "../core/sha1.js";
import { uniqueSuffix } from "../core/unique.js";
import { AwsroleError } from "../errors.js";
import { homeDir } from "./config-files.js";

type Env = Readonly<Record<string, string | undefined>>;

/** ~/.aws/sso/cache (the AWS CLI has no variable for it). */
export function ssoCacheDir(env: Env): string {
  return join(homeDir(env), ".aws", "sso", "cache");
}

/** The token file's name without .json: sha1 of the session name, or of the start URL exactly as written. */
export function tokenCacheKey(target: { sessionName?: string | undefined; startUrl: string }): string {
  return sha1Hex(target.sessionName ?? target.startUrl);
}

/** The registration file's name without .json. `scopes` and `sessionName` are null for the legacy form. */
export function registrationCacheKey(input: {
  startUrl: string;
  region: string;
  scopes: string[] | null;
  sessionName: string | null;
}): string {
  return sha1Hex(
    pythonJsonDumps({
      tool: "botocore",
      startUrl: input.startUrl,
      region: input.region,
      scopes: input.scopes,
      session_name: input.sessionName,
    }),
  );
}

/** Python's json.dumps(value, sort_keys=True): separators ", " and ": ", non-ASCII escaped as \uXXXX. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string")
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  if (typeof value === "number" || typeof value === "boolean") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`).join(", ")}}`;
}

/** botocore's token timestamps: %Y-%m-%dT%H:%M:%SZ (UTC, no fraction). */
export function formatUtc(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export interface SsoTokenFile {
  startUrl: string;
  region: string;
  accessToken: string;
  expiresAt: string;
  clientId: string;
  clientSecret: string;
  registrationExpiresAt: string;
  refreshToken?: string;
}

export interface RegistrationFile {
  clientId: string;
  clientSecret: string;
  expiresAt: string;
  /** PKCE registrations only. */
  scopes?: string[];
  grantTypes?: string[];
}

/** A cached registration, if the file exists and holds one (anything unreadable is no registration). */
export function readRegistration(path: string): RegistrationFile | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const r = parsed as Record<string, unknown>;
  if (typeof r.clientId !== "string" || typeof r.clientSecret !== "string" || typeof r.expiresAt !== "string")
    return undefined;
  const out: RegistrationFile = { clientId: r.clientId, clientSecret: r.clientSecret, expiresAt: r.expiresAt };
  if (Array.isArray(r.scopes)) out.scopes = r.scopes.filter((s): s is string => typeof s === "string");
  if (Array.isArray(r.grantTypes)) out.grantTypes = r.grantTypes.filter((s): s is string => typeof s === "string");
  return out;
}

/**
 * Whether a cached registration may be reused: more than 15 minutes before its
 * expiry, and made by the same flow (awscli utils.py: a PKCE registration has
 * grantTypes with authorization_code, a device-code one has none).
 */
export function registrationUsable(registration: RegistrationFile, flow: "pkce" | "device", now: Date): boolean {
  const expires = Date.parse(registration.expiresAt);
  if (!Number.isFinite(expires) || expires - 15 * 60 * 1000 <= now.getTime()) return false;
  const forAuthCode = registration.grantTypes?.includes("authorization_code") ?? false;
  return flow === "pkce" ? forAuthCode : !forAuthCode;
}

/** Writes JSON holding secrets: mode 0600, temp file in the same directory, fsync, rename; the directory is made 0700. */
export function writeSecretJson(path: string, dir: string, value: object): void {
  const temp = join(dir, `.${uniqueSuffix()}.tmp`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    fd = openSync(temp, "wx", 0o600);
    writeSync(fd, JSON.stringify(value));
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
  } catch (error) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {}
    }
    try {
      unlinkSync(temp);
    } catch {}
    throw new AwsroleError(
      "WriteFailed",
      `Could not write ${path} (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
      {
        hint: "Check the permissions and free space of ~/.aws/sso/cache.",
      },
    );
  }
}
