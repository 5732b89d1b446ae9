// When a cached credential may be used, and how its Expiration is read.
// Pure: the caller passes "now".

/**
 * A cache entry is used only while at least this many seconds remain. botocore
 * `CachedCredentialFetcher.DEFAULT_EXPIRY_WINDOW_SECONDS = 900` (used by the
 * AssumeRole and web-identity fetchers: `_is_expired` is `seconds_left < 900`),
 * docs/aws-rules.md#expiry-windows. Using the same window means awsrole and the AWS CLI
 * agree on which entries are fresh, and neither hands out credentials that
 * would expire during a typical command. (Consequence, as in the CLI: with
 * duration_seconds = 900 an entry is never reused.)
 */
export const CLI_EXPIRY_WINDOW_SECONDS = 900;

// The shapes AWS tools write (docs/aws-rules.md#expiration-format):
//   2026-11-22T18:48:33Z            real STS through AWS CLI v1 (wire string)
//   2026-11-22T18:48:33.186509Z     moto (any number of fraction digits)
//   2026-11-22T18:48:33+00:00       cli_timestamp_format = iso8601 (any offset)
//   2026-11-22T18:48:33UTC          plain botocore, strftime('%Y-%m-%dT%H:%M:%S%Z')
//   2026-11-22 18:48:33+00:00       str(datetime); dateutil accepts the space too
// Zone names are matched case-insensitively and may follow a space, as dateutil allows.
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))? ?(?:(Z|UTC|GMT)|([+-])(\d{2})(?::?(\d{2}))?)$/i;

/**
 * Parses a cached `Credentials.Expiration`. Returns undefined for anything that
 * is not a string in one of the shapes above, including a time without a zone:
 * dateutil would take that as local time, but no AWS tool writes one, so
 * awsrole treats such an entry as unusable (a cache miss) rather than guess.
 * Sub-millisecond digits are truncated.
 */
export function parseExpiration(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const m = TIMESTAMP.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zoneName, sign, offH, offM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  // Python's datetime rejects out-of-range fields (no leap second 60, no Feb 30).
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, "0"));
  let offsetMinutes = 0;
  if (zoneName === undefined) {
    const oh = Number(offH);
    const om = offM === undefined ? 0 : Number(offM);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (sign === "-" ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year);
  const time = date.getTime() - offsetMinutes * 60_000;
  return Number.isFinite(time) ? new Date(time) : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** botocore's test, exactly: usable iff `Expiration - now >= window` (to the millisecond). */
export function isUsable(expiration: Date, now: Date, windowSeconds: number = CLI_EXPIRY_WINDOW_SECONDS): boolean {
  return expiration.getTime() - now.getTime() >= windowSeconds * 1000;
}

/** Whole seconds until expiration, rounded down; negative once expired. */
export function secondsLeft(expiration: Date, now: Date): number {
  return Math.floor((expiration.getTime() - now.getTime()) / 1000);
}
