// The user's side of a browser sign-in: opening the browser, and the loopback
// redirect server that receives the authorization code (RFC 8252 §7.3).
//
// The server listens on 127.0.0.1 only, on a port the system picks (the AWS CLI
// binds every interface, HTTPServer(('', 0)); a code sent to another machine's
// address would be a code for that machine). It takes one redirect whose state
// matches, and ends at the deadline or on Ctrl-C.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { AwsroleError, InterruptedError, stripControl } from "../errors.js";
import { shlexSplit } from "../core/shlex.js";

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether a browser can be opened here: BROWSER names one; otherwise not over
 * SSH, and on Linux and the BSDs only with a display (DISPLAY or WAYLAND_DISPLAY).
 */
export function canOpenBrowser(env: Env, platform: NodeJS.Platform = process.platform): { ok: boolean; why?: string } {
  if (env.BROWSER !== undefined && env.BROWSER.trim() !== "") return { ok: true };
  if (env.SSH_CONNECTION || env.SSH_TTY || env.SSH_CLIENT) return { ok: false, why: "this is an SSH session" };
  if (platform !== "darwin" && platform !== "win32" && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return { ok: false, why: "no DISPLAY or WAYLAND_DISPLAY is set" };
  return { ok: true };
}

/**
 * Opens url in a browser without waiting for it: BROWSER (as Python's webbrowser
 * reads it: a list separated by ":", each a command where %s is the URL, else the
 * URL is appended), else open (macOS), explorer.exe (Windows), xdg-open.
 * Resolves false when nothing could be started.
 */
export async function openBrowser(
  url: string,
  env: Env,
  platform: NodeJS.Platform = process.platform,
): Promise<boolean> {
  const { spawn } = await import("node:child_process");
  const commands: string[][] = [];
  if (env.BROWSER !== undefined && env.BROWSER.trim() !== "") {
    for (const entry of env.BROWSER.split(":")) {
      const words = shlexSplit(entry);
      if (!words || words.length === 0) continue;
      commands.push(words.some((w) => w.includes("%s")) ? words.map((w) => w.replaceAll("%s", url)) : [...words, url]);
    }
  } else {
    commands.push([platform === "darwin" ? "open" : platform === "win32" ? "explorer.exe" : "xdg-open", url]);
  }
  for (const [command, ...args] of commands) {
    const started = await new Promise<boolean>((resolve) => {
      const child = spawn(command!, args, { stdio: "ignore", detached: true });
      child.once("error", () => resolve(false));
      child.once("spawn", () => {
        child.unref();
        resolve(true);
      });
    });
    if (started) return true;
  }
  return false;
}

export interface LoopbackCallback {
  /** http://127.0.0.1:PORT/oauth/callback */
  redirectUri: string;
  /** The state value the redirect must carry. */
  state: string;
  /** Resolves with the code of the first redirect whose state matches. */
  code: Promise<string>;
  close(): void;
}

export interface LoopbackOptions {
  signal: AbortSignal;
  /** The whole wait (the AWS CLI's 10 minutes). */
  timeoutMs: number;
  /** Names the sign-in in messages: `IAM Identity Center session "dev"`. */
  what: string;
  /** A redirect with the wrong state (not this sign-in's); the wait goes on. */
  onWrongState?: () => void;
  path?: string;
}

const PAGE = (text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>awsrole</title></head><body><p>${text}</p></body></html>`;

/** Starts the redirect server on 127.0.0.1 (a free port). */
export async function startLoopbackCallback(options: LoopbackOptions): Promise<LoopbackCallback> {
  const { createServer } = await import("node:http");
  const path = options.path ?? "/oauth/callback";
  const state = randomUUID();
  let settle: { resolve: (code: string) => void; reject: (error: Error) => void } | undefined;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // A caller that closes early (Ctrl-C before awaiting) must not leave an unhandled rejection.
  code.catch(() => {});
  let done = false;
  const finish = (error: Error | undefined, value?: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    options.signal.removeEventListener("abort", onAbort);
    server.close();
    server.closeAllConnections?.();
    if (error) settle!.reject(error);
    else settle!.resolve(value!);
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const answer = (status: number, text: string) => {
      res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", Connection: "close" });
      res.end(PAGE(text));
    };
    if (req.method !== "GET" || url.pathname !== path) return answer(404, "Not found.");
    if (url.searchParams.get("state") !== state) {
      answer(400, "This sign-in is not the one awsrole is waiting for.");
      options.onWrongState?.();
      return;
    }
    const error = url.searchParams.get("error");
    if (error !== null) {
      answer(200, "Sign-in was not completed. You can close this window.");
      const detail = stripControl(url.searchParams.get("error_description") ?? error).slice(0, 200);
      finish(
        new AwsroleError("LoginDenied", `The browser sign-in for ${options.what} did not complete (${detail}).`, {
          hint: "Run awsrole login again and approve the request in the browser.",
        }),
      );
      return;
    }
    const value = url.searchParams.get("code");
    if (!value) return answer(400, "The redirect carried no authorization code.");
    answer(200, "Signed in. You can close this window and return to the terminal.");
    finish(undefined, value);
  });
  const onAbort = () => finish(new InterruptedError());
  const timer = setTimeout(
    () =>
      finish(
        new AwsroleError(
          "LoginTimedOut",
          `No sign-in for ${options.what} arrived within ${Math.round(options.timeoutMs / 60000)} minutes.`,
          {
            hint: "Run awsrole login again, or use --use-device-code to sign in from another device.",
          },
        ),
      ),
    options.timeoutMs,
  );
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener("abort", onAbort, { once: true });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  }).catch((error: NodeJS.ErrnoException) => {
    finish(error);
    throw new AwsroleError(
      "LoopbackFailed",
      `Could not listen on 127.0.0.1 for the sign-in redirect (${error.code ?? "error"}).`,
      {
        hint: "Use --use-device-code to sign in without a local redirect.",
      },
    );
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { redirectUri: `http://127.0.0.1:${port}${path}`, state, code, close: () => finish(new InterruptedError()) };
}

/** Waits ms, or rejects with InterruptedError on Ctrl-C. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new InterruptedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
