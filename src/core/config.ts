// The AWS configuration model: the two files parsed (src/core/ini.ts) and merged
// into named profiles exactly as botocore's Session.full_config does
// (docs/aws-rules.md#config-file-sections to docs/aws-rules.md#merging-the-two-files, docs/resolution.md).

import { editDistance } from "./edit-distance.js";
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
  /** The names of `profiles`, in its order, each followed by a newline: `awsrole __profiles`. */
  profileNamesText(): string;
}

/** No files, no profiles: for reading a profile's own settings where no config is at hand. */
export const EMPTY_CONFIG: AwsConfig = {
  configPath: "",
  credentialsPath: "",
  profiles: new Map(),
  profileNamesText: () => "",
  services: new Map(),
  ssoSessions: new Map(),
  ignoredSections: [],
};

/**
 * How one file's sections map to names. For the config file this is botocore's
 * configloader.build_profile_map, in file order so a later section wins:
 * `[profile NAME]` (the header must shlex-split into exactly two tokens),
 * `[default]`, `[sso-session NAME]`, `[services NAME]`; anything else is ignored.
 * The credentials file uses section names verbatim: [profile x] there is a
 * profile literally named "profile x".
 */
export interface SectionMap {
  profiles: Map<string, number>;
  services: Map<string, number>;
  ssoSessions: Map<string, number>;
  ignored: number[];
}

export function mapSections(headers: readonly string[], kind: FileKind): SectionMap {
  const map: SectionMap = { profiles: new Map(), services: new Map(), ssoSessions: new Map(), ignored: [] };
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i]!;
    if (kind === "credentials") {
      map.profiles.set(header, i);
    } else if (header.startsWith("profile")) {
      const named = sectionName(header);
      if (named !== undefined) map.profiles.set(named, i);
      else map.ignored.push(i);
    } else if (header.startsWith("sso-session")) {
      const named = sectionName(header);
      if (named !== undefined) map.ssoSessions.set(named, i);
      else map.ignored.push(i);
    } else if (header.startsWith("services")) {
      const named = sectionName(header);
      if (named !== undefined) map.services.set(named, i);
      else map.ignored.push(i);
    } else if (header === "default") {
      map.profiles.set("default", i);
    } else {
      map.ignored.push(i);
    }
  }
  return map;
}

/**
 * Named sections of one file, looked up on demand. Built from a parsed file
 * (sectionsOf) or, on the warm path, from a stored index that answers a lookup
 * without reading the other sections (src/adapters/config-files.ts).
 */
export interface FileSections {
  profile(name: string): IniSection | undefined;
  profileNames(): string[];
  /** The profile names, each followed by a newline (what completion prints). */
  profileNamesText(): string;
  /** Whether a profile of that name is in the file, without building its section. */
  hasProfile(name: string): boolean;
  service(name: string): IniSection | undefined;
  serviceNames(): string[];
  ssoSession(name: string): IniSection | undefined;
  ssoSessionNames(): string[];
  ignored(): IniSection[];
}

export function sectionsOf(file: IniFile, kind: FileKind): FileSections {
  const map = mapSections(
    file.index.sections.map((tuple) => tuple[0]),
    kind,
  );
  const at = (i: number | undefined) => (i === undefined ? undefined : file.sectionAt(i));
  return {
    profile: (name) => at(map.profiles.get(name)),
    profileNames: () => [...map.profiles.keys()],
    profileNamesText: () => nameLines([...map.profiles.keys()]),
    hasProfile: (name) => map.profiles.has(name),
    service: (name) => at(map.services.get(name)),
    serviceNames: () => [...map.services.keys()],
    ssoSession: (name) => at(map.ssoSessions.get(name)),
    ssoSessionNames: () => [...map.ssoSessions.keys()],
    ignored: () => map.ignored.map((i) => file.sectionAt(i)),
  };
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
  return buildConfigFrom(
    configFile && sectionsOf(configFile, "config"),
    credentialsFile && sectionsOf(credentialsFile, "credentials"),
    paths,
  );
}

/**
 * The merged model over two files' named sections (botocore Session.full_config:
 * the credentials file wins per key). Nothing is read or merged until a profile
 * is asked for, so a large config costs only the lookups a chain makes
 * (docs/performance.md).
 */
