// A parser for the INI dialect the AWS CLI reads: Python's
// configparser.RawConfigParser with its defaults, as botocore's
// configloader.raw_config_parse uses it (docs/resolution.md, "Reading the files";
// docs/aws-rules.md#ini-dialect). The `ini` npm package is not used for reading because it
// nests dotted section names ([profile dev.admin]) and treats `#` inside values
// (https://x/start#/) as a comment; the AWS CLI does neither.
//
// Rules, each as configparser implements them:
// - Only full-line comments: the first non-blank character is `#` or `;`.
//   `region = us-east-1 # prod` keeps the whole value.
// - `key = value` or `key : value`, split at the first `=` or `:`; keys are
//   lower-cased, values keep their case; surrounding blanks are stripped.
// - A line indented more than its key line continues the value (joined with "\n");
//   blank lines inside a value are kept, trailing ones dropped.
// - A value that starts with "\n" (`s3 =` then indented `k = v` lines) is a nested
//   block: botocore splits each line at the first `=` into a one-level map.
// - A repeated section, or a repeated key in one section, is an error (strict=True).
// - [DEFAULT] (upper case) is inherited by every other section of the same file.
// - A non-comment line before any section header is an error.
// No interpolation: `%` is literal.

import { ConfigParseError } from "../errors.js";

export type IniValue = string | Readonly<Record<string, string>>;

export interface IniSection {
  /** The text between the brackets, verbatim (case-sensitive). */
  readonly name: string;
  /** 1-based line of the section header. */
  readonly line: number;
  /** Keys (lower-cased) to values, in file order; [DEFAULT] keys are merged in. */
  readonly values: Readonly<Record<string, IniValue>>;
  /** 1-based line on which each key was set in this section (absent for inherited keys). */
  readonly keyLines: Readonly<Record<string, number>>;
}

export interface IniFile {
  readonly path: string;
  /** Sections in file order, without [DEFAULT] (built on first access). */
  readonly sections: readonly IniSection[];
  /** The section at position i of index.sections, built (once) on demand. */
  sectionAt(i: number): IniSection;
  /** Where each section lies in the (normalised) text, so a validated file can be reopened without a rescan. */
  readonly index: IniIndex;
}

/** The byte ranges of a validated file's sections (see src/adapters/config-files.ts). */
export interface IniIndex {
  /** [name, header line, body start offset, body end offset] per section, in file order. */
  sections: SectionTuple[];
  defaults: SectionTuple[];
}

export type SectionTuple = [name: string, line: number, bodyStart: number, bodyEnd: number];

/** Bump when parsing rules change, so stored indexes from older versions are not trusted. */
export const INI_PARSER_VERSION = 2;

const DEFAULT_SECTION = "DEFAULT";
// configparser's SECTCRE is `\[(?P<header>.+)\]` applied with re.match to the
// stripped line: anchored at the start only, greedy, so the header runs to the
// last `]` and anything after it is ignored.

/** One line, classified by the rules above. Offsets index the parser's text. */
type Line =
  | { kind: "blank" }
  | { kind: "comment" }
  | { kind: "continuation"; text: string }
  | { kind: "header"; name: string }
  | { kind: "option"; key: string; value: string }
  | { kind: "invalid"; detail: string };

export interface SectionRange {
  name: string;
  line: number;
  /** Offset of the first line after the header, and of the end of the section. */
  bodyStart: number;
  bodyEnd: number;
}

