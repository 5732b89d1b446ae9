// Which region `export`, `exec` and the shell integration hand on, in one rule
// a user can predict:
//
//   1. --region wins.
//   2. A region awsrole itself set follows the next profile. awsrole marks the
//      regions it sets with AWSROLE_REGION; while AWS_REGION (and
//      AWS_DEFAULT_REGION, when set) still equal the marker, the region is
//      awsrole's, and the next profile's region replaces it (or, when that
//      profile has none, it is removed, so tools fall back to the config as
//      they would without awsrole).
//   3. A region the user set (no marker, or a value the marker does not match)
//      stays. When the profile names another region, a warning says so.
//   4. Otherwise the profile's region, if it has one.
//
// The profile's region is its own `region` key only, as botocore reads it
// (get_config_variable('region') for the selected profile, no inheritance).

import { getString, type AwsConfig } from "./config.js";
import type { Env } from "./env.js";

export const REGION_MARKER = "AWSROLE_REGION";
export const REGION_VARIABLES = ["AWS_REGION", "AWS_DEFAULT_REGION", REGION_MARKER] as const;

export interface RegionChoice {
  /** The region to set (with the marker), or undefined to set none. */
  set: string | undefined;
  /** Remove AWS_REGION, AWS_DEFAULT_REGION and the marker: awsrole's region, and nothing replaces it. */
  clear: boolean;
  /** The user's region, left as it is. */
  kept: string | undefined;
  /** Set when a kept region differs from the profile's: for a warning. */
  conflict?: { variable: string; value: string; profileRegion: string };
}

export interface RegionInput {
  flag: string | undefined;
  env: Env;
  /** Whether a profile was selected at all (credentials from the environment have none). */
  hasProfile: boolean;
  /** The selected profile's own region key. */
  profileRegion: string | undefined;
}

export function chooseRegion({ flag, env, hasProfile, profileRegion }: RegionInput): RegionChoice {
  const marker = nonEmpty(env[REGION_MARKER]);
  const region = nonEmpty(env.AWS_REGION);
  const defaultRegion = nonEmpty(env.AWS_DEFAULT_REGION);
  if (nonEmpty(flag)) return { set: flag, clear: false, kept: undefined };
  const current = region ?? defaultRegion;
  if (current === undefined)
    return { set: profileRegion, clear: marker !== undefined && profileRegion === undefined, kept: undefined };
  const ours =
    marker !== undefined && [region, defaultRegion].every((value) => value === undefined || value === marker);
  if (ours) {
    if (!hasProfile) return { set: undefined, clear: false, kept: current };
    return profileRegion
      ? { set: profileRegion, clear: false, kept: undefined }
      : { set: undefined, clear: true, kept: undefined };
  }
  const choice: RegionChoice = { set: undefined, clear: false, kept: current };
  if (profileRegion && profileRegion !== current)
    choice.conflict = {
      variable: region !== undefined ? "AWS_REGION" : "AWS_DEFAULT_REGION",
      value: current,
      profileRegion,
    };
  return choice;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/** The selected profile's own `region`, or undefined. */
export function profileRegionOf(config: AwsConfig, profile: string | undefined): string | undefined {
  const found = profile === undefined ? undefined : config.profiles.get(profile);
  return found ? nonEmpty(getString(found, "region")) : undefined;
}

/** The warning for a kept region that differs from the profile's. */
export function keptRegionWarning(
  conflict: NonNullable<RegionChoice["conflict"]>,
  profile: string | undefined,
): string {
  return (
    `keeping ${conflict.variable}=${conflict.value} from this shell; profile ${profile}'s ` +
    `region is ${conflict.profileRegion} (pass --region ${conflict.profileRegion} to use it).`
  );
}
