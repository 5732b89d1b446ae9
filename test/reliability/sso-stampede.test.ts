// Twenty processes started at once on an expiring IAM Identity Center token
// refresh it once between them (the token file's cross-process lock; the AWS
// CLI and the JS SDK have none), and on a cold role cache make one
// GetRoleCredentials call (throughCache's lock on the role entry).

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssoTokenFileName } from "../../src/core/sso-token.js";
import { baseEnv, makeHome, parseEnvExport, runCli, type Home } from "../e2e/harness.js";
import { STACK_LINE, startCli, waitFor } from "./helpers.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";

const START_URL = "https://d-abc123.awsapps.com/start";
const CONFIG = `[profile sso-dev]
sso_session = my-sso
sso_account_id = 555555555555
sso_role_name = Developer

[sso-session my-sso]
sso_start_url = ${START_URL}
sso_region = us-east-1
sso_registration_scopes = sso:account:access
`;

let server: StsServer;
const homes: Home[] = [];
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterAll(async () => {
  await server.close();
  for (const h of homes) h.remove();
});

function setUp(): { home: Home; env: Record<string, string>; tokenFile: string; refreshToken: string } {
  server.reset();
  const home = makeHome({ config: CONFIG, credentials: "" });
  homes.push(home);
  const dir = join(home.awsDir, "sso", "cache");
  mkdirSync(dir, { recursive: true });
  const token = server.oidc.issueToken({ userName: "alice", expiresInSeconds: 300 });
  const tokenFile = join(dir, ssoTokenFileName("my-sso"));
  writeFileSync(tokenFile, JSON.stringify({ startUrl: START_URL, region: "us-east-1", ...token }), { mode: 0o600 });
  const env = baseEnv(home, server, { AWS_ENDPOINT_URL_SSO: server.url, AWS_ENDPOINT_URL_SSO_OIDC: server.url });
  return { home, env, tokenFile, refreshToken: token.refreshToken! };
}

const count = (action: string) => server.calls.filter((c) => c.action === action).length;

describe("SSO stampede", () => {
  it("twenty processes with no role cache (--no-cache) on an expiring token: one refresh, twenty role calls, the refresh token kept", async () => {
    const { env, tokenFile, refreshToken, home } = setUp();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runCli(["export", "sso-dev", "--no-cache"], env, { timeoutMs: 60_000 })),
    );
    for (const r of results) {
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(parseEnvExport(r.stdout).AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    }
    expect(count("CreateToken")).toBe(1);
    expect(count("GetRoleCredentials")).toBe(20);
    const written = JSON.parse(readFileSync(tokenFile, "utf8")) as Record<string, string>;
    expect(written.refreshToken).toBe(refreshToken);
    expect(readdirSync(join(home.awsDir, "sso", "cache")).filter((n) => !n.endsWith(".json"))).toEqual([]);
  }, 90_000);

  it("twenty processes on a cold role cache and an expiring token: one refresh and one GetRoleCredentials", async () => {
    const { env } = setUp();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runCli(["export", "sso-dev"], env, { timeoutMs: 60_000 })),
    );
    for (const r of results) expect(r.code).toBe(0);
    expect(new Set(results.map((r) => parseEnvExport(r.stdout).AWS_ACCESS_KEY_ID)).size).toBe(1);
    expect(count("CreateToken")).toBe(1);
    expect(count("GetRoleCredentials")).toBe(1);
  }, 90_000);
});

describe("Ctrl-C during IAM Identity Center calls", () => {
  it.each([
    ["GetRoleCredentials", "sso" as const, 3600],
    ["the token refresh", "sso-oidc" as const, 300],
  ])(
    "SIGINT while %s hangs: exit 130 promptly, nothing on stdout, the token kept, nothing cached, no lock left",
    async (_what, service, seconds) => {
      const { env, tokenFile, home } = setUp();
      if (seconds !== 300) {
        const token = server.oidc.issueToken({ userName: "alice", expiresInSeconds: seconds });
        writeFileSync(tokenFile, JSON.stringify({ startUrl: START_URL, region: "us-east-1", ...token }), {
          mode: 0o600,
        });
      }
      const before = readFileSync(tokenFile, "utf8");
      server.injectServiceFault(service, "hang", 5);
      const { child, done } = startCli(["export", "sso-dev"], env);
      await waitFor(
        () => server.calls.some((c) => c.service === service && c.fault === "hang"),
        15_000,
        "the hanging request",
      );
      const sent = Date.now();
      child.kill("SIGINT");
      const result = await done;
      expect(Date.now() - sent).toBeLessThan(3_000);
      expect(result.stderr).toContain("awsrole: interrupted.");
      expect(result.code).toBe(130);
      expect(result.stdout).toBe("");
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(readFileSync(tokenFile, "utf8")).toBe(before);
      expect(home.cacheFiles()).toEqual([]);
      expect(readdirSync(join(home.awsDir, "sso", "cache")).filter((n) => !n.endsWith(".json"))).toEqual([]);
    },
    60_000,
  );

  it("SIGINT while the portal's Logout hangs: exit 130, the token file still there", async () => {
    const { env, tokenFile } = setUp();
    server.injectServiceFault("sso", "hang", 5);
    const { child, done } = startCli(["logout"], env);
    await waitFor(
      () => server.calls.some((c) => c.service === "sso" && c.fault === "hang"),
      15_000,
      "the hanging request",
    );
    child.kill("SIGINT");
    const result = await done;
    expect(result.stderr).toContain("awsrole: interrupted.");
    expect(result.code).toBe(130);
    expect(result.stdout).toBe("");
    expect(readFileSync(tokenFile, "utf8")).toContain("accessToken");
  }, 60_000);
});
