// Which STS endpoint and signing region every hop uses (docs/aws-rules.md#sts-endpoint).
// The AWS CLI builds one STS client configuration from the *top-level* profile
// and uses it for every hop; a hop profile's region or endpoint_url is ignored.

import { AwsroleError, ProfileConfigError } from "../errors.js";
import { getString, type AwsConfig, type Profile } from "./config.js";
import type { Env } from "./env.js";

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
  "ap-northeast-1",
  "ap-south-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "aws-global",
  "ca-central-1",
  "eu-central-1",
  "eu-north-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "sa-east-1",
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
]);

export interface EndpointInput {
  config: AwsConfig;
  /** The selected profile, if any (credentials from the environment have none). */
  profile: Profile | undefined;
  env: Env;
  regionFlag?: string | undefined;
}

/** Whether a URL is https, as URL parsing decides it: the scheme is case-insensitive (RFC 3986, 3.1). */
export function isHttpsUrl(url: string): boolean {
  return /^https:/i.test(url);
}

export function resolveRegion({ profile, env, regionFlag }: Omit<EndpointInput, "config">): string | undefined {
  // AWS CLI v2 and the SDKs: --region, AWS_REGION, AWS_DEFAULT_REGION, then the
  // profile's region. (v1 ignores AWS_REGION; docs/differences.md.)
  return (
    nonEmpty(regionFlag) ??
    nonEmpty(env.AWS_REGION) ??
    nonEmpty(env.AWS_DEFAULT_REGION) ??
    (profile ? nonEmpty(getString(profile, "region")) : undefined)
  );
}

export function resolveStsEndpoint(input: EndpointInput): StsEndpoint {
  const { config, profile, env } = input;
  const region = resolveRegion(input);
  const configured = configuredEndpoint(config, profile, env);
  if (configured) {
    if (!region) {
      const unsigned = `a custom STS endpoint is configured (${configured.origin}) but no region is set, so requests cannot be signed`;
      if (!profile)
        throw new AwsroleError("NoRegion", `With no profile, ${unsigned}.`, {
          hint: "Set AWS_REGION, as the AWS CLI also requires.",
        });
      const where = `[${sectionLabel(profile)}] in ${profilePath(config, profile)}`;
      const hint = `Set AWS_REGION, or region in ${where}, as the AWS CLI also requires.`;
      throw new ProfileConfigError("NoRegion", profile.name, `For profile "${profile.name}", ${unsigned}.`, hint, {
        setting: "region",
      });
    }
    return { url: configured.url.replace(/\/+$/, ""), region, origin: configured.origin };
  }
  if (!region)
    return { url: "https://sts.amazonaws.com", region: "us-east-1", origin: "the global STS endpoint (no region set)" };

  const fromEnv = nonEmpty(env.AWS_STS_REGIONAL_ENDPOINTS);
  const mode = fromEnv ?? (profile ? nonEmpty(getString(profile, "sts_regional_endpoints")) : undefined) ?? "regional";
  if (mode !== "regional" && mode !== "legacy")
    throw badRegionalEndpoints(config, fromEnv === undefined ? profile : undefined, mode);
  // botocore's STS endpoint rule set (botocore/data/sts/2011-06-15/endpoint-rule-set-1.json):
  // FIPS and dual-stack come before the legacy global endpoint, and aws-global
  // is always signed as us-east-1.
  const fips = flag(env.AWS_USE_FIPS_ENDPOINT, profile, "use_fips_endpoint");
  const dualstack = flag(env.AWS_USE_DUALSTACK_ENDPOINT, profile, "use_dualstack_endpoint");
  const partition = partitionOf(region);
  const signingRegion = region === "aws-global" ? "us-east-1" : region;
  if (fips || dualstack) {
    const name = fips && dualstack ? "FIPS dual-stack" : fips ? "FIPS" : "dual-stack";
    const origin = `the ${name} STS endpoint for ${region}`;
    if (fips && dualstack)
      return { url: `https://sts-fips.${region}.${partition.dualStackDnsSuffix}`, region: signingRegion, origin };
    if (dualstack)
      return { url: `https://sts.${region}.${partition.dualStackDnsSuffix}`, region: signingRegion, origin };
    // GovCloud's regional STS endpoints are FIPS endpoints already.
    if (partition.id === "aws-us-gov")
      return { url: `https://sts.${region}.${partition.dnsSuffix}`, region: signingRegion, origin };
    return { url: `https://sts-fips.${region}.${partition.dnsSuffix}`, region: signingRegion, origin };
  }
  if (region === "aws-global")
    return {
      url: "https://sts.amazonaws.com",
      region: "us-east-1",
      origin: "the global STS endpoint (region aws-global)",
    };
  if (mode === "legacy" && LEGACY_GLOBAL_REGIONS.has(region)) {
    return {
      url: "https://sts.amazonaws.com",
      region: "us-east-1",
      origin: "the global STS endpoint (sts_regional_endpoints = legacy)",
    };
  }
  return {
    url: `https://sts.${region}.${partition.dnsSuffix}`,
    region,
    origin: `the regional STS endpoint for ${region}`,
  };
}

