// `awsrole exec <profile> -- <command> [args...]`: run one command with the
// profile's credentials in its environment, as aws-vault exec does. The command
// gets the exact argv (no shell), inherits stdin/stdout/stderr, receives the
// signals awsrole gets, and its exit status becomes awsrole's.

import type { Context } from "../context.js";
import { AwsroleError } from "../errors.js";
import { CONFLICTING_CHILD_VARIABLES, credentialVariables, formatExpiration } from "../render/credentials.js";
import { resolveCredentials, warn } from "../resolver.js";
import { chooseRegion, keptRegionWarning, profileRegionOf, REGION_MARKER, REGION_VARIABLES } from "../core/region.js";
import type { Credentials } from "../core/resolve.js";
import { warnIfExpiringSoon } from "./expiry.js";
import { pickProfileIfInteractive, recordRecentProfile } from "./picker.js";
import type { Env } from "../core/env.js";

export interface ExecInput {
  profile: string | undefined;
  command: readonly string[];
  nest?: boolean;
  tokenCode?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
  /** --server: a local credential server keeps the credentials fresh (src/server/). */
  server?: boolean;
}

/** What exec removes from its child's environment: conflicts, and the markers of an outer awsrole shell. */
export const EXEC_REMOVED_VARIABLES = [
  ...CONFLICTING_CHILD_VARIABLES,
  "AWSROLE_PROFILE",
  "AWSROLE_EXPIRATION",
] as const;

/** The child's environment: the caller's, minus conflicts, plus the credentials and the awsrole marker. */
export function execEnvironment(
  env: Env,
  credentials: Credentials,
  extras: { region?: string | undefined; profile?: string | undefined },
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  for (const name of EXEC_REMOVED_VARIABLES) delete out[name];
  for (const [key, value] of credentialVariables(credentials, { region: extras.region, profile: extras.profile }))
    out[key] = value;
  out.AWSROLE_PROFILE = extras.profile ?? "";
  if (credentials.expiration) out.AWSROLE_EXPIRATION = formatExpiration(credentials.expiration);
  return out;
}

export async function runExec(input: ExecInput, ctx: Context): Promise<number> {
  const outer = ctx.env.AWSROLE_PROFILE;
  if (outer !== undefined && !input.nest) {
    throw new AwsroleError(
      "NestedExec",
      `This shell already runs with awsrole credentials (AWSROLE_PROFILE=${outer}); refusing to nest another awsrole exec inside it.`,
      {
        hint: "Exit that shell first, or pass --nest to run with the new profile's credentials anyway.",
      },
    );
  }
  const profile = await pickProfileIfInteractive(input.profile, ctx);
  if (input.server) {
    const command = commandOrShell(input.command, profile, ctx);
    return (await import("../server/run.js")).runExecServer({ ...input, profile, command }, ctx, spawnInherited);
  }
  const resolved = await resolveCredentials({ ...input, profile }, ctx);
  const { credentials } = resolved.resolution;
  warnIfExpiringSoon(credentials, ctx);
  if (resolved.plan.profile !== undefined) recordRecentProfile(resolved.plan.profile, ctx.env);
  // The same region rule as export (src/core/region.ts).
  const region = chooseRegion({
    flag: input.region,
    env: ctx.env,
    hasProfile: resolved.plan.profile !== undefined,
    profileRegion: profileRegionOf(resolved.config, resolved.plan.profile),
  });
  if (region.conflict) warn(ctx, keptRegionWarning(region.conflict, resolved.plan.profile));
  const callerEnv = { ...ctx.env };
  if (region.clear) for (const name of REGION_VARIABLES) delete callerEnv[name];
  const env = execEnvironment(callerEnv, credentials, {
    region: region.set ?? region.kept,
    profile: resolved.plan.profile,
  });
  if (region.set) env[REGION_MARKER] = region.set;
  return spawnInherited(commandOrShell(input.command, resolved.plan.profile, ctx), env, ctx);
}

