// Cache keys for the AWS CLI's credential cache (~/.aws/cli/cache/<key>.json).
//
// awsrole shares that cache with the AWS CLI in both directions, so the file name
// must be exactly what botocore computes (docs/aws-rules.md#cache-key):
//
//   key = sha1(json.dumps(args, sort_keys=True).encode("utf-8")).hexdigest()
//
// where `args` are the AssumeRole parameters that were configured (never a
// generated session name, never TokenCode or the source credentials). Python's
// json.dumps output differs from JSON.stringify (separators, ensure_ascii, key
// order), so it is reproduced byte for byte by pythonJsonDumps below.
//
// Pure: no I/O besides hashing.

import { sha1Hex } from "./sha1.js";
import type { RoleHop } from "./role-hop.js";

export interface PythonJsonDumpsOptions {
  /** json.dumps(..., sort_keys=True): object keys sorted by Unicode code point. */
  sortKeys?: boolean;
}

/**
 * Python's `json.dumps(value)` with its defaults (separators `", "`/`": "`,
 * ensure_ascii=True, allow_nan=True), optionally with sort_keys=True.
 *
 * Mapping of JavaScript values: strings, booleans and null as in JSON; safe
 * integers (|n| < 2^53) and bigints as Python ints, other numbers as Python's
 * float repr (`1.5`, `1e-05`, `1e+16`, `NaN`, `Infinity`); arrays as
 * lists; other objects as dicts over their own enumerable string keys. An
 * object member whose value is `undefined` is left out (so optional fields can
 * be passed as undefined); anything else Python could not serialise
 * (undefined in an array, functions, symbols) throws a TypeError.
 */
export function pythonJsonDumps(value: unknown, options: PythonJsonDumpsOptions = {}): string {
  return dumps(value, options.sortKeys === true);
}

function dumps(value: unknown, sortKeys: boolean): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return pythonString(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      return pythonNumber(value);
    case "object": {
      if (Array.isArray(value)) {
        return `[${value
          .map((item: unknown) => {
            if (item === undefined) throw new TypeError("pythonJsonDumps: undefined is not JSON serializable");
            return dumps(item, sortKeys);
          })
          .join(", ")}]`;
      }
      const record = value as Record<string, unknown>;
      let keys = Object.keys(record).filter((k) => record[k] !== undefined);
      if (sortKeys) keys = keys.sort(compareCodePoints);
      return `{${keys.map((k) => `${pythonString(k)}: ${dumps(record[k], sortKeys)}`).join(", ")}}`;
    }
    default:
      throw new TypeError(`pythonJsonDumps: a ${typeof value} is not JSON serializable`);
  }
}

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

/**
 * CPython's `py_encode_basestring_ascii`: every character outside 0x20-0x7E
 * (so 0x7F too) becomes `\uXXXX` in lower-case hex. A JavaScript string is
 * UTF-16, so escaping each code unit yields exactly Python's surrogate pairs
 * for astral characters (and the same `\udXXX` for a lone surrogate).
 */
function pythonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) {
      out += short;
      continue;
    }
    const unit = s.charCodeAt(i);
    out += unit >= 0x20 && unit <= 0x7e ? ch : `\\u${unit.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

function pythonNumber(n: number): string {
  // JavaScript cannot tell 3 from 3.0; every number in a cache entry or key
  // (DurationSeconds, PackedPolicySize, HTTPStatusCode) is a Python int. Beyond
  // 2^53 a JavaScript number is almost surely a float, so it is written as one.
  if (Number.isSafeInteger(n)) return n === 0 ? "0" : String(n);
  if (Number.isNaN(n)) return "NaN";
  if (n === Infinity) return "Infinity";
  if (n === -Infinity) return "-Infinity";
  return pythonFloatRepr(n);
}

/**
 * Python's float repr ('r' format): the shortest round-tripping digits (the
 * same digits JavaScript picks), in positional notation when the decimal
 * exponent is in -4..15, otherwise `d.ddde±XX` with at least two exponent digits.
 */
function pythonFloatRepr(n: number): string {
  const sign = n < 0 ? "-" : "";
  const [mantissa, exp] = Math.abs(n).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : "";
    const e = Math.abs(exponent).toString().padStart(2, "0");
    return `${sign}${digits[0]}${frac}e${exponent < 0 ? "-" : "+"}${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const intPart = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fracPart = digits.slice(exponent + 1);
  return `${sign}${intPart}.${fracPart === "" ? "0" : fracPart}`;
}

