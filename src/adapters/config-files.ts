// Locating and reading ~/.aws/config and ~/.aws/credentials as the AWS CLI does
// (docs/aws-rules.md#file-locations): AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, with
// $VAR / ${VAR} expanded and then ~; a missing file (or a path that is not a
// regular file) is silently treated as empty; a file that exists but cannot be
// read or parsed is an error naming it.

import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from "node:fs";
import { isAscii, isUtf8 } from "node:buffer";
import { join } from "node:path";
import {
  buildConfigFrom,
  mapSections,
  nameLines,
  sectionsOf,
  type AwsConfig,
  type FileKind,
  type FileSections,
} from "../core/config.js";
import {
  INI_PARSER_VERSION,
  normaliseIniText,
  parseIni,
  sectionFromTuple,
  type IniFile,
  type IniSection,
  type SectionReader,
  type SectionTuple,
} from "../core/ini.js";
import { sha1Hex } from "../core/sha1.js";
import { AwsroleError, ConfigParseError } from "../errors.js";

import type { Env } from "../core/env.js";
import { expandHome, homeDir, userCacheHome } from "./home.js";
import { writeFileAtomic } from "./atomic-write.js";

export type { Env };
// The one home-directory rule lives in src/adapters/home.ts; re-exported for old importers.
export { homeDir };

export interface ConfigPaths {
  configPath: string;
  credentialsPath: string;
}

/** botocore: os.path.expandvars, then os.path.expanduser. A set-but-empty variable stays empty. */
export function expandPath(path: string, env: Env): string {
  const expanded = path.replace(
    /\$(\w+)|\$\{([^}]+)\}/g,
    (whole, bare: string | undefined, braced: string | undefined) => {
      const value = env[(bare ?? braced)!];
      return value === undefined ? whole : value;
    },
  );
  return expandHome(expanded, env);
}

export function configPaths(env: Env): ConfigPaths {
  // botocore's defaults are the unexpanded "~/.aws/config" and "~/.aws/credentials".
  return {
    configPath: expandPath(env.AWS_CONFIG_FILE ?? "~/.aws/config", env),
    credentialsPath: expandPath(env.AWS_SHARED_CREDENTIALS_FILE ?? "~/.aws/credentials", env),
  };
}

// Longer lines are refused rather than scanned: no real setting comes close, and
// a multi-megabyte line is a sign of a damaged or wrong file.
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const MAX_LINE_CHARS = 1024 * 1024;

/**
 * Where awsrole remembers which config files it has fully validated, with the
 * byte ranges of their sections (docs/performance.md, docs/security.md). Holds
 * profile names and offsets, never values or secrets.
 */
export function validationStampDir(env: Env): string {
  return join(userCacheHome(env), "awsrole", "validated");
}

