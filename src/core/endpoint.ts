// Which STS endpoint and signing region every hop uses (docs/aws-rules.md#sts-endpoint).
// The AWS CLI builds one STS client configuration from the *top-level* profile
// and uses it for every hop; a hop profile's region or endpoint_url is ignored.

import { AwsroleError, ProfileConfigError } from "../errors.js";
import { getString, type AwsConfig, type Profile } from "./config.js";

export interface StsEndpoint {
  url: string;
  /** The SigV4 signing region. */
  region: string;
  /** Where the URL came from, for `chain` and --debug. */
  origin: string;
}

// botocore's endpoints for sts_regional_endpoints = legacy: these regions use
// the global endpoint https://sts.amazonaws.com, signed as us-east-1.
const LEGACY_GLOBAL_REGIONS = new Set([
  "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global", "ca-central-1", "eu-central-1", "eu-north-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
]);

export interface EndpointInput {
  config: AwsConfig;
  /** The selected profile, if any (credentials from the environment have none). */
  profile: Profile | undefined;
  env: Readonly<Record<string, string | undefined>>;
  regionFlag?: string | undefined;
}

export function resolveRegion({ profile, env, regionFlag }: Omit<EndpointInput, "config">): string | undefined {
  // AWS CLI v2 and the SDKs: --region, AWS_REGION, AWS_DEFAULT_REGION, then the
  // profile's region. (v1 ignores AWS_REGION; docs/differences.md.)
  return nonEmpty(regionFlag) ?? nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? (profile ? nonEmpty(getString(profile, "region")) : undefined);
}

export function resolveStsEndpoint(input: EndpointInput): StsEndpoint {
  const { config, profile, env } = input;
  const region = resolveRegion(input);
  const configured = configuredEndpoint(config, profile, env);
  if (configured) {
    if (!region) {
      throw new AwsroleError("NoRegion", `A custom STS endpoint is configured (${configured.origin}) but no region is set, so requests cannot be signed.`, {
        hint: "Set AWS_REGION (or region in the profile), as the AWS CLI also requires.",
      });
    }
    return { url: configured.url.replace(/\/+$/, ""), region, origin: configured.origin };
  }
  if (!region) return { url: "https://sts.amazonaws.com", region: "us-east-1", origin: "the global STS endpoint (no region set)" };

  const mode = nonEmpty(env.AWS_STS_REGIONAL_ENDPOINTS) ?? (profile ? nonEmpty(getString(profile, "sts_regional_endpoints")) : undefined) ?? "regional";
  if (mode !== "regional" && mode !== "legacy") {
    throw new AwsroleError("BadStsRegionalEndpoints", `sts_regional_endpoints is "${mode}", which is not valid.`, { hint: 'Use "regional" (the default) or "legacy".' });
  }
  if (mode === "legacy" && LEGACY_GLOBAL_REGIONS.has(region)) {
    return { url: "https://sts.amazonaws.com", region: "us-east-1", origin: "the global STS endpoint (sts_regional_endpoints = legacy)" };
  }
  const suffix = region.startsWith("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return { url: `https://sts.${region}.${suffix}`, region, origin: `the regional STS endpoint for ${region}` };
}

// botocore ConfiguredEndpointProvider, first match wins.
function configuredEndpoint(config: AwsConfig, profile: Profile | undefined, env: EndpointInput["env"]): { url: string; origin: string } | undefined {
  const ignore = isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) || (profile !== undefined && isTrue(getString(profile, "ignore_configured_endpoint_urls")));
  if (ignore) return undefined;
  const fromEnv = nonEmpty(env.AWS_ENDPOINT_URL_STS);
  if (fromEnv) return { url: fromEnv, origin: "AWS_ENDPOINT_URL_STS" };
  const global = nonEmpty(env.AWS_ENDPOINT_URL);
  if (global) return { url: global, origin: "AWS_ENDPOINT_URL" };
  if (!profile) return undefined;
  const servicesName = getString(profile, "services");
  if (servicesName !== undefined) {
    const section = config.services.get(servicesName);
    if (!section) {
      throw new ProfileConfigError(
        "ServicesNotFound",
        profile.name,
        `Profile "${profile.name}" has services = ${servicesName}, but there is no [services ${servicesName}] section in ${config.configPath}.`,
        `Add [services ${servicesName}] or remove the services setting.`,
      );
    }
    const sts = section.values.sts;
    const url = typeof sts === "object" ? nonEmpty(sts.endpoint_url) : undefined;
    if (url) return { url, origin: `[services ${servicesName}] sts.endpoint_url` };
  }
  const own = nonEmpty(getString(profile, "endpoint_url"));
  if (own) return { url: own, origin: `endpoint_url of profile "${profile.name}"` };
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === "true";
}