/**
 * Orders strings by Unicode code point, as Python compares str. Plain `<` on
 * JavaScript strings compares UTF-16 code units, which puts an astral character
 * (surrogates 0xD800-0xDFFF) before U+E000-U+FFFF; Python puts it after.
 */
export function compareCodePoints(a: string, b: string): number {
  // Iterating a string yields code points (a lone surrogate on its own), which
  // is exactly how Python sees a str.
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/** sha1 hex of the UTF-8 bytes of Python's json.dumps(args, sort_keys=True). */
function sha1OfSortedJson(args: Record<string, unknown>): string {
  return sha1Hex(pythonJsonDumps(args, { sortKeys: true }));
}

export interface AssumeRoleKeyArgs {
  RoleArn: string;
  RoleSessionName?: string;
  ExternalId?: string;
  SerialNumber?: string;
  DurationSeconds?: number;
}

/**
 * botocore `AssumeRoleCredentialFetcher._create_cache_key` (docs/aws-rules.md#cache-key).
 * Only members that are present count; DurationSeconds stays a JSON number.
 * (The `:`/`/` replacement botocore applies afterwards is a no-op on hex.)
 */
export function assumeRoleCacheKey(args: AssumeRoleKeyArgs): string {
  const present: Record<string, unknown> = { RoleArn: args.RoleArn };
  if (args.RoleSessionName !== undefined) present.RoleSessionName = args.RoleSessionName;
  if (args.ExternalId !== undefined) present.ExternalId = args.ExternalId;
  if (args.SerialNumber !== undefined) present.SerialNumber = args.SerialNumber;
  if (args.DurationSeconds !== undefined) present.DurationSeconds = args.DurationSeconds;
  return sha1OfSortedJson(present);
}

/**
 * The cache key the AWS CLI uses for this hop. A hop carries roleSessionName only
 * when role_session_name is configured; the generated `botocore-session-<secs>`
 * name is never part of the key (botocore deletes it before hashing), so both
 * tools find each other's entries across runs.
 *
 * For an `mfaSession` hop this is still the key of its AssumeRole result; the
 * GetSessionToken step before it has its own key (mfaSessionCacheKey).
 */
export function hopCacheKey(hop: RoleHop): string {
  const args: AssumeRoleKeyArgs = { RoleArn: hop.roleArn };
  if (hop.roleSessionName !== undefined) args.RoleSessionName = hop.roleSessionName;
  if (hop.externalId !== undefined) args.ExternalId = hop.externalId;
  if (hop.mfaSerial !== undefined) args.SerialNumber = hop.mfaSerial;
  if (hop.durationSeconds !== undefined) args.DurationSeconds = hop.durationSeconds;
  return assumeRoleCacheKey(args);
}

/**
 * AssumeRoleWithWebIdentity uses the same function over {RoleArn[, RoleSessionName]}
 * (docs/aws-rules.md#web-identity); the token is not part of the key. Hence the key equals
 * the AssumeRole key for the same role without options.
 */
export function webIdentityCacheKey(source: { roleArn: string; roleSessionName?: string }): string {
  const args: AssumeRoleKeyArgs = { RoleArn: source.roleArn };
  if (source.roleSessionName !== undefined) args.RoleSessionName = source.roleSessionName;
  return assumeRoleCacheKey(args);
}

/**
 * awsrole's own entries: the GetSessionToken (with MFA) result that later
 * AssumeRole calls without MFA start from. The AWS CLI never writes these.
 *
 * Why this shape: every AssumeRole / web-identity key hashes an object that
 * contains "RoleArn", and this object never does, while it always contains the
 * lower-case "awsrole" member no AWS API parameter has; so the hashed strings
 * always differ and, sha1 collisions aside, the keys can never collide with an
 * AWS CLI entry. It includes the source access key id, because a session token
 * belongs to the identity that requested it (two users sharing an MFA serial
 * name, or rotated keys, must not share a session), and the duration, because a
 * shorter requested session must not be served a longer-lived entry or the
 * reverse. It never includes the secret key or the token code.
 */
export function mfaSessionCacheKey(args: {
  serialNumber: string;
  sourceAccessKeyId: string;
  durationSeconds?: number;
}): string {
  const hashed: Record<string, unknown> = {
    awsrole: "GetSessionToken",
    SerialNumber: args.serialNumber,
    SourceAccessKeyId: args.sourceAccessKeyId,
  };
  if (args.durationSeconds !== undefined) hashed.DurationSeconds = args.durationSeconds;
  return sha1OfSortedJson(hashed);
}
