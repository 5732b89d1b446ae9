// Issue 6.3, hostile or broken config files. Broken ones: one clear error that
// names the file (and the line, where there is one), exit 1, nothing on
// stdout, no stack trace. Valid but hostile ones (a profile named __proto__,
// shell metacharacters in exported values) just work, and every export format
// hands the exact value to its shell.

import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";
import { planProfile } from "../../src/core/plan.js";
import { makeHome, STACK_LINE, type Home } from "./helpers.js";
// The CLI runs in-process (test/in-process.ts), on the same loopback servers and temp HOMEs.
import { runCli } from "../in-process.js";

// No emulator in this file: none of these cases may reach STS.
const execFileAsync = promisify(execFile);
const homes: Home[] = [];
const home = (options: Parameters<typeof makeHome>[0]) => {
  const h = makeHome(options);
  homes.push(h);
  return h;
};
afterAll(() => {
  for (const h of homes) h.remove();
});
const envOf = (h: Home, extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  NO_COLOR: "1",
  HOME: h.dir,
  AWS_ENDPOINT_URL_STS: "http://127.0.0.1:9",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
  ...extra,
});

const KEYS = "[default]\naws_access_key_id = AKIADEFAULT000000001\naws_secret_access_key = DefaultSecret\n";

function expectCleanFailure(
  result: { code: number | null; stdout: string; stderr: string },
  path: string,
  line?: number,
) {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe("");
  expect(result.stderr).not.toMatch(STACK_LINE);
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect(result.stderr).toContain(line === undefined ? path : `${path}, line ${line}`);
  // One sentence and a hint: short.
  expect(result.stderr.trimEnd().split("\n").length).toBeLessThanOrEqual(2);
}

describe("broken config files: a clear error naming the file (and line)", () => {
  const cases: Array<[string, string | Buffer, number | undefined, RegExp]> = [
    [
      "binary garbage (invalid UTF-8)",
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0xfe, 0x00, 0x01, 0xc3, 0x28]),
      undefined,
      /not valid UTF-8|NUL bytes/,
    ],
    ["NUL bytes in otherwise valid UTF-8", "[profile a]\nregion = us\u0000east-1\n", undefined, /NUL bytes/],
    [
      "an unterminated section header",
      "[default]\nregion = us-east-1\n[profile a\nrole_arn = arn:aws:iam::1:role/x\n",
      3,
      /section header is missing its closing/,
    ],
    [
      "duplicate sections",
      "[profile a]\nregion = x\n\n[profile a]\nregion = y\n",
      4,
      /section \[profile a\] appears twice/,
    ],
    ["a duplicate key", "[profile a]\nregion = x\nREGION = y\n", 3, /key "region" is set twice/],
    ["a setting before any section", "region = x\n[default]\n", 1, /before any \[section\]/],
    ["a line that is not a setting", "[default]\nthis is not a setting\n", 2, /neither `key = value`/],
    ["a 5 MB line", `[default]\nregion = us-east-1\nnote = ${"x".repeat(5 * 1024 * 1024)}\n`, 3, /longer than 1 MiB/],
  ];
  it.each(cases)("%s", async (_name, content, line, detail) => {
    const h = home({ config: "", credentials: KEYS });
    writeFileSync(join(h.awsDir, "config"), content);
    for (const args of [
      ["export", "a"],
      ["chain", "a"],
      ["export", "--profile", "a", "--format", "json"],
    ]) {
      const result = await runCli(args, envOf(h));
      expectCleanFailure(result, join(h.awsDir, "config"), line);
      expect(result.stderr).toMatch(detail);
    }
  });

  it("the same in the credentials file names that file", async () => {
    const h = home({
      config: "[profile a]\nregion = x\n",
      credentials: "[default]\naws_access_key_id = A\n[default]\n",
    });
    const result = await runCli(["export", "a"], envOf(h));
    expectCleanFailure(result, join(h.awsDir, "credentials"), 3);
  });

  it("a symlink loop for ~/.aws/config", async () => {
    const h = home({ config: "", credentials: KEYS });
    const config = join(h.awsDir, "config");
    const { rmSync } = await import("node:fs");
    rmSync(config);
    symlinkSync(config, config);
    const result = await runCli(["export", "default"], envOf(h));
    expectCleanFailure(result, config);
    expect(result.stderr).toMatch(/symbolic link/);
  });

  it("a two-link loop through AWS_CONFIG_FILE", async () => {
    const h = home({ config: "", credentials: KEYS });
    const a = join(h.dir, "a");
    const b = join(h.dir, "b");
    symlinkSync(b, a);
    symlinkSync(a, b);
    const result = await runCli(["export", "default"], envOf(h, { AWS_CONFIG_FILE: a }));
    expectCleanFailure(result, a);
  });

  it("control: the same HOME with a sound config works (the failures above come from the damage)", async () => {
    const h = home({ config: "[default]\nregion = us-east-1\n", credentials: KEYS });
    const result = await runCli(["export", "default"], envOf(h));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("AKIADEFAULT000000001");
  });
});

