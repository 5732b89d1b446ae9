// The warm path's effects (src/fast-export.ts): the environment, the clock,
// files and cache entries can be read; anything else (STS, the network, a
// process, a prompt, a lock, a write) throws NeedsOnline, and the full CLI runs
// the command from the start. This module and what it imports are all the warm
// bundle has of the effects: src/effects/online.ts is never imported here.

import { readFileSync } from "node:fs";
import type { Context, EffectsSetup } from "../context.js";
import { NeedsOnline, type CachePort, type Effects } from "../core/effects.js";
import { cachePort } from "./cache.js";
import { debug, warn } from "./say.js";

const online = (what: string) => (): never => {
  throw new NeedsOnline(what);
};

export function offlineEffects(ctx: Context, setup: EffectsSetup): Effects {
  const store = cachePort(ctx, setup);
  // A miss goes straight to the full CLI: never wait for another process's
  // lock here (the full CLI waits, and can be interrupted).
  const cache: CachePort | undefined = store && {
    read: (key) => store.read(key),
    write: online("a cache write"),
    withLock: online("a cache miss"),
  };
  return {
    env: ctx.env,
    now: () => ctx.now(),
    signal: ctx.signal,
    debug: (m) => debug(ctx, m),
    warn: (m) => warn(ctx, m),
    refresh: setup.refresh ?? false,
    sts: online("an STS call"),
    http: online("a network request"),
    runProcess: online("a credential process"),
    readFile: (path) => readFileSync(path, "utf8"),
    writeSecretFile: online("a file write"),
    withLock: online("a lock"),
    cache,
    mfaCode: online("an MFA code"),
  };
}
