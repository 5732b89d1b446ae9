// `awsrole logout`: ends every IAM Identity Center session as `aws sso logout`
// does (awscli/customizations/sso/logout.py: SSOTokenSweeper, SSOCredentialSweeper):
// each file of ~/.aws/sso/cache holding an accessToken is logged out at the
// portal (Logout; a refusal is ignored, the token may be expired already) and
// removed; then every ~/.aws/cli/cache entry with "ProviderType": "sso" is
// removed. Client registrations stay, as with the AWS CLI. Role sessions
// assumed from SSO credentials stay too (they are plain AssumeRole entries);
// `awsrole cache clear` removes those. Nothing on stdout: the summary is a message.

import { lstatSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { homeDir } from "../adapters/home.js";
import { join } from "node:path";
import { cliCacheDir } from "../adapters/cache-store.js";
import { loadConfig } from "../adapters/config-files.js";
import { boundedTransport } from "../adapters/sso-oidc.js";
import type { Context } from "../context.js";
import { EMPTY_CONFIG } from "../core/config.js";
import { configuredServiceEndpoint } from "../core/endpoint.js";
import { chooseProfile } from "../core/plan.js";
import { defaultPortalEndpoint, portalLogout } from "../core/sso-portal.js";
import { ssoCacheDir } from "../core/sso-token.js";
import { tildePath } from "../render/width.js";

export interface LogoutInput {
  /** The profile whose endpoint settings apply (the AWS CLI's session profile). */
  profile?: string | undefined;
}

/** A JSON object read from a cache file, or undefined (unreadable, not JSON, not a regular file). */
function readJson(path: string): Record<string, unknown> | undefined {
  try {
    if (!lstatSync(path).isFile()) return undefined;
    const doc: unknown = JSON.parse(readFileSync(path, "utf8"));
    return typeof doc === "object" && doc !== null && !Array.isArray(doc)
      ? (doc as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(".json"))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

function remove(path: string, ctx: Context): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ENOENT") ctx.stderr.write(`awsrole: could not remove ${path} (${code ?? "error"}).\n`);
    return false;
  }
}

export async function runLogout(input: LogoutInput, ctx: Context): Promise<number> {
  // The portal endpoint: AWS_ENDPOINT_URL_SSO and friends, from the selected
  // profile's settings when there is one (a broken config still logs out).
  let endpointFor = (region: string): string => defaultPortalEndpoint(region);
  try {
    const config = loadConfig(ctx.env);
    const profile = config.profiles.get(chooseProfile(input.profile, ctx.env).name);
    const configured = configuredServiceEndpoint(config, profile, ctx.env, "sso");
    if (configured) endpointFor = () => configured.url;
  } catch {
    const configured = configuredServiceEndpoint(EMPTY_CONFIG, undefined, ctx.env, "sso");
    if (configured) endpointFor = () => configured.url;
  }
  const http = boundedTransport(ctx.signal);
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  const tokenDir = ssoCacheDir(ctx.env, () => homeDir(ctx.env));
  let tokens = 0;
  for (const path of jsonFiles(tokenDir)) {
    const doc = readJson(path);
    if (!doc || !("accessToken" in doc)) continue;
    if (typeof doc.region === "string" && doc.region !== "" && typeof doc.accessToken === "string") {
      try {
        await portalLogout(http, endpointFor(doc.region), doc.accessToken, sleep);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        if (ctx.debug)
          ctx.stderr.write(
            `awsrole: Logout for ${path} failed (${(error as Error).message}); removing the token anyway.\n`,
          );
      }
    }
    if (remove(path, ctx)) tokens++;
  }

  const cacheDir = cliCacheDir(ctx.env);
  let roles = 0;
  for (const path of jsonFiles(cacheDir)) {
    if (readJson(path)?.ProviderType === "sso" && remove(path, ctx)) roles++;
  }
  const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
  ctx.stderr.write(
    `Logged out: removed ${plural(tokens, "IAM Identity Center token")} from ${tildePath(tokenDir, ctx.env.HOME)}` +
      ` and ${plural(roles, "SSO role credential")} from ${tildePath(cacheDir, ctx.env.HOME)}.\n`,
  );
  return 0;
}
