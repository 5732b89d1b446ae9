import type { AssumeInput } from "./assume.js";
import { declareCommand, PROFILE_ARGUMENT, RESOLVE_OPTIONS, value } from "./declare.js";

export const assumeCommand = declareCommand<AssumeInput>({
  name: "assume",
  description: "assume a profile's role (or an ad hoc --role-arn) and print the result as aws sts assume-role does",
  arguments: [{ name: "[profile]", description: PROFILE_ARGUMENT }],
  options: {
    profile: value("-p, --profile <name>", "profile name (with --role-arn: the source credentials)"),
    roleArn: value("--role-arn <arn>", "assume this role ad hoc, with the profile's credentials as source"),
    roleSessionName: value(
      "--role-session-name <name>",
      "with --role-arn: the session name (default awsrole-<seconds>)",
    ),
    durationSeconds: value("--duration-seconds <seconds>", "with --role-arn: 900 to 43200"),
    serialNumber: value("--serial-number <arn>", "with --role-arn: MFA device serial or ARN"),
    externalId: value("--external-id <id>", "with --role-arn: the external ID the role requires"),
    writeProfile: value(
      "--write-profile <name>",
      "also write the credentials as [name] in the credentials file (with a backup)",
    ),
    ...RESOLVE_OPTIONS,
  },
  help: `Examples:
  awsrole assume role-b
  awsrole assume --profile no_skill --role-arn arn:aws:iam::333333333333:role/s3_role \\
      --role-session-name s3_role --duration-seconds 3600 \\
      --serial-number arn:aws:iam::333333333333:mfa/no_skill --token-code 508114
  awsrole assume role-b --write-profile role-b-session`,
  run: async (input, ctx) => (await import("./assume.js")).runAssume(input, ctx),
});
