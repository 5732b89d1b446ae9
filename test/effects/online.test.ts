// The full CLI's effects (src/effects/online.ts), for what a kind other than
// the role chain needs: a lock beside the file it guards, and a secret file
// written whole and 0600.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Context } from "../../src/context.js";
import { buildConfig } from "../../src/core/config.js";
import { onlineEffects } from "../../src/effects/online.js";

const dir = mkdtempSync(join(tmpdir(), "awsrole-online-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = buildConfig(undefined, undefined, { configPath: "/c", credentialsPath: "/k" });
const ctx: Context = {
  env: {},
  now: () => new Date(),
  stdout: { write: () => {} },
  stderr: { write: () => {} },
  isTerminal: async () => false,
  color: false,
  debug: false,
  signal: new AbortController().signal,
  effects: onlineEffects,
};
const fx = onlineEffects(ctx, {
  config,
  plan: { profile: undefined, source: { kind: "environment", reason: "environment-variables" }, hops: [] },
  region: undefined,
  cacheDir: dir,
  noCache: true,
});

describe("online effects", () => {
  it("withLock: one holder at a time per file, on <name>.lock beside it, removed after", async () => {
    const file = join(dir, "token.json");
    const order: string[] = [];
    let inside = 0;
    const work = (name: string) =>
      fx.withLock(file, async () => {
        inside++;
        expect(inside).toBe(1);
        expect(existsSync(join(dir, "token.lock"))).toBe(true);
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 30));
        order.push(`${name} out`);
        inside--;
        return name;
      });
    expect(await Promise.all([work("a"), work("b")])).toEqual(["a", "b"]);
    expect(order).toEqual(["a in", "a out", "b in", "b out"]);
    expect(existsSync(join(dir, "token.lock"))).toBe(false);
  });

  it("writeSecretFile: the whole text, mode 0600, no temp file left", () => {
    const file = join(dir, "secret.json");
    fx.writeSecretFile(file, '{"accessToken":"x"}');
    expect(readFileSync(file, "utf8")).toBe('{"accessToken":"x"}');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
  });
});
