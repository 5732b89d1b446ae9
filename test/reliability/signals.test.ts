// Issue 6.6, signals: Ctrl-C at the MFA prompt (a real pseudo-terminal, driven
// by test/reliability/pty-driver.py) and SIGINT while an STS call is in flight
// both end with exit code 130, nothing on stdout, no cache entry for the hop
// that was interrupted, and no .tmp or .lock file left behind.

import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { BIN, baseEnv, hopCacheFiles, leftovers, runCli, startCli, STACK_LINE, waitFor, seedWorld } from "./helpers.js";

const execFileAsync = promisify(execFile);
const DRIVER = join(__dirname, "pty-driver.py");
const world = seedWorld({ perTest: true });
const home = () => world.home();

const hasPython = await execFileAsync("python3", ["-c", "import pty, fcntl, termios"]).then(
  () => true,
  () => false,
);
if (!hasPython)
  console.warn("signals.test: python3 with the pty module is not available; skipping the pseudo-terminal tests.");

/** Runs the CLI under a pty (async: the emulator lives in this process). */
async function underPty(
  args: string[],
  env: Record<string, string>,
  mode: "stdin-tty" | "dev-tty",
  type: string,
  waitFor = "Enter MFA code",
) {
  const dir = mkdtempSync(join(tmpdir(), "awsrole-pty-"));
  try {
    const spec = { argv: [process.execPath, BIN, ...args], env: { ...env, TERM: "xterm" }, mode, type, waitFor };
    const { stdout } = await execFileAsync(
      "python3",
      [DRIVER, JSON.stringify(spec), join(dir, "stdout"), join(dir, "stderr")],
      { encoding: "utf8", timeout: 40_000 },
    );
    const report = JSON.parse(stdout) as { code: number; saw: boolean; tty: string };
    return {
      ...report,
      stdout: readFileSync(join(dir, "stdout"), "utf8"),
      stderr: existsSync(join(dir, "stderr")) ? readFileSync(join(dir, "stderr"), "utf8") : "",
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!hasPython)("Ctrl-C at the MFA prompt", () => {
  it.each(["stdin-tty", "dev-tty"] as const)(
    "%s: exit 130, nothing on stdout, no STS call, nothing cached",
    async (mode) => {
      const h = home();
      const result = await underPty(["export", "role-b"], baseEnv(h, world.sts), mode, "\x03");
      expect(result.saw).toBe(true);
      expect(result.tty).toContain("Enter MFA code for arn:aws:iam::111111111111:mfa/User1");
      expect(result.code).toBe(130);
      expect(result.stdout).toBe("");
      expect(result.tty + result.stderr).toContain("interrupted");
      expect(result.tty + result.stderr).not.toMatch(STACK_LINE);
      expect(world.sts.calls).toEqual([]);
      expect(h.cacheFiles()).toEqual([]);
    },
  );

  it("control: typing a code at the same prompt succeeds (the driver really reaches the prompt)", async () => {
    const h = home();
    const result = await underPty(["export", "role-a"], baseEnv(h, world.sts), "stdin-tty", "123456\r");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIA/m);
    expect(world.sts.calls.map((c) => c.params.TokenCode)).toEqual(["123456"]);
  });
});

describe("SIGINT while STS does not answer", () => {
  it("single hop: exit 130 promptly, nothing on stdout, nothing cached, no .tmp/.lock", async () => {
    const h = home();
    world.sts.injectFault("hang", 5);
    const { child, done } = startCli(["export", "s3-developer"], baseEnv(h, world.sts));
    await waitFor(() => world.sts.calls.some((c) => c.fault === "hang"), 15_000, "the hanging request");
    const sent = Date.now();
    child.kill("SIGINT");
    const result = await done;
    expect(Date.now() - sent).toBeLessThan(3_000);
    expect(result.code).toBe(130);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("awsrole: interrupted.");
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(world.sts.calls).toHaveLength(1); // not retried after the interrupt
    expect(h.cacheFiles()).toEqual([]);
  });

  it("second hop of a chain, holding its lock: exit 130, the first hop's entry kept, the lock released", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const files = await hopCacheFiles("role-b", env, runCli);
    expect((await runCli(["export", "role-a", "--token-code", "123456"], env)).code).toBe(0);
    world.sts.reset();
    world.sts.injectFault("hang", 5);
    const { child, done } = startCli(["export", "role-b"], env);
    await waitFor(() => world.sts.calls.some((c) => c.fault === "hang"), 15_000, "the hanging request");
    expect(existsSync(files[1]!.replace(/\.json$/, ".lock"))).toBe(true); // the lock is held while we wait
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(result.stdout).toBe("");
    expect(files.map((f) => existsSync(f))).toEqual([true, false]);
    expect(leftovers(h)).toEqual([]);
  });
});

describe("SIGINT while waiting for another process's lock", () => {
  it("ends the wait at once: exit 130, no STS call, the other lock left alone", async () => {
    const h = home();
    const env = baseEnv(h, world.sts);
    const plan = JSON.parse((await runCli(["chain", "s3-developer", "--output", "json"], env)).stdout) as {
      hops: Array<{ cacheFile: string }>;
    };
    const lock = plan.hops[0]!.cacheFile.replace(/\.json$/, ".lock");
    const { mkdirSync, statSync, utimesSync, writeFileSync } = await import("node:fs");
    mkdirSync(h.cacheDir, { recursive: true, mode: 0o700 });
    // A live lock of a process on another machine: never stale, so awsrole waits (15 s by default).
    const foreign = JSON.stringify({ pid: 1, created: Date.now(), host: "another-machine", token: "theirs" });
    writeFileSync(lock, foreign, { mode: 0o600 });
    // Its access time before its modification time: the first read of it moves the access time (relatime).
    utimesSync(lock, new Date(0), new Date());
    const { child, done } = startCli(["export", "s3-developer"], env);
    // SIGINT once awsrole has read the lock, i.e. is waiting for it: before its handler exists (a starved
    // machine may take longer than any fixed delay to start it) a SIGINT kills it with no exit code at all.
    // Where reads do not move the access time (noatime) this waits 10 s, still inside the 15 s wait.
    const waitingBy = Date.now() + 10_000;
    while (statSync(lock).atimeMs < 1000 && Date.now() < waitingBy) await new Promise((r) => setTimeout(r, 20));
    const sentAt = Date.now();
    child.kill("SIGINT");
    const result = await done;
    expect(result.code).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(3000);
    expect(result.stdout).toBe("");
    expect(world.sts.calls).toEqual([]);
    expect(readFileSync(lock, "utf8")).toBe(foreign);
  });
});

describe.skipIf(!hasPython)("awsrole exec on a terminal", () => {
  it("one Ctrl-C reaches the child once (the terminal delivers it; awsrole does not forward it again), and its exit code comes back", async () => {
    const h = home();
    // The child counts SIGINTs for half a second after the first, then exits 3 with the count on stdout.
    const child =
      `let n = 0; process.on("SIGINT", () => { if (n++ === 0) setTimeout(() => { ` +
      `process.stdout.write("sigints=" + n + "\\n"); process.exit(3); }, 500); }); ` +
      `process.stderr.write("READY\\n"); setInterval(() => {}, 1000);`;
    const result = await underPty(
      ["exec", "s3-developer", "--", process.execPath, "-e", child],
      baseEnv(h, world.sts),
      "stdin-tty",
      "\x03",
      "READY",
    );
    expect(result.saw).toBe(true);
    expect(result.stdout).toBe("sigints=1\n");
    expect(result.code).toBe(3);
  });
});
