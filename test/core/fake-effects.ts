// Fake Effects for in-process tests of the plan executor and the kinds: an
// in-memory cache with a real (in-process) lock per key, an STS that answers
// after a tick, scripted MFA codes, and one log of everything touched, in order.

import type {
  AssumeRoleParams,
  CacheLookup,
  CachePort,
  Credentials,
  Effects,
  StsPort,
  StsResponse,
} from "../../src/core/effects.js";

export interface Fake {
  fx: Effects;
  log: string[];
  /** Entries by key, as the cache would hold them. */
  entries: Map<string, { expiration: Date; arn?: string }>;
  calls: Array<{ op: string; params: unknown; credentials?: Credentials }>;
}

export interface FakeOptions {
  now?: Date;
  env?: Record<string, string>;
  /** Cached entries: key -> seconds left (negative: expired). */
  cached?: Record<string, number>;
  noCache?: boolean;
  refresh?: boolean;
  codes?: string[];
  retryMfa?: Effects["retryMfa"];
  /** STS refuses these calls once (by RoleArn or "GetSessionToken"), then answers. */
  failOnce?: string[];
  files?: Record<string, string>;
  /** A log shared by several fakes (two processes on one cache). */
  shared?: Pick<Fake, "log" | "entries" | "calls"> & { locks: Map<string, Promise<void>> };
}

let serial = 0;

export function sharedWorld(): NonNullable<FakeOptions["shared"]> {
  return { log: [], entries: new Map(), calls: [], locks: new Map() };
}

export function fakeEffects(options: FakeOptions = {}): Fake {
  const now = options.now ?? new Date("2026-12-01T10:00:00Z");
  const world = options.shared ?? sharedWorld();
  const { log, entries, calls, locks } = world;
  for (const [key, seconds] of Object.entries(options.cached ?? {}))
    entries.set(key, { expiration: new Date(now.getTime() + seconds * 1000) });
  const codes = [...(options.codes ?? [])];
  const failOnce = new Set(options.failOnce ?? []);

  const respond = (
    op: string,
    params: { RoleArn?: string; RoleSessionName?: string },
    credentials?: Credentials,
  ): Promise<StsResponse> => {
    calls.push({ op, params, ...(credentials ? { credentials } : {}) });
    const target = params.RoleArn ?? op;
    log.push(`sts ${op}${params.RoleArn ? ` ${params.RoleArn.split("/").pop()}` : ""}`);
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        if (failOnce.delete(target)) {
          reject(
            Object.assign(new Error("MultiFactorAuthentication failed with invalid MFA one time pass code."), {
              code: "Sts.AccessDenied",
            }),
          );
          return;
        }
        const n = ++serial;
        const arn = params.RoleArn
          ? `arn:aws:sts::${params.RoleArn.split(":")[4]}:assumed-role/${params.RoleArn.split("/").pop()}/${params.RoleSessionName}`
          : undefined;
        resolve({
          Credentials: {
            AccessKeyId: `ASIAFAKE${n}`,
            SecretAccessKey: `secret${n}`,
            SessionToken: `token${n}`,
            Expiration: new Date(now.getTime() + 3600_000).toISOString(),
          },
          ...(arn ? { AssumedRoleUser: { Arn: arn, AssumedRoleId: `AROAFAKE:${params.RoleSessionName}` } } : {}),
        });
      }, 1),
    );
  };
  const sts: StsPort = {
    assumeRole: (credentials, params: AssumeRoleParams) => respond("AssumeRole", params, credentials),
    assumeRoleWithWebIdentity: (params) => respond("AssumeRoleWithWebIdentity", params),
    getSessionToken: (credentials, params) => respond("GetSessionToken", params as never, credentials),
    getCallerIdentity: async () => ({ UserId: "u", Account: "111111111111", Arn: "arn:aws:iam::111111111111:user/u" }),
  };
  const cache: CachePort = {
    read(key): CacheLookup {
      log.push(`read ${short(key)}`);
      const entry = entries.get(key);
      const path = `/cache/${key}.json`;
      if (!entry) return { status: "miss", reason: "absent", path };
      if (entry.expiration.getTime() - now.getTime() < 900_000) return { status: "miss", reason: "expired", path };
      return {
        status: "hit",
        path,
        credentials: {
          accessKeyId: `ASIACACHED`,
          secretAccessKey: "s",
          sessionToken: "t",
          expiration: entry.expiration,
          ...(entry.arn ? { arn: entry.arn } : {}),
        },
      };
    },
    write(key, response) {
      log.push(`write ${short(key)}`);
      entries.set(key, {
        expiration: new Date(response.Credentials.Expiration),
        ...(response.AssumedRoleUser ? { arn: response.AssumedRoleUser.Arn } : {}),
      });
      return true;
    },
    async withLock(key, fn) {
      // One holder per key at a time, as the cross-process lock gives.
      const before = locks.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((r) => (release = r));
      locks.set(
        key,
        before.then(() => mine),
      );
      await before;
      log.push(`lock ${short(key)}`);
      try {
        return await fn();
      } finally {
        release();
      }
    },
  };
  const fx: Effects = {
    env: options.env ?? {},
    now: () => now,
    signal: new AbortController().signal,
    debug: () => {},
    warn: (m) => log.push(`warn ${m}`),
    refresh: options.refresh ?? false,
    sts: async () => sts,
    http: async (request) => {
      log.push(`http ${request.url}`);
      throw new Error("no network in this test");
    },
    runProcess: async (argv) => {
      log.push(`run ${argv.join(" ")}`);
      return { stdout: JSON.stringify({ Version: 1, AccessKeyId: "AKIAPROCESS", SecretAccessKey: "s" }), code: 0 };
    },
    readFile: (path) => {
      log.push(`readFile ${path}`);
      const text = options.files?.[path];
      if (text === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
      return text;
    },
    writeSecretFile: (path) => void log.push(`writeFile ${path}`),
    withLock: (path, fn) => cache.withLock(path, fn),
    cache: options.noCache ? undefined : cache,
    mfaCode: async (serialNumber) => {
      log.push(`mfa ${serialNumber.split("/").pop()}`);
      const code = codes.shift();
      if (code === undefined) throw new Error(`no MFA code left for ${serialNumber}`);
      return code;
    },
    ...(options.retryMfa ? { retryMfa: options.retryMfa } : {}),
  };
  return { fx, log, entries, calls };
}

/** Keys in logs: the first 6 hex digits are enough to tell them apart. */
export function short(key: string): string {
  return key.slice(0, 6);
}
