import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { resolveStsEndpoint } from "../../src/core/endpoint.js";
import { parseIni } from "../../src/core/ini.js";

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
function endpointFor(
  config: string,
  profile: string | undefined,
  env: Record<string, string> = {},
  regionFlag?: string,
) {
  const aws = buildConfig(parseIni(config, paths.configPath), undefined, paths);
  return resolveStsEndpoint({
    config: aws,
    profile: profile === undefined ? undefined : aws.profiles.get(profile),
    env,
    regionFlag,
  });
}

// docs/aws-rules.md#sts-endpoint: one STS configuration, from the selected profile, for every hop.
describe("resolveStsEndpoint", () => {
  it.each([
    [
      "no region: the global endpoint, signed as us-east-1",
      "[profile p]\n",
      {},
      { url: "https://sts.amazonaws.com", region: "us-east-1" },
    ],
    [
      "the profile's region: regional endpoint",
      "[profile p]\nregion = eu-west-1\n",
      {},
      { url: "https://sts.eu-west-1.amazonaws.com", region: "eu-west-1" },
    ],
    [
      "AWS_REGION beats the profile",
      "[profile p]\nregion = eu-west-1\n",
      { AWS_REGION: "ap-south-1" },
      { url: "https://sts.ap-south-1.amazonaws.com", region: "ap-south-1" },
    ],
    [
      "AWS_DEFAULT_REGION beats the profile",
      "[profile p]\nregion = eu-west-1\n",
      { AWS_DEFAULT_REGION: "us-west-2" },
      { url: "https://sts.us-west-2.amazonaws.com", region: "us-west-2" },
    ],
    [
      "China regions",
      "[profile p]\nregion = cn-north-1\n",
      {},
      { url: "https://sts.cn-north-1.amazonaws.com.cn", region: "cn-north-1" },
    ],
    [
      "legacy for a legacy-global region",
      "[profile p]\nregion = eu-west-1\nsts_regional_endpoints = legacy\n",
      {},
      { url: "https://sts.amazonaws.com", region: "us-east-1" },
    ],
    [
      "legacy for a newer region stays regional",
      "[profile p]\nregion = ap-east-1\nsts_regional_endpoints = legacy\n",
      {},
      { url: "https://sts.ap-east-1.amazonaws.com", region: "ap-east-1" },
    ],
    [
      "AWS_STS_REGIONAL_ENDPOINTS",
      "[profile p]\nregion = us-east-1\n",
      { AWS_STS_REGIONAL_ENDPOINTS: "legacy" },
      { url: "https://sts.amazonaws.com", region: "us-east-1" },
    ],
    [
      "AWS_ENDPOINT_URL_STS first",
      "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n",
      { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1/", AWS_ENDPOINT_URL: "http://global" },
      { url: "http://127.0.0.1:1", region: "eu-west-1" },
    ],
    [
      "then AWS_ENDPOINT_URL",
      "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n",
      { AWS_ENDPOINT_URL: "http://global" },
      { url: "http://global", region: "eu-west-1" },
    ],
    [
      "then the services section",
      "[profile p]\nregion = eu-west-1\nservices = local\nendpoint_url = http://profile\n[services local]\nsts =\n  endpoint_url = http://services\n",
      {},
      { url: "http://services", region: "eu-west-1" },
    ],
    [
      "then the profile's endpoint_url",
      "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n",
      {},
      { url: "http://profile", region: "eu-west-1" },
    ],
    [
      "all ignored with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
      "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n",
      { AWS_ENDPOINT_URL_STS: "http://x", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" },
      { url: "https://sts.eu-west-1.amazonaws.com", region: "eu-west-1" },
    ],
  ])("%s", (_name, config, env, expected) => {
    expect(endpointFor(config, "p", env as Record<string, string>)).toMatchObject(expected);
  });

  it("--region wins over everything", () => {
    expect(
      endpointFor("[profile p]\nregion = eu-west-1\n", "p", { AWS_REGION: "us-east-2" }, "sa-east-1"),
    ).toMatchObject({ region: "sa-east-1" });
  });

  it("a custom endpoint with no region is an error, as in the AWS CLI", () => {
    expect(() => endpointFor("[profile p]\n", "p", { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" })).toThrow(
      /no region is set/,
    );
  });

  it("a services name without its section is an error naming both", () => {
    expect(() => endpointFor("[profile p]\nregion = eu-west-1\nservices = nope\n", "p")).toThrow(
      /services = nope.*\[services nope\]/,
    );
  });

  it("an invalid sts_regional_endpoints is an error", () => {
    expect(() => endpointFor("[profile p]\nregion = eu-west-1\nsts_regional_endpoints = sometimes\n", "p")).toThrow(
      /"sometimes", which is not valid/,
    );
  });

  // Each error names the profile (or the variable) and the file to fix, and carries the setting for doctor.
  it.each<[string, string, string | undefined, Record<string, string>, Record<string, unknown>]>([
    [
      "sts_regional_endpoints in the profile",
      "[profile p]\nregion = eu-west-1\nsts_regional_endpoints = sometimes\n",
      "p",
      {},
      {
        code: "BadStsRegionalEndpoints",
        profile: "p",
        setting: "sts_regional_endpoints",
        origin: { file: "config", path: paths.configPath, line: 3 },
        message: 'Profile "p" has sts_regional_endpoints = "sometimes", which is not valid.',
        hint: `Write sts_regional_endpoints = regional (the default) or legacy in [profile p] in ${paths.configPath}.`,
      },
    ],
    [
      "AWS_STS_REGIONAL_ENDPOINTS",
      "[profile p]\nregion = eu-west-1\nsts_regional_endpoints = legacy\n",
      "p",
      { AWS_STS_REGIONAL_ENDPOINTS: "sometimes" },
      {
        code: "BadStsRegionalEndpoints",
        message: 'AWS_STS_REGIONAL_ENDPOINTS is "sometimes", which is not valid.',
        hint: 'Set it to "regional" (the default) or "legacy", or unset it.',
      },
    ],
    [
      "a custom endpoint and no region, for a profile",
      "[profile p]\n",
      "p",
      { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" },
      {
        code: "NoRegion",
        profile: "p",
        setting: "region",
        message:
          'For profile "p", a custom STS endpoint is configured (AWS_ENDPOINT_URL_STS) but no region is set, so requests cannot be signed.',
        hint: `Set AWS_REGION, or region in [profile p] in ${paths.configPath}, as the AWS CLI also requires.`,
      },
    ],
    [
      "a custom endpoint and no region, with no profile",
      "",
      undefined,
      { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" },
      {
        code: "NoRegion",
        message:
          "With no profile, a custom STS endpoint is configured (AWS_ENDPOINT_URL_STS) but no region is set, so requests cannot be signed.",
      },
    ],
    [
      "a services name without its section",
      "[profile p]\nregion = eu-west-1\nservices = nope\n",
      "p",
      {},
      {
        code: "ServicesNotFound",
        profile: "p",
        setting: "services",
        hint: `Add [services nope] to ${paths.configPath}, or remove services from [profile p].`,
      },
    ],
  ])("%s: the error names where to fix it", (_name, config, profile, env, expected) => {
    let thrown: unknown;
    try {
      endpointFor(config, profile, env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject(expected);
  });
});

// What botocore 1.43.11 (AWS CLI v1) calls, observed with a before-send hook on
// an STS client for each region x use_fips_endpoint x use_dualstack_endpoint x
// sts_regional_endpoints (docs/differences.md).
describe("FIPS and dual-stack endpoints, as botocore picks them", () => {
  it.each([
    ["us-east-1", false, false, "regional", "sts.us-east-1.amazonaws.com", "us-east-1"],
    ["us-east-1", false, false, "legacy", "sts.amazonaws.com", "us-east-1"],
    ["us-east-1", false, true, "regional", "sts.us-east-1.api.aws", "us-east-1"],
    ["us-east-1", false, true, "legacy", "sts.us-east-1.api.aws", "us-east-1"],
    ["us-east-1", true, false, "regional", "sts-fips.us-east-1.amazonaws.com", "us-east-1"],
    ["us-east-1", true, false, "legacy", "sts-fips.us-east-1.amazonaws.com", "us-east-1"],
    ["us-east-1", true, true, "regional", "sts-fips.us-east-1.api.aws", "us-east-1"],
    ["us-east-1", true, true, "legacy", "sts-fips.us-east-1.api.aws", "us-east-1"],
    ["us-west-2", false, false, "regional", "sts.us-west-2.amazonaws.com", "us-west-2"],
    ["us-west-2", false, false, "legacy", "sts.amazonaws.com", "us-east-1"],
    ["us-west-2", false, true, "regional", "sts.us-west-2.api.aws", "us-west-2"],
    ["us-west-2", false, true, "legacy", "sts.us-west-2.api.aws", "us-west-2"],
    ["us-west-2", true, false, "regional", "sts-fips.us-west-2.amazonaws.com", "us-west-2"],
    ["us-west-2", true, false, "legacy", "sts-fips.us-west-2.amazonaws.com", "us-west-2"],
    ["us-west-2", true, true, "regional", "sts-fips.us-west-2.api.aws", "us-west-2"],
    ["us-west-2", true, true, "legacy", "sts-fips.us-west-2.api.aws", "us-west-2"],
    ["eu-west-1", false, false, "regional", "sts.eu-west-1.amazonaws.com", "eu-west-1"],
    ["eu-west-1", false, false, "legacy", "sts.amazonaws.com", "us-east-1"],
    ["eu-west-1", false, true, "regional", "sts.eu-west-1.api.aws", "eu-west-1"],
    ["eu-west-1", false, true, "legacy", "sts.eu-west-1.api.aws", "eu-west-1"],
    ["eu-west-1", true, false, "regional", "sts-fips.eu-west-1.amazonaws.com", "eu-west-1"],
    ["eu-west-1", true, false, "legacy", "sts-fips.eu-west-1.amazonaws.com", "eu-west-1"],
    ["eu-west-1", true, true, "regional", "sts-fips.eu-west-1.api.aws", "eu-west-1"],
    ["eu-west-1", true, true, "legacy", "sts-fips.eu-west-1.api.aws", "eu-west-1"],
    ["ap-northeast-1", false, false, "regional", "sts.ap-northeast-1.amazonaws.com", "ap-northeast-1"],
    ["ap-northeast-1", false, false, "legacy", "sts.amazonaws.com", "us-east-1"],
    ["ap-northeast-1", false, true, "regional", "sts.ap-northeast-1.api.aws", "ap-northeast-1"],
    ["ap-northeast-1", false, true, "legacy", "sts.ap-northeast-1.api.aws", "ap-northeast-1"],
    ["ap-northeast-1", true, false, "regional", "sts-fips.ap-northeast-1.amazonaws.com", "ap-northeast-1"],
    ["ap-northeast-1", true, false, "legacy", "sts-fips.ap-northeast-1.amazonaws.com", "ap-northeast-1"],
    ["ap-northeast-1", true, true, "regional", "sts-fips.ap-northeast-1.api.aws", "ap-northeast-1"],
    ["ap-northeast-1", true, true, "legacy", "sts-fips.ap-northeast-1.api.aws", "ap-northeast-1"],
    ["cn-north-1", false, false, "regional", "sts.cn-north-1.amazonaws.com.cn", "cn-north-1"],
    ["cn-north-1", false, false, "legacy", "sts.cn-north-1.amazonaws.com.cn", "cn-north-1"],
    ["cn-north-1", false, true, "regional", "sts.cn-north-1.api.amazonwebservices.com.cn", "cn-north-1"],
    ["cn-north-1", false, true, "legacy", "sts.cn-north-1.api.amazonwebservices.com.cn", "cn-north-1"],
    ["cn-north-1", true, false, "regional", "sts-fips.cn-north-1.amazonaws.com.cn", "cn-north-1"],
    ["cn-north-1", true, false, "legacy", "sts-fips.cn-north-1.amazonaws.com.cn", "cn-north-1"],
    ["cn-north-1", true, true, "regional", "sts-fips.cn-north-1.api.amazonwebservices.com.cn", "cn-north-1"],
    ["cn-north-1", true, true, "legacy", "sts-fips.cn-north-1.api.amazonwebservices.com.cn", "cn-north-1"],
    ["us-gov-west-1", false, false, "regional", "sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
    ["us-gov-west-1", false, false, "legacy", "sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
    ["us-gov-west-1", false, true, "regional", "sts.us-gov-west-1.api.aws", "us-gov-west-1"],
    ["us-gov-west-1", false, true, "legacy", "sts.us-gov-west-1.api.aws", "us-gov-west-1"],
    ["us-gov-west-1", true, false, "regional", "sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
    ["us-gov-west-1", true, false, "legacy", "sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
    ["us-gov-west-1", true, true, "regional", "sts-fips.us-gov-west-1.api.aws", "us-gov-west-1"],
    ["us-gov-west-1", true, true, "legacy", "sts-fips.us-gov-west-1.api.aws", "us-gov-west-1"],
    ["us-gov-east-1", false, false, "regional", "sts.us-gov-east-1.amazonaws.com", "us-gov-east-1"],
    ["us-gov-east-1", false, false, "legacy", "sts.us-gov-east-1.amazonaws.com", "us-gov-east-1"],
    ["us-gov-east-1", false, true, "regional", "sts.us-gov-east-1.api.aws", "us-gov-east-1"],
    ["us-gov-east-1", false, true, "legacy", "sts.us-gov-east-1.api.aws", "us-gov-east-1"],
    ["us-gov-east-1", true, false, "regional", "sts.us-gov-east-1.amazonaws.com", "us-gov-east-1"],
    ["us-gov-east-1", true, false, "legacy", "sts.us-gov-east-1.amazonaws.com", "us-gov-east-1"],
    ["us-gov-east-1", true, true, "regional", "sts-fips.us-gov-east-1.api.aws", "us-gov-east-1"],
    ["us-gov-east-1", true, true, "legacy", "sts-fips.us-gov-east-1.api.aws", "us-gov-east-1"],
    ["ca-central-1", false, false, "regional", "sts.ca-central-1.amazonaws.com", "ca-central-1"],
    ["ca-central-1", false, false, "legacy", "sts.amazonaws.com", "us-east-1"],
    ["ca-central-1", false, true, "regional", "sts.ca-central-1.api.aws", "ca-central-1"],
    ["ca-central-1", false, true, "legacy", "sts.ca-central-1.api.aws", "ca-central-1"],
    ["ca-central-1", true, false, "regional", "sts-fips.ca-central-1.amazonaws.com", "ca-central-1"],
    ["ca-central-1", true, false, "legacy", "sts-fips.ca-central-1.amazonaws.com", "ca-central-1"],
    ["ca-central-1", true, true, "regional", "sts-fips.ca-central-1.api.aws", "ca-central-1"],
    ["ca-central-1", true, true, "legacy", "sts-fips.ca-central-1.api.aws", "ca-central-1"],
    ["eu-south-2", false, false, "regional", "sts.eu-south-2.amazonaws.com", "eu-south-2"],
    ["eu-south-2", false, false, "legacy", "sts.eu-south-2.amazonaws.com", "eu-south-2"],
    ["eu-south-2", false, true, "regional", "sts.eu-south-2.api.aws", "eu-south-2"],
    ["eu-south-2", false, true, "legacy", "sts.eu-south-2.api.aws", "eu-south-2"],
    ["eu-south-2", true, false, "regional", "sts-fips.eu-south-2.amazonaws.com", "eu-south-2"],
    ["eu-south-2", true, false, "legacy", "sts-fips.eu-south-2.amazonaws.com", "eu-south-2"],
    ["eu-south-2", true, true, "regional", "sts-fips.eu-south-2.api.aws", "eu-south-2"],
    ["eu-south-2", true, true, "legacy", "sts-fips.eu-south-2.api.aws", "eu-south-2"],
    ["us-iso-east-1", false, false, "regional", "sts.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"],
    ["us-iso-east-1", false, false, "legacy", "sts.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"],
    ["us-iso-east-1", false, true, "regional", "sts.us-iso-east-1.api.aws.ic.gov", "us-iso-east-1"],
    ["us-iso-east-1", false, true, "legacy", "sts.us-iso-east-1.api.aws.ic.gov", "us-iso-east-1"],
    ["us-iso-east-1", true, false, "regional", "sts-fips.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"],
    ["us-iso-east-1", true, false, "legacy", "sts-fips.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"],
    ["us-iso-east-1", true, true, "regional", "sts-fips.us-iso-east-1.api.aws.ic.gov", "us-iso-east-1"],
    ["us-iso-east-1", true, true, "legacy", "sts-fips.us-iso-east-1.api.aws.ic.gov", "us-iso-east-1"],
    ["aws-global", false, false, "regional", "sts.amazonaws.com", "us-east-1"],
    ["aws-global", false, false, "legacy", "sts.amazonaws.com", "us-east-1"],
    ["aws-global", false, true, "regional", "sts.aws-global.api.aws", "us-east-1"],
    ["aws-global", false, true, "legacy", "sts.aws-global.api.aws", "us-east-1"],
    ["aws-global", true, false, "regional", "sts-fips.aws-global.amazonaws.com", "us-east-1"],
    ["aws-global", true, false, "legacy", "sts-fips.aws-global.amazonaws.com", "us-east-1"],
    ["aws-global", true, true, "regional", "sts-fips.aws-global.api.aws", "us-east-1"],
    ["aws-global", true, true, "legacy", "sts-fips.aws-global.api.aws", "us-east-1"],
    ["us-isob-east-1", false, false, "regional", "sts.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"],
    ["us-isob-east-1", false, false, "legacy", "sts.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"],
    ["us-isob-east-1", false, true, "regional", "sts.us-isob-east-1.api.aws.scloud", "us-isob-east-1"],
    ["us-isob-east-1", false, true, "legacy", "sts.us-isob-east-1.api.aws.scloud", "us-isob-east-1"],
    ["us-isob-east-1", true, false, "regional", "sts-fips.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"],
    ["us-isob-east-1", true, false, "legacy", "sts-fips.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"],
    ["us-isob-east-1", true, true, "regional", "sts-fips.us-isob-east-1.api.aws.scloud", "us-isob-east-1"],
    ["us-isob-east-1", true, true, "legacy", "sts-fips.us-isob-east-1.api.aws.scloud", "us-isob-east-1"],
  ] as const)("%s fips=%s dualstack=%s %s -> %s (signed %s)", (region, fips, dualstack, mode, host, signingRegion) => {
    const env: Record<string, string> = { AWS_STS_REGIONAL_ENDPOINTS: mode };
    if (fips) env.AWS_USE_FIPS_ENDPOINT = "true";
    if (dualstack) env.AWS_USE_DUALSTACK_ENDPOINT = "true";
    expect(endpointFor(`[profile p]\nregion = ${region}\n`, "p", env)).toMatchObject({
      url: `https://${host}`,
      region: signingRegion,
    });
  });

  it("the profile's use_fips_endpoint and use_dualstack_endpoint count too; the variables beat them", () => {
    expect(endpointFor("[profile p]\nregion = eu-west-1\nuse_fips_endpoint = true\n", "p").url).toBe(
      "https://sts-fips.eu-west-1.amazonaws.com",
    );
    expect(endpointFor("[profile p]\nregion = eu-west-1\nuse_dualstack_endpoint = TRUE\n", "p").url).toBe(
      "https://sts.eu-west-1.api.aws",
    );
    expect(
      endpointFor("[profile p]\nregion = eu-west-1\nuse_fips_endpoint = true\n", "p", {
        AWS_USE_FIPS_ENDPOINT: "false",
      }).url,
    ).toBe("https://sts.eu-west-1.amazonaws.com");
    // botocore's ensure_boolean: only the word true is on.
    expect(endpointFor("[profile p]\nregion = eu-west-1\n", "p", { AWS_USE_FIPS_ENDPOINT: "1" }).url).toBe(
      "https://sts.eu-west-1.amazonaws.com",
    );
  });

  it("a configured endpoint URL wins over FIPS and dual-stack, as in botocore", () => {
    expect(
      endpointFor("[profile p]\nregion = eu-west-1\n", "p", {
        AWS_USE_FIPS_ENDPOINT: "true",
        AWS_USE_DUALSTACK_ENDPOINT: "true",
        AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
      }).url,
    ).toBe("http://127.0.0.1:9");
  });
});
