// Credential sources other than keys in a file (docs/aws-rules.md#source-credentials, docs/aws-rules.md#web-identity):
// the environment, the EC2 instance role (IMDSv2), the ECS container role,
// credential_process, and web identity token files.

import { readFileSync } from "node:fs";
import { AwsroleError, InterruptedError } from "../errors.js";
import { shlexSplit } from "../core/shlex.js";
import type { Source } from "../core/plan.js";
import type { Credentials, SourcePort } from "../core/resolve.js";

type Env = Readonly<Record<string, string | undefined>>;
type NonStsSource = Exclude<Source, { kind: "static" } | { kind: "web-identity" }>;

export function createSources(env: Env, signal: AbortSignal): SourcePort {
  return {
    async resolve(source: NonStsSource): Promise<Credentials> {
      switch (source.kind) {
        case "environment":
          return fromEnvironment(env, source.profile);
        case "ec2-instance-metadata":
          return fromInstanceMetadata(env, source, signal);
        case "ecs-container":
          return fromContainer(env, source, signal);
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

function fromMetadata(body: MetadataCredentials, what: string): Credentials {
  if (!body.AccessKeyId || !body.SecretAccessKey) {
    throw new AwsroleError("MetadataCredentials", `${what} returned no credentials${body.Code ? ` (${body.Code})` : ""}.`, { hint: "Check that a role is attached to this instance or task." });
  }
  const expiration = body.Expiration ? new Date(body.Expiration) : undefined;
  return {
    accessKeyId: body.AccessKeyId,
    secretAccessKey: body.SecretAccessKey,
    ...(body.Token ? { sessionToken: body.Token } : {}),
    ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
  };
}

async function request(url: string, init: RequestInit, signal: AbortSignal, timeoutMs: number): Promise<Response> {
  const timeout = AbortSignal.timeout(timeoutMs);
  return fetch(url, { ...init, signal: AbortSignal.any([signal, timeout]) });
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

async function fromInstanceMetadata(env: Env, source: { profile?: string; fallback?: boolean }, signal: AbortSignal): Promise<Credentials> {
  const context = roleSourceContext(source, "Ec2InstanceMetadata");
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") {
    throw new AwsroleError("ImdsDisabled", `The EC2 instance role cannot be used ${context.why}: AWS_EC2_METADATA_DISABLED is true.`, { hint: "Unset AWS_EC2_METADATA_DISABLED, or use another credential_source." });
  }
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT || "http://169.254.169.254").replace(/\/+$/, "");
  const what = `The EC2 instance metadata service at ${base}`;
  try {
    const tokenResponse = await request(`${base}/latest/api/token`, { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" } }, signal, 1000);
    if (!tokenResponse.ok) throw new Error(`token request returned HTTP ${tokenResponse.status}`);
    const token = await tokenResponse.text();
    const headers = { "x-aws-ec2-metadata-token": token };
    const roleResponse = await request(`${base}/latest/meta-data/iam/security-credentials/`, { headers }, signal, 1000);
    if (!roleResponse.ok) throw new Error(`role request returned HTTP ${roleResponse.status}`);
    const roleName = (await roleResponse.text()).split("\n")[0]!.trim();
    if (!roleName) throw new Error("no role is attached");
    const credsResponse = await request(`${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(roleName)}`, { headers }, signal, 1000);
    if (!credsResponse.ok) throw new Error(`credentials request returned HTTP ${credsResponse.status}`);
    return fromMetadata((await credsResponse.json()) as MetadataCredentials, what);
  } catch (error) {
    if (signal.aborted) throw new InterruptedError();
    if (error instanceof AwsroleError) throw error;
    throw new AwsroleError("ImdsUnavailable", `${what} gave no credentials ${context.why}: ${(error as Error).message}.`, { hint: context.hint });
  }
}

// ECS / EKS Pod Identity container credentials (botocore ContainerProvider).
async function fromContainer(env: Env, source: { profile?: string; fallback?: boolean }, signal: AbortSignal): Promise<Credentials> {
  const context = roleSourceContext(source, "EcsContainer");
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (!relative && !full) {
    throw new AwsroleError("NoContainerCredentials", `Profile "${source.profile}" uses credential_source = EcsContainer, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set.`, { hint: context.hint });
  }
  const url = relative ? `http://169.254.170.2${relative}` : full!;
  const headers: Record<string, string> = {};
  try {
    const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    const token = tokenFile ? readFileSync(tokenFile, "utf8").trim() : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
    if (token) headers.Authorization = token;
    const response = await request(url, { headers }, signal, 2000);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return fromMetadata((await response.json()) as MetadataCredentials, `The container credentials endpoint ${url}`);
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
  const { stdout, code } = await run(argv, env, signal);
  if (code !== 0) {
    throw new AwsroleError("CredentialProcessFailed", `The credential_process of profile "${profile}" (${argv[0]}) exited with code ${code}.`, { hint: "Run that command yourself to see why it fails." });
  }
  let body: { Version?: number; AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: string };
  try {
    body = JSON.parse(stdout);
  } catch {
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" did not print JSON.`, { hint: "It must print {\"Version\": 1, \"AccessKeyId\": ..., \"SecretAccessKey\": ...} on stdout." });
  }
  if (body.Version !== 1) {
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" printed Version ${String(body.Version)}; only Version 1 is supported.`, { hint: "Use a credential_process that prints Version 1 JSON." });
  }
  if (!body.AccessKeyId || !body.SecretAccessKey) {
    throw new AwsroleError("CredentialProcessOutput", `The credential_process of profile "${profile}" printed no AccessKeyId or SecretAccessKey.`, { hint: "Run that command yourself and check its output." });
  }
  const expiration = body.Expiration ? new Date(body.Expiration) : undefined;
  return {
    accessKeyId: body.AccessKeyId,
    secretAccessKey: body.SecretAccessKey,
    ...(body.SessionToken ? { sessionToken: body.SessionToken } : {}),
    ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
  };
}

async function run(argv: string[], env: Env, signal: AbortSignal): Promise<{ stdout: string; code: number }> {
  // Loaded here, not at the top: node:child_process costs ~2 ms at startup.
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    // The process's stderr passes through to ours (it may prompt there, as
    // the AWS CLI allows); its stdout, which holds the secrets, is captured and
    // never echoed, not even in errors.
    const child = spawn(argv[0]!, argv.slice(1), { env: env as NodeJS.ProcessEnv, stdio: ["inherit", "pipe", "inherit"], signal });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (signal.aborted) reject(new InterruptedError());
      else reject(new AwsroleError("CredentialProcessFailed", `Cannot run credential_process ${argv[0]} (${error.code ?? error.message}).`, { hint: "Check that the command exists and is executable." }));
    });
    child.on("close", (code) => resolve({ stdout, code: code ?? 1 }));
  });
}
