// Issue 6.5, secrets: no secret key or session token (from the seed world's
// files, from what the emulator issued, or from a credential_process) appears
// on stderr, in an error, in --debug output, in a child's argv, or in any file
// other than the credential cache and an explicitly written profile. Only
// stdout of `export` (and of `assume`, which prints what `aws sts assume-role`
// prints) carries them. With --debug, access key ids appear masked at most.

import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StsServer } from "../sts/server.js";
import {
  baseEnv,
  cachedSecrets,
  makeHome,
  SEED_SECRETS,
  startSeedSts,
  walkFiles,
  type Home,
  type RunResult,
} from "./helpers.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback servers and temp HOMEs.
import { runCli } from "../in-process.js";

let sts: StsServer;
const homes: Home[] = [];
beforeAll(async () => {
  sts = await startSeedSts();
});
afterAll(async () => {
  await sts.close();
  for (const h of homes) h.remove();
});

const PROCESS_SECRET = "ProcessSecretKey0000000000000000000000001";
const PROCESS_TOKEN = "ProcessSessionToken///////////////////0001";
const SEED_KEY_IDS = ["AKIAUSER1CHAIN000001", "AKIAUSER1S3DEV000001", "AKIANOSKILL000000001"];

interface Run {
  args: string[];
  result: RunResult;
  /** stdout may carry credentials (export, assume). */
  secretsOnStdout: boolean;
}

