// The only module that touches process.argv, process.exit and signals. It
// declares the commands with commander, imports each command's implementation
// lazily when it runs, and hands every error to the one reporter.

import { Command, CommanderError, Help, Option } from "commander";
import { wrapWords } from "./render/width.js";
import { renderManPage } from "./render/man.js";
import { createProcessContext, fdOutput, type Context } from "./context.js";
import { onlineEffects } from "./effects/online.js";
import { EXIT_OK, EXIT_USAGE, UsageError } from "./errors.js";
import { reportError } from "./report.js";
// The warm export path is statically imported so the bundle keeps it in the
// entry chunk: every extra ESM chunk costs about a millisecond of loader work
// (docs/performance.md). The SDK, inquirer and the other commands stay lazy.
import { runExport } from "./commands/export.js";
import { EXPORT_FORMATS, type ExportFormat } from "./render/credentials.js";

type Run = (ctx: Context) => Promise<number>;

// Replaced with package.json's version by the build (scripts/build.mjs).
declare const __AWSROLE_VERSION__: string | undefined;

export async function main(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const debug = argv.includes("--debug");
  const colorFlag = argv.includes("--no-color") ? false : undefined;
  const ctx = createProcessContext({ debug, signal: controller.signal, effects: onlineEffects, ...(colorFlag === undefined ? {} : { color: colorFlag }) });

  let chosen: Run | undefined;
  const program = buildProgram((run) => {
    chosen = run;
  });
  try {
    await program.parseAsync(argv[0] === "help" && argv.length > 1 && !argv[1]!.startsWith("-") ? helpArguments(program, argv.slice(1)) : argv, { from: "user" });
    if (!chosen) return EXIT_OK; // --help / --version
    return await chosen(ctx);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message to stderr.
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(error, { stderr: (t) => ctx.stderr.write(t), debug: ctx.debug, color: ctx.color });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

const OUTPUT = () => new Option("-o, --output <format>", "output format").choices(["text", "json"]).default("text");

/** awsrole(1), from the same command tree as --help (scripts/build.mjs writes dist/awsrole.1). */
export function manPage(): string {
  return renderManPage(buildProgram(() => {}), typeof __AWSROLE_VERSION__ === "string" ? __AWSROLE_VERSION__ : "development");
}

/**
 * `awsrole help cache clear` as `awsrole cache clear --help`, and an unknown
 * command is a usage error that says so (commander would print the whole help).
 */
function helpArguments(program: Command, words: readonly string[]): string[] {
  let cmd = program;
  const path: string[] = [];
  for (const word of words) {
    const next = cmd.commands.find((c) => c.name() === word && !(c as unknown as { _hidden?: boolean })._hidden);
    if (!next) {
      const known = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
      throw new UsageError(`No awsrole command is called "${[...path, word].join(" ")}".`, `The commands${path.length ? ` of awsrole ${path.join(" ")}` : ""} are: ${known.join(", ")}.`);
    }
    cmd = next;
    path.push(word);
  }
  return [...path, "--help"];
}

export function buildProgram(select: (run: Run) => void): Command {
  const program = new Command("awsrole")
    .description("Switch AWS identities: profiles, STS role chains, MFA and the AWS CLI's credential cache.")
    .version(typeof __AWSROLE_VERSION__ === "string" ? __AWSROLE_VERSION__ : "development", "-V, --version")
    .option("--debug", "show what awsrole does, with secrets masked, and stack traces")
    .option("--no-color", "no colour on stderr")
    .exitOverride()
    .showSuggestionAfterError()
    .configureHelp({ formatItem: narrowFormatItem })
    .configureOutput({
      // Help asked for is data (stdout); usage errors are for people (stderr).
      // Through fdOutput, which ends quietly on EPIPE (`awsrole --help | head`).
      writeOut: (text) => fdOutput(1).write(fitProse(text, helpWidth())),
      writeErr: (text) => fdOutput(2).write(text),
    });
  program.addHelpText("after", () => `
Examples:
${examplesList(
  [
    ['eval "$(awsrole export role-b)"', "put role-b's credentials into this shell"],
    ["awsrole whoami --profile role-e", "show who role-e is, and for how long"],
    ["awsrole chain role-e", "show the STS calls role-e needs, without calling STS"],
    ["awsrole cache clear", "forget every cached role session"],
    ["awsrole exec role-b -- aws s3 ls", "run one command as role-b"],
    ["awsrole exec --server role-b -- make", "run a long job; its credentials are renewed"],
    ["awsrole console role-b --open", "open the AWS console as role-b"],
    ["awsrole doctor", "check ~/.aws/config for mistakes"],
    ["awsrole completion bash >> ~/.bashrc", "Tab-complete commands and profile names"],
    ["awsrole help export", "one command's help (also: man awsrole)"],
  ],
  helpWidth(),
)}

Docs: docs/commands.md, docs/resolution.md, docs/workflow.md`);

  withResolveOptions(
    program
      .command("export")
      .description("print the profile's credentials as lines to eval (stdout carries nothing else)")
      .argument("[profile]", PROFILE_ARGUMENT)
      .option("-p, --profile <name>", "profile name")
      .addOption(new Option("-f, --format <format>", "output format").choices([...EXPORT_FORMATS]).default("env"))
      .option("--mark", "also set AWSROLE_PROFILE and AWSROLE_EXPIRATION, for shell prompts (awsrole shell-init uses it)")
  )
    .addHelpText(
      "after",
      `
Formats: env (export KEY='v'), env-no-export (KEY='v', for sh), dotenv
(KEY=v unquoted, for docker --env-file and compose), fish, powershell, json,
process (the credential_process JSON, Version 1).

Examples:
  eval "$(awsrole export role-b)"
  awsrole export role-e --token-code 123456 --format fish | source
  awsrole export role-b --format dotenv > .env   (docker run --env-file .env, compose)
  credential_process = awsrole export role-b --format process   (in ~/.aws/config)`,
    )
    .action((positional: string | undefined, options: CommonOptions & { format: string; mark?: boolean }) => {
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) =>
        runExport({ profile, format: options.format as ExportFormat, mark: options.mark ?? false, ...common(options) }, ctx),
      );
    });

  withResolveOptions(
    program
      .command("whoami")
      .description("call GetCallerIdentity with the profile's credentials and show who they are and for how long")
      .argument("[profile]", PROFILE_ARGUMENT)
      .option("-p, --profile <name>", "profile name")
      .addOption(OUTPUT())
  )
    .addHelpText(
      "after",
      `
Examples:
  awsrole whoami --profile role-e
  awsrole whoami --output json        (the shape of aws sts get-caller-identity)
  awsrole whoami                      (the credentials exported in this shell, else AWS_PROFILE)`,
    )
    .action((positional: string | undefined, options: CommonOptions & { output: "text" | "json" }) => {
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) => (await import("./commands/whoami.js")).runWhoami({ profile, output: options.output, ...common(options) }, ctx));
    });

  withResolveOptions(
    program
      .command("assume")
      .description("assume a profile's role (or an ad hoc --role-arn) and print the result as aws sts assume-role does")
      .argument("[profile]", PROFILE_ARGUMENT)
      .option("-p, --profile <name>", "profile name (with --role-arn: the source credentials)")
      .option("--role-arn <arn>", "assume this role ad hoc, with the profile's credentials as source")
      .option("--role-session-name <name>", "with --role-arn: the session name (default awsrole-<seconds>)")
      .option("--duration-seconds <seconds>", "with --role-arn: 900 to 43200")
      .option("--serial-number <arn>", "with --role-arn: MFA device serial or ARN")
      .option("--external-id <id>", "with --role-arn: the external ID the role requires")
      .option("--write-profile <name>", "also write the credentials as [name] in the credentials file (with a backup)")
  )
    .addHelpText(
      "after",
      `
Examples:
  awsrole assume role-b
  awsrole assume --profile no_skill --role-arn arn:aws:iam::333333333333:role/s3_role \\
      --role-session-name s3_role --duration-seconds 3600 \\
      --serial-number arn:aws:iam::333333333333:mfa/no_skill --token-code 508114
  awsrole assume role-b --write-profile role-b-session`,
    )
    .action((positional: string | undefined, options: CommonOptions & { roleArn?: string; roleSessionName?: string; durationSeconds?: string; serialNumber?: string; externalId?: string; writeProfile?: string }) => {
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) =>
        (await import("./commands/assume.js")).runAssume(
          {
            profile,
            roleArn: options.roleArn,
            roleSessionName: options.roleSessionName,
            durationSeconds: options.durationSeconds,
            serialNumber: options.serialNumber,
            externalId: options.externalId,
            writeProfile: options.writeProfile,
            ...common(options),
          },
          ctx,
        ),
      );
    });

  withResolveOptions(
    program
      .command("chain")
      .description("show the STS calls a profile needs, hop by hop (no STS call unless --resolve)")
      .argument("[profile]", PROFILE_ARGUMENT)
      .option("-p, --profile <name>", "profile name")
      .addOption(OUTPUT())
      .option("--resolve", "run the plan and show each hop's cache hit or STS call, identity and expiry")
  )
    .addHelpText(
      "after",
      `
Examples:
  awsrole chain role-e
  awsrole chain role-e --resolve --token-code 123456
  awsrole chain --profile role-e --output json`,
    )
    .action((positional: string | undefined, options: CommonOptions & { output: "text" | "json"; resolve?: boolean }) => {
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) => (await import("./commands/chain.js")).runChain({ profile, output: options.output, resolve: options.resolve ?? false, ...common(options) }, ctx));
    });

  const cache = program.command("cache").description("the credential cache shared with the AWS CLI (~/.aws/cli/cache)");
  cache
    .command("clear")
    .description("remove all cached credentials, or one profile's own session (--chain: and its chain's); says how many")
    .argument("[profile]", "only this profile's own session")
    .option("-p, --profile <name>", "only this profile's own session")
    .option("--chain", "with a profile: also the sessions of the hops it is assumed from, and its MFA session")
    .addHelpText("after", "\nExamples:\n  awsrole cache clear\n  awsrole cache clear role-e\n  awsrole cache clear role-e --chain")
    .action((positional: string | undefined, options: { profile?: string; chain?: boolean }) => {
      const profile = pickProfileArgument(positional, options.profile);
      if (options.chain && profile === undefined) throw new UsageError("--chain goes with a profile: awsrole cache clear PROFILE --chain.", "Without a profile, cache clear already removes every cached session.");
      select(async (ctx) => (await import("./commands/cache.js")).runCacheClear({ profile, chain: options.chain ?? false }, ctx));
    });
  cache
    .command("list")
    .description("list cached credentials with role, expiry, whether still usable, and the profiles that use them")
    .addOption(OUTPUT())
    .addHelpText("after", "\nExamples:\n  awsrole cache list\n  awsrole cache list --output json")
    .action((options: { output: "text" | "json" }) => {
      select(async (ctx) => (await import("./commands/cache.js")).runCacheList({ output: options.output }, ctx));
    });

  withResolveOptions(
    program
      .command("exec")
      .description("run a command with the profile's credentials in its environment (exact argv, exit code passed through)")
      .argument("[profile]", PROFILE_ARGUMENT)
      .argument("[command...]", "the command and its arguments, after -- (none: a subshell, $SHELL)")
      .option("-p, --profile <name>", "profile name")
      .option("--nest", "allow running inside another awsrole exec (AWSROLE_PROFILE already set)")
      .option("--server", "serve the credentials from a local endpoint that renews them (for commands that outlive a session)")
  )
    .addHelpText(
      "after",
      `
The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
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
    )
    .action(function (this: Command, positional: string | undefined, rest: string[], options: CommonOptions & { nest?: boolean; server?: boolean }) {
      // commander drops "--"; `awsrole exec -- cmd` must not take cmd for the profile.
      const raw = (this.parent as unknown as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const dashes = raw.indexOf("--");
      let command = rest;
      if (positional !== undefined && dashes >= 0 && !raw.slice(0, dashes).includes(positional)) {
        command = [positional, ...rest];
        positional = undefined;
      }
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) => (await import("./commands/exec.js")).runExec({ profile, command, nest: options.nest ?? false, server: options.server ?? false, ...common(options) }, ctx));
    });

  withResolveOptions(
    program
      .command("serve")
      .description("run a local credential endpoint for the profile that renews its credentials; print the variables that point SDKs at it")
      .argument("[profile]", PROFILE_ARGUMENT)
      .option("-p, --profile <name>", "profile name")
      .option("--port <port>", "listen on this port (default: a free one)")
      .option("--host <address>", "loopback address to listen on: 127.0.0.1 (default), another 127.x.x.x, ::1 or localhost")
  )
    .addHelpText(
      "after",
      `
stdout gets the lines to eval in the shell of the processes to serve; each
request is logged on stderr. Runs until Ctrl-C. Requests need the token.

Examples:
  awsrole serve role-b > ~/.awsrole-serve.env     (then: . ~/.awsrole-serve.env)
  awsrole serve role-e --port 9911 --token-code 123456`,
    )
    .action((positional: string | undefined, options: CommonOptions & { port?: string; host?: string }) => {
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) => (await import("./server/run.js")).runServe({ profile, port: options.port, host: options.host, ...common(options) }, ctx));
    });

  withResolveOptions(
    program
      .command("console")
      .description("print (or --open) an AWS console sign-in URL for the profile's role session")
      .argument("[profile]", PROFILE_ARGUMENT)
      .option("-p, --profile <name>", "profile name")
      .option("--open", "open the URL in the browser (xdg-open / open) instead of printing it")
      .option("-d, --destination <url-or-path>", "console page to land on: a URL, or a path such as /s3/home")
      .option("--duration <seconds>", "console session length, 900 to 43200 (not for role-chained sessions)")
  )
    .addHelpText(
      "after",
      `
The URL carries a sign-in token only, never the credentials; it is valid for 15 minutes.

Examples:
  awsrole console role-b
  awsrole console role-b --open --destination /s3/home
  awsrole console s3-developer --duration 3600 --region eu-west-1`,
    )
    .action((positional: string | undefined, options: CommonOptions & { open?: boolean; destination?: string; duration?: string }) => {
      const profile = pickProfileArgument(positional, options.profile);
      select(async (ctx) =>
        (await import("./commands/console.js")).runConsole(
          { profile, open: options.open ?? false, destination: options.destination, duration: options.duration, ...common(options) },
          ctx,
        ),
      );
    });

  program
    .command("login")
    .description("sign in to IAM Identity Center (SSO) and keep the token where the AWS CLI does (~/.aws/sso/cache)")
    .argument("[profile]", "a profile with sso_session (or the legacy sso_start_url) (default: --profile, AWS_PROFILE, then default)")
    .option("-p, --profile <name>", "profile name")
    .option("--sso-session <name>", "log in to this [sso-session NAME] without naming a profile")
    .option("--use-device-code", "sign in with a code entered on any device, instead of the browser redirect")
    .option("--no-browser", "do not open a browser; print the URL to open")
    .option("--console", "sign in with the AWS console's credentials instead (root, IAM user, federated), as `aws login`: writes login_session")
    .option("--remote", "with --console, for a machine without a browser: sign in on another device and paste the code it shows")
    .option("--region <region>", "with --console: the sign-in region when the profile has none (written into the profile)")
    .addHelpText(
      "after",
      `
The browser flow (PKCE) listens on 127.0.0.1 for the redirect, for at most 10
minutes. Without a display, over SSH and for legacy profiles the device code is
used. The URL and code go to stderr; Ctrl-C stops and writes nothing.

Examples:
  awsrole login dev
  awsrole login --sso-session my-sso
  awsrole login dev --use-device-code      (sign in from your phone or another machine)

--console signs in with console credentials instead (docs/login-session.md): it
writes ~/.aws/login/cache/<sha256(ARN)>.json and login_session = ARN in the
profile (with a backup of the config file), shared with \`aws login\`.
  awsrole login --console --profile console
  awsrole login --console --profile console --remote --region eu-west-1`,
    )
    .action((positional: string | undefined, options: LoginOptions) => {
      const profile = pickProfileArgument(positional, options.profile);
      if (options.console) {
        if (options.ssoSession !== undefined || options.useDeviceCode) {
          const hint = "For a machine without a browser use --console --remote.";
          throw new UsageError("--console cannot be combined with --sso-session or --use-device-code.", hint);
        }
        const input = { profile, region: options.region, remote: options.remote ?? false, noBrowser: options.browser === false };
        select(async (ctx) => (await import("./commands/login-console.js")).runLoginConsole(input, ctx));
        return;
      }
      if (options.remote || options.region !== undefined) throw new UsageError("--remote and --region are for console sign-in: awsrole login --console.");
      select(async (ctx) =>
        (await import("./commands/login.js")).runLogin(
          { profile, ssoSession: options.ssoSession, useDeviceCode: options.useDeviceCode ?? false, noBrowser: options.browser === false },
          ctx,
        ),
      );
    });

  program
    .command("doctor")
    .description("check the AWS config files for mistakes (no STS call) and list the profiles")
    .argument("[profile]", "only this profile and the profiles its chain uses")
    .addOption(OUTPUT())
    .option("--server", "also check what would make a process served by exec --server or serve use other credentials")
    .addHelpText(
      "after",
      `
Finds cycles, missing source profiles, duration_seconds over the 1-hour role
chaining cap, mfa_serial where it is never asked, typos of known keys, keys the
credentials file silently overrides, and sections the AWS CLI ignores.
Exit status 1 when there are errors.

Examples:
  awsrole doctor
  awsrole doctor role-e
  awsrole doctor --output json
  awsrole doctor --server             (before awsrole exec --server / serve)`,
    )
    .action((profile: string | undefined, options: { output: "text" | "json"; server?: boolean }) => {
      select(async (ctx) => (await import("./commands/doctor.js")).runDoctor({ profile, output: options.output, server: options.server ?? false }, ctx));
    });

  program
    .command("completion")
    .description("print a shell completion script (commands, options, profile names)")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      `
Examples:
  awsrole completion bash >> ~/.bashrc
  awsrole completion zsh >> ~/.zshrc
  awsrole completion fish > ~/.config/fish/completions/awsrole.fish`,
    )
    .action((shell: string) => {
      select(async (ctx) => (await import("./commands/completion.js")).runCompletion({ shell, program }, ctx));
    });

  program
    .command("shell-init")
    .description("print a shell function that switches this shell to a profile (exit status, prompt marker, --unset)")
    .argument("<shell>", "bash, zsh or fish")
    .option("--name <name>", "the function's name (default awsrole-assume)")
    .addHelpText(
      "after",
      `
The function runs awsrole export --mark and evaluates the lines only when it
succeeded, so $? is awsrole's exit status. It leaves AWSROLE_PROFILE and
AWSROLE_EXPIRATION for prompts; awsrole-assume --unset removes what it set.

Examples:
  echo 'eval "$(awsrole shell-init bash)"' >> ~/.bashrc
  echo 'eval "$(awsrole shell-init zsh --name assume)"' >> ~/.zshrc
  echo 'awsrole shell-init fish | source' >> ~/.config/fish/config.fish
  awsrole-assume role-b               (then: awsrole-assume --unset)`,
    )
    .action((shell: string, options: { name?: string }) => {
      select(async (ctx) => (await import("./commands/shell-init.js")).runShellInit({ shell, name: options.name }, ctx));
    });

  // IAM Identity Center: src/commands/logout.ts, docs/sso.md; console login (--console): src/commands/login-console.ts.
  program
    .command("logout")
    .description("end every IAM Identity Center (SSO) session, as `aws sso logout` does; --console: a console-login session, as `aws logout`")
    .option("-p, --profile <name>", "the profile whose endpoint settings apply (endpoint_url, [services]); with --console, whose session ends")
    .option("--console", "end the profile's console-login session (login_session) instead: remove its cache file")
    .option("--all", "with --console: every console-login session in the cache")
    .addHelpText(
      "after",
      `
Calls the portal's Logout for each token in ~/.aws/sso/cache, then removes the
token files and every "ProviderType": "sso" entry of ~/.aws/cli/cache (shared
with the AWS CLI v2, so \`aws\` is logged out too). Nothing on stdout.
With --console it removes ~/.aws/login/cache/<sha256(ARN)>.json of the
profile's login_session (--all: every file there) and leaves SSO alone.

Examples:
  awsrole logout
  awsrole logout --console --profile console`,
    )
    .action((options: { profile?: string; console?: boolean; all?: boolean }) => {
      if (options.all && !options.console) throw new UsageError("--all is for console-login sessions: awsrole logout --console --all.");
      if (options.console) {
        select(async (ctx) => (await import("./commands/login-console.js")).runLogoutConsole({ profile: options.profile, all: options.all ?? false }, ctx));
        return;
      }
      select(async (ctx) => (await import("./commands/logout.js")).runLogout({ profile: options.profile }, ctx));
    });

  // For completion scripts: profile names, one per line, from the config files only.
  program
    .command("__profiles", { hidden: true })
    .action(() => {
      select(async (ctx) => {
        const { loadConfig } = await import("./adapters/config-files.js");
        ctx.stdout.write([...loadConfig(ctx.env).profiles.keys()].map((name) => name + "\n").join(""));
        return 0;
      });
    });

  return program;
}

