// Stands in for @inquirer/prompts inside dist/fast-export.cjs. The picker's
// lazy import of it is never reached there (the fast path declines when the
// picker could apply), but a package import() would be left in the bundle,
// which vm.Script cannot run; reaching it means the full CLI must run the
// command. Nothing else needs replacing: the warm bundle runs on offline
// effects (src/effects/offline.ts) and never imports the online ones.
import { NeedsOnline } from "../core/effects.js";

throw new NeedsOnline("the prompt library");
