import { declareCommand, flag, PROFILE_ARGUMENT, RESOLVE_OPTIONS, value } from "./declare.js";
import type { ExecInput } from "./exec.js";

export const execCommand = declareCommand<ExecInput>({
  name: "exec",
  description: "run a command with the profile's credentials in its environment (exact argv, exit code passed through)",
  // A word after "--" is never the profile: `awsrole exec -- aws s3 ls` (src/commands/declare.ts).
  arguments: [
    { name: "[profile]", description: PROFILE_ARGUMENT },
    { name: "[command...]", description: "the command and its arguments, after -- (none: a subshell, $SHELL)" },
  ],
  options: {
    profile: value("-p, --profile <name>", "profile name"),
    nest: flag("--nest", "allow running inside another awsrole exec (AWSROLE_PROFILE already set)"),
    server: flag(
      "--server",
      "serve the credentials from a local endpoint that renews them (for commands that outlive a session)",
    ),
    ...RESOLVE_OPTIONS,
  },
  help: `The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION, AWS_REGION/AWS_DEFAULT_REGION (when known) and
AWSROLE_PROFILE; AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN and web
identity variables are removed. No shell is involved: use sh -c for pipes.

Examples:
  awsrole exec role-b -- aws s3 ls
  awsrole exec role-e --token-code 123456 -- terraform plan
  awsrole exec role-b -- sh -c 'aws sts get-caller-identity | jq -r .Arn'
  awsrole exec role-b                      (a subshell, $SHELL; exit it to drop the credentials)
  awsrole exec --server role-b -- terraform apply   (credentials renewed for hours)

With --server the command gets AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN instead of keys (see docs/workflow.md).`,
  run: async (input, ctx) => (await import("./exec.js")).runExec(input, ctx),
});