describe("secrets stay where they belong", () => {
  const runs: Run[] = [];
  let h: Home;

  beforeAll(async () => {
    h = makeHome();
    homes.push(h);
    // A credential_process source that records its own argv, and a failing one that prints secrets then exits 1.
    const script = join(h.dir, "proc.cjs");
    writeFileSync(
      script,
      `require("fs").writeFileSync(${JSON.stringify(join(h.dir, "proc-argv.json"))}, ` +
        `JSON.stringify(process.argv));\nprocess.stdout.write(JSON.stringify({Version: ` +
        `1, AccessKeyId: "AKIAPROCESS000000001", SecretAccessKey: ${JSON.stringify(PROCESS_SECRET)}, ` +
        `SessionToken: ${JSON.stringify(PROCESS_TOKEN)}}));\nprocess.exitCode = process.argv[2] ` +
        `=== "fail" ? 1 : 0;\n`,
    );
    chmodSync(script, 0o700);
    const config = readFileSync(join(h.awsDir, "config"), "utf8");
    writeFileSync(
      join(h.awsDir, "config"),
      `${config}\n[profile proc]\ncredential_process = "${process.execPath}" ${script} ` +
        `ok\n\n[profile proc-fail]\ncredential_process = "${process.execPath}" ${script} ` +
        `fail\n\n[profile proc-role]\nrole_arn = arn:aws:iam::123456789012:role/s3-developer\nsource_profile = proc\n`,
    );
    const env = baseEnv(h, sts);
    const go = async (args: string[], secretsOnStdout = false, extra: Record<string, string> = {}) => {
      runs.push({ args, result: await runCli(args, { ...env, ...extra }), secretsOnStdout });
    };
    // Main flows, all with --debug.
    await go(["export", "role-e", "--token-code", "123456", "--debug"], true);
    await go(["export", "role-e", "--debug", "--format", "json"], true);
    await go(["export", "role-e"], true);
    await go(["whoami", "role-e", "--debug"]);
    await go(["whoami", "role-e", "--debug", "--output", "json"]);
    await go(["chain", "role-e", "--resolve", "--debug"]);
    await go(["chain", "role-e", "--resolve", "--debug", "--output", "json"]);
    await go(["cache", "list", "--debug"]);
    await go(["cache", "list", "--output", "json"]);
    await go(["export", "s3-developer", "--debug", "--format", "process"], true);
    await go(["assume", "role-b", "--debug", "--write-profile", "written"], true);
    await go(["export", "proc", "--debug"], true);
    await go(["export", "proc-role", "--debug"], true);
    // Failing variants.
    await go(["export", "proc-fail", "--debug"]);
    await go(["export", "role-a", "--refresh", "--token-code", "999999", "--debug"]);
    await go(["export", "no_skill", "--debug", "--region", "us-east-1"], true);
    sts.injectFault("http500", 3);
    await go(["export", "role-b", "--refresh", "--token-code", "654321", "--debug"]);
    await go(["export", "s3-developer", "--refresh", "--debug"], false, { AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9" });
    await go(["assume", "role-b", "--write-profile", "user1", "--debug"]); // refuses to overwrite long-term keys
    await go(["whoami", "--debug"], false, {
      AWS_ACCESS_KEY_ID: "AKIAUSER1CHAIN000001",
      AWS_SECRET_ACCESS_KEY: "wrong-" + SEED_SECRETS[0],
    });
  }, 120_000);

  const known = () => [...SEED_SECRETS, PROCESS_SECRET, PROCESS_TOKEN, ...cachedSecrets(h), "wrong-" + SEED_SECRETS[0]];

  it("the flows ran as expected (so the checks below look at real output)", () => {
    const codes = runs.map((r) => `${r.args.join(" ")} => ${r.result.code}`);
    expect(codes).toEqual([
      "export role-e --token-code 123456 --debug => 0",
      "export role-e --debug --format json => 0",
      "export role-e => 0",
      "whoami role-e --debug => 0",
      "whoami role-e --debug --output json => 0",
      "chain role-e --resolve --debug => 0",
      "chain role-e --resolve --debug --output json => 0",
      "cache list --debug => 0",
      "cache list --output json => 0",
      "export s3-developer --debug --format process => 0",
      "assume role-b --debug --write-profile written => 0",
      "export proc --debug => 0",
      "export proc-role --debug => 0",
      "export proc-fail --debug => 1",
      "export role-a --refresh --token-code 999999 --debug => 1",
      "export no_skill --debug --region us-east-1 => 0",
      "export role-b --refresh --token-code 654321 --debug => 1",
      "export s3-developer --refresh --debug => 1",
      "assume role-b --write-profile user1 --debug => 1",
      "whoami --debug => 1",
    ]);
    expect(cachedSecrets(h).length).toBeGreaterThanOrEqual(12);
    // --debug really printed something, including stack traces for failures.
    expect(runs[0]!.result.stderr).toMatch(/^debug: /m);
    expect(runs[13]!.result.stderr).toMatch(/\n\s+at /);
  });

  it("never on stderr (debug output, warnings, errors, stack traces included)", () => {
    const secrets = known();
    for (const run of runs) {
      for (const secret of secrets) {
        if (run.result.stderr.includes(secret))
          throw new Error(`${run.args.join(" ")}: stderr contains a secret ending ${secret.slice(-4)}`);
      }
    }
  });

  it("--debug shows no whole access key id", () => {
    const ids = [...SEED_KEY_IDS, "AKIAPROCESS000000001"];
    for (const name of h.cacheFiles().filter((n) => n.endsWith(".json"))) {
      ids.push(JSON.parse(readFileSync(join(h.cacheDir, name), "utf8")).Credentials.AccessKeyId);
    }
    for (const run of runs) for (const id of ids) expect(run.result.stderr, run.args.join(" ")).not.toContain(id);
  });

  it("stdout carries secrets only for export and assume", () => {
    const secrets = known();
    for (const run of runs.filter((r) => !r.secretsOnStdout)) {
      for (const secret of secrets)
        expect(run.result.stdout.includes(secret), `${run.args.join(" ")} stdout`).toBe(false);
    }
    // ...and export does carry them (the check is not vacuous).
    expect(known().some((s) => runs[0]!.result.stdout.includes(s))).toBe(true);
  });

  it("no file under HOME holds a secret except the cache entries and the credentials file (and its backups)", () => {
    const secrets = known();
    const allowed = (file: string) =>
      (file.startsWith(h.cacheDir + "/") && file.endsWith(".json")) ||
      file === join(h.awsDir, "credentials") ||
      file.startsWith(join(h.awsDir, "credentials.awsrole-backup-")) ||
      file === join(h.dir, "proc.cjs"); // the test's own credential_process script
    const offenders: string[] = [];
    const files = walkFiles(h.dir);
    expect(files.some((f) => f.includes(join(".cache", "awsrole")))).toBe(true); // awsrole's own files were written and are checked
    for (const file of files) {
      if (allowed(file)) continue;
      const text = readFileSync(file, "latin1");
      for (const secret of secrets)
        if (text.includes(secret)) offenders.push(`${relative(h.dir, file)} (…${secret.slice(-4)})`);
    }
    expect(offenders).toEqual([]);
    // The written profile holds the role-b session.
    expect(readFileSync(join(h.awsDir, "credentials"), "utf8")).toMatch(
      /\[written\]\n# written by awsrole at .*\naws_access_key_id = ASIA/,
    );
  });

  it("credential_process children get no secret in argv", () => {
    const argv = JSON.parse(readFileSync(join(h.dir, "proc-argv.json"), "utf8")) as string[];
    expect(argv.length).toBe(3);
    for (const secret of known()) expect(argv.join("\0")).not.toContain(secret);
  });
});
