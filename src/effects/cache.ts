// The AWS CLI's credential cache as the CachePort both sets of effects use:
// the store (src/adapters/cache-store.ts), with the credential server's longer
// window when it asks for one.

import { CacheStore } from "../adapters/cache-store.js";
import type { Context, EffectsSetup } from "../context.js";
import type { CachePort } from "../core/effects.js";
import { warn } from "./say.js";

export function cachePort(ctx: Context, setup: EffectsSetup): CachePort | undefined {
  if (setup.noCache) return undefined;
  // The signal lets Ctrl-C end a wait for another process's lock at once.
  const store = new CacheStore(setup.cacheDir, { warn: (m) => warn(ctx, m), now: () => ctx.now(), signal: ctx.signal });
  const seconds = setup.cacheWindowSeconds;
  if (seconds === undefined) return store;
  // Hits must have at least `seconds` left; shorter ones count as expired (and are replaced).
  return {
    read(key) {
      const found = store.read(key);
      if (found.status === "hit" && found.credentials.expiration.getTime() - ctx.now().getTime() < seconds * 1000) {
        return { status: "miss", reason: "expired", path: found.path, detail: `less than ${seconds} s left` };
      }
      return found;
    },
    write: (key, response) => store.write(key, response),
    withLock: (key, fn) => store.withLock(key, fn),
  };
}
