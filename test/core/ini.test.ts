import { describe, expect, it } from "vitest";
import { parseIni } from "../../src/core/ini.js";
import { ConfigParseError } from "../../src/errors.js";

const parse = (text: string) => parseIni(text, "/tmp/config");
const section = (text: string, name: string) => parse(text).sections.find((s) => s.name === name)?.values;

describe("parseIni: the AWS CLI's configparser dialect", () => {
  it.each([
    [
      "dotted profile names stay flat",
      "[profile dev.admin]\nregion = eu-west-1\n",
      "profile dev.admin",
      { region: "eu-west-1" },
    ],
    [
      "# inside a value is not a comment",
      "[profile sso]\nsso_start_url = https://x.awsapps.com/start#/\n",
      "profile sso",
      { sso_start_url: "https://x.awsapps.com/start#/" },
    ],
    [
      "no inline comments at all",
      "[default]\nregion = us-east-1 # prod\nx = a ; b\n",
      "default",
      { region: "us-east-1 # prod", x: "a ; b" },
    ],
    [
      "full-line comments, indented too",
      "[default]\n# one\n  ; two\nregion = us-east-1\n",
      "default",
      { region: "us-east-1" },
    ],
    ["colon delimiter", "[default]\nregion: us-west-2\n", "default", { region: "us-west-2" }],
    [
      "the first delimiter splits",
      "[default]\nrole_arn = arn:aws:iam::1:role/x\n",
      "default",
      { role_arn: "arn:aws:iam::1:role/x" },
    ],
    ["keys are lower-cased, values keep case", "[default]\nROLE_ARN = Arn:X\n", "default", { role_arn: "Arn:X" }],
    ["empty value", "[default]\nexternal_id =\n", "default", { external_id: "" }],
    [
      "continuation lines join with newline",
      "[default]\nmulti = first\n  second\n",
      "default",
      { multi: "first\nsecond" },
    ],
    [
      "blank line inside a value is kept, trailing dropped",
      "[default]\nmulti = a\n\n  b\n\n",
      "default",
      { multi: "a\n\nb" },
    ],
    [
      "nested block",
      "[default]\ns3 =\n  addressing_style = path\n  Max_Concurrency = 10\n",
      "default",
      { s3: { addressing_style: "path", Max_Concurrency: "10" } },
    ],
    ["percent is literal (no interpolation)", "[default]\nx = 100%\n", "default", { x: "100%" }],
    ["header runs to the last ]", "[profile a]b]\nk = v\n", "profile a]b", { k: "v" }],
    ["text after the header is ignored", "[default] trailing\nk = v\n", "default", { k: "v" }],
    ["CRLF line endings", "[default]\r\nregion = eu-west-1\r\n", "default", { region: "eu-west-1" }],
    ["byte-order mark", "\uFEFF[default]\nregion = eu-west-1\n", "default", { region: "eu-west-1" }],
    [
      "[DEFAULT] is inherited, section wins",
      "[DEFAULT]\nregion = us-east-1\noutput = json\n[default]\nregion = eu-west-1\n",
      "default",
      { region: "eu-west-1", output: "json" },
    ],
    ["lower-case [default] is an ordinary section", "[default]\nk = v\n[other]\nj = w\n", "other", { j: "w" }],
  ])("%s", (_name, text, sectionName, expected) => {
    expect({ ...section(text, sectionName) }).toEqual(expected);
  });

  it("records the line of each section and key", () => {
    const file = parse("# c\n[default]\nregion = x\n\n[profile a]\nrole_arn = y\n");
    expect(file.sections.map((s) => [s.name, s.line, s.keyLines])).toEqual([
      ["default", 2, { region: 3 }],
      ["profile a", 5, { role_arn: 6 }],
    ]);
  });

  it("keeps __proto__ as an ordinary name", () => {
    const file = parse("[profile __proto__]\n__proto__ = x\nconstructor = y\n");
    expect(file.sections[0]!.name).toBe("profile __proto__");
    expect(Object.keys(file.sections[0]!.values)).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    ["duplicate section", "[default]\na = 1\n[default]\nb = 2\n", 3, /section \[default\] appears twice/],
    ["duplicate key", "[default]\na = 1\nA = 2\n", 3, /key "a" is set twice/],
    ["setting before any section", "region = x\n[default]\n", 1, /before any \[section\]/],
    ["line without a delimiter", "[default]\njust words\n", 2, /neither/],
    ["unterminated section header", "[default]\na = 1\n[profile broken\n", 3, /missing its closing/],
    ["key-less line", "[default]\n= value\n", 2, /neither/],
    [
      "nested line without =",
      "[default]\ns3 =\n  nothing here\n",
      3,
      /an indented line under "s3" \(line 2\) is not a nested/,
    ],
  ])("rejects a %s, naming file and line", (_name, text, line, message) => {
    let caught: unknown;
    try {
      parse(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigParseError);
    expect((caught as ConfigParseError).line).toBe(line);
    expect((caught as ConfigParseError).message).toMatch(message);
    expect((caught as ConfigParseError).message).toContain("/tmp/config");
  });

  it("never quotes the offending line: a secret continued onto the next line stays out of the error", () => {
    const secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY";
    for (const text of [
      `[default]\naws_secret_access_key =\n    ${secret}\n`,
      `[DEFAULT]\naws_secret_access_key =\n  ${secret}\n[default]\nregion = x\n`,
    ]) {
      let message = "";
      try {
        for (const s of parse(text).sections) void s.values;
      } catch (error) {
        message = `${(error as Error).message} ${(error as ConfigParseError).hint ?? ""}`;
      }
      expect(message).toMatch(/aws_secret_access_key/);
      expect(message).not.toContain(secret);
    }
  });

  it("rejects binary content", () => {
    expect(() => parse("[default]\n\u0000\u0001")).toThrow(/NUL bytes/);
  });
});
