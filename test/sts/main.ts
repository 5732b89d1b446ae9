// Runs the STS emulator as a process:
//   node --import tsx test/sts/main.ts --world test/sts/worlds/seeds.json [--port N] [--host H] [--session-seconds S]
//     [--auto-approve-sso USER] [--auto-approve-login ARN] [--login-key-seconds S]
// Prints exactly one line to stdout, `STS listening on http://127.0.0.1:PORT`, so a parent
// process can read the URL; logs each call on stderr; exits cleanly on SIGINT/SIGTERM.

import { parseArgs } from "node:util";
import { loadWorld, startSts, type StsCall } from "./server.js";

function describe(call: StsCall): string {
  const parts = [
    `${call.status || "---"}`,
    call.service ? `${call.service}:${call.action}` : call.action || "(no Action)",
  ];
  if (call.fault) parts.push(`fault=${call.fault}`);
  if (call.errorCode) parts.push(`error=${call.errorCode}`);
  parts.push(`caller=${call.callerArn ?? call.accessKeyId ?? "-"}`);
  for (const name of [
    "RoleArn",
    "RoleSessionName",
    "SerialNumber",
    "DurationSeconds",
    "ExternalId",
    "grantType",
    "account_id",
    "role_name",
  ]) {
    if (call.params[name] !== undefined) parts.push(`${name}=${call.params[name]}`);
  }
  return `[sts] ${parts.join(" ")}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      world: { type: "string" },
      port: { type: "string", default: "0" },
      host: { type: "string", default: "127.0.0.1" },
      "session-seconds": { type: "string" },
      "auto-approve-sso": { type: "string" },
      "auto-approve-login": { type: "string" },
      "login-key-seconds": { type: "string" },
    },
  });
  if (!values.world) {
    process.stderr.write("usage: node --import tsx test/sts/main.ts --world FILE.json [--port N] [--host H]\n");
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port ${values.port}\n`);
    process.exit(2);
  }

  const sessionSeconds = values["session-seconds"] === undefined ? undefined : Number(values["session-seconds"]);
  if (sessionSeconds !== undefined && (!Number.isInteger(sessionSeconds) || sessionSeconds < 1)) {
    process.stderr.write(`invalid --session-seconds ${values["session-seconds"]}\n`);
    process.exit(2);
  }
  const loginKeySeconds = values["login-key-seconds"] === undefined ? undefined : Number(values["login-key-seconds"]);
  if (loginKeySeconds !== undefined && (!Number.isInteger(loginKeySeconds) || loginKeySeconds < 1)) {
    process.stderr.write(`invalid --login-key-seconds ${values["login-key-seconds"]}\n`);
    process.exit(2);
  }
  const server = await startSts({
    world: loadWorld(values.world),
    ...(loginKeySeconds === undefined ? {} : { loginKeySeconds }),
    ...(values["auto-approve-sso"] === undefined ? {} : { autoApproveSso: values["auto-approve-sso"] }),
    ...(values["auto-approve-login"] === undefined ? {} : { autoApproveLogin: values["auto-approve-login"] }),
    ...(sessionSeconds === undefined ? {} : { sessionSeconds }),
    port,
    host: values.host,
    onCall: (call) => process.stderr.write(`${describe(call)}\n`),
  });
  process.stdout.write(`STS listening on ${server.url}\n`);

  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
