// The full CLI's effects: STS through the SDK (loaded on first use), bounded
// HTTP(S) with the CA bundle, credential processes, the MFA prompt, the
// cross-process lock, secret files. Built once per resolution by
// src/resolver.ts through ctx.effects; src/cli.ts hands this factory to the
// context. The warm bundle never imports this module (src/effects/offline.ts).

import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../adapters/atomic-write.js";
import {
  boundedRequest,
  DeadlineError,
  formatBytes,
  formatSeconds,
  ResponseTooLargeError,
} from "../adapters/bounded-http.js";
import { readCaBundle, resolveCaBundle } from "../adapters/ca-bundle.js";
import { withFileLock } from "../adapters/file-lock.js";
import { sdkEnvSettings } from "../adapters/sts-client.js";
import type { Context, EffectsSetup } from "../context.js";
import type { Effects, HttpRequest, HttpResponse, StsPort } from "../core/effects.js";
import { isHttpsUrl, resolveStsEndpoint, type StsEndpoint } from "../core/endpoint.js";
import type { Env } from "../core/env.js";
import { AwsroleError, InterruptedError } from "../errors.js";
import { paint } from "../ui.js";
import { cachePort } from "./cache.js";
import { debug, warn } from "./say.js";

export function onlineEffects(ctx: Context, setup: EffectsSetup): Effects {
  const { config, plan } = setup;
  const profile = plan.profile === undefined ? undefined : config.profiles.get(plan.profile);
  const caBundle = resolveCaBundle(ctx.env, profile);
  const ca = () => (caBundle ? readCaBundle(caBundle) : undefined);
  let endpoint: StsEndpoint | undefined;
  let sts: Promise<StsPort> | undefined;
  let unusedTokenCode = setup.tokenCode;
  // Whether the last code came from the terminal prompt: only those are asked for again.
  let lastCodePrompted = false;
  return {
    env: ctx.env,
    now: () => ctx.now(),
    signal: ctx.signal,
    debug: (m) => debug(ctx, m),
    warn: (m) => warn(ctx, m),
    refresh: setup.refresh ?? false,
    sts() {
      // Endpoint errors (no region with a custom endpoint) surface only when a call
      // is needed, as in botocore, whose STS client is created on a cache miss.
      if (!endpoint) {
        endpoint = resolveStsEndpoint({ config, profile, env: ctx.env, regionFlag: setup.region });
        debug(ctx, `STS endpoint ${endpoint.url} (region ${endpoint.region}, from ${endpoint.origin})`);
      }
      const resolvedEndpoint = endpoint;
      // Read only for https, as urllib3 does: a plain-http endpoint never needs it.
      const caText = caBundle && isHttpsUrl(resolvedEndpoint.url) ? readCaBundle(caBundle) : undefined;
      sts ??= (async () => {
        // The connection first, so its handshakes run while the SDK loads (src/adapters/sts-connection.ts).
        const { openEarlyConnection, letIoRun } = await import("../adapters/sts-connection.js");
        const early = openEarlyConnection(resolvedEndpoint.url, caText);
        if (early) {
          // Ctrl-C before the first request: the socket goes at once.
          ctx.signal.addEventListener("abort", () => early.drop(), { once: true });
          await letIoRun();
        }
        const { createSts } = await import("../adapters/sts.js");
        return createSts({
          endpoint: resolvedEndpoint,
          signal: ctx.signal,
          ca: caText,
          ...maxAttempts(ctx.env),
          sdkSettings: sdkEnvSettings(ctx.env),
          early,
        });
      })();
      return sts;
    },
    http: (request) => http(request, ctx.signal, ca),
    runProcess: (argv, name) => runProcess(argv, name, ctx.env, ctx.signal),
    readFile: (path) => readFileSync(path, "utf8"),
    // A file holding secrets: temp file in the same directory, fsync, rename, 0600.
    writeSecretFile: (path, text) => writeFileAtomic(path, text, { mode: 0o600 }),
    // The one lock (h10utils' src/adapters/file-lock.ts), on `<name>.lock` beside
    // the file it guards, as the credential cache names its locks.
    withLock: (path, fn) =>
      withFileLock(`${path.replace(/\.json$/, "")}.lock`, fn, { signal: ctx.signal, warn: (m) => warn(ctx, m) }),
    cache: cachePort(ctx, setup),
    async mfaCode(serial, name) {
      // A --token-code is good for one call: TOTP codes cannot be reused.
      if (unusedTokenCode !== undefined) {
        const code = unusedTokenCode;
        unusedTokenCode = undefined;
        lastCodePrompted = false;
        return code;
      }
      lastCodePrompted = true;
      const { openTerminal, promptMfaCode } = await import("../adapters/prompt.js");
      const terminal = openTerminal(await ctx.isTerminal(0));
      if (!terminal) {
        throw new AwsroleError(
          "MfaCodeRequired",
          `Profile "${name}" needs a code from MFA device ${serial}, and there is no terminal to ask on.`,
          {
            hint: "Pass it with --token-code 123456, or run the command in a terminal.",
          },
        );
      }
      return promptMfaCode(serial, terminal, ctx.signal);
    },
    // A wrong code typed at the terminal is asked for again, up to three codes
    // in all, as aws-vault does; a --token-code is not (the next one is unknown).
    retryMfa(error, attempt) {
      if (!lastCodePrompted || attempt >= MFA_TRIES || !isWrongMfaCode(error)) return false;
      ctx.stderr.write(
        `${paint(ctx.color).yellow("awsrole:")} STS refused that MFA code (wrong, or already used); try the next one (${attempt + 1} of ${MFA_TRIES}).\n`,
      );
      return true;
    },
  };
}

