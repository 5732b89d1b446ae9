// Stands in for the adapters that talk to the network, the terminal or other
// processes (sts, prompt, sources) inside dist/fast-export.cjs, which answers
// only from the cache and files. Reaching any of them means the full CLI must
// run the command (src/fast-export.ts). Keeping them out also keeps the SDK's
// and inquirer's import() calls out of the fast bundle.
import { NeedsFullCli } from "../fast-export.js";

const needsFullCli = (what: string) => (): never => {
  throw new NeedsFullCli(what);
};

export const createSts = needsFullCli("an STS call");
export const createSources = needsFullCli("a credential source");
export const openTerminal = needsFullCli("a terminal");
export const promptMfaCode = needsFullCli("an MFA prompt");
