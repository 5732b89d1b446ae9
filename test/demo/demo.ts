// `npm run demo`: awsrole's main flows, end to end, on this machine only.
//
// A loopback STS (test/sts, the seed world) runs in this process; a throw-away
// HOME gets the sample ~/.aws/config and ~/.aws/credentials from
// test/fixtures/seeds; the built CLI (bin/awsrole.cjs) runs as child processes,
// exactly as a user would run it. The user's real ~/.aws and AWS_* variables are
// never read or written. Secrets are masked in everything printed here.
//
// Every child is started with the asynchronous spawn: the STS emulator lives in
// this process, and a synchronous child would block it (deadlock).

import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SEED_WORLD_PATH, SSO_WORLD_PATH, loadWorld, startSts, type StsServer } from "../sts/server.js";
import { runCommand } from "../tools/run-command.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "awsrole.cjs");
const SEEDS = join(ROOT, "test", "fixtures", "seeds");
const REGION = "ap-northeast-1";
const CHILD_TIMEOUT_MS = 30_000;

class DemoError extends Error {}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Mask credentials in text meant for people: `****` + the last 4 characters. */
function mask(text: string): string {
  const tail = (value: string): string => `****${value.slice(-4)}`;
  return (
    text
      // export KEY='v' / KEY='v' / set -gx KEY 'v' / $Env:KEY = 'v' / KEY=v (env output)
      .replace(
        /\b(AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_SECURITY_TOKEN)(\s*=\s*|\s+)(['"]?)([^'"\s]+)\3/g,
        (_m, key: string, sep: string, q: string, value: string) => `${key}${sep}${q}${tail(value)}${q}`,
      )
      // JSON: "SecretAccessKey": "v", "SessionToken": "v"
      .replace(
        /("(?:SecretAccessKey|SessionToken)"\s*:\s*")([^"]+)(")/g,
        (_m, a: string, value: string, b: string) => `${a}${tail(value)}${b}`,
      )
      // Safety net: a whole word of 40+ base64 characters looks like a secret key or
      // a token (cache file names are lower-case hex and stay; paths have '.'/'-').
      .replace(/(?<![^\s'"=:])[A-Za-z0-9/+]{40,}={0,2}(?![^\s'",])/g, (value) =>
        /^[0-9a-f]+$/.test(value) ? value : tail(value),
      )
  );
}

function indent(text: string): string {
  const body = text.replace(/\s+$/, "");
  return body === ""
    ? "    (no output)"
    : body
        .split("\n")
        .map((line) => `    ${line}`)
        .join("\n");
}

async function run(command: string, args: readonly string[], env: Record<string, string>): Promise<Run> {
  const { code, signal, stdout, stderr, spawnError } = await runCommand(command, args, {
    env,
    timeoutMs: CHILD_TIMEOUT_MS,
  });
  if (spawnError) throw new DemoError(`cannot run ${command}: ${spawnError.message}`);
  const killed = signal
    ? `\n(killed by ${signal}${signal === "SIGKILL" ? `, no answer within ${CHILD_TIMEOUT_MS / 1000} s` : ""})`
    : "";
  return { code, stdout, stderr: stderr + killed };
}

/** Is `name` runnable here? (asynchronously: the emulator must keep serving) */
async function available(name: string, env: Record<string, string>): Promise<boolean> {
  try {
    return (await run(name, ["--version"], env)).code === 0;
  } catch {
    return false;
  }
}

/** The STS calls served since the last reset, e.g. "AssumeRole RoleA (MFA), GetCallerIdentity". */
function describeCalls(sts: StsServer): string {
  if (sts.calls.length === 0) return "none";
  return sts.calls
    .map((call) => {
      const role = call.params.RoleArn?.split("/").pop();
      const mfa = call.params.SerialNumber ? " (MFA)" : "";
      const error = call.errorCode ? ` -> ${call.errorCode}` : "";
      return `${call.action}${role ? ` ${role}` : ""}${mfa}${error}`;
    })
    .join(", ");
}

function assumeRoleCount(sts: StsServer): number {
  return sts.calls.filter((call) => call.action === "AssumeRole").length;
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new DemoError(message);
}

/** The environment of a clean user shell: no inherited AWS_* settings, HOME is the demo's. */
function childEnv(home: string, binDir: string, sts: StsServer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "LANG", "LC_ALL", "TERM", "TMPDIR", "PYENV_VERSION"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  env.PATH = [binDir, env.PATH ?? "/usr/bin:/bin"].join(delimiter);
  env.HOME = home;
  env.AWS_CONFIG_FILE = join(home, ".aws", "config");
  env.AWS_SHARED_CREDENTIALS_FILE = join(home, ".aws", "credentials");
  env.AWS_ENDPOINT_URL_STS = sts.url;
  env.AWS_REGION = REGION;
  // Nothing in the demo may reach for the EC2 instance role off this machine.
  env.AWS_EC2_METADATA_DISABLED = "true";
  env.AWS_DEFAULT_REGION = REGION; // the AWS CLI v1 ignores AWS_REGION
  env.NO_COLOR = "1";
  return env;
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, "dist", "cli.cjs"))) {
    throw new DemoError("dist/cli.cjs is missing: run `npm run demo` (it builds first) or `npm run build`.");
  }

  let sts: StsServer | undefined;
  let ssoSts: StsServer | undefined;
  const home = mkdtempSync(join(tmpdir(), "awsrole-demo-"));
  const cleanup = async (): Promise<void> => {
    await sts?.close();
    await ssoSts?.close();
    rmSync(home, { recursive: true, force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    sts = await startSts({ world: loadWorld(SEED_WORLD_PATH) });
    const awsDir = join(home, ".aws");
    mkdirSync(awsDir, { recursive: true });
    copyFileSync(join(SEEDS, "config"), join(awsDir, "config"));
    copyFileSync(join(SEEDS, "credentials"), join(awsDir, "credentials"));
    chmodSync(join(awsDir, "credentials"), 0o600);
    // `awsrole` on PATH for the children, as after `npm link`.
    const binDir = join(home, "bin");
    mkdirSync(binDir);
    writeFileSync(join(binDir, "awsrole"), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
    const env = childEnv(home, binDir, sts);
    const cacheDir = join(awsDir, "cli", "cache");
    const cacheFiles = (): string[] =>
      existsSync(cacheDir) ? readdirSync(cacheDir).filter((f) => f.endsWith(".json")) : [];

    console.log("awsrole demo");
    console.log(`  STS      loopback emulator at ${sts.url} (test/sts, seed world), not AWS`);
    console.log(`  HOME     ${home} (throw-away; ~/.aws/config and credentials from test/fixtures/seeds)`);
    console.log(`  env      AWS_ENDPOINT_URL_STS=${sts.url} AWS_REGION=${REGION}; no other AWS_* variable`);
    console.log("");

    const step = async (title: string, args: string[]): Promise<Run> => {
      sts!.reset();
      if (title) console.log(title);
      console.log(`  $ awsrole ${args.join(" ")}`);
      const result = await run("awsrole", args, env);
      console.log(indent(mask(result.stdout + result.stderr)));
      if (result.code !== 0) throw new DemoError(`\`awsrole ${args.join(" ")}\` exited with ${result.code}`);
      return result;
    };

    // 1. The plan: five hops, computed from the config alone.
    await step("1. What does role-e need? (plan only)", ["chain", "role-e"]);
    console.log(`  STS: ${describeCalls(sts)} (the plan is read from ~/.aws/config alone)`);
    expect(sts.calls.length === 0, "`awsrole chain role-e` must not call STS");
    console.log("");

    // 2. Resolve the five-hop chain with an MFA code.
    const whoami = await step("2. Become role-e: MFA on the first hop, then four more AssumeRole calls", [
      "whoami",
      "--profile",
      "role-e",
      "--token-code",
      "123456",
    ]);
    console.log(`  STS: ${describeCalls(sts)}`);
    expect(/assumed-role\/RoleE\//.test(whoami.stdout), "whoami role-e did not show an assumed-role/RoleE identity");
    expect(
      assumeRoleCount(sts) === 5,
      `expected 5 AssumeRole calls for role-e, the emulator served: ${describeCalls(sts)}`,
    );
    console.log(`  cache: ${cacheFiles().length} files in ~/.aws/cli/cache (one per hop, the AWS CLI's format)`);
    console.log("");

    // 3. eval the export in a real shell, then use the exported keys.
    const hasAws = await available("aws", env);
    sts.reset();
    console.log("3. Put role-b's credentials into a shell and use them");
    const marker = "@@awsrole-demo@@";
    const script = [
      "set -e",
      'eval "$(awsrole export role-b)"',
      `echo '${marker} env'`,
      "env | grep '^AWS_' | grep -v -e '^AWS_ENDPOINT_URL_STS=' -e '^AWS_CONFIG_FILE=' -e '^AWS_SHARED_CREDENTIALS_FILE=' | sort",
      `echo '${marker} whoami'`,
      "awsrole whoami",
      ...(hasAws ? [`echo '${marker} aws'`, "aws sts get-caller-identity --output json"] : []),
    ].join("\n");
    const shell = await run("bash", ["-c", script], env);
    const sections = new Map<string, string>();
    let current = "";
    for (const line of shell.stdout.split("\n")) {
      if (line.startsWith(`${marker} `)) {
        current = line.slice(marker.length + 1);
        sections.set(current, "");
      } else if (current) sections.set(current, `${sections.get(current)!}${line}\n`);
    }
    console.log('  $ eval "$(awsrole export role-b)"');
    console.log(indent(mask(`(the shell now has)\n${sections.get("env") ?? ""}`)));
    console.log("  $ awsrole whoami");
    console.log(indent(mask(sections.get("whoami") ?? "")));
    if (hasAws) {
      console.log("  $ aws sts get-caller-identity");
      console.log(indent(mask(sections.get("aws") ?? "")));
    } else {
      console.log("  (aws is not on PATH: `aws sts get-caller-identity` skipped)");
    }
    if (shell.stderr.trim() !== "") console.log(indent(mask(shell.stderr)));
    expect(shell.code === 0, `the bash child exited with ${shell.code}`);
    console.log(`  STS: ${describeCalls(sts)}`);
    expect(
      /assumed-role\/RoleB\//.test(sections.get("whoami") ?? ""),
      "`awsrole whoami` after the eval did not show assumed-role/RoleB",
    );
    if (hasAws)
      expect(
        /assumed-role\/RoleB\//.test(sections.get("aws") ?? ""),
        "`aws sts get-caller-identity` did not show assumed-role/RoleB",
      );
    expect(
      assumeRoleCount(sts) === 0,
      `export role-b should have used the cache, but the emulator served: ${describeCalls(sts)}`,
    );
    console.log("  0 new AssumeRole: role-b's credentials came from the cache written in step 2 (no MFA code needed).");
    console.log("");

    // 4. The cache: list, then clear.
    await step("4. The shared cache (~/.aws/cli/cache)", ["cache", "list"]);
    const clear = await step("", ["cache", "clear"]);
    const removed = /Removed (\d+)/.exec(clear.stdout + clear.stderr)?.[1];
    expect(
      removed === "5",
      `cache clear should remove the 5 cached hops; it said: ${(clear.stdout + clear.stderr).trim()}`,
    );
    expect(cacheFiles().length === 0, "cache files are left after `awsrole cache clear`");
    console.log(`  STS: ${describeCalls(sts)}`);
    console.log("");

    // 5. A job that outlives its sessions: the emulator now issues 6-second sessions.
    sts.reset();
    sts.setSessionSeconds(6);
    console.log("5. A long job: exec --server keeps renewing (the emulator now issues 6-second sessions)");
    const loop = join(ROOT, "test", "server", "sdk-loop.mjs");
    console.log(
      "  $ awsrole exec --server s3-developer -- node test/server/sdk-loop.mjs 8   (GetCallerIdentity every 0.2 s, JS SDK default chain)",
    );
    const job = await run("awsrole", ["exec", "--server", "s3-developer", "--", process.execPath, loop, "8"], env);
    console.log(indent(mask(job.stdout)));
    const renewals = sts.calls.filter((c) => c.action === "AssumeRole").length - 1;
    const failures = (JSON.parse(job.stdout || "{}") as { failures?: string[] }).failures;
    console.log(
      `  STS: ${renewals + 1} AssumeRole (the first session, then ${renewals} renewals ` +
        `by the server), ${sts.calls.filter((c) => c.action === "GetCallerIdentity" && !c.errorCode).length} ` +
        `GetCallerIdentity, none refused`,
    );
    expect(
      job.code === 0 && Array.isArray(failures) && failures.length === 0,
      `the job under exec --server failed: ${job.stdout}${job.stderr}`,
    );
    expect(
      renewals >= 2 && sts.calls.every((c) => !c.errorCode),
      `expected renewals and no refused call, the emulator served: ${describeCalls(sts)}`,
    );
    sts.setSessionSeconds(undefined);
    console.log("");

    // 6. IAM Identity Center: a device-code login approved by the demo, then an SSO-based chain.
    ssoSts = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
    const sso = ssoSts;
    const ssoEnv = {
      ...env,
      AWS_ENDPOINT_URL_STS: sso.url,
      AWS_ENDPOINT_URL_SSO: sso.url,
      AWS_ENDPOINT_URL_SSO_OIDC: sso.url,
      AWS_REGION: "us-east-1",
      AWS_DEFAULT_REGION: "us-east-1",
    };
    delete (ssoEnv as Record<string, string | undefined>).DISPLAY;
    writeFileSync(
      env.AWS_CONFIG_FILE!,
      [
        "",
        "[sso-session demo-sso]",
        "sso_start_url = https://d-abc123.awsapps.com/start",
        "sso_region = us-east-1",
        "sso_registration_scopes = sso:account:access",
        "",
        "[profile sso-dev]",
        "sso_session = demo-sso",
        "sso_account_id = 555555555555",
        "sso_role_name = Developer",
        "",
        "[profile sso-chain]",
        "role_arn = arn:aws:iam::555555555555:role/ChainTarget",
        "source_profile = sso-dev",
        "",
      ].join("\n"),
      { flag: "a" },
    );
    console.log(
      `6. IAM Identity Center (a second emulator at ${sso.url}, the SSO world): log in with a device code, then an SSO-based chain`,
    );
    console.log(
      "  $ awsrole login sso-dev --use-device-code   (the demo approves the code as the user alice would in a browser)",
    );
    let approved: string | undefined;
    const approver = (async () => {
      for (let i = 0; i < 200 && approved === undefined; i++) {
        // As a person would: only once the code is on the screen (after the first CreateToken said "pending").
        const shown = sso.calls.some(
          (c) => c.action === "CreateToken" && c.errorCode === "AuthorizationPendingException",
        );
        const pending = sso.oidc.pending().find((p) => p.kind === "device");
        if (shown && pending?.userCode) {
          sso.oidc.approveUserCode(pending.userCode, "alice");
          approved = pending.userCode;
        } else await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const login = await run("awsrole", ["login", "sso-dev", "--use-device-code"], ssoEnv);
    await approver;
    console.log(indent(mask(login.stdout + login.stderr)));
    expect(login.code === 0, `awsrole login exited with ${login.code}`);
    expect(
      approved !== undefined && login.stderr.includes(approved),
      "the device code shown was not the one the demo approved",
    );
    sso.reset();
    console.log("  $ awsrole whoami sso-chain   (GetRoleCredentials with the token, then AssumeRole ChainTarget)");
    const chained = await run("awsrole", ["whoami", "sso-chain"], ssoEnv);
    console.log(indent(mask(chained.stdout + chained.stderr)));
    expect(
      chained.code === 0 && /assumed-role\/ChainTarget\//.test(chained.stdout),
      `whoami sso-chain did not show assumed-role/ChainTarget: ${chained.stdout}${chained.stderr}`,
    );
    const served = sso.calls.map((c) => (c.service ? `${c.service}:${c.action}` : c.action)).join(", ");
    console.log(`  calls: ${served}`);
    expect(
      sso.calls.some((c) => c.action === "GetRoleCredentials") && sso.calls.some((c) => c.action === "AssumeRole"),
      `expected GetRoleCredentials then AssumeRole, the emulator served: ${served}`,
    );
    console.log("");
    console.log("Demo finished: all steps behaved as expected.");
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const message =
      error instanceof DemoError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    console.error(`\ndemo failed: ${message}`);
    process.exit(1);
  },
);
