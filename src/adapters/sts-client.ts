// Settings for awsrole's STS clients that leave the SDK nothing to look up.
//
// A client built with only a region, an endpoint and credentials resolves every
// other setting itself, from the environment and then from the shared config
// files: the SDK's loadConfig parses ~/.aws/config and ~/.aws/credentials in
// full (for the profile in AWS_PROFILE, not the hop's profile) for
// use_fips_endpoint, use_dualstack_endpoint, retry_mode, sdk_ua_app_id,
// auth_scheme_preference, sigv4a_signing_region_set, defaults_mode and (when
// signing each request) disable_clock_skew_correction. That made the first
// STS call of a process cost time in proportion to the size of the config
// (docs/performance.md). awsrole has already resolved what matters for a hop,
// as botocore does (the endpoint: src/core/endpoint.ts), so each client is
// given these values explicitly and reads no file at all.

import type { STSClientConfig } from "./sts-sdk.js";

import type { Env } from "../core/env.js";

/** What the SDK may take from the environment: the retry mode and the user-agent app id. */
export interface SdkEnvSettings {
  retryMode?: "standard" | "adaptive";
  userAgentAppId?: string;
}

/** AWS_RETRY_MODE and AWS_SDK_UA_APP_ID, read by awsrole rather than by the SDK (botocore: retry_mode, user_agent_appid). */
export function sdkEnvSettings(env: Env): SdkEnvSettings {
  const settings: SdkEnvSettings = {};
  const mode = env.AWS_RETRY_MODE?.trim().toLowerCase();
  if (mode === "standard" || mode === "adaptive") settings.retryMode = mode;
  const appId = env.AWS_SDK_UA_APP_ID;
  if (appId) settings.userAgentAppId = appId;
  return settings;
}

/** The settings the SDK would otherwise resolve from the environment and the shared config files. */
export function explicitClientSettings(settings: SdkEnvSettings): Partial<STSClientConfig> {
  return {
    // The endpoint is awsrole's (resolveStsEndpoint) and always explicit; these only select among AWS's own endpoints.
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    // The SDK's own default mode; with the request handler and retry mode given, it is never consulted anyway.
    defaultsMode: "legacy",
    retryMode: settings.retryMode ?? "standard",
    userAgentAppId: async () => settings.userAgentAppId,
    authSchemePreference: [],
    sigv4aSigningRegionSet: async () => undefined,
    // The SDK's default: correct the signing time by the skew a response reveals.
    disableClockSkewCorrection: false,
  };
}
