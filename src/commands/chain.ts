// `awsrole chain [profile]`: the plan, hop by hop, without calling STS; with
// --resolve, run it and show each hop's outcome (cache hit or STS call),
// identity and expiry.

import type { Context } from "../context.js";
import { openSession, resolveCredentials } from "../resolver.js";
import { describePlan, renderPlanText } from "../render/plan.js";
import { cacheKeysOf } from "../core/cache-keys.js";
import { formatDuration } from "./expiry.js";
import { formatExpiration } from "../render/credentials.js";

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
    const hops = view.hops.map((hop, i) => ({ ...hop, cacheFile: `${session.cacheDir}/${keys.find((k) => k.use === "hop" && k.hop === i)!.key}.json` }));
    ctx.stdout.write(input.output === "json" ? JSON.stringify({ ...view, hops }, null, 2) + "\n" : renderPlanText(view));
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
  if (input.output === "json") {
    ctx.stdout.write(JSON.stringify({ ...view, sourceOutcome: resolved.resolution.sourceOutcome, hops }, null, 2) + "\n");
    return 0;
  }
  const lines = [renderPlanText(view).trimEnd(), "", "resolved:"];
  for (const hop of hops) {
    const what = hop.outcome === "cache-hit" ? "cache hit" : hop.outcome === "assumed" ? `AssumeRole called${hop.missReason ? ` (cache ${hop.missReason})` : ""}` : "not needed (a later hop was cached)";
    lines.push(`  ${hop.step}. ${hop.profile}: ${what}`);
    if (hop.identity) lines.push(`       identity  ${hop.identity}`);
    if (hop.expiration) lines.push(`       expires   ${hop.expiration} (${formatDuration(hop.secondsLeft ?? 0)} left)`);
  }
  ctx.stdout.write(lines.join("\n") + "\n");
  return 0;
}
