// Credential sources other than keys in a file (docs/aws-rules.md#source-credentials, docs/aws-rules.md#web-identity):
// the environment, the EC2 instance role (IMDSv2), the ECS container role,
// credential_process, and web identity token files.

import { readFileSync } from "node:fs";
import { AwsroleError, InterruptedError } from "../errors.js";
import { shlexSplit } from "../core/shlex.js";
import type { Source } from "../core/plan.js";
import type { Credentials, SourcePort } from "../core/resolve.js";
import { parseExpiration } from "../core/cache-policy.js";
import { boundedRequest, credentialTextProblem, DeadlineError, formatBytes, formatSeconds, isCredentialText, METADATA_MAX_RESPONSE_BYTES, ResponseTooLargeError } from "./bounded-http.js";
import { readCaBundle, type CaBundle } from "./ca-bundle.js";

import type { Env } from "../core/env.js";
type NonStsSource = Exclude<Source, { kind: "static" } | { kind: "web-identity" }>;

export interface SourceOptions {
  /** AWS_CA_BUNDLE or the profile's ca_bundle, for https metadata and container endpoints. */
  caBundle?: CaBundle | undefined;
  /** ec2_metadata_service_endpoint of the selected profile (AWS_EC2_METADATA_SERVICE_ENDPOINT beats it). */
  imdsEndpoint?: string | undefined;
}

export function createSources(env: Env, signal: AbortSignal, options: SourceOptions = {}): SourcePort {
  const ca = () => (options.caBundle ? readCaBundle(options.caBundle) : undefined);
  return {
    async resolve(source: NonStsSource): Promise<Credentials> {
      switch (source.kind) {
        case "environment":
          return fromEnvironment(env, source.profile);
        case "ec2-instance-metadata":
          return fromInstanceMetadata(env, source, signal, ca, options.imdsEndpoint);
        case "ecs-container":
          return fromContainer(env, source, signal, ca);
        case "credential-process":
          return fromProcess(source.command, source.profile, env, signal);
      }
    },
    async readWebIdentityToken(path: string): Promise<string> {
      try {
        // botocore reads the token raw on every fetch (no trimming).
        return readFileSync(path, "utf8");
      } catch (error) {
        throw new AwsroleError("WebIdentityTokenUnreadable", `Cannot read the web identity token file ${path} (${(error as NodeJS.ErrnoException).code ?? "error"}).`, {
          hint: "Check web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE) and that the file exists.",
        });
      }
    },
  };
}

function fromEnvironment(env: Env, profile: string | undefined): Credentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  const where = profile ? ` (credential_source = Environment in profile "${profile}")` : "";
  if (!accessKeyId) {
    throw new AwsroleError("NoEnvironmentCredentials", `AWS_ACCESS_KEY_ID is not set${where}.`, { hint: "Export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY first." });
  }
  if (!secretAccessKey) {
    throw new AwsroleError("PartialEnvironmentCredentials", `AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not${where}.`, { hint: "Export AWS_SECRET_ACCESS_KEY too." });
  }
  // botocore reads AWS_SECURITY_TOKEN before AWS_SESSION_TOKEN.
  const sessionToken = env.AWS_SECURITY_TOKEN || env.AWS_SESSION_TOKEN;
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
  };
}

interface MetadataCredentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  Token?: string;
  Expiration?: string;
  Code?: string;
  Message?: string;
}

