// The fuzz run of issue 14 (not part of `npm test`): for a given time, the built
// CLI is run against generated inputs of three kinds, one process at a time:
//
//   config   mutated ~/.aws/config and credentials (the seed files with bytes
//            flipped, lines cut, duplicated and spliced with tricky lines),
//            against the loopback STS emulator;
//   process  a credential_process printing generated output (wrong types, null,
//            odd Expirations, control characters, junk, large output, exit codes);
//   sts      a loopback STS returning mutated AssumeRole XML or error XML (cut,
//            spliced, entities, odd Expirations, huge values, odd status codes).
//
// Every run must: exit 0, 1, 2 or 130; print no stack trace and no "unexpected
// error"; print nothing on stdout when it fails; print no control character on
// stderr. A run that breaks a rule is a finding: its input and output are kept
// in the findings directory and the run ends with exit code 1.
//
//   npm run fuzz -- --minutes 10 [--seed 42] [--kinds config,process,sts] [--bin other/bin/awsrole.cjs]
//
// (--bin runs another build, e.g. an older commit's, to see that the fuzz finds its crashes.)
//
// Network: 127.0.0.1 only (AWS_EC2_METADATA_DISABLED=true; STS is local).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync, cpSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCommand } from "../tools/run-command.js";
import { loadWorld, SEED_WORLD_PATH, startSts } from "../sts/server.js";
import {
  assumeRoleXml,
  errorXml,
  HOSTILE_CONFIG,
  HOSTILE_CREDENTIALS,
  isoIn,
  listen,
} from "../reliability/hostile-servers.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SEEDS = join(ROOT, "test", "fixtures", "seeds");

type Kind = "config" | "process" | "sts";

function args(): { ms: number; seed: number; kinds: Kind[]; out: string; bin: string } {
  const argv = process.argv.slice(2);
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const minutes = Number(get("minutes") ?? "1");
  const seconds = get("seconds");
  const ms = seconds !== undefined ? Number(seconds) * 1000 : minutes * 60_000;
  const seed = Number(get("seed") ?? Date.now() % 1_000_000);
  const kinds = (get("kinds") ?? "config,process,sts").split(",") as Kind[];
  const out = get("out") ?? join(tmpdir(), `awsrole-fuzz-${seed}`);
  if (!Number.isFinite(ms) || ms <= 0) throw new Error("--minutes or --seconds must be a positive number");
  const bin = get("bin") ?? join(ROOT, "bin", "awsrole.cjs");
  return { ms, seed, kinds, out, bin };
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const TRICKY_CHARS = [
  "\x00",
  "\x07",
  "\x1b",
  "\x1b[2J",
  "\x1b]0;t\x07",
  "\r",
  "\n",
  "\t",
  "\u009b",
  "\u202e",
  "\ufeff",
  "'",
  '"',
  "$(x)",
  "`x`",
  "\\",
  "%",
  "&amp;",
  "&xxe;",
  "<",
  ">",
  "]]>",
  "é",
  "\ud83d\ude00",
  " ",
  "=",
];
const TRICKY_LINES = [
  "[profile x]",
  "[default]",
  "[profile]",
  "[",
  "]",
  "[profile a b c]",
  "[sso-session s]",
  "[services s]",
  "sts =",
  "  endpoint_url = http://127.0.0.1:1",
  "role_arn = arn:aws:iam::222222222222:role/RoleA",
  "role_arn = not-an-arn",
  "role_arn =",
  "source_profile = default",
  "source_profile = x",
  "source_profile = role-b",
  "credential_source = Environment",
  "credential_source = EcsContainer",
  "credential_source = Ec2InstanceMetadata",
  "credential_source = Nope",
  "mfa_serial = arn:aws:iam::111111111111:mfa/User1",
  "mfa_session = true",
  "duration_seconds = 99999999999999999999",
  "duration_seconds = -1",
  "duration_seconds = 900",
  "external_id = \x1b[31m",
  "role_session_name = a b",
  "region = \x1b]0;x\x07",
  "region = us-east-1",
  "region =",
  "sts_regional_endpoints = sometimes",
  "use_fips_endpoint = true",
  "use_dualstack_endpoint = true",
  "ca_bundle = /nonexistent.pem",
  "ca_bundle = /etc/passwd",
  "endpoint_url = not a url",
  "web_identity_token_file = /nonexistent",
  "sso_session = s",
  "aws_access_key_id = AKIA\x00X",
  "aws_secret_access_key =",
  "aws_session_token = \r\n",
  "services = nope",
  "    continuation",
  "\tindented = value",
  "# comment",
  "; comment",
  "key without equals",
  "=value",
  "a = b = c",
];
const COMMANDS: readonly (readonly string[])[] = [
  ["export"],
  ["export", "--format", "fish"],
  ["export", "--format", "powershell"],
  ["export", "--format", "json"],
  ["chain"],
  ["doctor"],
  ["whoami"],
  ["expiry"],
  ["cache", "list"],
];

function mutateText(rng: Rng, text: string): string {
  let lines = text.split("\n");
  const rounds = 1 + rng.int(6);
  for (let r = 0; r < rounds; r++) {
    const op = rng.int(7);
    const i = rng.int(Math.max(lines.length, 1));
    if (op === 0) lines.splice(i, 1);
    else if (op === 1) lines.splice(i, 0, rng.pick(TRICKY_LINES));
    else if (op === 2) lines.splice(i, 0, lines[rng.int(lines.length)] ?? "");
    else if (op === 3 && lines[i] !== undefined) {
      const line = lines[i]!;
      const at = rng.int(line.length + 1);
      lines[i] = line.slice(0, at) + rng.pick(TRICKY_CHARS) + line.slice(at + (rng.chance(0.5) ? 1 : 0));
    } else if (op === 4 && lines[i] !== undefined) lines[i] = lines[i]!.slice(0, rng.int(lines[i]!.length + 1));
    else if (op === 5) lines = lines.slice(0, rng.int(lines.length + 1));
    else if (op === 6 && lines[i] !== undefined)
      lines[i] = lines[i]!.replace(/=\s*(.*)$/, (_m, v: string) => `= ${v}${rng.pick(TRICKY_CHARS)}`);
  }
  return lines.join(rng.chance(0.1) ? "\r\n" : "\n");
}

function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 1 ? 7 : 9)) {
    case 0:
      return null;
    case 1:
      return rng.int(1e6) - 5e5;
    case 2:
      return rng.chance(0.5);
    case 3:
      return "";
    case 4:
      return rng.pick(TRICKY_CHARS).repeat(1 + rng.int(4));
    case 5:
      return "A".repeat(rng.chance(0.1) ? 300_000 : 1 + rng.int(60));
    case 6:
      return rng.pick(EXPIRATIONS());
    case 7:
      return [randomValue(rng, depth + 1)];
    default:
      return { k: randomValue(rng, depth + 1) };
  }
}

