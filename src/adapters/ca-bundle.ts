// Custom CA bundles, as the AWS CLI honours them (botocore's ca_bundle config
// variable: AWS_CA_BUNDLE first, then ca_bundle in the profile). The bundle
// replaces the default trust roots for every HTTPS call awsrole makes: STS,
// and instance-metadata or container endpoints reached over https.

import { readFileSync, statSync } from "node:fs";
import { AwsroleError } from "../errors.js";
import { getString, type Profile } from "../core/config.js";
import type { Env } from "../core/env.js";

export interface CaBundle {
  path: string;
  /** Where the path came from, for messages. */
  origin: string;
}

/** botocore Session.get_config_variable("ca_bundle"): the variable, then the selected profile. */
export function resolveCaBundle(env: Env, profile: Profile | undefined): CaBundle | undefined {
  const fromEnv = env.AWS_CA_BUNDLE;
  if (fromEnv !== undefined && fromEnv !== "") return { path: fromEnv, origin: "AWS_CA_BUNDLE" };
  const own = profile ? getString(profile, "ca_bundle") : undefined;
  if (own !== undefined && own.trim() !== "")
    return { path: own.trim(), origin: `ca_bundle of profile "${profile!.name}"` };
  return undefined;
}

/** A CA bundle is a few hundred KiB at most. */
const MAX_CA_BUNDLE_BYTES = 16 * 1024 * 1024;
const cache = new Map<string, string>();

/** The PEM text of the bundle, read once per process; a clear error if it is missing or not PEM. */
export function readCaBundle(bundle: CaBundle): string {
  const known = cache.get(bundle.path);
  if (known !== undefined) return known;
  const fail = (why: string) =>
    new AwsroleError("CaBundleUnreadable", `Cannot use the CA bundle ${bundle.path} (${bundle.origin}): ${why}.`, {
      hint: "Point it at a PEM file of CA certificates, or unset it to use the system's trust roots.",
    });
  let text: string;
  try {
    const stat = statSync(bundle.path);
    if (!stat.isFile()) throw fail("it is not a regular file");
    if (stat.size > MAX_CA_BUNDLE_BYTES) throw fail("it is larger than 16 MiB");
    text = readFileSync(bundle.path, "utf8");
  } catch (error) {
    if (error instanceof AwsroleError) throw error;
    throw fail((error as NodeJS.ErrnoException).code ?? "cannot read it");
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) throw fail("it holds no PEM certificate");
  cache.set(bundle.path, text);
  return text;
}