/** No command: a subshell, as aws-vault exec does; exiting it drops the credentials. */
function commandOrShell(command: readonly string[], profile: string | undefined, ctx: Context): readonly string[] {
  if (command.length > 0) return command;
  const shell = ctx.env.SHELL || "/bin/sh";
  ctx.stderr.write(
    `awsrole: starting ${shell} as ${profile ?? "the environment's credentials"}; exit it to drop the credentials.\n`,
  );
  return [shell];
}

/**
 * Which signals awsrole passes on to the child, and which it only survives.
 * The child shares awsrole's process group, so on a terminal the kernel already
 * delivers Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT) and a hang-up to both: forwarding
 * them again would give the child two interrupts for one keypress (Terraform
 * takes a second one as "exit immediately"). Without a terminal those signals
 * were aimed at awsrole alone, so they are forwarded (SIGQUIT included: a
 * terminal would have sent Ctrl-\ to the command too). SIGTERM is always
 * forwarded. Either way awsrole stays alive to report the child's status.
 */
function signalPlan(interactive: boolean): { forward: NodeJS.Signals[]; ignore: NodeJS.Signals[] } {
  // SIGUSR1 and SIGUSR2 never come from a terminal: they are meant for the
  // command (dd, nginx, ...). Handling SIGUSR1 also keeps Node's inspector
  // closed in this process, which holds credentials (bin/awsrole.cjs).
  const user: NodeJS.Signals[] = ["SIGUSR1", "SIGUSR2"];
  return interactive
    ? { forward: ["SIGTERM", ...user], ignore: ["SIGINT", "SIGQUIT", "SIGHUP"] }
    : { forward: ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", ...user], ignore: [] };
}

export async function spawnInherited(
  command: readonly string[],
  env: Record<string, string>,
  ctx: Context,
): Promise<number> {
  const { spawn } = await import("node:child_process");
  const { constants } = await import("node:os");
  const [file, ...args] = command as [string, ...string[]];
  const plan = signalPlan(await ctx.isTerminal(0));
  return new Promise<number>((resolve, reject) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(file, args, { env, stdio: "inherit" });
    } catch (error) {
      // Some failures (a name too long for the system) are thrown, not emitted.
      reject(spawnFailure(file, error as NodeJS.ErrnoException));
      return;
    }
    const forward = (signal: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = [
      ...plan.forward.map((signal) => [signal, forward(signal)] as const),
      ...plan.ignore.map((signal) => [signal, () => {}] as const),
    ];
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const cleanup = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      cleanup();
      reject(spawnFailure(file, error));
    });
    child.once("exit", (code, signal) => {
      cleanup();
      if (signal) {
        const number = (constants.signals as Record<string, number>)[signal] ?? 0;
        resolve(128 + number);
      } else resolve(code ?? 1);
    });
  });
}

/** Why the command did not start, as a shell reports it (127 not found, 126 not executable). */
function spawnFailure(file: string, error: NodeJS.ErrnoException): AwsroleError {
  const shown = file.length > 200 ? `${file.slice(0, 200)}...` : file;
  if (error.code === "ENOENT") {
    return new AwsroleError("CommandNotFound", `Command not found: ${shown}.`, {
      exitCode: 127,
      hint: "Check the spelling and PATH; awsrole runs the command directly, without a shell (use -- sh -c '...' for shell syntax).",
    });
  }
  if (error.code === "EACCES") {
    return new AwsroleError("CommandNotExecutable", `Cannot execute ${shown} (permission denied).`, {
      exitCode: 126,
      hint: "Check that it names a program you may execute (not a directory, and with execute permission).",
    });
  }
  return new AwsroleError("ExecFailed", `Could not run ${shown} (${error.code ?? error.message}).`, {
    hint: "Check the command; awsrole runs it directly, without a shell (use -- sh -c '...' for shell syntax).",
  });
}
