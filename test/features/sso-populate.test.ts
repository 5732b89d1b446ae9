// `awsrole sso populate` against the emulator's portal (ListAccounts, ListAccountRoles,
// throttling): the diff of --dry-run, the written profiles resolving, a profile it did
// not write left alone, --prune removing only its own stale sections, the backup, and
// pagination (in process, over a fake portal with small pages).

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { baseEnv, makeHome, runCli, type Home } from "../e2e/harness.js";
import { loadWorld, SSO_WORLD_PATH, startSts, type StsServer } from "../sts/server.js";
import { listAssignments, markerFor } from "../../src/commands/sso-populate.js";
import { tokenFileName } from "../../src/adapters/sso-login-files.js";

const START_URL = "https://d-abc123.awsapps.com/start";
const CONFIG = `# my own config
[profile dev]
sso_session = my-sso
sso_account_id = 555555555555
sso_role_name = Developer

[sso-session my-sso]
sso_start_url = ${START_URL}
sso_region = us-east-1

[profile ReadOnly-666666666666]
# mine, not generated
region = eu-west-1
`;
const MARK = markerFor({ sessionName: "my-sso", startUrl: START_URL });

let server: StsServer;
const homes: Home[] = [];
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SSO_WORLD_PATH) });
});
afterEach(() => {
  server.reset();
  server.portal.setThrottle(undefined);
});
afterAll(async () => {
  await server.close();
  for (const h of homes) h.remove();
});

/** A home with the config above and a signed-in session (a seeded token file). */
function home(config = CONFIG): Home {
  const h = makeHome({ config });
  homes.push(h);
  const seeded = server.oidc.issueToken();
  const dir = join(h.awsDir, "sso", "cache");
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, tokenFileName({ sessionName: "my-sso", startUrl: START_URL })),
    JSON.stringify({ startUrl: START_URL, region: "us-east-1", ...seeded }),
    { mode: 0o600 },
  );
  return h;
}

const env = (h: Home) => ({
  ...baseEnv(h, server),
  AWS_ENDPOINT_URL_SSO: server.url,
  AWS_ENDPOINT_URL_SSO_OIDC: server.url,
});
const configText = (h: Home) => readFileSync(join(h.awsDir, "config"), "utf8");
const backups = (h: Home) => readdirSync(h.awsDir).filter((f) => f.startsWith("config.awsrole-backup-"));

