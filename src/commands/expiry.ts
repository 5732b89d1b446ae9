import type { Context } from "../context.js";
import type { Credentials } from "../core/resolve.js";
import { warn } from "../resolver.js";

/** Credentials with less than this left get a warning on stderr (docs/commands.md). */
export const EXPIRY_WARNING_SECONDS = 10 * 60;

export function formatDuration(seconds: number): string {
  if (seconds <= 0) return "expired";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(s).padStart(2, "0")}s` : `${s}s`;
}

export function warnIfExpiringSoon(credentials: Credentials, ctx: Context): void {
  if (!credentials.expiration) return;
  const left = (credentials.expiration.getTime() - ctx.now().getTime()) / 1000;
  if (left < EXPIRY_WARNING_SECONDS) {
    warn(
      ctx,
      left <= 0
        ? "these credentials have already expired."
        : `these credentials expire in ${formatDuration(left)} (at ${credentials.expiration.toISOString()}).`,
    );
  }
}