/** The width help is fitted to: the terminal's, else commander's default 80. */
function helpWidth(): number {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : 80;
}

/**
 * commander's item layout (term, then the description in a column), except on
 * a terminal too narrow for a description column (commander then stops
 * wrapping and every line overflows): the term alone, the description wrapped
 * beneath it.
 */
function narrowFormatItem(this: Help, term: string, termWidth: number, description: string, helper: Help): string {
  const width = helper.helpWidth ?? 80;
  if (!description || width - termWidth - 4 >= helper.minWidthToWrap) return Help.prototype.formatItem.call(helper, term, termWidth, description, helper);
  return [`  ${term}`, ...wrapWords(description, Math.max(20, width - 6)).map((line) => `      ${line}`)].join("\n");
}

/**
 * Re-wraps the help's prose paragraphs (blocks of unindented lines) that are
 * wider than the terminal. Indented lines (options, examples) are left alone:
 * examples must stay literal to be copied.
 */
function fitProse(text: string, width: number): string {
  return text
    .split(/(\n\s*\n)/)
    .map((block) => {
      const lines = block.split("\n");
      if (!lines.some((line) => line.length > width) || lines.some((line) => /^\s/.test(line) && line.trim() !== "")) return block;
      return wrapWords(lines.join(" "), width).join("\n");
    })
    .join("");
}

