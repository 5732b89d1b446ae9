// Shared pieces of the reliability tests (test/reliability/*.test.ts): the
// e2e harness (built CLI as a subprocess, throw-away HOME, loopback STS) plus
// what several reliability tests need on top of it.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { BIN, type Home, type RunResult } from "../e2e/harness.js";

export * from "../e2e/harness.js";

/** The long-term secrets of the seed world (test/fixtures/seeds/credentials). */
export const SEED_SECRETS = [
  "User1ChainSecretKey00000000000000000001",
  "user1s3devSecretKey000000000000000000001",
  "NoSkillSecretKey000000000000000000000001",
] as const;

/** Every regular file under dir (recursive), as absolute paths. Symlinks are not followed. */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** The secrets (SecretAccessKey, SessionToken) held by the cache entries of a HOME. */
export function cachedSecrets(home: Home): string[] {
  const secrets: string[] = [];
  for (const name of home.cacheFiles()) {
    if (!name.endsWith(".json")) continue;
    try {
      const doc = JSON.parse(readFileSync(join(home.cacheDir, name), "utf8")) as {
        Credentials?: { SecretAccessKey?: string; SessionToken?: string };
      };
      if (doc.Credentials?.SecretAccessKey) secrets.push(doc.Credentials.SecretAccessKey);
      if (doc.Credentials?.SessionToken) secrets.push(doc.Credentials.SessionToken);
    } catch {
      // not an entry
    }
  }
  return secrets;
}

/** Names in the cache dir that a finished run must not leave behind. */
export function leftovers(home: Home): string[] {
  return home.cacheFiles().filter((name) => name.endsWith(".tmp") || name.endsWith(".lock"));
}

/** Starts the built CLI and returns the child plus a promise of its result (for signal tests). */
export function startCli(
  args: readonly string[],
  env: Record<string, string>,
  timeoutMs = 40_000,
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr!.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  child.stdin!.end();
  const done = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Waits until check() is true (polling), or throws after timeoutMs. */
export async function waitFor(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The cache file of each hop of a profile, as `awsrole chain --output json` reports them. */
export async function hopCacheFiles(
  profile: string,
  env: Record<string, string>,
  runCli: (a: readonly string[], e: Record<string, string>) => Promise<RunResult>,
): Promise<string[]> {
  const result = await runCli(["chain", profile, "--output", "json"], env);
  if (result.code !== 0) throw new Error(`chain ${profile} failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { hops: Array<{ cacheFile: string }> }).hops.map((h) => h.cacheFile);
}

export function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** No stack trace lines ("    at fn (file:1:2)") in text. */
export const STACK_LINE = /\n\s+at .*[:(]/;
