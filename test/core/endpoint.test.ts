import { describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { resolveStsEndpoint } from "../../src/core/endpoint.js";
import { parseIni } from "../../src/core/ini.js";

const paths = { configPath: "/h/.aws/config", credentialsPath: "/h/.aws/credentials" };
function endpointFor(config: string, profile: string | undefined, env: Record<string, string> = {}, regionFlag?: string) {
  const aws = buildConfig(parseIni(config, paths.configPath), undefined, paths);
  return resolveStsEndpoint({ config: aws, profile: profile === undefined ? undefined : aws.profiles.get(profile), env, regionFlag });
}

// docs/aws-rules.md#sts-endpoint: one STS configuration, from the selected profile, for every hop.
describe("resolveStsEndpoint", () => {
  it.each([
    ["no region: the global endpoint, signed as us-east-1", "[profile p]\n", {}, { url: "https://sts.amazonaws.com", region: "us-east-1" }],
    ["the profile's region: regional endpoint", "[profile p]\nregion = eu-west-1\n", {}, { url: "https://sts.eu-west-1.amazonaws.com", region: "eu-west-1" }],
    ["AWS_REGION beats the profile", "[profile p]\nregion = eu-west-1\n", { AWS_REGION: "ap-south-1" }, { url: "https://sts.ap-south-1.amazonaws.com", region: "ap-south-1" }],
    ["AWS_DEFAULT_REGION beats the profile", "[profile p]\nregion = eu-west-1\n", { AWS_DEFAULT_REGION: "us-west-2" }, { url: "https://sts.us-west-2.amazonaws.com", region: "us-west-2" }],
    ["China regions", "[profile p]\nregion = cn-north-1\n", {}, { url: "https://sts.cn-north-1.amazonaws.com.cn", region: "cn-north-1" }],
    ["legacy for a legacy-global region", "[profile p]\nregion = eu-west-1\nsts_regional_endpoints = legacy\n", {}, { url: "https://sts.amazonaws.com", region: "us-east-1" }],
    ["legacy for a newer region stays regional", "[profile p]\nregion = ap-east-1\nsts_regional_endpoints = legacy\n", {}, { url: "https://sts.ap-east-1.amazonaws.com", region: "ap-east-1" }],
    ["AWS_STS_REGIONAL_ENDPOINTS", "[profile p]\nregion = us-east-1\n", { AWS_STS_REGIONAL_ENDPOINTS: "legacy" }, { url: "https://sts.amazonaws.com", region: "us-east-1" }],
    ["AWS_ENDPOINT_URL_STS first", "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n", { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1/", AWS_ENDPOINT_URL: "http://global" }, { url: "http://127.0.0.1:1", region: "eu-west-1" }],
    ["then AWS_ENDPOINT_URL", "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n", { AWS_ENDPOINT_URL: "http://global" }, { url: "http://global", region: "eu-west-1" }],
    ["then the services section", "[profile p]\nregion = eu-west-1\nservices = local\nendpoint_url = http://profile\n[services local]\nsts =\n  endpoint_url = http://services\n", {}, { url: "http://services", region: "eu-west-1" }],
    ["then the profile's endpoint_url", "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n", {}, { url: "http://profile", region: "eu-west-1" }],
    ["all ignored with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "[profile p]\nregion = eu-west-1\nendpoint_url = http://profile\n", { AWS_ENDPOINT_URL_STS: "http://x", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }, { url: "https://sts.eu-west-1.amazonaws.com", region: "eu-west-1" }],
  ])("%s", (_name, config, env, expected) => {
    expect(endpointFor(config, "p", env as Record<string, string>)).toMatchObject(expected);
  });

  it("--region wins over everything", () => {
    expect(endpointFor("[profile p]\nregion = eu-west-1\n", "p", { AWS_REGION: "us-east-2" }, "sa-east-1")).toMatchObject({ region: "sa-east-1" });
  });

  it("a custom endpoint with no region is an error, as in the AWS CLI", () => {
    expect(() => endpointFor("[profile p]\n", "p", { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:1" })).toThrow(/no region is set/);
  });

  it("a services name without its section is an error naming both", () => {
    expect(() => endpointFor("[profile p]\nregion = eu-west-1\nservices = nope\n", "p")).toThrow(/services = nope.*\[services nope\]/);
  });

  it("an invalid sts_regional_endpoints is an error", () => {
    expect(() => endpointFor("[profile p]\nregion = eu-west-1\nsts_regional_endpoints = sometimes\n", "p")).toThrow(/"sometimes", which is not valid/);
  });
});