/** Example commands with a description each, as two columns, or stacked when they do not fit. */
function examplesList(rows: ReadonlyArray<readonly [string, string]>, width: number): string {
  const column = Math.max(...rows.map(([command]) => command.length)) + 2;
  const fits = rows.every(([, text]) => 2 + column + text.length <= width);
  return rows
    .map(([command, text]) => (fits ? `  ${command.padEnd(column)}${text}` : [`  ${command}`, ...wrapWords(text, Math.max(20, width - 6)).map((line) => `      ${line}`)].join("\n")))
    .join("\n");
}

/** `login`'s options: IAM Identity Center's, and --console's (console login, src/commands/login-console.ts). */
interface LoginOptions {
  profile?: string;
  ssoSession?: string;
  useDeviceCode?: boolean;
  browser?: boolean;
  console?: boolean;
  remote?: boolean;
  region?: string;
}

const PROFILE_ARGUMENT = "profile name (default: --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, then default)";

interface CommonOptions {
  profile?: string;
  tokenCode?: string;
  region?: string;
  cache?: boolean;
  refresh?: boolean;
}

/** The options of every command that resolves credentials. */
function withResolveOptions(command: Command): Command {
  return command
    .addOption(new Option("-t, --token-code <code>", "MFA code for the first hop that needs one (else you are asked on the terminal)"))
    .addOption(new Option("-r, --region <region>", "region for STS and for exported AWS_REGION"))
    .addOption(new Option("--no-cache", "neither read nor write the credential cache"))
    .addOption(new Option("--refresh", "ignore cached credentials and call STS again (new results are cached)"));
}

function common(options: CommonOptions) {
  return { tokenCode: options.tokenCode, region: options.region, noCache: options.cache === false, refresh: options.refresh ?? false };
}

function pickProfileArgument(positional: string | undefined, flag: string | undefined): string | undefined {
  if (positional !== undefined && flag !== undefined && positional !== flag) {
    throw new UsageError(`Two different profiles were given: "${positional}" and --profile "${flag}".`, "Give the profile once.");
  }
  return positional ?? flag;
}
