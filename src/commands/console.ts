// `awsrole console [profile]`: an AWS console sign-in URL for the profile's
// temporary credentials, through the federation endpoint, as `aws-vault login`
// does. The URL is the data (stdout); it carries only the SigninToken, never
// the credentials themselves.

import type { Context } from "../context.js";
import { AwsroleError, UsageError } from "../errors.js";
import { debug, resolveCredentials, warn } from "../resolver.js";
import { pickProfileIfInteractive, recordRecentProfile } from "./picker.js";
import { parseArn } from "../core/arn.js";

export interface ConsoleInput {
  profile: string | undefined;
  open?: boolean;
  destination?: string | undefined;
  /** Console session length in seconds (SessionDuration), 900..43200. */
  duration?: string | undefined;
  tokenCode?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
}

export interface PartitionEndpoints {
  federation: string;
  console: string;
}

/** Sign-in and console hosts per partition (from the ARN's second field). */
export function partitionEndpoints(partition: string): PartitionEndpoints {
  switch (partition) {
    case "aws-cn":
      return { federation: "https://signin.amazonaws.cn/federation", console: "https://console.amazonaws.cn" };
    case "aws-us-gov":
      return {
        federation: "https://signin.amazonaws-us-gov.com/federation",
        console: "https://console.amazonaws-us-gov.com",
      };
    default:
      return { federation: "https://signin.aws.amazon.com/federation", console: "https://console.aws.amazon.com" };
  }
}

export function partitionOf(arn: string | undefined): string {
  return parseArn(arn)?.partition || "aws";
}

/** Where the console opens: --destination (a URL, or a path like /s3), else the home page (of the region). */
export function consoleDestination(
  consoleBase: string,
  region: string | undefined,
  destination: string | undefined,
): string {
  if (destination !== undefined && /^https:\/\//.test(destination)) return destination;
  if (destination !== undefined) {
    const path = destination.startsWith("/") ? destination : `/${destination}`;
    return `${consoleBase}${path}${region && !path.includes("region=") ? `${path.includes("?") ? "&" : "?"}region=${encodeURIComponent(region)}` : ""}`;
  }
  return region ? `${consoleBase}/console/home?region=${encodeURIComponent(region)}` : `${consoleBase}/`;
}

export function loginUrl(federation: string, destination: string, signinToken: string): string {
  const query = new URLSearchParams({
    Action: "login",
    Issuer: "awsrole",
    Destination: destination,
    SigninToken: signinToken,
  });
  return `${federation}?${query.toString()}`;
}

export async function runConsole(input: ConsoleInput, ctx: Context): Promise<number> {
  let sessionDuration: number | undefined;
  if (input.duration !== undefined) {
    sessionDuration = Number(input.duration);
    if (!Number.isInteger(sessionDuration) || sessionDuration < 900 || sessionDuration > 43200) {
      throw new UsageError(`--duration must be a whole number of seconds from 900 to 43200, not "${input.duration}".`);
    }
  }
  const profile = await pickProfileIfInteractive(input.profile, ctx);
  const resolved = await resolveCredentials({ ...input, profile }, ctx);
  const { credentials } = resolved.resolution;
  if (!credentials.sessionToken) {
    throw new AwsroleError(
      "ConsoleNeedsSession",
      `Profile "${resolved.plan.profile ?? "(environment)"}" gives long-term keys, ` +
        `and the console sign-in endpoint accepts only temporary role credentials; ` +
        `that would need GetFederationToken, which awsrole does not support.`,
      { hint: "Use a role profile (role_arn with source_profile) for the console: awsrole console <role-profile>." },
    );
  }
  if (resolved.plan.profile !== undefined) recordRecentProfile(resolved.plan.profile, ctx.env);
  const lastHop = resolved.plan.hops[resolved.plan.hops.length - 1];
  const arn = credentials.arn ?? lastHop?.roleArn;
  const endpoints = partitionEndpoints(partitionOf(arn));
  const federation = ctx.env.AWSROLE_FEDERATION_ENDPOINT || endpoints.federation;
  if (sessionDuration !== undefined && lastHop?.chained) {
    warn(
      ctx,
      "--duration is ignored: the sign-in endpoint refuses SessionDuration for role-chained " +
        "sessions (the console session lasts as long as the credentials, at most 1 hour).",
    );
    sessionDuration = undefined;
  }

  const session = JSON.stringify({
    sessionId: credentials.accessKeyId,
    sessionKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
  });
  const query = new URLSearchParams({
    Action: "getSigninToken",
    ...(sessionDuration === undefined ? {} : { SessionDuration: String(sessionDuration) }),
    Session: session,
  });
  debug(ctx, `GET ${federation}?Action=getSigninToken (credentials masked)`);
  let response: Response;
  try {
    response = await fetch(`${federation}?${query.toString()}`, { signal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const cause = (error as Error).cause;
    const reason = cause instanceof Error ? cause.message : (error as Error).message;
    throw new AwsroleError("FederationUnreachable", `Could not reach the sign-in endpoint ${federation} (${reason}).`, {
      hint: "Check the network, or AWSROLE_FEDERATION_ENDPOINT if you set it.",
    });
  }
  const body = await response.text();
  let token: unknown;
  try {
    token = (JSON.parse(body) as { SigninToken?: unknown }).SigninToken;
  } catch {
    token = undefined;
  }
  if (!response.ok || typeof token !== "string" || token === "") {
    throw new AwsroleError(
      "FederationRefused",
      `The sign-in endpoint refused the session of profile "${resolved.plan.profile ?? "(environment)"}" (HTTP ${response.status}).`,
      {
        hint: "The credentials may have expired or been revoked: try --refresh. Role-chained sessions cannot use --duration.",
      },
    );
  }
  const url = loginUrl(federation, consoleDestination(endpoints.console, resolved.region, input.destination), token);
  if (!input.open) {
    ctx.stdout.write(url + "\n");
    return 0;
  }
  await openInBrowser(url, ctx);
  return 0;
}

async function openInBrowser(url: string, ctx: Context): Promise<void> {
  const { spawn } = await import("node:child_process");
  const opener = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer.exe" : "xdg-open";
  await new Promise<void>((resolve, reject) => {
    const child = spawn(opener, [url], { stdio: "ignore", detached: true });
    child.once("error", () =>
      reject(
        new AwsroleError("OpenFailed", `Could not run ${opener} to open the browser.`, {
          hint: "Run without --open and paste the URL into a browser.",
        }),
      ),
    );
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
  ctx.stderr.write(`Opened the AWS console for ${url.split("?")[0]} in the browser.\n`);
}