const EXPIRATIONS = () => [
  isoIn(3600),
  isoIn(-3600),
  isoIn(60),
  isoIn(10 ** 9),
  "2026-13-40T99:99:99Z",
  "not-a-date",
  "",
  "2026-12-01T10:00:00",
  "2026-12-01 10:00:00+00:00",
  "1e400",
  "0",
  "2026-12-01T10:00:00.123456789Z",
  "9999-12-31T23:59:59Z",
  "0001-01-01T00:00:00Z",
  `${isoIn(3600)}\x1b[2J`,
];

function processOutput(rng: Rng): { stdout: string; code: number; stderr: string } {
  const body: Record<string, unknown> = {
    Version: 1,
    AccessKeyId: "AKIAFUZZ000000000001",
    SecretAccessKey: "FuzzSecret0000000000000000000000000001",
    SessionToken: "FuzzToken",
    Expiration: isoIn(3600),
  };
  const fields = ["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration", "AccountId"];
  for (let r = 1 + rng.int(3); r > 0; r--) {
    const f = rng.pick(fields);
    if (rng.chance(0.3)) delete body[f];
    else body[f] = randomValue(rng);
  }
  let stdout: string;
  const shape = rng.int(10);
  if (shape === 0) stdout = rng.pick(["null", "[]", "1", '"x"', "true", "{", "", "{}", "\x00\x01", '{"Version": 1,}']);
  else if (shape === 1) stdout = JSON.stringify(body).slice(0, rng.int(200));
  else if (shape === 2) stdout = JSON.stringify(body) + rng.pick(["\n{}", " trailing", "\n", "\x1b[2J"]);
  else if (shape === 3) stdout = "x".repeat(2 * 1024 * 1024);
  else stdout = JSON.stringify(body);
  return {
    stdout,
    code: rng.chance(0.1) ? rng.pick([1, 2, 127, 255]) : 0,
    stderr: rng.chance(0.2) ? "process says: \x1b[31mred\x1b[0m\n" : "",
  };
}

