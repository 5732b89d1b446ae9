// `awsrole sso populate`: one profile per account and role the IAM Identity
// Center session reaches (ListAccounts, then ListAccountRoles per account, every
// page), written into the config file (docs/sso.md, "Profiles from the portal").
//
// - Each section it writes carries a marker comment naming the session; only
//   sections with that marker are ever replaced or (with --prune) removed.
//   A profile of the same name that it did not write is left alone, and said so.
//   A comment, not a key: other tools read this file and would warn on an
//   unknown key (or copy it around).
// - The file is rewritten as text with a backup, under a lock, atomically
//   (credentials-writer.ts: rewriteTextFileLocked); every other byte is kept.
// - --dry-run prints the change as a diff and writes nothing.
// - The portal throttles big organisations (TooManyRequestsException): each
//   call is retried with backoff (sso-portal.ts), and a call still throttled
//   after that waits longer before the next round.

import { join } from "node:path";
import type { Context } from "../context.js";
import { AwsroleError, InterruptedError, stripControl, UsageError } from "../errors.js";
import { loadConfig } from "../adapters/config-files.js";
import { rewriteTextFileLocked } from "../adapters/credentials-writer.js";
import { boundedTransport } from "../adapters/sso-oidc.js";
import { sleep } from "../adapters/oauth-loopback.js";
import { ssoCacheDir, tokenFileName } from "../adapters/sso-login-files.js";
import { configuredServiceEndpoint } from "../core/endpoint.js";
import { defaultPortalEndpoint, PortalError, portalCall, type Http } from "../core/sso-portal.js";
import { parseIni } from "../core/ini.js";
import { parseSsoToken } from "../core/sso-token.js";
import { loginTarget, type SsoLoginTarget } from "./login.js";

export interface PopulateInput {
  profile?: string | undefined;
  ssoSession?: string | undefined;
  /** Placeholders {role_name}, {account_id}, {account_name}, {session}. */
  template?: string | undefined;
  /** region = of the written profiles (default: the sso_region). */
  region?: string | undefined;
  dryRun?: boolean;
  prune?: boolean;
}

/** `aws configure sso`'s default profile name. */
export const DEFAULT_TEMPLATE = "{role_name}-{account_id}";

export interface Assignment {
  accountId: string;
  accountName: string;
  roleName: string;
}

// --- the portal ------------------------------------------------------------------------------

/** Every page of a listing call; a call still throttled after its retries waits 2, 4, 8 s and goes again. */
async function pages<T>(
  http: Http,
  url: (next: string | undefined) => string,
  operation: string,
  token: string,
  key: string,
  signal: AbortSignal,
): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    let doc: Record<string, unknown> | undefined;
    for (let round = 0; doc === undefined; round++) {
      try {
        doc = await portalCall(http, operation, { url: url(next), method: "GET", token }, (ms) => sleep(ms, signal));
      } catch (error) {
        if (error instanceof PortalError && error.type === "TooManyRequestsException" && round < 3) {
          await sleep(2000 * 2 ** round, signal);
          continue;
        }
        throw error;
      }
    }
    const list = doc[key];
    if (Array.isArray(list)) items.push(...(list as T[]));
    next = typeof doc.nextToken === "string" && doc.nextToken !== "" ? doc.nextToken : undefined;
  } while (next !== undefined);
  return items;
}