// Performance (docs/performance.md): the whole file is scanned, because the AWS
// CLI rejects a file with an error anywhere in it, but the scan walks offsets
// and keeps only what validation needs (the keys of the current section). Each
// section remembers its byte range; its values are built from that range on
// first access. So a 2,000-profile config costs the warm path little more than
// a 10-profile one.
export function parseIni(text: string, path: string): IniFile {
  if (text.includes("\u0000")) {
    throw new ConfigParseError(
      path,
      undefined,
      "the file contains NUL bytes, so it is not a text file",
      "Check that the path names your AWS config or credentials file.",
    );
  }
  // A byte-order mark is not content, and Python reads files with universal
  // newlines: \r\n and a lone \r end lines too.
  text = normaliseIniText(text);

  const names = new Set<string>();
  const sections: SectionRange[] = [];
  // [DEFAULT] may appear more than once (configparser merges it): its values are
  // read from every [DEFAULT] range.
  const defaultRanges: SectionRange[] = [];
  let current: SectionRange | undefined;
  const keys = new Set<string>();
  // configparser checks duplicate keys of [DEFAULT] across all its [DEFAULT] headers.
  const defaultKeys = new Set<string>();
  // A bad nested block under [DEFAULT] is an error only for a section that
  // inherits it (botocore parses nested values per section, and a section's own
  // key hides the default): key -> where it is, checked once the scan is done.
  const badDefaultNested = new Map<string, number>();
  let valueKey: string | undefined;
  let valueLine = 0;
  let valueNested = false;
  const state = { indentLevel: Number.MAX_SAFE_INTEGER, inValue: false };

  let lineNumber = 0;
  for (let pos = 0; pos <= text.length; ) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = text.length;
    lineNumber++;
    const line = classify(text, pos, eol, state);
    const lineStart = pos;
    pos = eol + 1;
    switch (line.kind) {
      case "blank":
      case "comment":
        continue;
      case "continuation":
        // botocore parses a value that starts with "\n" as nested `k = v` lines.
        if (valueNested && !line.text.includes("=")) {
          if (current?.name === DEFAULT_SECTION) {
            if (!badDefaultNested.has(valueKey!)) badDefaultNested.set(valueKey!, valueLine);
            continue;
          }
          // Never quote the line: it may be a secret continued onto the next line.
          throw new ConfigParseError(
            path,
            lineNumber,
            `an indented line under "${valueKey}" (line ${valueLine}) is not a nested \`key = value\` setting`,
            "Write nested settings as indented `key = value` lines, or join the value onto one line.",
          );
        }
        continue;
      case "header": {
        if (current) current.bodyEnd = lineStart;
        keys.clear();
        if (line.name === DEFAULT_SECTION) for (const key of defaultKeys) keys.add(key);
        valueKey = undefined;
        if (line.name === DEFAULT_SECTION) {
          current = { name: line.name, line: lineNumber, bodyStart: pos, bodyEnd: text.length };
          defaultRanges.push(current);
          continue;
        }
        if (names.has(line.name)) {
          throw new ConfigParseError(
            path,
            lineNumber,
            `section [${line.name}] appears twice`,
            "Merge the two sections into one; the AWS CLI rejects duplicate sections.",
          );
        }
        names.add(line.name);
        current = { name: line.name, line: lineNumber, bodyStart: pos, bodyEnd: text.length };
        sections.push(current);
        continue;
      }
      case "invalid":
        if (!current)
          throw new ConfigParseError(
            path,
            lineNumber,
            "a setting appears before any [section] header",
            "Put settings under a section such as [default] or [profile NAME].",
          );
        throw new ConfigParseError(path, lineNumber, line.detail);
      case "option":
        if (!current) {
          throw new ConfigParseError(
            path,
            lineNumber,
            "a setting appears before any [section] header",
            "Put settings under a section such as [default] or [profile NAME].",
          );
        }
        if (keys.has(line.key)) {
          throw new ConfigParseError(
            path,
            lineNumber,
            `key "${line.key}" is set twice in section [${current.name}]`,
            "Keep one of the two lines; the AWS CLI rejects duplicate keys.",
          );
        }
        keys.add(line.key);
        if (current.name === DEFAULT_SECTION) defaultKeys.add(line.key);
        valueKey = line.key;
        valueLine = lineNumber;
        valueNested = line.value === "";
    }
  }
  if (badDefaultNested.size > 0) {
    const read: SectionReader = (start, end) => text.slice(start, end);
    for (const section of sections) {
      const own = readRange(read, section);
      for (const [key, line] of badDefaultNested) {
        if (!own.has(key)) {
          throw new ConfigParseError(
            path,
            line,
            `an indented line under "${key}" in [DEFAULT] is not a nested \`key = value\` setting`,
            "Write nested settings as indented `key = value` lines, or join the value onto one line.",
          );
        }
      }
    }
  }
  return iniFromIndex(text, path, { sections: sections.map(toTuple), defaults: defaultRanges.map(toTuple) });
}

const toTuple = (r: SectionRange): SectionTuple => [r.name, r.line, r.bodyStart, r.bodyEnd];
const fromTuple = ([name, line, bodyStart, bodyEnd]: SectionTuple): SectionRange => ({
  name,
  line,
  bodyStart,
  bodyEnd,
});

/** Normalises text as parseIni does (BOM, newlines), so stored offsets line up. */
export function normaliseIniText(text: string): string {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.includes("\r") ? text.replace(/\r\n?/g, "\n") : text;
}

/**
 * Reopens a file that parseIni has already validated, from its stored index:
 * no scan, and each section is read only when used. `text` must be normalised.
 */
export function iniFromIndex(text: string, path: string, index: IniIndex): IniFile {
  const read: SectionReader = (start, end) => text.slice(start, end);
  const built: IniSection[] = [];
  const sectionAt = (i: number): IniSection =>
    (built[i] ??= sectionFromTuple(read, index.sections[i]!, index.defaults, path));
  let all: IniSection[] | undefined;
  return {
    path,
    index,
    sectionAt,
    get sections() {
      all ??= index.sections.map((_, i) => sectionAt(i));
      return all;
    },
  };
}

/** Returns the (normalised) text between two offsets of a validated file. */
export type SectionReader = (start: number, end: number) => string;

/** One section of a validated file, read through `read` only when its values are first used. */
export function sectionFromTuple(
  read: SectionReader,
  tuple: SectionTuple,
  defaults: readonly SectionTuple[],
  path: string,
): IniSection {
  return lazySection(read, fromTuple(tuple), defaults.map(fromTuple), path);
}

