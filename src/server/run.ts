// `awsrole exec --server PROFILE -- cmd` and `awsrole serve PROFILE`: resolve the
// profile once (failing before anything starts), then run the credential server
// (src/server/credential-server.ts), which renews the credentials through the
// same resolver, cache and MFA prompt as every other command.

import { loadConfig } from "../adapters/config-files.js";
import { recordRecentProfile } from "../commands/picker.js";
import type { Context } from "../context.js";
import { AwsroleError, InterruptedError, UsageError } from "../errors.js";
import { formatExpiration, shQuote } from "../render/credentials.js";
import { debug, resolveCredentials, warn, type ResolveInput } from "../resolver.js";
import {
  CredentialKeeper,
  FULL_RULE_MIN_SECONDS,
  loopbackHost,
  RETRY_AFTER_MS,
  startCredentialServer,
  type CredentialServer,
  type ServerLogEntry,
} from "./credential-server.js";
import { defaultProfileCredentials, serverEnvironment, serverVariables, type ServerVariables } from "./environment.js";

export interface ServeInput extends ResolveInput {
  host?: string | undefined;
  port?: string | undefined;
}

interface Running {
  server: CredentialServer;
  keeper: CredentialKeeper;
  variables: ServerVariables;
  profile: string | undefined;
  /** Why the shared files are hidden from served processes, if they are. */
  hiddenBecause: string | undefined;
  stop(): Promise<void>;
}

/** Resolves the profile, then starts the server; `verbose` logs every request and renewal (serve), else only failures. */
async function startServing(input: ServeInput, ctx: Context, verbose: boolean): Promise<Running> {
  // Bad --host / --port fail before any STS call.
  const host = loopbackHost(input.host ?? "127.0.0.1");
  const port = parsePort(input.port);
  // Renewals have their own signal, aborted when the server stops: Ctrl-C aborts
  // ctx.signal, but under exec it is the command's to handle, and a command that
  // goes on after it (cleaning up, say) still needs credentials.
  const stopping = new AbortController();
  const renewCtx: Context = { ...ctx, signal: stopping.signal };
  let first = true;
  let region: string | undefined;
  let profile: string | undefined;
  const keeper = new CredentialKeeper({
    now: () => ctx.now().getTime(),
    resolve: async () => {
      // --token-code and --refresh apply to the first resolution only (a code is good for one call).
      const resolved = first
        ? await resolveCredentials({ ...input, cacheWindowSeconds: FULL_RULE_MIN_SECONDS }, ctx)
        : await resolveCredentials(
            { ...input, tokenCode: undefined, refresh: false, cacheWindowSeconds: FULL_RULE_MIN_SECONDS },
            renewCtx,
          );
      first = false;
      region = resolved.region;
      profile = resolved.plan.profile;
      return resolved.resolution.credentials;
    },
    onRenewed: (credentials) => {
      const line = `renewed the credentials of profile "${profile}", valid until ${credentials.expiration ? formatExpiration(credentials.expiration) : "?"}`;
      if (verbose) ctx.stderr.write(`awsrole: ${line}\n`);
      else debug(ctx, line);
    },
    onFailure: (error) => {
      if (error instanceof InterruptedError) return;
      warn(
        ctx,
        `could not renew the credentials of profile "${profile}": ${describeFailure(error)} ` +
          `Clients get HTTP 503 once the current credentials run out; the next attempt ` +
          `is made on a request after ${RETRY_AFTER_MS / 1000} s.`,
      );
    },
  });
  const credentials = await keeper.start();
  if (!credentials.sessionToken) {
    keeper.stop();
    stopping.abort();
    throw new AwsroleError(
      "ServerNeedsTemporaryCredentials",
      `Profile "${profile}" gives credentials without a session token, which the container credentials protocol cannot carry.`,
      {
        hint: "Use awsrole exec without --server, or a profile that assumes a role.",
      },
    );
  }
  let server: CredentialServer;
  try {
    server = await startCredentialServer({
      host,
      port,
      keeper,
      describeFailure,
      log: (entry) => {
        const line = requestLine(entry, ctx.now());
        if (verbose) ctx.stderr.write(`awsrole: ${line}\n`);
        else debug(ctx, line);
      },
    });
  } catch (error) {
    keeper.stop();
    stopping.abort();
    throw error;
  }
  const config = loadConfig(ctx.env);
  const winner = defaultProfileCredentials(config);
  const where = winner?.origin
    ? ` (${winner.origin.path}${winner.origin.line === undefined ? "" : `:${winner.origin.line}`})`
    : "";
  const hiddenBecause = winner
    ? `the default profile sets ${winner.key}${where}, which SDKs use before a credential server`
    : undefined;
  if (hiddenBecause)
    debug(ctx, `${hiddenBecause}; pointing AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE at /dev/null`);
  const variables = serverVariables(server, { region, hideSharedFiles: winner !== undefined });
  return {
    server,
    keeper,
    variables,
    profile,
    hiddenBecause,
    async stop() {
      keeper.stop();
      stopping.abort();
      await server.close();
    },
  };
}

function describeFailure(error: unknown): string {
  if (error instanceof AwsroleError) return error.message;
  return `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}

function requestLine(entry: ServerLogEntry, now: Date): string {
  return `${now.toISOString().slice(11, 19)} ${entry.method} ${entry.path} ${entry.status} ${entry.note}`;
}

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new UsageError(
      `--port must be a number from 1 to 65535, not "${text.slice(0, 20)}".`,
      "Leave --port out for a free port.",
    );
  }
  return port;
}

/** exec --server: the child gets the server's variables; the server lives exactly as long as the child. */
export async function runExecServer(
  input: ServeInput & { command: readonly string[] },
  ctx: Context,
  spawnInherited: (command: readonly string[], env: Record<string, string>, ctx: Context) => Promise<number>,
): Promise<number> {
  const running = await startServing(input, ctx, false);
  if (running.profile !== undefined) recordRecentProfile(running.profile, ctx.env);
  try {
    const env = serverEnvironment(ctx.env, running.variables, { AWSROLE_PROFILE: running.profile ?? "" });
    return await spawnInherited(input.command, env, ctx);
  } finally {
    await running.stop();
  }
}

/** serve: print the variables (stdout, data only), then serve until SIGINT/SIGTERM. */
export async function runServe(input: ServeInput, ctx: Context): Promise<number> {
  const running = await startServing(input, ctx, true);
  try {
    const { set, unset } = running.variables;
    ctx.stdout.write(
      [`unset ${unset.join(" ")}`, ...set.map(([k, v]) => `export ${k}=${shQuote(v)}`)]
        .map((line) => line + "\n")
        .join(""),
    );
    if (running.hiddenBecause)
      warn(
        ctx,
        `${running.hiddenBecause}: so the lines above point AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE ` +
          `at /dev/null, and a process without them uses that profile instead (awsrole doctor --server).`,
      );
    ctx.stderr.write(
      `awsrole: serving the credentials of profile "${running.profile}" on ${running.server.url} ` +
        `until Ctrl-C; give a process the variables above (eval them in its shell) to use it.\n`,
    );
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) resolve();
      else ctx.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    ctx.stderr.write("awsrole: credential server stopped.\n");
    return 0;
  } finally {
    await running.stop();
  }
}