// IAM's own limits: a 12-digit account id; a role name of 1-64 of [\w+=,.@-].
const ACCOUNT_ID = /^\d{12}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** ListAccounts, then ListAccountRoles for each account: every account and role the token reaches, sorted. */
export async function listAssignments(
  http: Http,
  endpoint: string,
  token: string,
  signal: AbortSignal,
  refuse: (what: string) => void = () => {},
): Promise<Assignment[]> {
  const base = endpoint.replace(/\/+$/, "");
  const query = (params: Record<string, string | undefined>) =>
    new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined)).toString();
  const accounts = await pages<{ accountId?: string; accountName?: string }>(
    http,
    (next) => `${base}/assignment/accounts?${query({ max_result: "100", next_token: next })}`,
    "ListAccounts",
    token,
    "accountList",
    signal,
  );
  const out: Assignment[] = [];
  for (const account of accounts) {
    if (typeof account.accountId !== "string") continue;
    // What the portal returns is written into the config file: an id or a
    // name that is not one (a line break would add settings of its own) is
    // refused, not written.
    if (!ACCOUNT_ID.test(account.accountId)) {
      refuse(`an account id that is not 12 digits (${JSON.stringify(account.accountId).slice(0, 40)})`);
      continue;
    }
    const roles = await pages<{ roleName?: string }>(
      http,
      (next) =>
        `${base}/assignment/roles?${query({ account_id: account.accountId, max_result: "100", next_token: next })}`,
      "ListAccountRoles",
      token,
      "roleList",
      signal,
    );
    for (const role of roles) {
      if (typeof role.roleName === "string" && !ROLE_NAME.test(role.roleName)) {
        refuse(`a role name that is not an IAM role name in account ${account.accountId}`);
        continue;
      }
      if (typeof role.roleName === "string")
        out.push({
          accountId: account.accountId,
          accountName: account.accountName ?? account.accountId,
          roleName: role.roleName,
        });
    }
  }
  return out.sort((a, b) => a.accountId.localeCompare(b.accountId) || a.roleName.localeCompare(b.roleName));
}

// --- the profiles ------------------------------------------------------------------------------

/** The marker comment of a section populate wrote for this session. */
export function markerFor(target: Pick<SsoLoginTarget, "sessionName" | "startUrl">): string {
  const session =
    target.sessionName !== undefined ? `sso-session ${target.sessionName}` : `sso_start_url ${target.startUrl}`;
  return `# awsrole sso populate (${session}): written by awsrole; it may replace or remove this section`;
}

const MARKER = /^# awsrole sso populate \((.+)\): /;