const MFA_TRIES = 3;

/** STS's AccessDenied for a bad MFA code (not for a missing serial or a trust policy). */
function isWrongMfaCode(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === "Sts.AccessDenied" &&
    /MultiFactorAuthentication/i.test(e.message ?? "") &&
    !/must provide both/i.test(e.message ?? "")
  );
}

function maxAttempts(env: Env): { maxAttempts?: number } {
  const value = Number(env.AWS_MAX_ATTEMPTS);
  return Number.isInteger(value) && value >= 1 && value <= 10 ? { maxAttempts: value } : {};
}

/**
 * One request to a metadata, container or sign-in endpoint: its own deadline,
 * a size limit, the CA bundle for https. Failures become a short reason the
 * kind puts into its own sentence (never the body, never a secret).
 */
async function http(request: HttpRequest, signal: AbortSignal, ca: () => string | undefined): Promise<HttpResponse> {
  const https = isHttpsUrl(request.url);
  try {
    const { status, body, headers } = await boundedRequest(request.url, {
      ...(request.method !== undefined ? { method: request.method } : {}),
      ...(request.headers !== undefined ? { headers: request.headers } : {}),
      ...(request.body !== undefined ? { body: request.body } : {}),
      ca: https ? ca() : undefined,
      deadlineMs: request.deadlineMs,
      maxBytes: request.maxBytes,
      signal,
    });
    return { status, headers, body: body.toString("utf8") };
  } catch (error) {
    if (error instanceof DeadlineError) throw new Error(`no complete answer within ${formatSeconds(error.ms)}`);
    if (error instanceof ResponseTooLargeError)
      throw new Error(`the response was larger than ${formatBytes(error.limit)}`);
    if (error instanceof AwsroleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "the request failed");
  }
}

/** More than a credential_process could mean: its output is a few KiB. */
export const PROCESS_MAX_STDOUT_BYTES = 1024 * 1024;
const PROCESS_DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS (1 s to 1 h), else 10 minutes: long enough for a browser sign-in. */
function processTimeout(env: Env): number {
  const value = Number(env.AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS);
  return Number.isInteger(value) && value >= 1000 && value <= 3_600_000 ? value : PROCESS_DEFAULT_TIMEOUT_MS;
}

/** Runs a command without a shell: stdout captured (bounded), stderr passed through, a deadline. */
async function runProcess(
  argv: string[],
  profile: string,
  env: Env,
  signal: AbortSignal,
): Promise<{ stdout: string; code: number }> {
  // Loaded here, not at the top: node:child_process costs ~2 ms at startup.
  const { spawn } = await import("node:child_process");
  const timeoutMs = processTimeout(env);
  return new Promise((resolve, reject) => {
    // The process's stderr passes through to ours (it may prompt there, as
    // the AWS CLI allows); its stdout, which holds the secrets, is captured and
    // never echoed, not even in errors.
    const child = spawn(argv[0]!, argv.slice(1), {
      env: env as NodeJS.ProcessEnv,
      stdio: ["inherit", "pipe", "inherit"],
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: AwsroleError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // It gets a moment to clean up, then is killed; awsrole does not wait for it.
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 2000).unref();
      child.stdout.destroy();
      child.unref();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(
          new AwsroleError(
            "CredentialProcessTimeout",
            `The credential_process of profile "${profile}" (${argv[0]}) did not finish within ${Math.round(timeoutMs / 1000)} s; it was stopped.`,
            {
              hint: "Run that command yourself to see where it waits (AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS changes the limit).",
            },
          ),
        ),
      timeoutMs,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > PROCESS_MAX_STDOUT_BYTES) {
        fail(
          new AwsroleError(
            "CredentialProcessOutput",
            `The credential_process of profile "${profile}" (${argv[0]}) printed more ` +
              `than ${PROCESS_MAX_STDOUT_BYTES / (1024 * 1024)} MiB on stdout; it was stopped.`,
            { hint: "Run that command yourself and check its output." },
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (signal.aborted) reject(new InterruptedError());
      else
        reject(
          new AwsroleError(
            "CredentialProcessFailed",
            `Cannot run credential_process ${argv[0]} (${error.code ?? error.message}).`,
            { hint: "Check that the command exists and is executable." },
          ),
        );
    });
    child.on("close", (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(chunks, size).toString("utf8"), code: code ?? 1 });
    });
  });
}
