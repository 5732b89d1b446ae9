// A parser for the INI dialect the AWS CLI reads: Python's
// configparser.RawConfigParser with its defaults, as botocore's
// configloader.raw_config_parse uses it (docs/resolution.md, "Reading the files";
// aws-semantics.md 1.2). The `ini` npm package is not used for reading because it
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
  /** Sections in file order, without [DEFAULT]. */
  readonly sections: readonly IniSection[];
}

const DEFAULT_SECTION = "DEFAULT";
// configparser's SECTCRE is `\[(?P<header>.+)\]` applied with re.match to the
// stripped line: anchored at the start only, greedy, so the header runs to the
// last `]` and anything after it is ignored.
const SECTION_HEADER = /^\[(.+)\]/;
// configparser's OPTCRE: the key is the shortest prefix before the first `=` or `:`.
const OPTION_LINE = /^(.*?)\s*([=:])\s*(.*)$/s;

interface RawSection {
  name: string;
  line: number;
  values: Map<string, string[]>;
  keyLines: Map<string, number>;
}

export function parseIni(text: string, path: string): IniFile {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte-order mark is not content
  if (text.includes("\u0000")) {
    throw new ConfigParseError(path, undefined, "the file contains NUL bytes, so it is not a text file", "Check that the path names your AWS config or credentials file.");
  }
  const lines = text.split(/\r\n|\n|\r/);
  const sections = new Map<string, RawSection>();
  const order: RawSection[] = [];
  let defaults: RawSection | undefined;
  let current: RawSection | undefined;
  let currentKey: string | undefined;
  let indentLevel = Number.MAX_SAFE_INTEGER;

  for (let index = 0; index < lines.length; index++) {
    const rawLine = lines[index]!;
    const lineNumber = index + 1;
    const stripped = rawLine.trim();
    const isComment = stripped.startsWith("#") || stripped.startsWith(";");
    if (stripped === "" || isComment) {
      // configparser keeps blank lines inside a multi-line value (empty_lines_in_values),
      // but a comment line is dropped without ending the value.
      if (!isComment && current && currentKey !== undefined) current.values.get(currentKey)?.push("");
      continue;
    }
    const indent = rawLine.length - rawLine.trimStart().length;
    if (current && currentKey !== undefined && indent > indentLevel) {
      current.values.get(currentKey)!.push(stripped);
      continue;
    }
    indentLevel = indent;
    const header = SECTION_HEADER.exec(stripped);
    if (header) {
      const name = header[1]!;
      currentKey = undefined;
      if (name === DEFAULT_SECTION) {
        defaults ??= { name, line: lineNumber, values: new Map(), keyLines: new Map() };
        current = defaults;
        continue;
      }
      if (sections.has(name)) {
        throw new ConfigParseError(path, lineNumber, `section [${name}] appears twice`, "Merge the two sections into one; the AWS CLI rejects duplicate sections.");
      }
      current = { name, line: lineNumber, values: new Map(), keyLines: new Map() };
      sections.set(name, current);
      order.push(current);
      continue;
    }
    if (!current) {
      throw new ConfigParseError(path, lineNumber, "a setting appears before any [section] header", "Put settings under a section such as [default] or [profile NAME].");
    }
    const option = OPTION_LINE.exec(stripped);
    if (!option || option[1]!.trim() === "") {
      const detail = stripped.startsWith("[")
        ? "a section header is missing its closing `]`"
        : "a line is neither `key = value`, a [section] header nor a comment";
      throw new ConfigParseError(path, lineNumber, detail);
    }
    const key = option[1]!.trimEnd().toLowerCase();
    if (current.values.has(key)) {
      throw new ConfigParseError(path, lineNumber, `key "${key}" is set twice in section [${current.name}]`, "Keep one of the two lines; the AWS CLI rejects duplicate keys.");
    }
    current.values.set(key, [option[3]!.trim()]);
    current.keyLines.set(key, lineNumber);
    currentKey = key;
  }

  const inherited = defaults ? finishValues(defaults, path) : {};
  return {
    path,
    sections: order.map((section) => ({
      name: section.name,
      line: section.line,
      values: Object.assign(Object.create(null) as Record<string, IniValue>, inherited, finishValues(section, path)),
      keyLines: Object.assign(Object.create(null) as Record<string, number>, Object.fromEntries(section.keyLines)),
    })),
  };
}

function finishValues(section: RawSection, path: string): Record<string, IniValue> {
  const result: Record<string, IniValue> = Object.create(null);
  for (const [key, pieces] of section.values) {
    // configparser joins continuation lines with "\n" and strips trailing blanks.
    const joined = pieces.join("\n").trimEnd();
    result[key] = joined.startsWith("\n") ? parseNested(joined, path, section.keyLines.get(key)!) : joined;
  }
  return result;
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
      throw new ConfigParseError(path, line, `the nested setting "${text}" has no "="`, "Write nested settings as indented `key = value` lines.");
    }
    nested[text.slice(0, equals).trim()] = text.slice(equals + 1).trim();
  }
  return nested;
}