function fromMetadata(text: string, what: string): Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never quote the body: it is whatever the server sent.
    throw new AwsroleError("MetadataCredentials", `${what} returned a response that is not JSON.`, { hint: "Check that the endpoint is a credentials endpoint." });
  }
  const body = (typeof parsed === "object" && parsed !== null ? parsed : {}) as MetadataCredentials;
  if (!isText(body.AccessKeyId) || !isText(body.SecretAccessKey) || (body.Token !== undefined && body.Token !== null && typeof body.Token !== "string")) {
    const code = typeof body.Code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(body.Code) ? ` (${body.Code})` : "";
    throw new AwsroleError("MetadataCredentials", `${what} returned no credentials${code}.`, { hint: "Check that a role is attached to this instance or task." });
  }
  refuseOddCharacters([["access key id", body.AccessKeyId], ["secret access key", body.SecretAccessKey], ["session token", body.Token]], what);
  const expiration = checkExpiration(body.Expiration, what);
  return {
    accessKeyId: body.AccessKeyId,
    secretAccessKey: body.SecretAccessKey,
    ...(body.Token ? { sessionToken: body.Token } : {}),
    ...(expiration ? { expiration } : {}),
  };
}

/** Credentials that would break the next signed request (a header cannot hold them) are refused, without quoting them. */
function refuseOddCharacters(values: ReadonlyArray<readonly [string, unknown]>, what: string): void {
  const odd = values.find(([, v]) => !(v === undefined || v === null || v === "" || (typeof v === "string" && isCredentialText(v))));
  if (!odd) return;
  const [field, value] = odd;
  const problem = typeof value === "string" ? credentialTextProblem(value) : undefined;
  throw new AwsroleError("OddCredentialCharacters", `${what} returned credentials holding characters no AWS credential has: the ${field} ${problem ?? "is not text"}.`, {
    hint: "Run it yourself and check its output; nothing was exported or cached.",
  });
}

function isText(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/**
 * An Expiration from a source: absent is fine (long-lived keys), but one that
 * cannot be read, or that has passed, is refused, as botocore refuses it
 * (dateutil's ParserError; "Credentials were refreshed, but the refreshed
 * credentials are still expired").
 */
function checkExpiration(value: unknown, what: string): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const expiration = parseExpiration(value);
  if (!expiration) {
    throw new AwsroleError("MalformedExpiration", `${what} returned credentials whose Expiration is not a timestamp.`, { hint: "It must be ISO 8601 with a zone, e.g. 2026-12-01T10:00:00Z; nothing was exported or cached." });
  }
  if (expiration.getTime() <= Date.now()) {
    throw new AwsroleError("ExpiredCredentials", `${what} returned credentials that had already expired (Expiration ${expiration.toISOString()}).`, { hint: "Check the clock of this machine and of that source; nothing was exported or cached." });
  }
  return expiration;
}

type CaSupplier = () => string | undefined;

/** One request to a metadata or container endpoint: its own deadline, a size limit, the CA bundle for https. */
async function request(url: string, init: { method?: string; headers?: Record<string, string> }, signal: AbortSignal, timeoutMs: number, ca: CaSupplier): Promise<{ ok: boolean; status: number; text: string }> {
  const https = url.startsWith("https:");
  try {
    const { status, body } = await boundedRequest(url, { ...init, ca: https ? ca() : undefined, deadlineMs: timeoutMs, maxBytes: METADATA_MAX_RESPONSE_BYTES, signal });
    return { ok: status >= 200 && status < 300, status, text: body.toString("utf8") };
  } catch (error) {
    if (error instanceof DeadlineError) throw new Error(`no complete answer within ${formatSeconds(error.ms)}`);
    if (error instanceof ResponseTooLargeError) throw new Error(`the response was larger than ${formatBytes(error.limit)}`);
    if (error instanceof AwsroleError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code && /^[A-Z0-9_]{1,40}$/.test(code) ? code : "the request failed");
  }
}

/**
 * botocore InstanceMetadataFetcher._select_base_url: any host is allowed (the
 * instance-metadata token comes from that server, no secret of the user goes
 * there), but the value must be a URL with a valid host name (is_valid_uri,
 * else InvalidIMDSEndpointError). awsrole can speak only http and https.
 */