// botocore/data/partitions.json: a region's partition by its name; an unknown
// name belongs to the aws partition.
const PARTITIONS: readonly { id: string; regionRegex: RegExp; dnsSuffix: string; dualStackDnsSuffix: string }[] = [
  {
    id: "aws-cn",
    regionRegex: /^cn-\w+-\d+$|^aws-cn-global$/,
    dnsSuffix: "amazonaws.com.cn",
    dualStackDnsSuffix: "api.amazonwebservices.com.cn",
  },
  {
    id: "aws-eusc",
    regionRegex: /^eusc-(de)-\w+-\d+$/,
    dnsSuffix: "amazonaws.eu",
    dualStackDnsSuffix: "api.amazonwebservices.eu",
  },
  {
    id: "aws-iso",
    regionRegex: /^us-iso-\w+-\d+$|^aws-iso-global$/,
    dnsSuffix: "c2s.ic.gov",
    dualStackDnsSuffix: "api.aws.ic.gov",
  },
  {
    id: "aws-iso-b",
    regionRegex: /^us-isob-\w+-\d+$|^aws-iso-b-global$/,
    dnsSuffix: "sc2s.sgov.gov",
    dualStackDnsSuffix: "api.aws.scloud",
  },
  {
    id: "aws-iso-e",
    regionRegex: /^eu-isoe-\w+-\d+$|^aws-iso-e-global$/,
    dnsSuffix: "cloud.adc-e.uk",
    dualStackDnsSuffix: "api.cloud-aws.adc-e.uk",
  },
  {
    id: "aws-iso-f",
    regionRegex: /^us-isof-\w+-\d+$|^aws-iso-f-global$/,
    dnsSuffix: "csp.hci.ic.gov",
    dualStackDnsSuffix: "api.aws.hci.ic.gov",
  },
  {
    id: "aws-us-gov",
    regionRegex: /^us-gov-\w+-\d+$|^aws-us-gov-global$/,
    dnsSuffix: "amazonaws.com",
    dualStackDnsSuffix: "api.aws",
  },
];
const AWS_PARTITION = { id: "aws", dnsSuffix: "amazonaws.com", dualStackDnsSuffix: "api.aws" };

function partitionOf(region: string): { id: string; dnsSuffix: string; dualStackDnsSuffix: string } {
  return PARTITIONS.find((p) => p.regionRegex.test(region)) ?? AWS_PARTITION;
}

/** botocore's use_fips_endpoint / use_dualstack_endpoint: the variable first, then the profile; only "true" (any case) is on. */
function flag(fromEnv: string | undefined, profile: Profile | undefined, key: string): boolean {
  const value = fromEnv !== undefined && fromEnv !== "" ? fromEnv : profile ? getString(profile, key) : undefined;
  return value !== undefined && value.toLowerCase() === "true";
}

