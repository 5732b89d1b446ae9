// `awsrole doctor [profile]`: lint the config files (no STS) and list the
// profiles. Exit 1 when there are errors, else 0.

import { loadConfig } from "../adapters/config-files.js";
import type { Context } from "../context.js";
import { lintConfig, type Finding, type ProfileSummary } from "../core/doctor.js";
import { ConfigParseError, EXIT_FAILURE, EXIT_OK, ProfileConfigError, stripControl } from "../errors.js";
import { closeProfileNames } from "../core/config.js";
import { terminalColumns, wrapWords } from "../render/width.js";

export interface DoctorInput {
  profile: string | undefined;
  output: "text" | "json";
  /** Also check what would make a process served by exec --server / serve use other credentials. */
  server?: boolean;
}

export async function runDoctor(input: DoctorInput, ctx: Context): Promise<number> {
  let findings: Finding[];
  let profiles: ProfileSummary[] = [];
  try {
    const config = loadConfig(ctx.env);
    if (input.profile !== undefined && !config.profiles.has(input.profile)) {
      const near = closeProfileNames(config, input.profile);
      const hint = near.length
        ? `Did you mean ${near.map((n) => `"${n}"`).join(" or ")}?`
        : `Profiles are read from ${config.configPath} and ${config.credentialsPath}; run \`awsrole doctor\` to list them.`;
      throw new ProfileConfigError(
        "ProfileNotFound",
        input.profile,
        `The config profile "${input.profile}" could not be found.`,
        hint,
      );
    }
    ({ findings, profiles } = lintConfig(config, input.profile));
    if (input.server) findings.push(...(await import("../server/environment.js")).serverFindings(config));
  } catch (error) {
    // A file the AWS CLI cannot parse is itself the finding.
    if (!(error instanceof ConfigParseError)) throw error;
    findings = [
      {
        severity: "error",
        code: "parse",
        profile: undefined,
        file: error.path,
        line: error.line,
        message: error.message,
        fix: error.hint ?? "Fix that line.",
      },
    ];
  }
  const errors = findings.filter((f) => f.severity === "error").length;
  const warnings = findings.length - errors;
  if (input.output === "json") {
    ctx.stdout.write(JSON.stringify({ findings, profiles, errors, warnings }, null, 2) + "\n");
    return errors > 0 ? EXIT_FAILURE : EXIT_OK;
  }
  const out: string[] = [];
  if (profiles.length > 0) {
    const rows = profiles.map((p) => [p.name, p.kind, p.role ?? "-", p.account ?? "-", p.source ?? "-"]);
    const header = ["PROFILE", "KIND", "ROLE", "ACCOUNT", "SOURCE"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) =>
      cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
    const columns = await terminalColumns(ctx, 1);
    if (columns !== undefined && widths.reduce((sum, w) => sum + w + 2, -2) > columns) {
      // Too narrow for the table: one short block per profile instead.
      for (const p of profiles) {
        const details = [
          p.role && `role ${p.role}`,
          p.account && `account ${p.account}`,
          p.source && `from ${p.source}`,
        ]
          .filter(Boolean)
          .join(", ");
        out.push(
          `${p.name} (${p.kind})`,
          ...(details ? wrapWords(details, Math.max(20, columns - 2)).map((l) => "  " + l) : []),
        );
      }
      out.push("");
    } else out.push(line(header), ...rows.map(line), "");
  }
  for (const f of findings) {
    out.push(`${f.file}${f.line === undefined ? "" : `:${f.line}`}: ${f.severity}: ${f.message}`, `  fix: ${f.fix}`);
  }
  out.push(
    findings.length === 0
      ? "No problems found."
      : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}.`,
  );
  // Profile names and messages quote the files: no control character (an escape sequence) reaches the terminal.
  ctx.stdout.write(stripControl(out.join("\n")) + "\n");
  return errors > 0 ? EXIT_FAILURE : EXIT_OK;
}
