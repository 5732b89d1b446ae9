// `awsrole export [profile]`: credentials as lines for eval (or JSON). stdout
// carries only those lines; anything for people goes to stderr.

import type { Context } from "../context.js";
import { resolveCredentials, warn } from "../resolver.js";
import { conflictingVariables, formatExpiration, renderExport, type ExportFormat } from "../render/credentials.js";
import { chooseRegion, keptRegionWarning, profileRegionOf, REGION_MARKER, REGION_VARIABLES } from "../core/region.js";
import { warnIfExpiringSoon } from "./expiry.js";
import { pickProfileIfInteractive, recordRecentProfile } from "./picker.js";

export interface ExportInput {
  profile: string | undefined;
  format: ExportFormat;
  tokenCode?: string | undefined;
  region?: string | undefined;
  noCache?: boolean;
  refresh?: boolean;
  /** --mark: also set AWSROLE_PROFILE and AWSROLE_EXPIRATION, for prompts (the shell-init function uses it). */
  mark?: boolean;
}

const SHELL_FORMATS: readonly ExportFormat[] = ["env", "env-no-export", "fish", "powershell"];

export async function runExport(input: ExportInput, ctx: Context): Promise<number> {
  // No profile named, on a terminal: ask (never on the fast path, which declines
  // first, and whose context says no terminal).
  const profile = await pickProfileIfInteractive(input.profile, ctx);
  const resolved = await resolveCredentials({ ...input, profile }, ctx);
  const { credentials } = resolved.resolution;
  if (profile !== undefined && resolved.plan.profile !== undefined) recordRecentProfile(resolved.plan.profile, ctx.env);
  warnIfExpiringSoon(credentials, ctx);
  if (resolved.plan.source.kind === "environment" && resolved.plan.hops.length === 0) {
    const over = ctx.env.AWS_PROFILE ? ` (they win over AWS_PROFILE=${ctx.env.AWS_PROFILE})` : "";
    warn(ctx, `exporting the credentials already in AWS_ACCESS_KEY_ID${over}; name a profile to switch.`);
  }
  // The region rule (src/core/region.ts): --region, else a region awsrole set
  // follows the profile, else the user's own region stays.
  const region = chooseRegion({
    flag: input.region,
    env: ctx.env,
    hasProfile: resolved.plan.profile !== undefined,
    profileRegion: profileRegionOf(resolved.config, resolved.plan.profile),
  });
  // The warning concerns this shell's variables: only for the formats a shell evaluates.
  if (region.conflict && SHELL_FORMATS.includes(input.format))
    warn(ctx, keptRegionWarning(region.conflict, resolved.plan.profile));
  const unset = conflictingVariables(ctx.env, credentials);
  if (region.clear) unset.push(...REGION_VARIABLES.filter((name) => ctx.env[name] !== undefined));
  const marks: Array<[string, string]> = [];
  if (input.mark) {
    if (resolved.plan.profile !== undefined) marks.push(["AWSROLE_PROFILE", resolved.plan.profile]);
    else if (ctx.env.AWSROLE_PROFILE !== undefined) unset.push("AWSROLE_PROFILE");
    if (credentials.expiration) marks.push(["AWSROLE_EXPIRATION", formatExpiration(credentials.expiration)]);
    else if (ctx.env.AWSROLE_EXPIRATION !== undefined) unset.push("AWSROLE_EXPIRATION");
  }
  ctx.stdout.write(
    renderExport(input.format, credentials, {
      region: region.set,
      unset,
      profile: resolved.plan.profile,
      also: [...(region.set ? [[REGION_MARKER, region.set] as [string, string]] : []), ...marks],
    }),
  );
  return 0;
}