// botocore ConfiguredEndpointProvider, first match wins.
function configuredEndpoint(
  config: AwsConfig,
  profile: Profile | undefined,
  env: EndpointInput["env"],
): { url: string; origin: string } | undefined {
  const ignore =
    isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ||
    (profile !== undefined && isTrue(getString(profile, "ignore_configured_endpoint_urls")));
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
        `Add [services ${servicesName}] to ${config.configPath}, or remove services from [${sectionLabel(profile)}].`,
        { setting: "services" },
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

/** botocore's InvalidSTSRegionalEndpointsConfigError, naming where the value was set. */
function badRegionalEndpoints(config: AwsConfig, profile: Profile | undefined, mode: string): AwsroleError {
  if (!profile) {
    return new AwsroleError("BadStsRegionalEndpoints", `AWS_STS_REGIONAL_ENDPOINTS is "${mode}", which is not valid.`, {
      hint: 'Set it to "regional" (the default) or "legacy", or unset it.',
    });
  }
  const origin = profile.origins.sts_regional_endpoints;
  const where = `[${sectionLabel(profile)}] in ${origin?.path ?? profilePath(config, profile)}`;
  return new ProfileConfigError(
    "BadStsRegionalEndpoints",
    profile.name,
    `Profile "${profile.name}" has sts_regional_endpoints = "${mode}", which is not valid.`,
    `Write sts_regional_endpoints = regional (the default) or legacy in ${where}.`,
    { setting: "sts_regional_endpoints", ...(origin ? { origin } : {}) },
  );
}

function sectionLabel(profile: Profile): string {
  return profile.configSection?.name ?? profile.credentialsSection?.name ?? `profile ${profile.name}`;
}

function profilePath(config: AwsConfig, profile: Profile): string {
  return profile.configSection || !profile.credentialsSection ? config.configPath : config.credentialsPath;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isTrue(value: string | undefined): boolean {
  return value !== undefined && value.trim().toLowerCase() === "true";
}

/** The services whose endpoint botocore's ConfiguredEndpointProvider looks up besides STS. */
export type ConfiguredService = "sso" | "sso_oidc" | "signin";

/**
 * botocore ConfiguredEndpointProvider for one service, first match wins:
 * AWS_ENDPOINT_URL_<SERVICE> (SSO, SSO_OIDC, SIGNIN), AWS_ENDPOINT_URL, the
 * `<service> = endpoint_url` key of the profile's [services NAME] section, the
 * profile's endpoint_url; none when ignore_configured_endpoint_urls is true.
 * `profile` is the top-level (session) profile: the AWS CLI builds every
 * client from its settings.
 */
export function configuredServiceEndpoint(
  config: AwsConfig,
  profile: Profile | undefined,
  env: EndpointInput["env"],
  service: ConfiguredService,
): { url: string; origin: string } | undefined {
  const ignore =
    isTrue(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) ||
    (profile !== undefined && isTrue(getString(profile, "ignore_configured_endpoint_urls")));
  if (ignore) return undefined;
  const variable = `AWS_ENDPOINT_URL_${service.toUpperCase()}`;
  const fromEnv = nonEmpty(env[variable]);
  if (fromEnv) return { url: fromEnv.replace(/\/+$/, ""), origin: variable };
  const global = nonEmpty(env.AWS_ENDPOINT_URL);
  if (global) return { url: global.replace(/\/+$/, ""), origin: "AWS_ENDPOINT_URL" };
  if (!profile) return undefined;
  const servicesName = getString(profile, "services");
  if (servicesName !== undefined) {
    const section = config.services.get(servicesName);
    const values = section?.values[service];
    const url = typeof values === "object" ? nonEmpty(values.endpoint_url) : undefined;
    if (url) return { url: url.replace(/\/+$/, ""), origin: `[services ${servicesName}] ${service}.endpoint_url` };
  }
  const own = nonEmpty(getString(profile, "endpoint_url"));
  if (own) return { url: own.replace(/\/+$/, ""), origin: `endpoint_url of profile "${profile.name}"` };
  return undefined;
}