describe("__proto__ and other Object.prototype names are ordinary profiles", () => {
  const names = ["__proto__", "constructor", "toString", "hasOwnProperty", "prototype"];
  const config = names
    .map((n) => `[profile ${n}]\nregion = eu-west-${n.length}\n__proto__ = polluted\nconstructor = polluted\n`)
    .join("\n");
  const credentials = names
    .map(
      (n, i) =>
        `[${n}]\naws_access_key_id = AKIAPROTO00000000${String(i).padStart(3, "0")}\naws_secret_access_key = secret-of-${n}\n`,
    )
    .join("\n");

  it.each(names)("export %s (end to end)", async (name) => {
    const h = home({ config, credentials });
    const result = await runCli(["export", name, "--format", "json"], envOf(h));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body.AccessKeyId).toBe(`AKIAPROTO00000000${String(names.indexOf(name)).padStart(3, "0")}`);
    expect(body.SecretAccessKey).toBe(`secret-of-${name}`);
    expect(body.Profile).toBe(name);
  });

  it("a missing profile called __proto__ is simply not found", async () => {
    const h = home({ config: "[default]\nregion = x\n", credentials: KEYS });
    const result = await runCli(["export", "__proto__"], envOf(h));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain('The config profile "__proto__" could not be found.');
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it("parsing and planning them pollutes no prototype (in process)", () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const nested =
      "[profile __proto__]\ns3 =\n  __proto__ = polluted\n  constructor = polluted\n[DEFAULT]\n__proto__ = polluted\n";
    const cfg = buildConfig(
      parseIni(config + nested.replace("[profile __proto__]", "[profile nested]"), "/c"),
      parseIni(credentials, "/k"),
      { configPath: "/c", credentialsPath: "/k" },
    );
    for (const name of names) {
      const plan = planProfile(cfg, { name, from: "flag" }, { env: {} });
      expect(plan.source).toMatchObject({ kind: "static", secretAccessKey: `secret-of-${name}` });
      // biome-ignore lint/suspicious/noProto: the test reads a key named __proto__ that hostile input set
      expect(cfg.profiles.get(name)!.values.__proto__).toBe("polluted");
    }
    const nestedValues = cfg.profiles.get("nested")!.values;
    expect(Object.entries(nestedValues.s3 as Record<string, string>)).toEqual([
      ["__proto__", "polluted"],
      ["constructor", "polluted"],
    ]);
    const probe: Record<string, unknown> = {};
    expect(probe.region).toBeUndefined();
    expect(probe.aws_access_key_id).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe("shell metacharacters in exported values reach the shell verbatim, in every format", () => {
  // The key id, secret and token of a static-key profile, and a region, each
  // carrying something a careless quoter would execute.
  const credentials = [
    "[meta]",
    "aws_access_key_id = AKIA$(touch PWNED1)`touch PWNED2`",
    // (No continuation lines: a line break in a value is refused since issue 14,
    // see test/reliability/local-files.test.ts "exported values".)
    `aws_secret_access_key = it's "$(rm -rf ~)" \`id\` $HOME \${HOME} \\ \\' '' ` +
      `; & | > < * ? ! # {a,b} ~ %s ‘’ $(touch PWNED3) continued 'line' with $(touch ` +
      `PWNED4) and \\ last; touch PWNED5`,
    "aws_session_token = tok'en\";touch PWNED6;'\\''`touch PWNED7`",
    "",
  ].join("\n");
  const config = "[profile meta]\nregion = us-east-1'$(touch PWNED8)'\n";
  const expected = {
    AWS_ACCESS_KEY_ID: "AKIA$(touch PWNED1)`touch PWNED2`",
    AWS_SECRET_ACCESS_KEY:
      `it's "$(rm -rf ~)" \`id\` $HOME \${HOME} \\ \\' '' ; & | > < * ? ! # {a,b} ` +
      `~ %s ‘’ $(touch PWNED3) continued 'line' with $(touch PWNED4) and \\ last; touch PWNED5`,
    AWS_SESSION_TOKEN: "tok'en\";touch PWNED6;'\\''`touch PWNED7`",
    AWS_REGION: "us-east-1'$(touch PWNED8)'",
  };

  async function exported(format: string) {
    const h = home({ config, credentials });
    const result = await runCli(["export", "meta", "--format", format], envOf(h, { AWS_REGION: "" }));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    return { h, out: result.stdout };
  }

  for (const format of ["env", "env-no-export"]) {
    it(`${format}: bash eval gives the exact values and runs nothing`, async () => {
      const { h, out } = await exported(format);
      const work = join(h.dir, "work");
      mkdirSync(work);
      const script = `eval "$AWSROLE_OUT" && printf '%s\\0' "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION"`;
      const { stdout } = await execFileAsync("bash", ["-c", script], {
        cwd: work,
        env: { PATH: process.env.PATH ?? "", HOME: h.dir, AWSROLE_OUT: out },
        encoding: "utf8",
      });
      expect(stdout.split("\0").slice(0, 4)).toEqual([
        expected.AWS_ACCESS_KEY_ID,
        expected.AWS_SECRET_ACCESS_KEY,
        expected.AWS_SESSION_TOKEN,
        expected.AWS_REGION,
      ]);
      expect(readdirSync(work)).toEqual([]);
      expect(existsSync(h.dir)).toBe(true);
    });
  }

  it("fish: every line is `set -gx NAME '<fish single-quoted>'` that unquotes to the exact value", async () => {
    const { out } = await exported("fish");
    expect(parseQuotedAssignments(out, /^set -gx ([A-Z_]+) /, fishSingleQuoted)).toMatchObject(expected);
  });

  it("powershell: every line is `$Env:NAME = '<PS single-quoted>'` that unquotes to the exact value", async () => {
    const { out } = await exported("powershell");
    expect(parseQuotedAssignments(out, /^\$Env:([A-Z_]+) = /, psSingleQuoted)).toMatchObject(expected);
  });

  it.each(["json", "process"])("%s: JSON with the exact values", async (format) => {
    const { out } = await exported(format);
    const body = JSON.parse(out);
    expect(body.AccessKeyId).toBe(expected.AWS_ACCESS_KEY_ID);
    expect(body.SecretAccessKey).toBe(expected.AWS_SECRET_ACCESS_KEY);
    expect(body.SessionToken).toBe(expected.AWS_SESSION_TOKEN);
  });

  it("the quoting readers used above reject a value that escapes its quotes (they are not vacuous)", () => {
    expect(() => parseQuotedAssignments("set -gx A 'x'y'\n", /^set -gx ([A-Z_]+) /, fishSingleQuoted)).toThrow();
    expect(() => parseQuotedAssignments("$Env:A = 'x'; rm -r /'\n", /^\$Env:([A-Z_]+) = /, psSingleQuoted)).toThrow();
    expect(() => parseQuotedAssignments("set -gx A 'x\\'\n", /^set -gx ([A-Z_]+) /, fishSingleQuoted)).toThrow();
  });
});

type Unquote = (text: string, start: number) => { value: string; end: number };

/** fish single quotes: only \\ and \' are escapes; anything else, newlines included, is literal. */
const fishSingleQuoted: Unquote = (text, start) => {
  if (text[start] !== "'") throw new Error(`expected ' at ${start}`);
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && (text[i + 1] === "\\" || text[i + 1] === "'")) {
      value += text[++i];
    } else if (c === "'") return { value, end: i + 1 };
    else value += c;
  }
  throw new Error("unterminated fish string");
};

/** PowerShell single quotes: ' and the typographic quotes ‘ ’ ‚ ‛ all delimit; doubling one gives it literally. */
const PS_QUOTES = "'\u2018\u2019\u201a\u201b";
const psSingleQuoted: Unquote = (text, start) => {
  if (!PS_QUOTES.includes(text[start]!)) throw new Error(`expected a quote at ${start}`);
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (PS_QUOTES.includes(c)) {
      if (i + 1 < text.length && PS_QUOTES.includes(text[i + 1]!)) {
        value += text[i + 1];
        i++;
      } else return { value, end: i + 1 };
    } else value += c;
  }
  throw new Error("unterminated PowerShell string");
};

/** Reads `<prefix NAME ><quoted>\n` statements, in order, requiring each quoted string to end its line. */
function parseQuotedAssignments(text: string, prefix: RegExp, unquote: Unquote): Record<string, string> {
  const vars: Record<string, string> = {};
  let pos = 0;
  while (pos < text.length) {
    const m = prefix.exec(text.slice(pos));
    if (!m) throw new Error(`unexpected statement at ${pos}: ${JSON.stringify(text.slice(pos, pos + 40))}`);
    const { value, end } = unquote(text, pos + m[0].length);
    if (text[end] !== "\n")
      throw new Error(`text after the closing quote at ${end}: ${JSON.stringify(text.slice(end, end + 20))}`);
    vars[m[1]!] = value;
    pos = end + 1;
  }
  return vars;
}
