// Every command, in the order --help lists them. Adding a command: its
// module, its declaration (<name>.command.ts, see ./declare.ts), one line here.

import { assumeCommand } from "./assume.command.js";
import { cacheCommand } from "./cache.command.js";
import { chainCommand } from "./chain.command.js";
import { completionCommand } from "./completion.command.js";
import { consoleCommand } from "./console.command.js";
import type { DeclaredCommand } from "./declare.js";
import { doctorCommand } from "./doctor.command.js";
import { execCommand } from "./exec.command.js";
import { exportCommand } from "./export.command.js";
import { loginCommand } from "./login.command.js";
import { logoutCommand } from "./logout.command.js";
import { profilesCommand } from "./profiles.command.js";
import { serveCommand } from "./serve.command.js";
import { shellInitCommand } from "./shell-init.command.js";
import { ssoCommand } from "./sso.command.js";
import { whoamiCommand } from "./whoami.command.js";

export const COMMANDS: readonly DeclaredCommand[] = [
  exportCommand,
  whoamiCommand,
  assumeCommand,
  chainCommand,
  cacheCommand,
  execCommand,
  serveCommand,
  consoleCommand,
  loginCommand,
  logoutCommand,
  ssoCommand,
  doctorCommand,
  completionCommand,
  shellInitCommand,
  profilesCommand,
];
