// `awsrole export`: declared here, run by ./export.ts (statically imported by
// src/cli.ts anyway: the warm path's code stays in the entry chunk).

import { EXPORT_FORMATS } from "../render/credentials.js";
import { choice, declareCommand, flag, PROFILE_ARGUMENT, RESOLVE_OPTIONS, value } from "./declare.js";
import { type ExportInput, runExport } from "./export.js";

export const exportCommand = declareCommand<ExportInput>({
  name: "export",
  description: "print the profile's credentials as lines to eval (stdout carries nothing else)",
  arguments: [{ name: "[profile]", description: PROFILE_ARGUMENT }],
  options: {
    profile: value("-p, --profile <name>", "profile name"),
    format: choice("-f, --format <format>", "output format", EXPORT_FORMATS, "env"),
    mark: flag(
      "--mark",
      "also set AWSROLE_PROFILE and AWSROLE_EXPIRATION, for shell prompts (awsrole shell-init uses it)",
    ),
    ...RESOLVE_OPTIONS,
  },
  help: `Formats: env (export KEY='v'), env-no-export (KEY='v', for sh), dotenv
(KEY=v unquoted, for docker --env-file and compose), fish, powershell, json,
process (the credential_process JSON, Version 1).

Examples:
  eval "$(awsrole export role-b)"
  awsrole export role-e --token-code 123456 --format fish | source
  awsrole export role-b --format dotenv > .env   (docker run --env-file .env, compose)
  credential_process = awsrole export role-b --format process   (in ~/.aws/config)`,
  run: runExport,
});
