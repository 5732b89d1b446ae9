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
  const fromConfig = new Map<string, IniSection>();
  const services = new Map<string, IniSection>();
  const ssoSessions = new Map<string, IniSection>();
  const ignoredSections: IniSection[] = [];

  for (const section of configFile?.sections ?? []) {
    // configloader.build_profile_map: the prefix test is startswith, then the name
    // must shlex-split into exactly two tokens. A later [default] or
    // [profile default] replaces an earlier one wholesale.
    const named = sectionName(section.name);
    if (section.name.startsWith("profile")) {
      if (named) fromConfig.set(named, section);
      else ignoredSections.push(section);
    } else if (section.name.startsWith("sso-session")) {
      if (named) ssoSessions.set(named, section);
      else ignoredSections.push(section);
    } else if (section.name.startsWith("services")) {
      if (named) services.set(named, section);
      else ignoredSections.push(section);
    } else if (section.name === "default") {
      fromConfig.set("default", section);
    } else {
      ignoredSections.push(section);
    }
  }

  const profiles = new Map<string, Profile>();
  const names = new Set<string>(fromConfig.keys());
  // The credentials file uses section names verbatim: [profile x] there is a
  // profile literally named "profile x".
  const fromCredentials = new Map<string, IniSection>();
  for (const section of credentialsFile?.sections ?? []) {
    fromCredentials.set(section.name, section);
    names.add(section.name);
  }
  for (const name of names) {
    const configSection = fromConfig.get(name);
    const credentialsSection = fromCredentials.get(name);
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
    profiles.set(name, { name, values, origins, configSection, credentialsSection });
  }
  return { ...paths, profiles, services, ssoSessions, ignoredSections };
}

function sectionName(header: string): string | undefined {
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