/** A profile name from the template; characters a profile name should not have become "-". */
export function profileName(template: string, a: Assignment, session: string): string {
  const filled = template.replace(/\{(role_name|account_id|account_name|session)\}/g, (_, key: string) =>
    key === "role_name"
      ? a.roleName
      : key === "account_id"
        ? a.accountId
        : key === "account_name"
          ? a.accountName
          : session,
  );
  return filled
    .replace(/[^A-Za-z0-9._@+=,/-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 128);
}

export function sectionLines(target: SsoLoginTarget, a: Assignment, region: string): string[] {
  const lines = [markerFor(target)];
  if (target.sessionName !== undefined) lines.push(`sso_session = ${target.sessionName}`);
  else lines.push(`sso_start_url = ${target.startUrl}`, `sso_region = ${target.region}`);
  lines.push(`sso_account_id = ${a.accountId}`, `sso_role_name = ${a.roleName}`, `region = ${region}`);
  return lines;
}

interface Block {
  /** The profile name ([profile NAME], [default] is "default"). */
  name: string;
  start: number;
  /** Exclusive; trailing blank lines are part of the block. */
  end: number;
  /** The marker's session label, for a section populate wrote. */
  marker: string | undefined;
  body: string[];
}

function blocksOf(lines: readonly string[]): Block[] {
  // Sections where the config parser (src/core/ini.ts, configparser's rule)
  // sees them: `[profile prod] # note` is a header too, so a section the user
  // wrote is never taken for part of the generated one above it.
  const headers = parseIni(lines.join("\n"), "config").index.sections.map(([inner, line]) => ({
    inner,
    start: line - 1,
  }));
  const blocks: Block[] = headers.map(({ inner, start }, i) => {
    const name = inner === "default" ? "default" : inner.startsWith("profile ") ? inner.slice(8).trim() : `\0${inner}`;
    return { name, start, end: headers[i + 1]?.start ?? lines.length, marker: undefined, body: [] };
  });
  for (const b of blocks) {
    for (const line of lines.slice(b.start + 1, b.end)) {
      const m = MARKER.exec(line);
      if (m) b.marker = m[1];
    }
    // A generated section ends at its last setting (and the blank lines after
    // it): comments below it belong to what follows, usually the user's note
    // on the next profile, and stay when the section is replaced or pruned.
    if (b.marker !== undefined) {
      let last = b.end - 1;
      while (last > b.start && !isSetting(lines[last]!)) last--;
      let end = last + 1;
      while (end < b.end && lines[end]!.trim() === "") end++;
      b.end = end;
    }
    b.body = lines.slice(b.start + 1, b.end);
  }
  return blocks;
}

function isSetting(line: string): boolean {
  const text = line.trim();
  return text !== "" && !text.startsWith("#") && !text.startsWith(";");
}

export interface PopulatePlan {
  text: string;
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
  /** Stale sections kept because --prune was not given. */
  stale: string[];
  /** Names taken by sections populate did not write (or wrote for another session). */
  skipped: string[];
  diff: string[];
}

/** The edit of the config text: add, replace, and (with prune) remove this session's generated sections. */
export function planPopulate(
  original: string,
  target: SsoLoginTarget,
  assignments: readonly Assignment[],
  options: { template: string; region: string; prune: boolean },
): PopulatePlan {
  const eol = original.includes("\r\n") ? "\r\n" : "\n";
  const lines = original === "" ? [] : original.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const blocks = blocksOf(lines);
  const label = MARKER.exec(markerFor(target))![1]!;
  const session = target.sessionName ?? "sso";

  const wanted = new Map<string, { a: Assignment; body: string[] }>();
  for (const a of assignments) {
    const name = profileName(options.template, a, session);
    if (name === "" || name === "default") {
      throw new UsageError(
        `The name template "${options.template}" gives the profile name "${name}" for role ${a.roleName} in account ${a.accountId}.`,
        "Use a template with {role_name} and {account_id}.",
      );
    }
    const other = wanted.get(name);
    if (other) {
      throw new UsageError(
        `The name template "${options.template}" gives the same profile name "${name}" ` +
          `to role ${other.a.roleName} in ${other.a.accountId} and role ${a.roleName} in ${a.accountId}.`,
        "Use a template that tells them apart, e.g. {role_name}-{account_id} (the default).",
      );
    }
    wanted.set(name, { a, body: sectionLines(target, a, options.region) });
  }

  const plan: PopulatePlan = {
    text: original,
    added: [],
    updated: [],
    removed: [],
    unchanged: [],
    stale: [],
    skipped: [],
    diff: [],
  };
  const replace = new Map<number, string[] | null>(); // block index -> new lines (null: removed)
  const byName = new Map<string, number>();
  for (const [i, b] of blocks.entries()) byName.set(b.name, i);
  for (const [name, want] of wanted) {
    const i = byName.get(name);
    if (i === undefined) {
      plan.added.push(name);
      plan.diff.push(`+[profile ${name}]`, ...want.body.map((l) => `+${l}`));
      continue;
    }
    const b = blocks[i]!;
    if (b.marker !== label) {
      plan.skipped.push(name);
      continue;
    }
    const current = b.body.filter((l) => l.trim() !== "");
    if (current.join("\n") === want.body.join("\n")) {
      plan.unchanged.push(name);
      continue;
    }
    plan.updated.push(name);
    plan.diff.push(` [profile ${name}]`, ...current.map((l) => `-${l}`), ...want.body.map((l) => `+${l}`));
    replace.set(i, [`[profile ${name}]`, ...want.body, ""]);
  }
  blocks.forEach((b, i) => {
    if (b.marker !== label || wanted.has(b.name)) return;
    if (!options.prune) {
      plan.stale.push(b.name);
      return;
    }
    plan.removed.push(b.name);
    plan.diff.push(`-[profile ${b.name}]`, ...b.body.filter((l) => l.trim() !== "").map((l) => `-${l}`));
    replace.set(i, null);
  });
  if (plan.added.length + plan.updated.length + plan.removed.length === 0) return plan;

  const out: string[] = [];
  let at = 0;
  blocks.forEach((b, i) => {
    if (!replace.has(i)) return;
    out.push(...lines.slice(at, b.start));
    const next = replace.get(i);
    if (next) out.push(...next);
    at = b.end;
  });
  out.push(...lines.slice(at));
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  for (const name of plan.added) {
    if (out.length > 0) out.push("");
    out.push(`[profile ${name}]`, ...wanted.get(name)!.body);
  }
  plan.text = out.length === 0 ? "" : out.join(eol) + eol;
  return plan;
}

// --- the command -------------------------------------------------------------------------------

export async function runSsoPopulate(input: PopulateInput, ctx: Context): Promise<number> {
  const config = loadConfig(ctx.env);
  const target = loginTarget(config, input, ctx.env);
  const template = input.template ?? DEFAULT_TEMPLATE;
  if (!/\{(role_name|account_id|account_name)\}/.test(template)) {
    throw new UsageError(
      `The name template "${template}" has no {role_name}, {account_id} or {account_name}, so every profile would get the same name.`,
      `The default is ${DEFAULT_TEMPLATE}.`,
    );
  }
  const tokenPath = join(ssoCacheDir(ctx.env), tokenFileName(target));
  const what =
    target.profile === undefined && target.sessionName !== undefined
      ? `--sso-session ${target.sessionName}`
      : (target.profile?.name ?? "");
  const login = `awsrole login ${what}`.trim();
  let text: string;
  try {
    const { readFileSync } = await import("node:fs");
    text = readFileSync(tokenPath, "utf8");
  } catch {
    throw new AwsroleError(
      "SsoTokenMissing",
      `There is no IAM Identity Center token for ${target.label} (${tokenPath}).`,
      { hint: `Log in first: ${login}.` },
    );
  }
  const token = parseSsoToken(text);
  if (token.status !== "ok")
    throw new AwsroleError(
      "SsoTokenInvalid",
      `The IAM Identity Center token for ${target.label} is not valid (${tokenPath}: ${token.detail}).`,
      { hint: `Log in again: ${login}.` },
    );
  if (token.token.expiresAt.getTime() <= ctx.now().getTime()) {
    throw new AwsroleError("SsoTokenExpired", `The IAM Identity Center token for ${target.label} has expired.`, {
      hint: `Log in again: ${login}.`,
    });
  }

  const endpoint =
    configuredServiceEndpoint(config, target.profile, ctx.env, "sso")?.url ?? defaultPortalEndpoint(target.region);
  let assignments: Assignment[];
  try {
    const refuse = (what: string) =>
      ctx.stderr.write(
        `awsrole: warning: the access portal returned ${stripControl(what)}; no profile is written for it.\n`,
      );
    assignments = await listAssignments(
      boundedTransport(ctx.signal),
      endpoint,
      token.token.accessToken,
      ctx.signal,
      refuse,
    );
  } catch (error) {
    if (ctx.signal.aborted) throw new InterruptedError();
    if (error instanceof PortalError && error.type === "UnauthorizedException") {
      throw new AwsroleError(
        "SsoTokenExpired",
        `The AWS access portal refused the token of ${target.label} (it has expired or was logged out).`,
        { hint: `Log in again: ${login}.` },
      );
    }
    if (error instanceof PortalError) {
      throw new AwsroleError(
        "SsoPortalError",
        `Listing accounts and roles for ${target.label} failed at ${endpoint}: ${error.type} (HTTP ${error.status}).`,
        {
          hint:
            error.type === "TooManyRequestsException"
              ? "The portal is still throttling; run the command again in a minute."
              : "Run with --debug for details.",
        },
      );
    }
    throw error;
  }

  const options = { template, region: input.region ?? target.region, prune: input.prune ?? false };
  let plan: PopulatePlan | undefined;
  let backupPath: string | undefined;
  if (input.dryRun) {
    const { existsSync, readFileSync } = await import("node:fs");
    plan = planPopulate(
      existsSync(config.configPath) ? readFileSync(config.configPath, "utf8") : "",
      target,
      assignments,
      options,
    );
  } else {
    const result = await rewriteTextFileLocked(
      config.configPath,
      (original) => {
        plan = planPopulate(original, target, assignments, options);
        return plan.text;
      },
      ctx.now(),
      { env: ctx.env, signal: ctx.signal },
    );
    backupPath = result.backupPath;
  }
  const p = plan!;
  if (p.diff.length > 0) ctx.stdout.write(`${p.diff.join("\n")}\n`);
  for (const name of p.skipped)
    ctx.stderr.write(
      `awsrole: left profile "${name}" alone: awsrole sso populate did not write it (for ${target.label}).\n`,
    );
  if (p.stale.length > 0)
    ctx.stderr.write(
      `awsrole: ${p.stale.length} profile(s) written earlier are no longer assigned (${p.stale.join(", ")}); --prune removes them.\n`,
    );
  const counts = `${p.added.length} added, ${p.updated.length} updated, ${p.removed.length} removed, ${p.unchanged.length} unchanged`;
  ctx.stderr.write(
    `${assignments.length} role(s) in ${new Set(assignments.map((a) => a.accountId)).size} account(s) for ${target.label}: ${counts}` +
      `${input.dryRun ? " (dry run: nothing written)" : backupPath ? `; backup ${backupPath}` : ""}.\n`,
  );
  return 0;
}