function mutateXml(rng: Rng): { status: number; body: string; headers?: Record<string, string> } {
  const base = rng.chance(0.25)
    ? errorXml(
        rng.pick([
          "AccessDenied",
          "ValidationError",
          "ExpiredToken",
          "Throttling",
          "InternalFailure",
          "\x1b[31mX",
          "",
          "A".repeat(2000),
        ]),
        rng.pick(["msg", "\x1b]0;pwned\x07", "a\r\nb", "&amp;&lt;", "&xxe;", "]]>", "A".repeat(5000)]),
        rng.pick([400, 403, 500, 503, 200]),
      )
    : {
        status: rng.chance(0.9) ? 200 : rng.pick([201, 204, 301, 400, 404, 500, 599]),
        body: assumeRoleXml({
          expiration: rng.pick(EXPIRATIONS()),
          ...(rng.chance(0.2) ? { token: rng.pick(TRICKY_CHARS) } : {}),
        }),
      };
  let xml = base.body;
  for (let r = rng.int(4); r > 0; r--) {
    const op = rng.int(8);
    const at = rng.int(xml.length + 1);
    if (op === 0) xml = xml.slice(0, at);
    else if (op === 1) xml = xml.slice(0, at) + rng.pick(TRICKY_CHARS) + xml.slice(at);
    else if (op === 2) xml = xml.slice(0, at) + xml.slice(at + rng.int(50));
    else if (op === 3) xml = `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n` + xml;
    else if (op === 4) xml = xml.replace(/<(\w+)>/, (m) => m + m);
    else if (op === 5) xml = xml.replace("<Credentials>", "<Credentials><Credentials>");
    else if (op === 6) xml = xml.replace(/<AccessKeyId>[^<]*/, `<AccessKeyId>${"A".repeat(rng.pick([0, 20, 70_000]))}`);
    else xml = xml.replace(/Response xmlns="[^"]*"/, 'Response xmlns="urn:other"');
  }
  return {
    status: base.status,
    body: xml,
    ...(rng.chance(0.1) ? { headers: { "content-type": rng.pick(["text/html", "application/json", ""]) } } : {}),
  };
}

