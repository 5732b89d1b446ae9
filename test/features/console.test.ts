// `awsrole console` end to end: role credentials → the loopback federation
// endpoint (AWSROLE_FEDERATION_ENDPOINT) → a login URL carrying only the SigninToken.

import { describe, expect, it } from "vitest";
import { baseEnv, callsOf, parseEnvExport, type Home, seedWorld } from "../e2e/harness.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback STS and temp HOMEs.
import { runCli } from "../in-process.js";
import { consoleDestination, partitionEndpoints, partitionOf } from "../../src/commands/console.js";

const world = seedWorld();
const home = world.home;

const envFor = (h: Home, extra: Record<string, string> = {}) =>
  baseEnv(h, world.sts, { AWSROLE_FEDERATION_ENDPOINT: `${world.sts.url}/federation`, ...extra });

describe("awsrole console", () => {
  it("prints a login URL whose SigninToken the endpoint issued for the RoleB session; no credentials in it", async () => {
    const h = home();
    const env = envFor(h);
    const exported = parseEnvExport((await runCli(["export", "role-b", "--token-code", "123456"], env)).stdout);
    world.sts.reset();
    const result = await runCli(["console", "role-b"], env);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["getSigninToken"]);
    const call = world.sts.calls[0]!;
    expect(call.status).toBe(200);
    expect(call.callerArn).toMatch(/^arn:aws:sts::222222222222:assumed-role\/RoleB\//);
    expect(call.params.sessionId).toBe(exported.AWS_ACCESS_KEY_ID);

    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    const url = new URL(lines[0]!);
    expect(`${url.origin}${url.pathname}`).toBe(`${world.sts.url}/federation`);
    expect(url.searchParams.get("Action")).toBe("login");
    expect(url.searchParams.get("Issuer")).toBe("awsrole");
    expect(url.searchParams.get("Destination")).toBe(
      "https://console.aws.amazon.com/console/home?region=ap-northeast-1",
    );
    const token = url.searchParams.get("SigninToken")!;
    expect(world.sts.signinTokens.get(token)).toBe(call.callerArn);
    for (const secret of [exported.AWS_ACCESS_KEY_ID!, exported.AWS_SECRET_ACCESS_KEY!, exported.AWS_SESSION_TOKEN!]) {
      expect(result.stdout).not.toContain(secret);
      expect(result.stdout).not.toContain(encodeURIComponent(secret));
    }
  });

  it("--destination as a path lands on that console page; --duration is sent as SessionDuration", async () => {
    const h = home();
    const result = await runCli(
      ["console", "s3-developer", "--destination", "/s3/home", "--duration", "3600", "--region", "eu-west-1"],
      envFor(h),
    );
    expect(result.code).toBe(0);
    expect(callsOf(world.sts)).toEqual(["AssumeRole s3-developer", "getSigninToken"]);
    expect(world.sts.calls[1]!.params.SessionDuration).toBe("3600");
    const url = new URL(result.stdout.trim());
    expect(url.searchParams.get("Destination")).toBe("https://console.aws.amazon.com/s3/home?region=eu-west-1");
  });

  it("long-term keys: a clear error naming GetFederationToken, with a hint to use a role profile; no federation call", async () => {
    const h = home();
    const result = await runCli(["console", "user1"], envFor(h));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("GetFederationToken");
    expect(result.stderr).toContain("hint: Use a role profile");
    expect(callsOf(world.sts)).toEqual([]);
  });

  it("a refused session (revoked/expired) is a clear failure", async () => {
    const h = home();
    const env = envFor(h);
    await runCli(["export", "s3-developer"], env);
    world.sts.advanceClock(2 * 3600); // the cached session is now expired for the endpoint, not for awsrole's clock
    world.sts.reset();
    const result = await runCli(["console", "s3-developer"], env);
    expect(result.code).toBe(1);
    expect(callsOf(world.sts)).toEqual(["getSigninToken -> ExpiredSession"]);
    expect(result.stderr).toContain("refused the session");
    expect(result.stdout).toBe("");
  });

  it("--help shows examples", async () => {
    const result = await runCli(["console", "--help"], { PATH: process.env.PATH ?? "" });
    expect(result.stdout).toContain("awsrole console role-b --open");
  });
});

describe("partitions and destinations", () => {
  it.each([
    [
      "arn:aws:sts::123456789012:assumed-role/R/s",
      "https://signin.aws.amazon.com/federation",
      "https://console.aws.amazon.com",
    ],
    [
      "arn:aws-cn:sts::123456789012:assumed-role/R/s",
      "https://signin.amazonaws.cn/federation",
      "https://console.amazonaws.cn",
    ],
    [
      "arn:aws-us-gov:sts::123456789012:assumed-role/R/s",
      "https://signin.amazonaws-us-gov.com/federation",
      "https://console.amazonaws-us-gov.com",
    ],
  ])("%s", (arn, federation, console) => {
    expect(partitionEndpoints(partitionOf(arn))).toEqual({ federation, console });
  });

  it.each([
    [undefined, undefined, "https://console.aws.amazon.com/"],
    ["us-east-2", undefined, "https://console.aws.amazon.com/console/home?region=us-east-2"],
    ["us-east-2", "/ec2/home", "https://console.aws.amazon.com/ec2/home?region=us-east-2"],
    ["us-east-2", "https://example.com/x", "https://example.com/x"],
  ])("region %s, destination %s", (region, destination, expected) => {
    expect(consoleDestination("https://console.aws.amazon.com", region, destination)).toBe(expected);
  });
});
