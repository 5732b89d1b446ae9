// Typed errors. Every failure a user can cause or fix is an AwsroleError with a
// one-sentence message (what failed, naming the profile or file) and a hint (the
// next step). src/report.ts is the only place that prints them.
//
// Exit codes: 0 ok, 1 failure, 2 usage, 130 interrupted (see docs/commands.md).

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

export class AwsroleError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AwsroleError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** A file exists but is not a valid AWS config/credentials file (botocore: ConfigParseError). */
export class ConfigParseError extends AwsroleError {
  readonly path: string;
  readonly line: number | undefined;
  constructor(path: string, line: number | undefined, detail: string, hint?: string) {
    const where = line === undefined ? path : `${path}, line ${line}`;
    super("ConfigParse", `Unable to parse ${where}: ${detail}.`, {
      hint: hint ?? "Fix that line; the AWS CLI rejects this file too.",
    });
    this.path = path;
    this.line = line;
  }
}

/** Where a setting was written: a file and, when known, a line (a KeyOrigin of src/core/config.ts fits). */
export interface SettingOrigin {
  readonly path: string;
  readonly line: number | undefined;
}

/** What a config error is about, beyond the profile: lets `doctor` place it by data. */
export interface ConfigErrorDetails {
  /** The offending setting, e.g. "role_arn"; `doctor` reports the error at its line. */
  readonly setting?: string;
  /** Where that setting was written, when the thrower knows it (else doctor looks it up on the profile). */
  readonly origin?: SettingOrigin;
}

/** Anything wrong in how profiles are configured; carries the profile name and, when known, the setting. */
export class ProfileConfigError extends AwsroleError {
  readonly profile: string;
  readonly setting: string | undefined;
  readonly origin: SettingOrigin | undefined;
  constructor(code: string, profile: string, message: string, hint?: string, details: ConfigErrorDetails = {}) {
    super(code, message, hint === undefined ? {} : { hint });
    this.profile = profile;
    this.setting = details.setting;
    this.origin = details.origin;
  }
}

export class UsageError extends AwsroleError {
  constructor(message: string, hint?: string) {
    super("Usage", message, { exitCode: EXIT_USAGE, ...(hint === undefined ? {} : { hint }) });
  }
}

/** The user pressed Ctrl-C (at a prompt or while waiting for STS). */
export class InterruptedError extends AwsroleError {
  constructor() {
    super("Interrupted", "Interrupted.", { exitCode: EXIT_INTERRUPTED });
  }
}

/**
 * Text from outside awsrole (a server's message, a value in a file) made safe
 * to show on a terminal: C0 and C1 control characters other than newline and
 * tab, DEL, and bidirectional overrides become "?", so no escape sequence
 * (ESC, CSI, OSC, BEL, a CR that rewrites the line) reaches the terminal.
 */
export function stripControl(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "?");
}
