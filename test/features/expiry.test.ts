// Expiry where people see it: AWS_CREDENTIAL_EXPIRATION in every export format,
// whoami's time left, and a warning on stderr under 10 minutes. Short-lived
// credentials come from a credential_process that prints an Expiration 5
// minutes ahead (keys the loopback STS accepts, so whoami can call it).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StsServer } from "../sts/server.js";
import { baseEnv, makeHome, parseEnvExport, startSeedSts, type Home } from "../e2e/harness.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback STS and temp HOMEs.
import { runCli } from "../in-process.js";

let sts: StsServer;
let h: Home;
let env: Record<string, string>;
beforeAll(async () => {
  sts = await startSeedSts();
  h = makeHome();
  const script = join(h.dir, "short-creds.cjs");
  writeFileSync(
    script,
    `const minutes = Number(process.argv[2]);
process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: "AKIAUSER1S3DEV000001", ` +
      `SecretAccessKey: "user1s3devSecretKey000000000000000000001", SessionToken: ` +
      `"short-lived-token", Expiration: new Date(Date.now() + minutes * 60000).toISOString() }));`,
  );
  const tokenless = join(h.dir, "short-keys.cjs");
  writeFileSync(
    tokenless,
    `process.stdout.write(JSON.stringify({ Version: 1, AccessKeyId: "AKIAUSER1S3DEV000001", ` +
      `SecretAccessKey: "user1s3devSecretKey000000000000000000001", Expiration: new ` +
      `Date(Date.now() + 5 * 60000).toISOString() }));`,
  );
  writeFileSync(
    join(h.awsDir, "config"),
    `[profile short]\ncredential_process = ${process.execPath} ${script} 5\n\n[profile ` +
      `long]\ncredential_process = ${process.execPath} ${script} 50\n\n[profile short-keys]\ncredential_process ` +
      `= ${process.execPath} ${tokenless}\n\n[profile role-b]\nrole_arn = arn:aws:iam::222222222222:role/RoleB\nsource_profile ` +
      `= role-a\n\n[profile role-a]\nrole_arn = arn:aws:iam::222222222222:role/RoleA\nmfa_serial ` +
      `= arn:aws:iam::111111111111:mfa/User1\nsource_profile = default\n`,
  );
  env = baseEnv(h, sts);
});
afterAll(async () => {
  await sts.close();
  h.remove();
});
afterEach(() => sts.reset());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function minutesLeft(iso: string): number {
  return (new Date(iso).getTime() - Date.now()) / 60000;
}

describe("AWS_CREDENTIAL_EXPIRATION in every export format", () => {
  it("env", async () => {
    const r = await runCli(["export", "short"], env);
    const vars = parseEnvExport(r.stdout);
    expect(vars.AWS_CREDENTIAL_EXPIRATION).toMatch(ISO);
    expect(minutesLeft(vars.AWS_CREDENTIAL_EXPIRATION!)).toBeGreaterThan(3);
    expect(minutesLeft(vars.AWS_CREDENTIAL_EXPIRATION!)).toBeLessThanOrEqual(5);
  });

  it.each([
    ["env-no-export", /^AWS_CREDENTIAL_EXPIRATION='(\S+)'$/m],
    ["fish", /^set -gx AWS_CREDENTIAL_EXPIRATION '(\S+)'$/m],
    ["powershell", /^\$Env:AWS_CREDENTIAL_EXPIRATION = '(\S+)'$/m],
    ["json", /"Expiration": "(\S+)"/],
    ["process", /"Expiration": "(\S+)"/],
  ])("%s", async (format, pattern) => {
    const r = await runCli(["export", "short", "--format", format], env);
    expect(r.code).toBe(0);
    const match = pattern.exec(r.stdout);
    expect(match?.[1]).toMatch(ISO);
    expect(minutesLeft(match![1]!)).toBeLessThanOrEqual(5);
  });

  it("role sessions from STS carry it too (an hour ahead), with no warning", async () => {
    const r = await runCli(["export", "role-b", "--token-code", "123456"], env);
    expect(r.stderr).toBe("");
    const left = minutesLeft(parseEnvExport(r.stdout).AWS_CREDENTIAL_EXPIRATION!);
    expect(left).toBeGreaterThan(55);
    expect(left).toBeLessThanOrEqual(60);
  });
});

describe("warning under 10 minutes", () => {
  it("export warns on stderr, stdout stays data only", async () => {
    const r = await runCli(["export", "short"], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^awsrole: warning: these credentials expire in 4m\d\ds \(at \d{4}-.*Z\)\.\n$/);
    expect(r.stdout).not.toContain("warning");
  });

  it("no warning with 50 minutes left", async () => {
    const r = await runCli(["export", "long"], env);
    expect(r.stderr).toBe("");
  });

  it("even credentials without a session token warn when they carry an expiry", async () => {
    const r = await runCli(["export", "short-keys"], env);
    expect(r.stderr).toContain("expire in 4m");
  });
});

describe("whoami shows the time left", () => {
  it("text: Expires with time left, plus the warning", async () => {
    const r = await runCli(["whoami", "short-keys"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Expires +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(4m\d\ds left\)$/m);
    expect(r.stdout).toContain("arn:aws:iam::123456789012:user/user1");
    expect(r.stderr).toContain("warning: these credentials expire in 4m");
  });

  it("long-term keys never expire", async () => {
    const r = await runCli(["whoami", "default"], baseEnv(makeHomeWithSeeds(), sts));
    expect(r.stdout).toMatch(/^Expires +never \(long-term keys\)$/m);
  });
});

const extraHomes: Home[] = [];
function makeHomeWithSeeds(): Home {
  const x = makeHome();
  extraHomes.push(x);
  return x;
}
afterAll(() => {
  for (const x of extraHomes) x.remove();
});
