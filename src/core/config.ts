// The AWS configuration model: the two files parsed (src/core/ini.ts) and merged
// into named profiles exactly as botocore's Session.full_config does
// (aws-semantics.md 1.3-1.5, docs/resolution.md).

import { shlexSplit } from "./shlex.js";
import type { IniFile, IniSection, IniValue } from "./ini.js";

export type FileKind = "config" | "credentials";

/** Where one key of a merged profile was set, for messages and `doctor`. */
export interface KeyOrigin {
  readonly file: FileKind;
  readonly path: string;
  readonly line: number | undefined;
}

export interface Profile {
  readonly name: string;
  /** Merged keys: the credentials file wins per key (botocore full_config). */
  readonly values: Readonly<Record<string, IniValue>>;
  readonly origins: Readonly<Record<string, KeyOrigin>>;
  /** The raw sections that define this profile, one per file at most. */
  readonly configSection: IniSection | undefined;
  readonly credentialsSection: IniSection | undefined;
}

export interface AwsConfig {
  readonly configPath: string;
  readonly credentialsPath: string;
  readonly profiles: ReadonlyMap<string, Profile>;
  readonly services: ReadonlyMap<string, IniSection>;
  readonly ssoSessions: ReadonlyMap<string, IniSection>;
  /** Config-file sections that define nothing (ignored by the AWS CLI), for `doctor`. */
  readonly ignoredSections: readonly IniSection[];
}

/**
 * Merge a parsed config file and credentials file into profiles.
 * Either file may be absent (undefined): the AWS CLI silently ignores missing files.
 */
export function buildConfig(
  configFile: IniFile | undefined,
  credentialsFile: IniFile | undefined,
  paths: { configPath: string; credentialsPath: string },
): AwsConfig {
  // Only names are looked at here; sections and merged profiles are built when
  // used, so the cost of a large config is a walk over its section names
  // (docs/performance.md).
  const fromConfig = new Map<string, number>();
  const services = new Map<string, IniSection>();
  const ssoSessions = new Map<string, IniSection>();
  const ignored: number[] = [];

  const configNames = configFile?.index.sections ?? [];
  for (let i = 0; i < configNames.length; i++) {
    const header = configNames[i]![0];
    // configloader.build_profile_map: the prefix test is startswith, then the name
    // must shlex-split into exactly two tokens. A later [default] or
    // [profile default] replaces an earlier one wholesale.
    if (header.startsWith("profile")) {
      const named = sectionName(header);
      if (named !== undefined) fromConfig.set(named, i);
      else ignored.push(i);
    } else if (header.startsWith("sso-session")) {
      const named = sectionName(header);
      if (named !== undefined) ssoSessions.set(named, configFile!.sectionAt(i));
      else ignored.push(i);
    } else if (header.startsWith("services")) {
      const named = sectionName(header);
      if (named !== undefined) services.set(named, configFile!.sectionAt(i));
      else ignored.push(i);
    } else if (header === "default") {
      fromConfig.set("default", i);
    } else {
      ignored.push(i);
    }
  }
  // The credentials file uses section names verbatim: [profile x] there is a
  // profile literally named "profile x".
  const fromCredentials = new Map<string, number>();
  const credentialNames = credentialsFile?.index.sections ?? [];
  for (let i = 0; i < credentialNames.length; i++) fromCredentials.set(credentialNames[i]![0], i);

  const built = new Map<string, Profile>();
  const get = (name: string): Profile | undefined => {
    let profile = built.get(name);
    if (profile) return profile;
    const c = fromConfig.get(name);
    const k = fromCredentials.get(name);
    if (c === undefined && k === undefined) return undefined;
    profile = lazyProfile(name, c === undefined ? undefined : configFile!.sectionAt(c), k === undefined ? undefined : credentialsFile!.sectionAt(k), paths);
    built.set(name, profile);
    return profile;
  };
  const names = (): string[] => {
    const all = new Set(fromConfig.keys());
    for (const name of fromCredentials.keys()) all.add(name);
    return [...all];
  };
  const profiles: ReadonlyMap<string, Profile> = {
    get,
    has: (name) => fromConfig.has(name) || fromCredentials.has(name),
    get size() {
      return names().length;
    },
    keys: () => names()[Symbol.iterator](),
    values: () => names().map((n) => get(n)!)[Symbol.iterator](),
    entries: () => names().map((n): [string, Profile] => [n, get(n)!])[Symbol.iterator](),
    forEach(callback, thisArg) {
      for (const n of names()) callback.call(thisArg, get(n)!, n, profiles);
    },
    [Symbol.iterator]: () => names().map((n): [string, Profile] => [n, get(n)!])[Symbol.iterator](),
  };
  let ignoredSections: IniSection[] | undefined;
  return {
    ...paths,
    profiles,
    services,
    ssoSessions,
    get ignoredSections() {
      ignoredSections ??= ignored.map((i) => configFile!.sectionAt(i));
      return ignoredSections;
    },
  };
}

/**
 * A profile whose merged values are built on first use: the warm path reads
 * only the profiles of one chain, whatever the size of the config.
 */
function lazyProfile(name: string, configSection: IniSection | undefined, credentialsSection: IniSection | undefined, paths: { configPath: string; credentialsPath: string }): Profile {
  let merged: { values: Record<string, IniValue>; origins: Record<string, KeyOrigin> } | undefined;
  const merge = () => {
    if (merged) return merged;
    const values: Record<string, IniValue> = Object.create(null);
    const origins: Record<string, KeyOrigin> = Object.create(null);
    if (configSection) {
      for (const [key, value] of Object.entries(configSection.values)) {
        values[key] = value;
        origins[key] = { file: "config", path: paths.configPath, line: configSection.keyLines[key] };
      }
    }
    if (credentialsSection) {
      for (const [key, value] of Object.entries(credentialsSection.values)) {
        values[key] = value;
        origins[key] = { file: "credentials", path: paths.credentialsPath, line: credentialsSection.keyLines[key] };
      }
    }
    merged = { values, origins };
    return merged;
  };
  return {
    name,
    configSection,
    credentialsSection,
    get values() {
      return merge().values;
    },
    get origins() {
      return merge().origins;
    },
  };
}

// The common `profile NAME` (one space, a plain name) needs no shell-style split.
const SIMPLE_SECTION = /^[a-z-]+ ([^\s'"\\]+)$/;

function sectionName(header: string): string | undefined {
  const simple = SIMPLE_SECTION.exec(header);
  if (simple) return simple[1];
  const parts = shlexSplit(header);
  return parts && parts.length === 2 ? parts[1] : undefined;
}

/** A string setting of a profile, or undefined when unset or a nested block. */
export function getString(profile: Profile, key: string): string | undefined {
  const value = profile.values[key];
  return typeof value === "string" ? value : undefined;
}

/** Profile names close to `wanted`, for "did you mean" hints. */
export function closeProfileNames(config: AwsConfig, wanted: string, limit = 3): string[] {
  const lower = wanted.toLowerCase();
  return [...config.profiles.keys()]
    .map((name) => ({ name, distance: editDistance(lower, name.toLowerCase()) }))
    .filter(({ name, distance }) => distance <= Math.max(2, Math.floor(wanted.length / 3)) || name.toLowerCase().includes(lower))
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name }) => name);
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 10) return Math.abs(a.length - b.length);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