interface FileIdentity {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

interface StampHeader extends FileIdentity {
  version: string;
  path: string;
  kind: FileKind;
  /** Where the names block's separator starts, in bytes after the header line's end; absent without one. */
  namesAt?: number;
  /** The file is ASCII without BOM or CR: text offsets are byte offsets. */
  byteOffsets: boolean;
}

const STAMP_VERSION = `${INI_PARSER_VERSION}.4`;

/** An open file and the identity of exactly what is open; the caller closes it. */
interface OpenFile {
  fd: number;
  identity: FileIdentity;
  size: number;
}

/**
 * Opens a config or credentials file: undefined when it is absent or not a
 * regular file (ignored, as botocore does), an error naming it when it cannot
 * be read or is far too large.
 */
function openWithIdentity(path: string): OpenFile | undefined {
  if (path === "") return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const info = fstatSync(fd, { bigint: true });
    if (!info.isFile()) return undefined;
    if (info.size > BigInt(MAX_FILE_BYTES)) {
      throw new ConfigParseError(
        path,
        undefined,
        `the file is ${Number(info.size / 1048576n)} MiB, larger than any AWS config file should be`,
        "Check that the path names your AWS config or credentials file.",
      );
    }
    const identity = {
      dev: String(info.dev),
      ino: String(info.ino),
      size: String(info.size),
      mtimeNs: String(info.mtimeNs),
      ctimeNs: String(info.ctimeNs),
    };
    const open = { fd, identity, size: Number(info.size) };
    fd = undefined; // the caller's now
    return open;
  } catch (error) {
    throw fileError(path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Bytes [start, end) of an open file (fewer at its end). */
function readRange(fd: number, start: number, end: number): Buffer {
  const bytes = Buffer.allocUnsafe(end - start);
  let offset = 0;
  while (offset < bytes.length) {
    const read = readSync(fd, bytes, offset, bytes.length - offset, start + offset);
    if (read === 0) break;
    offset += read;
  }
  return bytes.subarray(0, offset);
}

/** Absent or not a file: ignored, as botocore does. */
const isAbsent = (error: unknown) =>
  ["ENOENT", "ENOTDIR", "EISDIR"].includes((error as NodeJS.ErrnoException).code ?? "");

/** The error to throw for a failure to open or read `path`: the absent cases unchanged, the rest one sentence naming the file. */
function fileError(path: string, error: unknown): unknown {
  if (error instanceof AwsroleError) return error;
  if (isAbsent(error)) return error; // the caller ignores these
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ELOOP")
    return new AwsroleError(
      "ConfigUnreadable",
      `Cannot read ${path}: it is a symbolic link that points back to itself.`,
      { hint: "Point the link at a real file, or remove it." },
    );
  if (code === "EACCES" || code === "EPERM")
    return new AwsroleError("ConfigUnreadable", `Cannot read ${path}: permission denied.`, {
      hint: `Make it readable by you (chmod 600 ${path}).`,
    });
  return new AwsroleError("ConfigUnreadable", `Cannot read ${path} (${code ?? "unknown error"}).`, {
    hint: "Check the file and its permissions.",
  });
}

/**
 * Reads bytes [start, end) of `path` later, when a section of a validated file
 * is first used, from the same file: it is opened again and must still have the
 * identity the stamp was checked against. Reading only the sections a chain
 * uses keeps a 20,000-profile file (2 MB) from being copied into memory on every
 * run; a file replaced in between is an error that says to run again.
 */
function rangeReader(path: string, identity: FileIdentity): (start: number, end: number) => Buffer {
  // A command that reads many sections (doctor, the picker) reads the file once instead.
  let reads = 0;
  let whole: Buffer | undefined;
  return (start, end) => {
    if (whole) return whole.subarray(start, end);
    const all = ++reads > RANGED_READS;
    let open: OpenFile | undefined;
    try {
      open = openWithIdentity(path);
    } catch (error) {
      if (!isAbsent(error)) throw error;
    }
    try {
      if (!open || !sameIdentity(open.identity, identity)) {
        throw new AwsroleError("ConfigUnreadable", `${path} changed while awsrole was reading it.`, {
          hint: "Run the command again.",
        });
      }
      if (!all) return readRange(open.fd, start, end);
      whole = readRange(open.fd, 0, open.size);
      return whole.subarray(start, end);
    } finally {
      if (open) closeSync(open.fd);
    }
  };
}

// Sections read one by one before the rest of the file is read at once: more than a long chain uses.
const RANGED_READS = 16;
// Files up to this size are read whole: about 600 profiles.
const READ_WHOLE_BELOW = 64 * 1024;

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** Validates and parses a file completely (the AWS CLI rejects an error anywhere in it). */
function parseBytes(path: string, bytes: Buffer): IniFile {
  if (!isUtf8(bytes)) {
    throw new ConfigParseError(
      path,
      undefined,
      "the file is not valid UTF-8 text",
      "Check that the path names your AWS config or credentials file, and save it as UTF-8.",
    );
  }
  const text = bytes.toString("utf8");
  const longLine = findLongLine(text);
  if (longLine !== undefined) {
    throw new ConfigParseError(
      path,
      longLine,
      "the line is longer than 1 MiB",
      "Check that the path names your AWS config or credentials file.",
    );
  }
  return parseIni(text, path);
}

/**
 * One file's named sections, for the resolver. The first read validates the
 * whole file, then stores its identity (device, inode, size, mtime and ctime in
 * ns: ctime cannot be set by hand) and a lookup table of its sections. While the
 * identity matches, later runs answer each lookup from that table with one
 * string search and decode only the sections a chain uses, so a 2,000-profile
 * config costs the warm path little more than a small one (docs/performance.md).
 */
export function readFileSections(path: string, kind: FileKind, stampDir: string | undefined): FileSections | undefined {
  let open: OpenFile | undefined;
  try {
    open = openWithIdentity(path);
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
  if (!open) return undefined;
  let bytes: Buffer | undefined;
  let stamp: ReturnType<typeof readStamp>;
  const stampPath = stampDir === undefined ? undefined : join(stampDir, `${sha1Hex(`${kind}:${path}`)}.stamp`);
  try {
    stamp = stampPath === undefined ? undefined : readStamp(stampPath, path, kind, open.identity);
    // A large validated plain-ASCII file is read a section at a time, when a section is used (rangeReader);
    // a small one at once, which costs less than opening it again per section.
    if (!stamp?.header.byteOffsets || open.size <= READ_WHOLE_BELOW) bytes = readRange(open.fd, 0, open.size);
  } catch (error) {
    throw fileError(path, error);
  } finally {
    closeSync(open.fd);
  }
  if (stamp) {
    let read: SectionReader;
    if (stamp.header.byteOffsets) {
      const whole = bytes;
      const range = whole
        ? (start: number, end: number) => whole.subarray(start, end)
        : rangeReader(path, open.identity);
      read = (start, end) => range(start, end).toString("latin1");
    } else {
      const whole = bytes!; // read above: not byte offsets
      let text: string | undefined;
      read = (start, end) => {
        text ??= normaliseIniText(whole.toString("utf8"));
        return text.slice(start, end);
      };
    }
    return stampSections(stamp.body, read, path, stamp.names);
  }
  const parsed = parseBytes(path, bytes!);
  if (stampPath !== undefined) {
    writeStamp(
      stampPath,
      { version: STAMP_VERSION, path, kind, ...open.identity, byteOffsets: isPlainAscii(bytes!) },
      parsed,
      kind,
    );
  }
  return sectionsOf(parsed, kind);
}

/**
 * ASCII with no CR (and so no BOM): offsets in the parsed text equal byte
 * offsets. Any non-ASCII character takes more UTF-8 bytes than UTF-16 units.
 */
function isPlainAscii(bytes: Buffer): boolean {
  const text = bytes.toString("utf8");
  return text.length === bytes.length && !text.includes("\r");
}

// Stamp format: line 1 is a JSON header; then one row per named section:
//   KIND \t JSON(name) \t JSON(header) \t line \t bodyStart \t bodyEnd
// KIND: P profile, V services, O sso-session, I ignored, D [DEFAULT]. Names are
// JSON strings, so a row never contains a raw tab, newline or NUL; a lookup is
// one indexOf of "\nKIND\tJSON(name)\t". Then, after a line holding only NUL
// (where the header's namesAt says; no row has one, and no name: a file with a
// NUL is refused as not text), the profile names as written, one per line,
// ready for completion to print as they are; left out if a name holds a line break.
const NAMES_SEPARATOR = "\n\u0000\n";
function writeStamp(stampPath: string, header: StampHeader, file: IniFile, kind: FileKind): void {
  const map = mapSections(
    file.index.sections.map((t) => t[0]),
    kind,
  );
  const rows: string[] = []; // the header goes before them, written below with the names block's offset
  const row = (k: string, name: string, t: SectionTuple) =>
    rows.push(`${k}\t${JSON.stringify(name)}\t${JSON.stringify(t[0])}\t${t[1]}\t${t[2]}\t${t[3]}`);
  for (const [name, i] of map.profiles) row("P", name, file.index.sections[i]!);
  for (const [name, i] of map.services) row("V", name, file.index.sections[i]!);
  for (const [name, i] of map.ssoSessions) row("O", name, file.index.sections[i]!);
  for (const i of map.ignored) row("I", file.index.sections[i]![0], file.index.sections[i]!);
  for (const t of file.index.defaults) row("D", t[0], t);
  const names = [...map.profiles.keys()];
  // After the header line, the rows; the header says where the names block starts, so no reader searches for it.
  const rowsText = rows.map((r) => `\n${r}`).join("");
  // The parser splits lines at CR as well as LF (as Python's universal newlines do), so no name
  // holds either; the check guards the block's one-name-per-line form all the same.
  const withNames = !names.some((n) => /[\r\n]/.test(n));
  const stamped: StampHeader = withNames ? { ...header, namesAt: Buffer.byteLength(rowsText) } : header;
  const text = withNames
    ? `${JSON.stringify(stamped)}${rowsText}${NAMES_SEPARATOR}${nameLines(names)}`
    : `${JSON.stringify(stamped)}${rowsText}\n`;
  // Best effort: without a stamp the next run simply validates again.
  try {
    mkdirSync(join(stampPath, ".."), { recursive: true, mode: 0o700 });
    writeFileAtomic(stampPath, text, { mode: 0o600 });
  } catch {}
}

function readStamp(
  stampPath: string,
  path: string,
  kind: FileKind,
  identity: FileIdentity,
): { header: StampHeader; body: Buffer; names: Buffer | undefined } | undefined {
  try {
    // Kept as bytes: decoding a 20,000-profile stamp (1 MB) into a string costs more than all the lookups in it.
    const bytes = readFileSync(stampPath);
    const newline = bytes.indexOf(10); // "\n"
    const header = JSON.parse(bytes.toString("utf8", 0, newline)) as StampHeader;
    const same =
      header.version === STAMP_VERSION &&
      header.path === path &&
      header.kind === kind &&
      sameIdentity(header, identity);
    if (!same) return undefined;
    if (header.namesAt === undefined) return { header, body: bytes.subarray(newline), names: undefined };
    const separator = newline + header.namesAt;
    // Not where the header says: a damaged stamp, validated again.
    if (bytes.toString("latin1", separator, separator + NAMES_SEPARATOR.length) !== NAMES_SEPARATOR) return undefined;
    return {
      header,
      body: bytes.subarray(newline, separator + 1),
      names: bytes.subarray(separator + NAMES_SEPARATOR.length),
    };
  } catch {
    return undefined; // absent or damaged: validate again
  }
}

/** The stamp's rows as bytes (one lookup: no decoding of the whole stamp) or as text (listing every name). */
interface Rows {
  indexOf(needle: string, from?: number): number;
  slice(start: number, end: number): string;
  readonly length: number;
}

const bytesRows = (bytes: Buffer): Rows => ({
  indexOf: (needle, from) => bytes.indexOf(needle, from),
  slice: (start, end) => bytes.toString("utf8", start, end),
  length: bytes.length,
});

const textRows = (text: string): Rows => ({
  indexOf: (needle, from) => text.indexOf(needle, from),
  slice: (start, end) => text.slice(start, end),
  length: text.length,
});

/** FileSections answered from a stamp's rows (UTF-8 bytes); `body` starts with "\n". */
function stampSections(body: Buffer, read: SectionReader, path: string, names: Buffer | undefined): FileSections {
  const bytes = bytesRows(body);
  // Listing every name touches every row: one decoding of the stamp is cheaper
  // then than thousands of small ones (Buffer.toString per name). ASCII (the
  // usual stamp) is copied as latin1, the cheapest decoding.
  let text: Rows | undefined;
  const asText = () => (text ??= textRows(isAscii(body) ? body.toString("latin1") : body.toString("utf8")));
  const parseRow = (rows: Rows, start: number): { name: string; tuple: SectionTuple } => {
    let end = rows.indexOf("\n", start);
    if (end < 0) end = rows.length;
    const [, name, header, line, bodyStart, bodyEnd] = rows.slice(start, end).split("\t");
    return {
      name: JSON.parse(name!) as string,
      tuple: [JSON.parse(header!) as string, Number(line), Number(bodyStart), Number(bodyEnd)],
    };
  };
  const rowsOf = (kind: string) => {
    const found: Array<{ name: string; tuple: SectionTuple }> = [];
    const marker = `\n${kind}\t`;
    for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + 1))
      found.push(parseRow(bytes, at + 1));
    return found;
  };
  let defaults: SectionTuple[] | undefined;
  const built = new Map<string, IniSection | null>();
  // Listing reads only the names (completion needs nothing else) and keeps
  // where each row starts. Once a kind is listed, its sections are often looked
  // up too (doctor): a table from name to row is built then, at the first such
  // lookup, where one search of the whole body per name would make listing all
  // profiles quadratic. Not before: hashing thousands of names into a Map costs
  // more than the listing itself, run cold as a CLI runs.
  const listings = new Map<string, { names: string[]; starts: number[]; index?: Map<string, number> }>();
  const listingOf = (kind: string) => {
    const known = listings.get(kind);
    if (known) return known;
    const names: string[] = [];
    const starts: number[] = [];
    const marker = `\n${kind}\t`;
    const rows = asText();
    for (let at = rows.indexOf(marker); at >= 0; at = rows.indexOf(marker, at + 1)) {
      const nameStart = at + marker.length;
      const json = rows.slice(nameStart, rows.indexOf("\t", nameStart));
      // JSON.stringify escapes only with a backslash: without one, the name is the text between the quotes.
      names.push(json.includes("\\") ? (JSON.parse(json) as string) : json.slice(1, -1));
      starts.push(at + 1);
    }
    const listing = { names, starts };
    listings.set(kind, listing);
    return listing;
  };
  const namesOf = (kind: string): string[] => listingOf(kind).names.slice();
  const lookup = (kind: string, name: string): IniSection | undefined => {
    const key = `${kind}\t${name}`;
    const known = built.get(key);
    if (known !== undefined) return known ?? undefined;
    const listing = listings.get(kind);
    let tuple: SectionTuple | undefined;
    if (listing) {
      listing.index ??= new Map(listing.names.map((n, i) => [n, listing.starts[i]!]));
      // Offsets in the decoded text (the listing's).
      const start = listing.index.get(name);
      tuple = start === undefined ? undefined : parseRow(asText(), start).tuple;
    } else {
      const at = bytes.indexOf(`\n${kind}\t${JSON.stringify(name)}\t`);
      tuple = at < 0 ? undefined : parseRow(bytes, at + 1).tuple;
    }
    defaults ??= rowsOf("D").map((r) => r.tuple);
    const section = tuple === undefined ? null : sectionFromTuple(read, tuple, defaults, path);
    built.set(key, section);
    return section ?? undefined;
  };
  return {
    profile: (name) => lookup("P", name),
    profileNames: () => namesOf("P"),
    // One decoding of the names block, or the listing joined.
    profileNamesText: () => names?.toString("utf8") ?? nameLines(namesOf("P")),
    // One search of the rows, as a lookup without a listing does, but nothing is parsed or read.
    hasProfile: (name) => listings.get("P")?.index?.has(name) ?? bytes.indexOf(`\nP\t${JSON.stringify(name)}\t`) >= 0,
    service: (name) => lookup("V", name),
    serviceNames: () => namesOf("V"),
    ssoSession: (name) => lookup("O", name),
    ssoSessionNames: () => namesOf("O"),
    ignored: () => {
      defaults ??= rowsOf("D").map((r) => r.tuple);
      return rowsOf("I").map((r) => sectionFromTuple(read, r.tuple, defaults!, path));
    },
  };
}

function findLongLine(text: string): number | undefined {
  if (text.length <= MAX_LINE_CHARS) return undefined;
  let line = 1;
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text.charCodeAt(i) === 10) {
      if (i - start > MAX_LINE_CHARS) return line;
      line++;
      start = i + 1;
    }
  }
  return undefined;
}

export function loadConfig(env: Env): AwsConfig {
  const paths = configPaths(env);
  const stampDir = validationStampDir(env);
  return buildConfigFrom(
    readFileSections(paths.configPath, "config", stampDir),
    readFileSections(paths.credentialsPath, "credentials", stampDir),
    paths,
  );
}
