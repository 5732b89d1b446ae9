// Python's shlex.split (POSIX mode, no comments), which botocore applies to
// config-file section names: `[profile "foo bar"]` names the profile `foo bar`,
// and a section whose name does not split (unbalanced quote) is ignored.
// Returns undefined where shlex.split raises ValueError.

const WHITESPACE = new Set([" ", "\t", "\r", "\n"]);

export function shlexSplit(text: string): string[] | undefined {
  const tokens: string[] = [];
  let token = "";
  let inToken = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else token += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) token += text[++i];
      else if (ch === "\\" && i + 1 >= text.length) return undefined;
      else token += ch;
      continue;
    }
    if (WHITESPACE.has(ch)) {
      if (inToken) tokens.push(token);
      token = "";
      inToken = false;
      continue;
    }
    inToken = true;
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === "\\") {
      if (i + 1 >= text.length) return undefined; // "No escaped character"
      token += text[++i];
    } else token += ch;
  }
  if (quote) return undefined; // "No closing quotation"
  if (inToken) tokens.push(token);
  return tokens;
}
