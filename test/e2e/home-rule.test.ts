// One home-directory rule (os.path.expanduser, src/adapters/home.ts): with an
// empty environment (`env -i`) the config, the credentials file and the cache
// all follow the password-database entry, never "/" for one and the real home
// for another. The CLI runs with nothing but PATH and AWS_EC2_METADATA_DISABLED.
//
// An empty environment means the account's real home, which a test must never
// read; so the CLI runs as the unprivileged "nobody" account (its home is a path
// it cannot write, typically /nonexistent). That needs root to start; elsewhere
// the test is skipped with a message.

import { spawn, spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./harness.js";

interface Account {
  uid: number;
  gid: number;
  home: string;
}

function nobody(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
      const f = line.split(":");
      if (f[0] === "nobody" && f.length >= 7 && f[5]) return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
    }
  } catch {}
  return undefined;
}

/** Whether that account can start this Node at all (CI's Node 22 and 24 live under root's 0700 home). */
function canRunNode(who: Account): boolean {
  const probe = spawnSync(process.execPath, ["-e", "0"], { uid: who.uid, gid: who.gid, cwd: "/", env: {} });
  return probe.error === undefined && probe.status === 0;
}

// The CLI as installed (bin/ and dist/, which need nothing else to export or list the cache), in a
// directory "nobody" can read: the clone itself may lie under a 0700 directory (mktemp -d).
const install = mkdtempSync(join(tmpdir(), "awsrole-home-rule-"));
chmodSync(install, 0o755);
for (const dir of ["bin", "dist"]) cpSync(join(ROOT, dir), join(install, dir), { recursive: true });
const BIN = join(install, "bin", "awsrole.cjs");
afterAll(() => rmSync(install, { recursive: true, force: true }));

const candidate = nobody();
const account = candidate && canRunNode(candidate) ? candidate : undefined;
if (!candidate)
  console.warn(
    "home-rule: not root, or no 'nobody' account; skipping the env -i test (it must not read this account's real home).",
  );
else if (!account)
  console.warn(`home-rule: 'nobody' cannot run ${process.execPath}; skipping the env -i test on this Node.`);

function runAs(who: Account, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", AWS_EC2_METADATA_DISABLED: "true" };
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      uid: who.uid,
      gid: who.gid,
      cwd: "/",
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!account)("env -i: one home for every file", () => {
  const home = account?.home.replace(/\/+$/, "") ?? "";

  it("reads the config and credentials from the password entry's home, as the AWS CLI does", async () => {
    const r = await runAs(account!, ["export", "no-such-profile-anywhere"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${home}/.aws/config`);
    expect(r.stderr).not.toContain("//.aws");
  });

  it("keeps the cache under the same home", async () => {
    const r = await runAs(account!, ["cache", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${home}/.aws/cli/cache`);
  });
});