const BLANK: Line = { kind: "blank" };
const COMMENT: Line = { kind: "comment" };

/**
 * Classifies the line text[start, end), updating the continuation state as
 * configparser does. Written with native string methods rather than character
 * loops: a CLI runs this code cold, where builtins are far faster.
 */
function classify(text: string, start: number, end: number, state: { indentLevel: number; inValue: boolean }): Line {
  const raw = text.slice(start, end);
  const stripped = raw.trim();
  if (stripped === "") return BLANK;
  const c = stripped.charCodeAt(0);
  if (c === 35 /* # */ || c === 59 /* ; */) return COMMENT;
  const indent = raw.length - raw.trimStart().length;
  if (state.inValue && indent > state.indentLevel) return { kind: "continuation", text: stripped };
  state.indentLevel = indent;
  if (c === 91 /* [ */) {
    const close = stripped.lastIndexOf("]");
    if (close > 1) {
      state.inValue = false;
      return { kind: "header", name: stripped.slice(1, close) };
    }
  }
  // configparser's OPTCRE `(.*?)\s*([=:])\s*(.*)$`: the key is what precedes the
  // first `=` or `:`.
  const equals = stripped.indexOf("=");
  const colon = stripped.indexOf(":");
  const delimiter = equals < 0 ? colon : colon < 0 ? equals : Math.min(equals, colon);
  const key = delimiter < 0 ? "" : stripped.slice(0, delimiter).trimEnd().toLowerCase();
  if (key === "") {
    state.inValue = false;
    return {
      kind: "invalid",
      detail:
        c === 91
          ? "a section header is missing its closing `]`"
          : "a line is neither `key = value`, a [section] header nor a comment",
    };
  }
  state.inValue = true;
  return { kind: "option", key, value: stripped.slice(delimiter + 1).trim() };
}

/** The keys of one section range: key -> { pieces of the value, line }. */
function readRange(read: SectionReader, range: SectionRange): Map<string, { pieces: string[]; line: number }> {
  const entries = new Map<string, { pieces: string[]; line: number }>();
  const state = { indentLevel: Number.MAX_SAFE_INTEGER, inValue: false };
  let pieces: string[] | undefined;
  let lineNumber = range.line;
  const text = read(range.bodyStart, range.bodyEnd);
  for (let pos = 0; pos < text.length; ) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = text.length;
    lineNumber++;
    const line = classify(text, pos, eol, state);
    pos = eol + 1;
    if (line.kind === "blank")
      pieces?.push(""); // kept inside a value (empty_lines_in_values)
    else if (line.kind === "continuation") pieces?.push(line.text);
    else if (line.kind === "option") {
      pieces = [line.value];
      entries.set(line.key, { pieces, line: lineNumber });
    }
  }
  return entries;
}

function lazySection(
  read: SectionReader,
  range: SectionRange,
  defaultRanges: SectionRange[],
  path: string,
): IniSection {
  let values: Record<string, IniValue> | undefined;
  let keyLines: Record<string, number> | undefined;
  const build = () => {
    values = Object.create(null) as Record<string, IniValue>;
    keyLines = Object.create(null) as Record<string, number>;
    const own = readRange(read, range);
    // A default the section overrides is never parsed (as in configparser), so
    // a bad nested block there cannot fail a section that does not use it.
    for (const defaultRange of defaultRanges) {
      for (const [key, entry] of readRange(read, defaultRange)) {
        const chosen = own.get(key) ?? entry;
        values[key] = finishValue(chosen.pieces, path, chosen.line);
      }
    }
    for (const [key, entry] of own) {
      if (!(key in values)) values[key] = finishValue(entry.pieces, path, entry.line);
      keyLines[key] = entry.line;
    }
  };
  return {
    name: range.name,
    line: range.line,
    get values() {
      if (!values) build();
      return values!;
    },
    get keyLines() {
      if (!keyLines) build();
      return keyLines!;
    },
  };
}

function finishValue(pieces: string[], path: string, line: number): IniValue {
  // configparser joins continuation lines with "\n" and strips trailing blanks.
  const joined = pieces.length === 1 ? pieces[0]! : pieces.join("\n").trimEnd();
  return joined.startsWith("\n") ? parseNested(joined, path, line) : joined;
}

// botocore configloader._parse_nested: each non-blank line is `key = value`,
// split at the first `=`; keys keep their case here.
function parseNested(value: string, path: string, line: number): Record<string, string> {
  const nested: Record<string, string> = Object.create(null);
  for (const piece of value.split("\n")) {
    const text = piece.trim();
    if (text === "") continue;
    const equals = text.indexOf("=");
    if (equals < 0) {
      throw new ConfigParseError(
        path,
        line,
        "an indented line is not a nested `key = value` setting",
        "Write nested settings as indented `key = value` lines, or join the value onto one line.",
      );
    }
    nested[text.slice(0, equals).trim()] = text.slice(equals + 1).trim();
  }
  return nested;
}
