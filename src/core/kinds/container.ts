// ECS / EKS Pod Identity container credentials (botocore ContainerProvider and
// ContainerMetadataFetcher): one GET to the address in
// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with the authorization
// token when one is given. Used by credential_source = EcsContainer, and, for a
// top-level profile with no credentials of its own, when those variables are set.

import { AwsroleError, InterruptedError } from "../../errors.js";
import { METADATA_MAX_RESPONSE_BYTES } from "../../adapters/bounded-http.js";
import { NeedsOnline } from "../effects.js";
import { fromMetadata, nonEmpty, roleSourceContext } from "./checks.js";
import { ok } from "./instance-metadata.js";
import type { CredentialKind, SourceBase } from "./types.js";

export interface ContainerSource extends SourceBase {
  kind: "ecs-container";
  profile?: string;
  fallback?: boolean;
}

declare module "./types.js" {
  interface SourceKinds {
    "ecs-container": ContainerSource;
  }
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

const CONTAINER_TIMEOUT_MS = 2000;

export const container: CredentialKind<ContainerSource> & { credentialSource: "EcsContainer" } = {
  kind: "ecs-container",
  credentialSource: "EcsContainer",
  // Only at the top, when nothing else applied, and only with its variables set.
  uses: (_profile, at) =>
    at.topLevel &&
    (nonEmpty(at.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) !== undefined ||
      nonEmpty(at.env.AWS_CONTAINER_CREDENTIALS_FULL_URI) !== undefined),
  plan: (profile) => ({ kind: "ecs-container", fallback: true, profile: profile.name }),
  async resolve(source, fx) {
    const env = fx.env;
    const context = roleSourceContext(source, "EcsContainer");
    const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    if (!relative && !full) {
      throw new AwsroleError(
        "NoContainerCredentials",
        `Profile "${source.profile}" uses credential_source = EcsContainer, but neither ` +
          `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set.`,
        { hint: context.hint },
      );
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
        throw new AwsroleError(
          "UnsupportedContainerHost",
          `AWS_CONTAINER_CREDENTIALS_FULL_URI (${parsed ? `host ${parsed.hostname}` : "not a URL"}) ` +
            `is not allowed: over plain http only a loopback address or 169.254.170.2, ` +
            `169.254.170.23 or fd00:ec2::23 may be used, as the AWS CLI requires.`,
          {
            hint: "Use https for other hosts, or a loopback or ECS/EKS address.",
          },
        );
      }
    }
    const headers: Record<string, string> = {};
    try {
      const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
      const token = tokenFile ? fx.readFile(tokenFile).trim() : env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
      if (token) headers.Authorization = token;
      const response = await fx.http({
        url,
        headers,
        deadlineMs: CONTAINER_TIMEOUT_MS,
        maxBytes: METADATA_MAX_RESPONSE_BYTES,
      });
      if (!ok(response.status)) throw new Error(`HTTP ${response.status}`);
      return fromMetadata(response.body, `The container credentials endpoint ${url}`, fx.now());
    } catch (error) {
      if (fx.signal.aborted) throw new InterruptedError();
      if (error instanceof AwsroleError || error instanceof NeedsOnline) throw error;
      throw new AwsroleError(
        "ContainerUnavailable",
        `The container credentials endpoint ${url} gave no credentials ${context.why}: ${(error as Error).message}.`,
        {
          hint: source.fallback ? context.hint : "Check the task role and the AWS_CONTAINER_* variables.",
        },
      );
    }
  },
  describe: () => "the ECS container role",
};
