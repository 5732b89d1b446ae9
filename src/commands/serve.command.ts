import type { ServeInput } from "../server/run.js";
import { declareCommand, PROFILE_ARGUMENT, RESOLVE_OPTIONS, value } from "./declare.js";

export const serveCommand = declareCommand<ServeInput>({
  name: "serve",
  description:
    "run a local credential endpoint for the profile that renews its credentials; print the variables that point SDKs at it",
  arguments: [{ name: "[profile]", description: PROFILE_ARGUMENT }],
  options: {
    profile: value("-p, --profile <name>", "profile name"),
    port: value("--port <port>", "listen on this port (default: a free one)"),
    host: value(
      "--host <address>",
      "loopback address to listen on: 127.0.0.1 (default), another 127.x.x.x, ::1 or localhost",
    ),
    ...RESOLVE_OPTIONS,
  },
  help: `stdout gets the lines to eval in the shell of the processes to serve; each
request is logged on stderr. Runs until Ctrl-C. Requests need the token.

Examples:
  awsrole serve role-b > ~/.awsrole-serve.env     (then: . ~/.awsrole-serve.env)
  awsrole serve role-e --port 9911 --token-code 123456`,
  run: async (input, ctx) => (await import("../server/run.js")).runServe(input, ctx),
});
