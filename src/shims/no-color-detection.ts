// Stands in for chalk's vendored supports-color in dist/cli.cjs. awsrole decides
// whether to colour itself (src/ui.ts builds its Chalk instances at an explicit
// level), so chalk's own detection, which loads node:tty, node:os and
// node:process at import and inspects the terminal, is only start-up cost for
// every command of the full CLI, a cold export among them.
const supportsColor = { stdout: false as const, stderr: false as const };
export default supportsColor;