const STACK_LINE = /\n\s+at .*[:(]/;
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

function problems(
  command: readonly string[],
  result: { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string },
  timedOut: boolean,
): string[] {
  const found: string[] = [];
  if (timedOut) found.push("did not finish within 60 s");
  if (result.code === null || ![0, 1, 2, 130].includes(result.code))
    found.push(`exit code ${result.code} (signal ${result.signal})`);
  if (STACK_LINE.test(result.stderr)) found.push("stack trace on stderr");
  if (/unexpected error/.test(result.stderr)) found.push('"unexpected error" on stderr');
  // doctor's findings are its output: exit 1 with a report is documented (docs/workflow.md).
  if (result.code !== 0 && result.stdout !== "" && command[0] !== "doctor") found.push("stdout not empty on error");
  if (CONTROL.test(result.stderr.replace(/\x1b\[31mred\x1b\[0m/g, ""))) found.push("control character on stderr");
  return found;
}

async function main(): Promise<void> {
  const { ms, seed, kinds, out, bin: BIN } = args();
  if (!existsSync(join(BIN, "..", "..", "dist", "cli.cjs")))
    throw new Error("dist/ is missing: run `npm run build` first (npm run fuzz does).");
  const rng = prng(seed);
  const work = mkdtempSync(join(tmpdir(), "awsrole-fuzz-work-"));
  const emptyBin = join(work, "empty-bin");
  mkdirSync(emptyBin);
  const seedSts = await startSts({ world: loadWorld(SEED_WORLD_PATH) });
  let xmlAnswer = mutateXml(rng);
  const hostile = await listen((_req, res) => {
    const body = Buffer.from(xmlAnswer.body, "utf8");
    res.writeHead(xmlAnswer.status, {
      "content-type": "text/xml",
      "content-length": body.length,
      ...(xmlAnswer.headers ?? {}),
    });
    res.end(body);
  });

  const counts: Record<string, { runs: number; codes: Record<string, number> }> = {};
  let findings = 0;
  const deadline = Date.now() + ms;
  let n = 0;
  console.error(`fuzz: seed ${seed}, ${Math.round(ms / 1000)} s, kinds ${kinds.join(",")}, findings go to ${out}`);
  try {
    while (Date.now() < deadline) {
      const kind = kinds[n % kinds.length]!;
      n++;
      const home = join(work, `h${n}`);
      const aws = join(home, ".aws");
      mkdirSync(aws, { recursive: true });
      const env: Record<string, string> = {
        HOME: home,
        NO_COLOR: "1",
        AWS_EC2_METADATA_DISABLED: "true",
        PATH: emptyBin,
      };
      let command: string[];
      let input: Record<string, string> = {};
      if (kind === "config") {
        const { readFileSync } = await import("node:fs");
        const config = mutateText(rng, readFileSync(join(SEEDS, "config"), "utf8"));
        const credentials = mutateText(rng, readFileSync(join(SEEDS, "credentials"), "utf8"));
        writeFileSync(join(aws, "config"), config);
        writeFileSync(join(aws, "credentials"), credentials, { mode: 0o600 });
        Object.assign(env, { AWS_ENDPOINT_URL_STS: seedSts.url, AWS_REGION: "ap-northeast-1", AWS_MAX_ATTEMPTS: "1" });
        const profile = rng.pick([
          "default",
          "user1",
          "role-a",
          "role-b",
          "role-e",
          "s3_test",
          "s3-developer",
          "x",
          "nope",
          "",
        ]);
        command = [...rng.pick(COMMANDS), ...(profile ? [profile] : [])];
        if (command[0] === "doctor" || command[0] === "cache")
          command = [...rng.pick(COMMANDS.filter((c) => c[0] === "doctor" || c[0] === "cache"))];
        if (rng.chance(0.1)) command.push("--token-code", rng.pick(["123456", "000000", "12345", "\x1b[2J"]));
        input = { config, credentials };
      } else if (kind === "process") {
        const output = processOutput(rng);
        writeFileSync(join(home, "out.txt"), output.stdout);
        writeFileSync(join(home, "err.txt"), output.stderr);
        const script = join(home, "proc.sh");
        writeFileSync(
          script,
          `#!/bin/sh\n/bin/cat ${join(home, "out.txt")}\n/bin/cat ${join(home, "err.txt")} >&2\nexit ${output.code}\n`,
          { mode: 0o755 },
        );
        const viaRole = rng.chance(0.3);
        writeFileSync(
          join(aws, "config"),
          `[profile p]\ncredential_process = ${script}\n${viaRole ? "[profile r]\nrole_arn = arn:aws:iam::111111111111:role/R\nsource_profile = p\n" : ""}`,
        );
        Object.assign(env, { AWS_ENDPOINT_URL_STS: hostile.url, AWS_REGION: "us-east-1", AWS_MAX_ATTEMPTS: "1" });
        xmlAnswer = { status: 200, body: assumeRoleXml() };
        command = [...rng.pick(COMMANDS.filter((c) => c[0] === "export" || c[0] === "chain")), viaRole ? "r" : "p"];
        input = { stdout: output.stdout.slice(0, 2000), stderr: output.stderr, code: String(output.code) };
      } else {
        xmlAnswer = mutateXml(rng);
        writeFileSync(join(aws, "config"), HOSTILE_CONFIG);
        writeFileSync(join(aws, "credentials"), HOSTILE_CREDENTIALS, { mode: 0o600 });
        Object.assign(env, { AWS_ENDPOINT_URL_STS: hostile.url, AWS_REGION: "us-east-1", AWS_MAX_ATTEMPTS: "1" });
        command = [...rng.pick(COMMANDS.filter((c) => c[0] === "export" || c[0] === "whoami")), "r"];
        input = { status: String(xmlAnswer.status), xml: xmlAnswer.body.slice(0, 5000) };
      }
      const started = Date.now();
      const result = await runCommand(process.execPath, [BIN, ...command], { env, timeoutMs: 60_000 });
      const timedOut = result.signal === "SIGKILL" && Date.now() - started >= 59_000;
      counts[kind] ??= { runs: 0, codes: {} };
      const entry = counts[kind];
      entry.runs++;
      entry.codes[String(result.code)] = (entry.codes[String(result.code)] ?? 0) + 1;
      const found = problems(command, result, timedOut);
      if (found.length > 0) {
        findings++;
        mkdirSync(out, { recursive: true });
        const dir = join(out, `${kind}-${n}`);
        mkdirSync(dir);
        writeFileSync(
          join(dir, "case.json"),
          JSON.stringify(
            {
              kind,
              command,
              problems: found,
              code: result.code,
              signal: result.signal,
              input,
              stdout: result.stdout.slice(0, 5000),
              stderr: result.stderr.slice(0, 5000),
            },
            null,
            2,
          ),
        );
        if (kind === "config") cpSync(aws, join(dir, "aws"), { recursive: true });
        console.error(`fuzz: finding #${findings} (${kind}, run ${n}): ${found.join("; ")} -> ${dir}`);
      }
      rmSync(home, { recursive: true, force: true });
    }
  } finally {
    await seedSts.close();
    await hostile.close();
    rmSync(work, { recursive: true, force: true });
  }
  const summary = Object.entries(counts)
    .map(
      ([kind, c]) =>
        `${kind}: ${c.runs} runs, exit codes ${Object.entries(c.codes)
          .map(([k, v]) => `${k}x${v}`)
          .join(" ")}`,
    )
    .join("; ");
  console.error(
    `fuzz: ${n} runs in ${Math.round(ms / 1000)} s (seed ${seed}): ${summary}; ${findings} finding(s)${findings ? ` in ${out}` : ""}.`,
  );
  process.exitCode = findings > 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 2;
});