function metadataBase(value: string, origin: string): string {
  const refuse = () =>
    new AwsroleError("InvalidImdsEndpoint", `The instance-metadata endpoint "${value.replace(/[^\x21-\x7e]/g, "?").slice(0, 200)}" (${origin}) is not a valid http or https URL.`, {
      hint: "Set it to a URL such as http://169.254.169.254, or unset it.",
    });
  if (/[\r\n\t]/.test(value)) throw refuse();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse();
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") throw refuse();
  return value.replace(/\/+$/, "");
}

// botocore ContainerMetadataFetcher._validate_allowed_url: over plain http only
// loopback addresses and the ECS / EKS Pod Identity hosts; https to any host.
const CONTAINER_HOSTS = new Set(["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost"]);

export function containerHostAllowed(url: URL): boolean {
  if (url.protocol === "https:") return true;
  if (url.protocol !== "http:") return false;
  const host = url.hostname.toLowerCase();
  if (CONTAINER_HOSTS.has(host)) return true;
  // ipaddress.ip_address(host).is_loopback: 127.0.0.0/8 and ::1 (WHATWG URL has already normalised 127.1 and the like).
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  return host === "[::1]";
}

// IMDSv2 (botocore InstanceMetadataFetcher): PUT a token, then GET the role name
// and its credentials. AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address.
/** How a container or instance-role source came to be used, for its error messages. */
function roleSourceContext(source: { profile?: string; fallback?: boolean }, what: "Ec2InstanceMetadata" | "EcsContainer"): { why: string; hint: string } {
  if (!source.fallback) {
    return { why: `for profile "${source.profile}" (credential_source = ${what})`, hint: what === "Ec2InstanceMetadata" ? "credential_source = Ec2InstanceMetadata works only on EC2 with an instance role." : "EcsContainer works only inside an ECS task (or with those variables set)." };
  }
  const start = source.profile === undefined ? "No profile was given and there is no [default] profile" : `Profile "${source.profile}" has no credentials of its own`;
  return {
    why: `(${start}, so, as the AWS CLI does, the ${what === "Ec2InstanceMetadata" ? "EC2 instance role" : "container role"} was tried)`,
    hint: source.profile === undefined ? "Name a profile (or set AWS_PROFILE), or run where an instance or container role is attached." : `Add keys or role_arn with source_profile to [${source.profile}], or run where an instance or container role is attached.`,
  };
}

