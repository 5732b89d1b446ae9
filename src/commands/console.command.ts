import type { ConsoleInput } from "./console.js";
import { declareCommand, flag, PROFILE_ARGUMENT, RESOLVE_OPTIONS, value } from "./declare.js";

export const consoleCommand = declareCommand<ConsoleInput>({
  name: "console",
  description: "print (or --open) an AWS console sign-in URL for the profile's role session",
  arguments: [{ name: "[profile]", description: PROFILE_ARGUMENT }],
  options: {
    profile: value("-p, --profile <name>", "profile name"),
    open: flag("--open", "open the URL in the browser (xdg-open / open) instead of printing it"),
    destination: value("-d, --destination <url-or-path>", "console page to land on: a URL, or a path such as /s3/home"),
    duration: value("--duration <seconds>", "console session length, 900 to 43200 (not for role-chained sessions)"),
    ...RESOLVE_OPTIONS,
  },
  help: `The URL carries a sign-in token only, never the credentials; it is valid for 15 minutes.

Examples:
  awsrole console role-b
  awsrole console role-b --open --destination /s3/home
  awsrole console s3-developer --duration 3600 --region eu-west-1`,
  run: async (input, ctx) => (await import("./console.js")).runConsole(input, ctx),
});
