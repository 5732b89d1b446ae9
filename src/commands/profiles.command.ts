import { declareCommand } from "./declare.js";

/** For completion scripts: profile names, one per line, from the config files only. */
export const profilesCommand = declareCommand<Record<never, never>>({
  name: "__profiles",
  description: "",
  hidden: true,
  run: async (_input, ctx) => {
    const { loadConfig } = await import("../adapters/config-files.js");
    ctx.stdout.write(loadConfig(ctx.env).profileNamesText());
    return 0;
  },
});