export function buildConfigFrom(
  configSections: FileSections | undefined,
  credentialsSections: FileSections | undefined,
  paths: { configPath: string; credentialsPath: string },
): AwsConfig {
  const built = new Map<string, Profile | null>();
  const get = (name: string): Profile | undefined => {
    const known = built.get(name);
    if (known !== undefined) return known ?? undefined;
    const c = configSections?.profile(name);
    const k = credentialsSections?.profile(name);
    const profile = c === undefined && k === undefined ? null : lazyProfile(name, c, k, paths);
    built.set(name, profile);
    return profile ?? undefined;
  };
  // botocore's order: the config file's profiles, then those only in the
  // credentials file. Each file's names are unique already; a Set over all of
  // them would hash every name of a large config (a third of a cold listing's
  // time at 2,000 profiles), so only the credentials file's names, usually a
  // handful, are checked against the config file: the profiles only the
  // credentials file has, or undefined where one Set is cheaper (many of them).
  const onlyInCredentials = (): string[] | undefined => {
    const fromCredentials = credentialsSections?.profileNames() ?? [];
    if (fromCredentials.length > MANY_CREDENTIALS_PROFILES) return undefined;
    return configSections ? fromCredentials.filter((name) => !configSections.hasProfile(name)) : fromCredentials;
  };
  const names = (): string[] => {
    const fromConfig = configSections?.profileNames() ?? [];
    const extra = onlyInCredentials();
    return extra ? fromConfig.concat(extra) : [...new Set([...fromConfig, ...credentialsSections!.profileNames()])];
  };
  // The same list as text: the config file's names as they are (its stamp keeps them ready to print).
  const namesText = (): string => {
    const extra = onlyInCredentials();
    return extra ? (configSections?.profileNamesText() ?? "") + nameLines(extra) : nameLines(names());
  };
  let ignoredSections: IniSection[] | undefined;
  return {
    ...paths,
    profiles: lazyMap(get, names),
    services: lazyMap(
      (name) => configSections?.service(name),
      () => configSections?.serviceNames() ?? [],
    ),
    ssoSessions: lazyMap(
      (name) => configSections?.ssoSession(name),
      () => configSections?.ssoSessionNames() ?? [],
    ),
    get ignoredSections() {
      ignoredSections ??= configSections?.ignored() ?? [];
      return ignoredSections;
    },
    profileNamesText: namesText,
  };
}

/** Names one per line, each followed by a newline: what `awsrole __profiles` prints. */
export function nameLines(names: readonly string[]): string {
  return names.map((name) => `${name}\n`).join("");
}

/** Past this many credentials-file profiles, one Set is cheaper than a search of the config's table per name. */
const MANY_CREDENTIALS_PROFILES = 32;

/** A read-only map whose values are looked up (and built) only when asked for. */
function lazyMap<V>(get: (key: string) => V | undefined, keys: () => string[]): ReadonlyMap<string, V> {
  const entries = () => keys().map((k): [string, V] => [k, get(k)!]);
  const map: ReadonlyMap<string, V> = {
    get,
    has: (key) => get(key) !== undefined,
    get size() {
      return keys().length;
    },
    keys: () => keys()[Symbol.iterator](),
    values: () =>
      entries()
        .map(([, v]) => v)
        [Symbol.iterator](),
    entries: () => entries()[Symbol.iterator](),
    forEach(callback, thisArg) {
      for (const [k, v] of entries()) callback.call(thisArg, v, k, map);
    },
    [Symbol.iterator]: () => entries()[Symbol.iterator](),
  };
  return map;
}

/**
 * A profile whose merged values are built on first use: the warm path reads
 * only the profiles of one chain, whatever the size of the config.
 */
function lazyProfile(
  name: string,
  configSection: IniSection | undefined,
  credentialsSection: IniSection | undefined,
  paths: { configPath: string; credentialsPath: string },
): Profile {
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
    .map((name) => ({ name, distance: editDistance(lower, name.toLowerCase(), 10) }))
    .filter(
      ({ name, distance }) =>
        distance <= Math.max(2, Math.floor(wanted.length / 3)) || name.toLowerCase().includes(lower),
    )
    .sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name))
    .slice(0, limit)
    .map(({ name }) => name);
}
