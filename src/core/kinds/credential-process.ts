// credential_process (botocore ProcessProvider): the command line is split with
// shlex and run without a shell; its stdout must be JSON with Version 1. The
// process itself is run by the effects (fx.runProcess: timeout, output limit,
// stderr passed through); the rules about what it printed are here.

import { AwsroleError } from "../../errors.js";
import { getString } from "../config.js";
import { shlexSplit } from "../shlex.js";
import { checkExpiration, isText, refuseOddCharacters } from "./checks.js";
import type { CredentialKind, SourceBase } from "./types.js";

export interface ProcessSource extends SourceBase {
  kind: "credential-process";
  profile: string;
  command: string;
}

declare module "./types.js" {
  interface SourceKinds {
    "credential-process": ProcessSource;
  }
}

const SHAPE = 'It must print {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...} on stdout.';

export const credentialProcess: CredentialKind<ProcessSource> = {
  kind: "credential-process",
  // An empty value counts as unset.
  uses: (profile) => Boolean(getString(profile, "credential_process")),
  plan: (profile) => ({
    kind: "credential-process",
    profile: profile.name,
    command: getString(profile, "credential_process")!,
  }),
  async resolve(source, fx) {
    const { profile, command } = source;
    const argv = shlexSplit(command);
    if (!argv || argv.length === 0) {
      throw new AwsroleError(
        "BadCredentialProcess",
        `Profile "${profile}" has a credential_process that cannot be split into a command (unbalanced quote?).`,
        { hint: "Fix the quoting of credential_process." },
      );
    }
    const { stdout, code } = await fx.runProcess(argv, profile);
    if (code !== 0) {
      throw new AwsroleError(
        "CredentialProcessFailed",
        `The credential_process of profile "${profile}" (${argv[0]}) exited with code ${code}.`,
        { hint: "Run that command yourself to see why it fails." },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(stdout);
    } catch {
      throw new AwsroleError(
        "CredentialProcessOutput",
        `The credential_process of profile "${profile}" did not print JSON.`,
        { hint: SHAPE },
      );
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new AwsroleError(
        "CredentialProcessOutput",
        `The credential_process of profile "${profile}" printed JSON that is not an object.`,
        { hint: SHAPE },
      );
    }
    const body = parsed as {
      Version?: unknown;
      AccessKeyId?: unknown;
      SecretAccessKey?: unknown;
      SessionToken?: unknown;
      Expiration?: unknown;
    };
    if (body.Version !== 1) {
      // Only a number is named: the output holds secrets, so no other value of it is shown.
      const shown =
        typeof body.Version === "number" && Number.isFinite(body.Version)
          ? String(body.Version)
          : body.Version === undefined
            ? "no Version"
            : "a Version that is not a number";
      throw new AwsroleError(
        "CredentialProcessOutput",
        `The credential_process of profile "${profile}" printed ${typeof body.Version === "number" ? `Version ${shown}` : shown}; only Version 1 is supported.`,
        { hint: "Use a credential_process that prints Version 1 JSON." },
      );
    }
    if (!isText(body.AccessKeyId) || !isText(body.SecretAccessKey)) {
      throw new AwsroleError(
        "CredentialProcessOutput",
        `The credential_process of profile "${profile}" printed no AccessKeyId or SecretAccessKey (as strings).`,
        { hint: "Run that command yourself and check its output." },
      );
    }
    if (body.SessionToken !== undefined && body.SessionToken !== null && typeof body.SessionToken !== "string") {
      throw new AwsroleError(
        "CredentialProcessOutput",
        `The credential_process of profile "${profile}" printed a SessionToken that is not a string.`,
        { hint: "Run that command yourself and check its output." },
      );
    }
    const what = `The credential_process of profile "${profile}"`;
    refuseOddCharacters(
      [
        ["access key id", body.AccessKeyId],
        ["secret access key", body.SecretAccessKey],
        ["session token", body.SessionToken],
      ],
      what,
    );
    const expiration = checkExpiration(body.Expiration, what, fx.now());
    return {
      accessKeyId: body.AccessKeyId,
      secretAccessKey: body.SecretAccessKey,
      ...(typeof body.SessionToken === "string" && body.SessionToken !== "" ? { sessionToken: body.SessionToken } : {}),
      ...(expiration ? { expiration } : {}),
    };
  },
  describe: (source) => `the credential_process of profile "${source.profile}"`,
};