async function fromInstanceMetadata(env: Env, source: { profile?: string; fallback?: boolean }, signal: AbortSignal, ca: CaSupplier, profileEndpoint: string | undefined): Promise<Credentials> {
  const context = roleSourceContext(source, "Ec2InstanceMetadata");
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") {
    throw new AwsroleError("ImdsDisabled", `The EC2 instance role cannot be used ${context.why}: AWS_EC2_METADATA_DISABLED is true.`, { hint: "Unset AWS_EC2_METADATA_DISABLED, or use another credential_source." });
  }
  // botocore's ec2_metadata_service_endpoint: the variable, then the profile.
  const base = env.AWS_EC2_METADATA_SERVICE_ENDPOINT
    ? metadataBase(env.AWS_EC2_METADATA_SERVICE_ENDPOINT, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
    : profileEndpoint
      ? metadataBase(profileEndpoint, "ec2_metadata_service_endpoint")
      : "http://169.254.169.254";
  const what = `The EC2 instance metadata service at ${base}`;
  try {
    const tokenResponse = await request(`${base}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" } }, signal, 1000, ca);
    if (!tokenResponse.ok) throw new Error(`token request returned HTTP ${tokenResponse.status}`);
    const token = tokenResponse.text;
    // A header value cannot hold control characters; such a token is not one.
    if (!/^[\x21-\x7e]{1,4096}$/.test(token)) throw new Error("the token request returned no usable token");
    const headers = { "x-aws-ec2-metadata-token": token };
    const roleResponse = await request(`${base}/latest/meta-data/iam/security-credentials/`, { headers }, signal, 1000, ca);
    if (!roleResponse.ok) throw new Error(`role request returned HTTP ${roleResponse.status}`);
    const roleName = roleResponse.text.split("\n")[0]!.trim();
    if (!roleName) throw new Error("no role is attached");
    const credsResponse = await request(`${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(roleName)}`, { headers }, signal, 1000, ca);
    if (!credsResponse.ok) throw new Error(`credentials request returned HTTP ${credsResponse.status}`);
    return fromMetadata(credsResponse.text, what);
  } catch (error) {
    if (signal.aborted) throw new InterruptedError();
    if (error instanceof AwsroleError) throw error;
    throw new AwsroleError("ImdsUnavailable", `${what} gave no credentials ${context.why}: ${(error as Error).message}.`, { hint: context.hint });
  }
}

// ECS / EKS Pod Identity container credentials (botocore ContainerProvider).
async function fromContainer(env: Env, source: { profile?: string; fallback?: boolean }, signal: AbortSignal, ca: CaSupplier): Promise<Credentials> {
  const context = roleSourceContext(source, "EcsContainer");
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (!relative && !full) {
    throw new AwsroleError("NoContainerCredentials", `Profile "${source.profile}" uses credential_source = EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set.`, { hint: context.hint });
  }
  const url = relative ? `http://169.254.170.2${relative}` : full!;
  if (!relative) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    // Checked before the token is read: it must never reach another host.
    if (!parsed || !containerHostAllowed(parsed)) {
      throw new AwsroleError("UnsupportedContainerHost", `AWS_CONTAINER_CREDENTIALS_FULL_URI (${parsed ? `host ${parsed.hostname}` : "not a URL"}) is not allowed: over plain http only a loopback address or 169.254.170.2, 169.254.170.23 or fd00:ec2::23 may be used, as the AWS CLI requires.`, {
        hint: "Use https for other hosts, or a loopback or ECS/EKS address.",
      });
    }
  }
  const headers: Record<string, string> = {};
  try {
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const token = tokenFile ? readFileSync(tokenFile, "utf8").trim() : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    if (token) headers.Authorization = token;
    const response = await request(url, { headers }, signal, 2000, ca);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return fromMetadata(response.text, `The container credentials endpoint ${url}`);
  } catch (error) {
    if (signal.aborted) throw new InterruptedError();
    if (error instanceof AwsroleError) throw error;
    throw new AwsroleError("ContainerUnavailable", `The container credentials endpoint ${url} gave no credentials ${context.why}: ${(error as Error).message}.`, {
      hint: source.fallback ? context.hint : "Check the task role and the AWS_CONTAINER_* variables.",
    });
  }
}

// credential_process (botocore ProcessProvider): the command line is split with
// shlex and run without a shell; stdout must be JSON with Version 1.
async function fromProcess(command: string, profile: string, env: Env, signal: AbortSignal): Promise<Credentials> {
  const argv = shlexSplit(command);
  if (!argv || argv.length === 0) {
    throw new AwsroleError("BadCredentialProcess", `Profile "${profile}" has a credential_process that cannot be split into a command (unbalanced quote?).`, { hint: "Fix the quoting of credential_process." });
  }
  const { stdout, code } = await run(argv, profile, env, signal);
  if (code !== 0) {
    throw new AwsroleError("CredentialProcessFailed", `The credential_process of profile "${profile}" (${argv[0]}) exited with code ${code}.`, { hint: "Run that command yourself to see why it fails." });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" did not print JSON.`, { hint: "It must print {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...} on stdout." });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" printed JSON that is not an object.`, { hint: "It must print {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...} on stdout." });
  }
  const body = parsed as { Version?: unknown; AccessKeyId?: unknown; SecretAccessKey?: unknown; SessionToken?: unknown; Expiration?: unknown };
  if (body.Version !== 1) {
    // Only a number is named: the output holds secrets, so no other value of it is shown.
    const shown = typeof body.Version === "number" && Number.isFinite(body.Version) ? String(body.Version) : body.Version === undefined ? "no Version" : "a Version that is not a number";
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" printed ${typeof body.Version === "number" ? `Version ${shown}` : shown}; only Version 1 is supported.`, { hint: "Use a credential_process that prints Version 1 JSON." });
  }
  if (!isText(body.AccessKeyId) || !isText(body.SecretAccessKey)) {
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" printed no AccessKeyId or SecretAccessKey (as strings).`, { hint: "Run that command yourself and check its output." });
  }
  if (body.SessionToken !== undefined && body.SessionToken !== null && typeof body.SessionToken !== "string") {
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" printed a SessionToken that is not a string.`, { hint: "Run that command yourself and check its output." });
  }
  refuseOddCharacters([["access key id", body.AccessKeyId], ["secret access key", body.SecretAccessKey], ["session token", body.SessionToken]], `The credential_process of profile "${profile}"`);
  const expiration = checkExpiration(body.Expiration, `The credential_process of profile "${profile}"`);
  return {
    accessKeyId: body.AccessKeyId,
    secretAccessKey: body.SecretAccessKey,
    ...(typeof body.SessionToken === "string" && body.SessionToken !== "" ? { sessionToken: body.SessionToken } : {}),
    ...(expiration ? { expiration } : {}),
  };
}

