// `awsrole whoami`: GetCallerIdentity with the resolved credentials.

import type { Context } from "../context.js";
import { resolveCredentials } from "../resolver.js";
import { formatDuration, warnIfExpiringSoon } from "./expiry.js";
import { formatExpiration } from "../render/credentials.js";
import { pickProfileIfInteractive, recordRecentProfile } from "./picker.js";
import { parseArn } from "../core/arn.js";

export interface WhoamiInput {
  profile: string | undefined;
  output: "text" | "json";
  tokenCode?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
}

export async function runWhoami(input: WhoamiInput, ctx: Context): Promise<number> {
  const profile = await pickProfileIfInteractive(input.profile, ctx);
  const resolved = await resolveCredentials({ ...input, profile }, ctx);
  const { credentials, trace } = resolved.resolution;
  if (profile !== undefined && resolved.plan.profile !== undefined) recordRecentProfile(resolved.plan.profile, ctx.env);
  warnIfExpiringSoon(credentials, ctx);
  const sts = await resolved.sts();
  const fromEnvironment =
    resolved.plan.source.kind === "environment" &&
    resolved.plan.source.reason === "environment-variables" &&
    resolved.plan.hops.length === 0;
  const identity = await sts.getCallerIdentity(credentials, {
    step: 0,
    of: resolved.plan.hops.length,
    profile: resolved.plan.profile,
    principal: credentials.arn ?? (fromEnvironment ? "the keys in AWS_ACCESS_KEY_ID" : "the resolved credentials"),
    fromEnvironment,
  });
  if (input.output === "json") {
    // The shape and indentation of `aws sts get-caller-identity`.
    ctx.stdout.write(
      JSON.stringify({ UserId: identity.UserId, Account: identity.Account, Arn: identity.Arn }, null, 4) + "\n",
    );
    return 0;
  }
  const rows: Array<[string, string]> = [
    ["Account", identity.Account],
    ["Arn", identity.Arn],
    ["UserId", identity.UserId],
    ["Type", identityType(identity.Arn)],
  ];
  const profileName = resolved.plan.profile;
  const hops = resolved.plan.hops.length;
  const via =
    trace.length === 0 ? "" : trace[trace.length - 1]!.outcome === "cache-hit" ? ", from the cache" : ", newly assumed";
  rows.push([
    "Profile",
    profileName === undefined
      ? "(credentials from the environment)"
      : `${profileName}${hops ? ` (${hops} hop${hops === 1 ? "" : "s"}${via})` : ""}`,
  ]);
  if (credentials.expiration) {
    const left = (credentials.expiration.getTime() - ctx.now().getTime()) / 1000;
    rows.push(["Expires", `${formatExpiration(credentials.expiration)} (${formatDuration(left)} left)`]);
  } else {
    rows.push(["Expires", "never (long-term keys)"]);
  }
  if (resolved.plan.source.kind === "sso") {
    // The IAM Identity Center session behind the role credentials: how long until `awsrole login` is needed.
    const { ssoTokenStatus } = await import("../core/kinds/sso.js");
    const { readFileSync } = await import("node:fs");
    const status = ssoTokenStatus(resolved.plan.source, ctx.env, (path) => readFileSync(path, "utf8"), ctx.now());
    const what = status.session !== null ? `sso-session ${status.session}` : `start URL ${status.startUrl}`;
    const left = status.tokenExpiresAt ? (status.tokenExpiresAt.getTime() - ctx.now().getTime()) / 1000 : undefined;
    const refreshable = status.refreshable ? ", refreshable" : "";
    const state =
      left === undefined
        ? "no token file (the role credentials came from the cache)"
        : `token ${formatDuration(left)} left${refreshable}`;
    rows.push(["SSO", `${what}, ${state}`]);
  }
  const source = resolved.plan.source;
  // Console login keys last 15 minutes; the session behind them is what the user signed in to.
  if (source.kind === "login-session") {
    rows.push([
      "Login",
      `console login session ${source.loginSession} (keys renewed until the sign-in ends, at most 12 hours)`,
    ]);
  }
  ctx.stdout.write(rows.map(([k, v]) => `${k.padEnd(8)} ${v}`).join("\n") + "\n");
  return 0;
}

export function identityType(arn: string): string {
  const resource = parseArn(arn)?.resource ?? "";
  if (resource.startsWith("assumed-role/")) {
    const [, role, session] = resource.split("/");
    return `assumed role ${role} (session ${session})`;
  }
  if (resource.startsWith("user/")) return `IAM user ${resource.split("/").pop()}`;
  if (resource.startsWith("federated-user/")) return `federated user ${resource.split("/").pop()}`;
  if (resource === "root") return "account root user";
  return resource;
}
