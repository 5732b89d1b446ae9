// `awsrole chain [profile]`: the plan, hop by hop, without calling STS; with
// --resolve, run it and show each hop's outcome (cache hit or STS call),
// identity and expiry.

import type { Context } from "../context.js";
import { openSession, resolveCredentials } from "../resolver.js";
import { describePlan, renderPlanText } from "../render/plan.js";
import { cacheKeysOf } from "../core/cache-keys.js";
import { formatDuration } from "./expiry.js";
import { formatExpiration } from "../render/credentials.js";
import { readFileSync } from "node:fs";
import { ssoTokenStatus } from "../core/kinds/sso.js";
import type { Plan } from "../core/plan.js";
import { tildePath } from "../render/width.js";

/** An SSO source's session and token, for `chain` (JSON: the `sso` member; text: lines under the source). */
function ssoView(plan: Plan, ctx: Context) {
  if (plan.source.kind !== "sso") return undefined;
  const now = ctx.now();
  const status = ssoTokenStatus(plan.source, ctx.env, (path) => readFileSync(path, "utf8"), now);
  const secondsLeft = status.tokenExpiresAt
    ? Math.round((status.tokenExpiresAt.getTime() - now.getTime()) / 1000)
    : null;
  const json = {
    ...status,
    tokenExpiresAt: status.tokenExpiresAt ? formatExpiration(status.tokenExpiresAt) : null,
    tokenSecondsLeft: secondsLeft,
  };
  const refresh = status.refreshable
    ? ", refreshable"
    : status.session === null
      ? ", legacy: not refreshable"
      : ", not refreshable";
  const state =
    status.token === "missing"
      ? `none yet (awsrole login --profile ${plan.source.profile})`
      : status.token === "invalid"
        ? "unreadable (log in again)"
        : `expires ${json.tokenExpiresAt} (${formatDuration(secondsLeft ?? 0)} left${refresh})`;
  const form = status.session !== null ? `sso-session ${status.session}` : "legacy sso_start_url";
  const text = [
    `  sso:    ${form}, ${status.startUrl} (${status.region}); role ${status.roleName} in account ${status.accountId}`,
    `  token:  ${tildePath(status.tokenFile, ctx.env.HOME)}: ${state}`,
  ];
  return { json, text };
}

function withSso(planText: string, sso: ReturnType<typeof ssoView>): string {
  if (!sso) return planText;
  const lines = planText.trimEnd().split("\n");
  const at = lines.findIndex((line) => line.startsWith("  source: "));
  lines.splice(at + 1, 0, ...sso.text);
  return `${lines.join("\n")}\n`;
}

export interface ChainInput {
  profile: string | undefined;
  output: "text" | "json";
  resolve?: boolean;
  tokenCode?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
}

export async function runChain(input: ChainInput, ctx: Context): Promise<number> {
  if (!input.resolve) {
    const session = openSession(input, ctx);
    const view = describePlan(session.plan);
    const keys = cacheKeysOf(session.plan, ctx.env);
    const hops = view.hops.map((hop, i) => ({
      ...hop,
      cacheFile: `${session.cacheDir}/${keys.find((k) => k.use === "hop" && k.hop === i)!.key}.json`,
    }));
    const sso = ssoView(session.plan, ctx);
    const json = () => JSON.stringify({ ...view, ...(sso ? { sso: sso.json } : {}), hops }, null, 2) + "\n";
    ctx.stdout.write(input.output === "json" ? json() : withSso(renderPlanText(view), sso));
    return 0;
  }
  const resolved = await resolveCredentials(input, ctx);
  const view = describePlan(resolved.plan);
  const now = ctx.now();
  const hops = view.hops.map((hop, i) => {
    const trace = resolved.resolution.trace[i]!;
    return {
      ...hop,
      cacheFile: trace.cacheFile ?? null,
      outcome: trace.outcome,
      missReason: trace.missReason ?? null,
      identity: trace.arn ?? null,
      expiration: trace.expiration ? formatExpiration(trace.expiration) : null,
      secondsLeft: trace.expiration ? Math.round((trace.expiration.getTime() - now.getTime()) / 1000) : null,
      mfaSession: trace.mfaSession ?? null,
    };
  });
  const sso = ssoView(resolved.plan, ctx);
  if (input.output === "json") {
    ctx.stdout.write(
      JSON.stringify(
        { ...view, ...(sso ? { sso: sso.json } : {}), sourceOutcome: resolved.resolution.sourceOutcome, hops },
        null,
        2,
      ) + "\n",
    );
    return 0;
  }
  const lines = [withSso(renderPlanText(view), sso).trimEnd(), "", "resolved:"];
  for (const hop of hops) {
    const what =
      hop.outcome === "cache-hit"
        ? "cache hit"
        : hop.outcome === "assumed"
          ? `AssumeRole called${hop.missReason ? ` (cache ${hop.missReason})` : ""}`
          : "not needed (a later hop was cached)";
    lines.push(`  ${hop.step}. ${hop.profile}: ${what}`);
    if (hop.identity) lines.push(`       identity  ${hop.identity}`);
    if (hop.expiration) lines.push(`       expires   ${hop.expiration} (${formatDuration(hop.secondsLeft ?? 0)} left)`);
  }
  ctx.stdout.write(lines.join("\n") + "\n");
  return 0;
}
