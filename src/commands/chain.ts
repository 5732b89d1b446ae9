// `awsrole chain [profile]`: the plan, hop by hop, without calling STS.

import { loadConfig } from "../adapters/config-files.js";
import type { Context } from "../context.js";
import { chooseProfile, planProfile } from "../core/plan.js";
import { describePlan, renderPlanText } from "../render/plan.js";

export interface ChainInput {
  profile: string | undefined;
  output: "text" | "json";
}

export async function runChain(input: ChainInput, ctx: Context): Promise<number> {
  const config = loadConfig(ctx.env);
  const plan = planProfile(config, chooseProfile(input.profile, ctx.env), { env: ctx.env });
  const view = describePlan(plan);
  ctx.stdout.write(input.output === "json" ? JSON.stringify(view, null, 2) + "\n" : renderPlanText(view));
  return 0;
}
