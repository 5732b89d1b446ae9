// The interactive profile picker (export, exec, whoami with no profile on a
// terminal) and the small most-recently-used list that orders it.
//
// This module is on the warm path (export records the profile it used), so it
// imports only node:fs/node:path and two small adapters (atomic write, home) at
// the top; the prompt library and the config model are loaded when the picker
// actually runs.

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../adapters/atomic-write.js";
import { userCacheHome } from "../adapters/home.js";
import { parseRoleArn } from "../core/arn.js";
import type { Context, Env } from "../context.js";
import { getString, type AwsConfig, type Profile } from "../core/config.js";
import { classifyProfile } from "../core/kinds/index.js";

const RECENT_LIMIT = 20;

export function recentFile(env: Env): string {
  return join(userCacheHome(env), "awsrole", "recent.json");
}

/** Profile names, most recently used first. A missing or damaged file is an empty list. */
export function readRecentProfiles(env: Env): string[] {
  try {
    const parsed = JSON.parse(readFileSync(recentFile(env), "utf8")) as { profiles?: unknown };
    return Array.isArray(parsed.profiles)
      ? parsed.profiles.filter((p): p is string => typeof p === "string").slice(0, RECENT_LIMIT)
      : [];
  } catch {
    return [];
  }
}

/**
 * Moves `profile` to the front of the list: written 0600, atomically (temp file
 * + rename). Costs one small read when it is already first. Never throws: a
 * read-only HOME must not break a command.
 */
export function recordRecentProfile(profile: string, env: Env): void {
  try {
    const recent = readRecentProfiles(env);
    if (recent[0] === profile) return;
    const next = [profile, ...recent.filter((p) => p !== profile)].slice(0, RECENT_LIMIT);
    const file = recentFile(env);
    mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
    // Not durable: a list lost in a crash costs nobody anything, and export (on the cold path) need not wait for the disk.
    writeFileAtomic(file, JSON.stringify({ version: 1, profiles: next }) + "\n", { mode: 0o600, durable: false });
  } catch {
    // best effort
  }
}

/**
 * Whether nothing names a profile: no argument, no AWS_PROFILE or
 * AWS_DEFAULT_PROFILE, and no exported keys (which would win anyway).
 */
export function noProfileGiven(profile: string | undefined, env: Env): boolean {
  return (
    profile === undefined &&
    env.AWS_PROFILE === undefined &&
    env.AWS_DEFAULT_PROFILE === undefined &&
    (env.AWS_ACCESS_KEY_ID ?? "") === ""
  );
}

/**
 * The profile to use: the one given, or, when none is given and stdin and
 * stderr are terminals, the one picked interactively. Otherwise undefined
 * (the usual fallback to the default profile).
 */
export async function pickProfileIfInteractive(profile: string | undefined, ctx: Context): Promise<string | undefined> {
  if (!noProfileGiven(profile, ctx.env)) return profile;
  if (!(await ctx.isTerminal(0)) || !(await ctx.isTerminal(2))) return profile;
  const picked = await pickProfile(ctx);
  recordRecentProfile(picked, ctx.env);
  return picked;
}

export interface PickerChoice {
  name: string;
  value: string;
  description: string;
}

/** Choices in picker order: recently used first, then the rest in file order. */
export function orderChoices(
  entries: ReadonlyArray<{ name: string; summary: string }>,
  recent: readonly string[],
): PickerChoice[] {
  const rank = new Map(recent.map((name, i) => [name, i]));
  const sorted = entries
    .map((entry, i) => ({ entry, i, r: rank.get(entry.name) ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map(({ entry }) => entry);
  const width = Math.min(32, Math.max(0, ...sorted.map((e) => e.name.length)));
  return sorted.map((e) => ({ name: `${e.name.padEnd(width)}  ${e.summary}`, value: e.name, description: e.summary }));
}

/** Case-insensitive match of every space-separated word against the name or its summary. */
export function filterChoices(choices: readonly PickerChoice[], term: string | undefined): PickerChoice[] {
  const words = (term ?? "").toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...choices];
  return choices.filter((c) =>
    words.every((w) => c.value.toLowerCase().includes(w) || c.description.toLowerCase().includes(w)),
  );
}

/**
 * What a choice shows next to the name: the role and account from role_arn, or
 * where the credentials come from, by the one profile classification
 * (classifyProfile, src/core/kinds/index.ts), as doctor shows it.
 */
export function choiceSummary(profile: Profile, config: AwsConfig): string {
  const kind = classifyProfile(profile, config);
  const roleArn = getString(profile, "role_arn");
  if (roleArn !== undefined && (kind === "role" || kind === "web-identity")) {
    const m = parseRoleArn(roleArn);
    const role = m ? `${m.name} (${m.account})` : roleArn;
    return kind === "web-identity" ? `${role}, web identity` : role;
  }
  // IAM Identity Center: the permission set and the account.
  if (kind === "sso")
    return `${getString(profile, "sso_role_name") ?? "?"} (${getString(profile, "sso_account_id") ?? "?"}), sso`;
  if (kind === "keys" || kind === "session-keys") return "keys";
  if (kind === "none") return "no credentials";
  if (kind === "login-session") return "console login";
  return kind;
}

async function pickProfile(ctx: Context): Promise<string> {
  const { loadConfig } = await import("../adapters/config-files.js");
  const { AwsroleError, InterruptedError } = await import("../errors.js");
  const config = loadConfig(ctx.env);
  if (config.profiles.size === 0) {
    throw new AwsroleError(
      "NoProfiles",
      `No profiles to choose from in ${config.configPath} or ${config.credentialsPath}.`,
      {
        hint: "Create a profile, or set AWS_CONFIG_FILE.",
      },
    );
  }
  const entries = [...config.profiles.values()].map((p) => ({ name: p.name, summary: choiceSummary(p, config) }));
  const choices = orderChoices(entries, readRecentProfiles(ctx.env));
  const { search } = await import("@inquirer/prompts");
  try {
    return await search<string>(
      {
        message: "Profile:",
        source: async (term) => filterChoices(choices, term).map(({ name, value }) => ({ name, value })),
        pageSize: 12,
      },
      { input: process.stdin, output: process.stderr, signal: ctx.signal, clearPromptOnDone: false },
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name === "ExitPromptError" || name === "AbortPromptError" || ctx.signal.aborted) throw new InterruptedError();
    throw new AwsroleError("PromptFailed", `Could not show the profile picker (${(error as Error).message}).`, {
      hint: "Name the profile: awsrole export <profile>.",
    });
  }
}