/** More than a credential_process could mean: its output is a few KiB. */
export const PROCESS_MAX_STDOUT_BYTES = 1024 * 1024;
const PROCESS_DEFAULT_TIMEOUT_MS = 10 * 60_000;

/** AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS (1 s to 1 h), else 10 minutes: long enough for a browser sign-in. */
function processTimeout(env: Env): number {
  const value = Number(env.AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS);
  return Number.isInteger(value) && value >= 1000 && value <= 3_600_000 ? value : PROCESS_DEFAULT_TIMEOUT_MS;
}

async function run(argv: string[], profile: string, env: Env, signal: AbortSignal): Promise<{ stdout: string; code: number }> {
  // Loaded here, not at the top: node:child_process costs ~2 ms at startup.
  const { spawn } = await import("node:child_process");
  const timeoutMs = processTimeout(env);
  return new Promise((resolve, reject) => {
    // The process's stderr passes through to ours (it may prompt there, as
    // the AWS CLI allows); its stdout, which holds the secrets, is captured and
    // never echoed, not even in errors.
    const child = spawn(argv[0]!, argv.slice(1), { env: env as NodeJS.ProcessEnv, stdio: ["inherit", "pipe", "inherit"], signal });
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: AwsroleError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // It gets a moment to clean up, then is killed; awsrole does not wait for it.
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 2000).unref();
      child.stdout.destroy();
      child.unref();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new AwsroleError("CredentialProcessTimeout", `The credential_process of profile "${profile}" (${argv[0]}) did not finish within ${Math.round(timeoutMs / 1000)} s; it was stopped.`, { hint: "Run that command yourself to see where it waits (AWSROLE_CREDENTIAL_PROCESS_TIMEOUT_MS changes the limit)." })),
      timeoutMs,
    );
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > PROCESS_MAX_STDOUT_BYTES) {
        fail(new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" (${argv[0]}) printed more than ${PROCESS_MAX_STDOUT_BYTES / (1024 * 1024)} MiB on stdout; it was stopped.`, { hint: "Run that command yourself and check its output." }));
        return;
      }
      chunks.push(chunk);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (signal.aborted) reject(new InterruptedError());
      else reject(new AwsroleError("CredentialProcessFailed", `Cannot run credential_process ${argv[0]} (${error.code ?? error.message}).`, { hint: "Check that the command exists and is executable." }));
    });
    child.on("close", (code) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(chunks, size).toString("utf8"), code: code ?? 1 });
    });
  });
}
