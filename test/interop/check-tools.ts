// `node --import tsx test/interop/check-tools.ts`: .ci/run's check of the Python
// tools the comparison tests need, by the same rules as the tests (tools.ts).
// Prints one line per tool. Exit 1 when one is missing or the wrong version,
// under CI=true, unless CI_SKIP_INTEROP=1; then the missing ones are printed
// on the last line as "skipped: ..." for .ci/run's closing line.
import { SKIP_INTEROP_VAR, checkTool, type InteropTool } from "./tools.js";

const tools: InteropTool[] = ["moto_server", "aws-cli-v1", "botocore"];
const problems: string[] = [];
for (const tool of tools) {
  const check = checkTool(tool);
  if (check.problem === undefined) process.stdout.write(`${tool}: ${check.version}\n`);
  else {
    process.stdout.write(`${tool}: MISSING: ${check.problem}\n`);
    problems.push(`${tool} (${check.problem})`);
  }
}
if (problems.length > 0) {
  if (process.env.CI === "true" && process.env[SKIP_INTEROP_VAR] !== "1") {
    process.stderr.write(
      `The comparison tests need ${problems.join("; ")}. They are not installable ` +
        `here (no PyPI), so under CI=true this fails the run; set ${SKIP_INTEROP_VAR}=1 ` +
        `to skip those tests on purpose.\n`,
    );
    process.exitCode = 1;
  } else process.stdout.write(`skipped: ${problems.map((p) => p.split(" ")[0]).join(", ")}\n`);
}
