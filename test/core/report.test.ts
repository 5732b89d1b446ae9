// The one reporter (src/report.ts): each kind of error gives its exit code
// (docs/commands.md: 0 ok, 1 failure, 2 usage, 130 interrupted; exec's 126/127
// as a shell), one line of message and at most one of hint, a stack trace only
// with --debug, and never a secret held in the error's cause. One line per case.

import { describe, expect, it } from "vitest";
import { stsFailure } from "../../src/adapters/sts.js";
import { AwsroleError, ConfigParseError, InterruptedError, ProfileConfigError, UsageError } from "../../src/errors.js";
import { reportError } from "../../src/report.js";

const PARSE_HINT = "Fix that line; the AWS CLI rejects this file too.";
const BUG_HINT = "Run again with --debug for details, and report it if it persists.";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

function report(error: unknown, debug = false, color = false): { code: number; text: string } {
  let text = "";
  const code = reportError(error, { stderr: (t) => (text += t), debug, color });
  return { code, text };
}

function promptCancelled(): Error {
  const error = new Error("User force closed the prompt with SIGINT");
  error.name = "ExitPromptError"; // what @inquirer/prompts throws on Ctrl-C
  return error;
}

const call = { step: 1, of: 2, profile: "role-a", principal: "arn:aws:iam::111111111111:user/alice" };
const endpoint = { url: "http://127.0.0.1:1", region: "us-east-1", origin: "AWS_ENDPOINT_URL_STS" };
const refused = Object.assign(new Error("User is not authorized to perform: sts:AssumeRole"), { name: "AccessDenied", $fault: "client" });

describe("reportError: exit code and text per kind of error", () => {
  it.each<[string, unknown, number, string]>([
    ["a failure", new AwsroleError("NoProfiles", "No profiles.", { hint: "Create one." }), 1, "awsrole: No profiles.\nhint: Create one.\n"],
    ["a failure without a hint", new AwsroleError("ServerNoCredentials", "Nothing to give."), 1, "awsrole: Nothing to give.\n"],
    ["a config error", new ProfileConfigError("NoSource", "p", "No source.", "Add one.", { setting: "role_arn" }), 1, "awsrole: No source.\nhint: Add one.\n"],
    ["a parse error", new ConfigParseError("/c", 3, "key set twice"), 1, `awsrole: Unable to parse /c, line 3: key set twice.\nhint: ${PARSE_HINT}\n`],
    ["a usage error", new UsageError("--port must be a number.", "Leave --port out."), 2, "awsrole: --port must be a number.\nhint: Leave --port out.\n"],
    ["Ctrl-C", new InterruptedError(), 130, "\nawsrole: interrupted.\n"],
    ["Ctrl-C at a prompt", promptCancelled(), 130, "\nawsrole: interrupted.\n"],
    ["exec: no such command", new AwsroleError("CommandNotFound", "Command not found: nope.", { exitCode: 127 }), 127, "awsrole: Command not found: nope.\n"],
    ["exec: not executable", new AwsroleError("CommandNotExecutable", "Cannot execute ./x.", { exitCode: 126 }), 126, "awsrole: Cannot execute ./x.\n"],
    ["a bug", new TypeError("x is undefined"), 1, `awsrole: unexpected error: x is undefined\nhint: ${BUG_HINT}\n`],
    ["a thrown non-error", "boom", 1, `awsrole: unexpected error: boom\nhint: ${BUG_HINT}\n`],
  ])("%s", (_name, error, code, text) => {
    expect(report(error)).toEqual({ code, text });
  });

  it("an STS refusal names the hop, the role and the caller, in one line and a hint", () => {
    const hop = { profile: "role-a", roleArn: "arn:aws:iam::222222222222:role/RoleA", chained: false };
    const { code, text } = report(stsFailure(refused, "AssumeRole", { ...call, hop }, endpoint));
    expect(code).toBe(1);
    const lines = text.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain("awsrole: Hop 1 of 2 (profile role-a): STS refused AssumeRole of arn:aws:iam::222222222222:role/RoleA");
    expect(lines[0]).toContain("for arn:aws:iam::111111111111:user/alice");
    expect(lines[1]).toMatch(/^hint: \S/);
    expect(lines[2]).toBe("");
  });
});

describe("reportError: stack traces only with --debug", () => {
  it.each<[string, unknown]>([
    ["an awsrole error", new AwsroleError("NoProfiles", "No profiles.", { hint: "Create one." })],
    ["a config error", new ProfileConfigError("NoSource", "p", "m", "h")],
    ["a bug", new TypeError("x is undefined")],
  ])("%s", (_name, error) => {
    expect(report(error, false).text).not.toMatch(/\n\s+at /);
    expect(report(error, true).text).toMatch(/\n\s+at /);
  });

  it("a bug with --debug gives the stack instead of the 'run again with --debug' hint", () => {
    expect(report(new TypeError("x"), true).text).not.toContain("Run again with --debug");
  });
});

describe("reportError: never a secret", () => {
  // An SDK error (the cause) may carry the request, with its credentials; only the message is shown.
  const sdkError = () =>
    Object.assign(new Error("The request signature we calculated does not match the signature you provided."), {
      name: "SignatureDoesNotMatch",
      $fault: "client",
      request: { headers: { "x-amz-security-token": TOKEN }, secret: SECRET },
    });
  it.each<[string, unknown]>([
    ["an awsrole error wrapping it", new AwsroleError("Sts.SignatureDoesNotMatch", "STS refused it.", { hint: "Check the keys.", cause: sdkError() })],
    ["an STS failure built from it", stsFailure(sdkError(), "AssumeRole", call, endpoint)],
    ["a bug wrapping it", Object.assign(new TypeError("x is undefined"), { cause: sdkError() })],
  ])("%s, with or without --debug", (_name, error) => {
    for (const debug of [false, true]) {
      const { text } = report(error, debug);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
  });
});

describe("reportError: colour only when asked", () => {
  it.each([
    [false, false],
    [true, true],
  ])("color %s: escape sequences %s", (color, escapes) => {
    expect(/\x1b\[/.test(report(new AwsroleError("NoProfiles", "m", { hint: "h" }), false, color).text)).toBe(escapes);
  });
});