describe("awsrole sso populate", () => {
  it("--dry-run prints the diff on stdout and writes nothing", async () => {
    const h = home();
    const r = await runCli(["sso", "populate", "--sso-session", "my-sso", "--dry-run"], env(h));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `+[profile Developer-555555555555]\n+${MARK}\n+sso_session = my-sso\n+sso_account_id = 555555555555\n+sso_role_name = Developer\n+region = us-east-1\n`,
    );
    expect(r.stdout).not.toContain("ReadOnly-666666666666");
    expect(r.stderr).toContain('left profile "ReadOnly-666666666666" alone');
    expect(r.stderr).toContain("4 role(s) in 3 account(s)");
    expect(r.stderr).toContain("3 added, 0 updated, 0 removed, 0 unchanged (dry run: nothing written)");
    expect(configText(h)).toBe(CONFIG);
    expect(backups(h)).toEqual([]);
  });

  it("writes the profiles (which resolve), keeps every other byte and a backup, and a second run changes nothing", async () => {
    const h = home();
    const r = await runCli(["sso", "populate", "dev"], env(h));
    expect(r.code).toBe(0);
    const text = configText(h);
    expect(text.startsWith(CONFIG)).toBe(true);
    expect(text).toContain(
      `[profile Developer-777777777777]\n${MARK}\nsso_session = my-sso\nsso_account_id = 777777777777\nsso_role_name = Developer\nregion = us-east-1\n`,
    );
    expect(backups(h)).toHaveLength(1);
    expect(readFileSync(join(h.awsDir, backups(h)[0]!), "utf8")).toBe(CONFIG);

    const again = await runCli(["sso", "populate", "dev"], env(h));
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain("0 added, 0 updated, 0 removed, 3 unchanged");
    expect(configText(h)).toBe(text);
    expect(backups(h)).toHaveLength(1);

    const who = await runCli(["whoami", "ReadOnly-555555555555"], env(h));
    expect(who.code).toBe(0);
    expect(who.stdout).toContain("assumed-role/AWSReservedSSO_ReadOnly_1b2c3d4e5f6a7b8c/alice");
  });

  it("--prune removes only the sections it wrote that are no longer assigned", async () => {
    const stale = `\n[profile Gone-999999999999]\n${MARK}\nsso_session = my-sso\nsso_account_id = 999999999999\nsso_role_name = Gone\n`;
    const otherMark = markerFor({ sessionName: "other", startUrl: START_URL });
    const other = `\n[profile Old-111111111111]\n${otherMark}\nsso_session = other\n`;
    const h = home(CONFIG + stale + other);
    const kept = await runCli(["sso", "populate", "dev"], env(h));
    expect(kept.stderr).toContain("are no longer assigned (Gone-999999999999); --prune removes them.");
    expect(configText(h)).toContain("[profile Gone-999999999999]");
    const pruned = await runCli(["sso", "populate", "dev", "--prune"], env(h));
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain("-[profile Gone-999999999999]");
    const text = configText(h);
    expect(text).not.toContain("Gone-999999999999");
    expect(text).toContain("[profile Old-111111111111]"); // another session's: not this run's to remove
    expect(text).toContain("[profile ReadOnly-666666666666]\n# mine, not generated\nregion = eu-west-1\n");
  });

  it("--prune keeps a profile the user wrote below a generated one, its comment and an inline-comment header included", async () => {
    const stale = `\n[profile Gone-999999999999]\n${MARK}\nsso_session = my-sso\nsso_account_id = 999999999999\nsso_role_name = Gone\n`;
    const mine = "\n# my precious prod profile\n[profile prod] # do not touch\ncredential_process = /bin/creds\n";
    const h = home(CONFIG + stale + mine);
    const pruned = await runCli(["sso", "populate", "dev", "--prune"], env(h));
    expect(pruned.code).toBe(0);
    const text = configText(h);
    expect(text).not.toContain("Gone-999999999999");
    expect(text).toContain(
      "# my precious prod profile\n[profile prod] # do not touch\ncredential_process = /bin/creds\n",
    );
  });

  it("refuses account ids and role names from the portal that are not IAM's, so none reaches the config file", async () => {
    const http = async (request: { url: string }) => {
      const url = new URL(request.url);
      const body =
        url.pathname === "/assignment/accounts"
          ? { accountList: [{ accountId: "111111111111" }, { accountId: "1\nregion = x" }] }
          : { roleList: [{ roleName: "Admin" }, { roleName: "Admin\ncredential_process = touch /tmp/pwned" }] };
      return { status: 200, headers: {}, body: JSON.stringify(body) };
    };
    const refused: string[] = [];
    const list = await listAssignments(http, "https://portal.example/", "tok", new AbortController().signal, (what) =>
      refused.push(what),
    );
    expect(list.map((a) => `${a.accountId}/${a.roleName}`)).toEqual(["111111111111/Admin"]);
    expect(refused).toHaveLength(2);
  });

  it("keeps going through the portal's throttling", async () => {
    const h = home();
    server.portal.setThrottle({ everyNth: 2, operations: ["ListAccountRoles"] });
    const r = await runCli(["sso", "populate", "dev", "--dry-run"], env(h), { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("4 role(s) in 3 account(s)");
    expect(
      server.calls.filter((c) => c.action === "ListAccountRoles" && c.errorCode === "TooManyRequestsException").length,
    ).toBeGreaterThan(0);
  });

  it("without a token: one sentence naming the session and the login command, nothing on stdout", async () => {
    const h = makeHome({ config: CONFIG });
    homes.push(h);
    const r = await runCli(["sso", "populate", "--sso-session", "my-sso"], env(h));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain('There is no IAM Identity Center token for sso-session "my-sso"');
    expect(r.stderr).toContain("awsrole login --sso-session my-sso");
    expect(existsSync(join(h.awsDir, "config.awsrole-backup"))).toBe(false);
  });

  it("--name-template names profiles by account name; a template that collides is refused", async () => {
    const h = home();
    const r = await runCli(
      ["sso", "populate", "dev", "--dry-run", "--name-template", "{account_name}.{role_name}"],
      env(h),
    );
    expect(r.stdout).toContain("+[profile sso-dev.Developer]");
    const clash = await runCli(["sso", "populate", "dev", "--dry-run", "--name-template", "{role_name}"], env(h));
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('gives the same profile name "ReadOnly"');
  });
});

describe("listing every page", () => {
  it("follows nextToken for accounts and for roles", async () => {
    const seen: string[] = [];
    const http = async (request: { url: string }) => {
      const url = new URL(request.url);
      seen.push(`${url.pathname}?${url.searchParams.toString()}`);
      const next = url.searchParams.get("next_token");
      const body =
        url.pathname === "/assignment/accounts"
          ? next === null
            ? { nextToken: "p2", accountList: [{ accountId: "222222222222", accountName: "b" }] }
            : { accountList: [{ accountId: "111111111111", accountName: "a" }] }
          : next === null
            ? { nextToken: "r2", roleList: [{ roleName: "Z" }] }
            : { roleList: [{ roleName: "A" }] };
      return { status: 200, headers: {}, body: JSON.stringify(body) };
    };
    const list = await listAssignments(http, "https://portal.example/", "tok", new AbortController().signal);
    expect(list.map((a) => `${a.accountId}/${a.roleName}`)).toEqual([
      "111111111111/A",
      "111111111111/Z",
      "222222222222/A",
      "222222222222/Z",
    ]);
    expect(seen).toEqual([
      "/assignment/accounts?max_result=100",
      "/assignment/accounts?max_result=100&next_token=p2",
      "/assignment/roles?account_id=222222222222&max_result=100",
      "/assignment/roles?account_id=222222222222&max_result=100&next_token=r2",
      "/assignment/roles?account_id=111111111111&max_result=100",
      "/assignment/roles?account_id=111111111111&max_result=100&next_token=r2",
    ]);
  });
});
