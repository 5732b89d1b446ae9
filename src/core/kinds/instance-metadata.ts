// The EC2 instance role through IMDSv2 (botocore InstanceMetadataProvider and
// InstanceMetadataFetcher): PUT a token, then GET the role name and its
// credentials. Used by credential_source = Ec2InstanceMetadata, and as the last
// provider of botocore's chain for a top-level profile with no credentials of
// its own, unless AWS_EC2_METADATA_DISABLED is true.

import { AwsroleError, InterruptedError } from "../../errors.js";
import { getString, type Profile } from "../config.js";
import { NeedsOnline, type Effects } from "../effects.js";
import { METADATA_MAX_RESPONSE_BYTES } from "../../adapters/bounded-http.js";
import { fromMetadata, roleSourceContext } from "./checks.js";
import type { CredentialKind, SourceBase } from "./types.js";

export interface InstanceMetadataSource extends SourceBase {
  kind: "ec2-instance-metadata";
  profile?: string;
  /** Not asked for by credential_source: the end of botocore's provider chain (iam-role). */
  fallback?: boolean;
  /** ec2_metadata_service_endpoint of the selected profile (AWS_EC2_METADATA_SERVICE_ENDPOINT beats it). */
  endpoint?: string;
}

declare module "./types.js" {
  interface SourceKinds {
    "ec2-instance-metadata": InstanceMetadataSource;
  }
}

/** A session-wide setting: it comes from the selected profile, whichever profile's source this is. */
export function imdsEndpointOf(selected: Profile | undefined): string | undefined {
  const value = selected ? getString(selected, "ec2_metadata_service_endpoint")?.trim() : undefined;
  return value ? value : undefined;
}

export function metadataDisabled(env: Effects["env"]): boolean {
  return (env.AWS_EC2_METADATA_DISABLED ?? "").trim().toLowerCase() === "true";
}

/**
 * botocore InstanceMetadataFetcher._select_base_url: any host is allowed (the
 * instance-metadata token comes from that server, no secret of the user goes
 * there), but the value must be a URL with a valid host name (is_valid_uri,
 * else InvalidIMDSEndpointError). awsrole can speak only http and https.
 */
function metadataBase(value: string, origin: string): string {
  const refuse = () =>
    new AwsroleError(
      "InvalidImdsEndpoint",
      `The instance-metadata endpoint "${value.replace(/[^\x21-\x7e]/g, "?").slice(0, 200)}" (${origin}) is not a valid http or https URL.`,
      {
        hint: "Set it to a URL such as http://169.254.169.254, or unset it.",
      },
    );
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

const IMDS_TIMEOUT_MS = 1000;

export const instanceMetadata: CredentialKind<InstanceMetadataSource> & { credentialSource: "Ec2InstanceMetadata" } = {
  kind: "ec2-instance-metadata",
  credentialSource: "Ec2InstanceMetadata",
  // Only at the top, and only when nothing else applied (it is last in the order).
  uses: (_profile, at) => at.topLevel && !metadataDisabled(at.env),
  plan: (profile) => ({ kind: "ec2-instance-metadata", fallback: true, profile: profile.name }),
  async resolve(source, fx) {
    const context = roleSourceContext(source, "Ec2InstanceMetadata");
    const env = fx.env;
    if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") {
      throw new AwsroleError(
        "ImdsDisabled",
        `The EC2 instance role cannot be used ${context.why}: AWS_EC2_METADATA_DISABLED is true.`,
        { hint: "Unset AWS_EC2_METADATA_DISABLED, or use another credential_source." },
      );
    }
    // botocore's ec2_metadata_service_endpoint: the variable, then the profile.
    const base = env.AWS_EC2_METADATA_SERVICE_ENDPOINT
      ? metadataBase(env.AWS_EC2_METADATA_SERVICE_ENDPOINT, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
      : source.endpoint
        ? metadataBase(source.endpoint, "ec2_metadata_service_endpoint")
        : "http://169.254.169.254";
    const what = `The EC2 instance metadata service at ${base}`;
    const get = (url: string, init: { method?: string; headers?: Record<string, string> }) =>
      fx.http({ url, ...init, deadlineMs: IMDS_TIMEOUT_MS, maxBytes: METADATA_MAX_RESPONSE_BYTES });
    try {
      const tokenResponse = await get(`${base}/latest/api/token`, {
        method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
      });
      if (!ok(tokenResponse.status)) throw new Error(`token request returned HTTP ${tokenResponse.status}`);
      const token = tokenResponse.body;
      // A header value cannot hold control characters; such a token is not one.
      if (!/^[\x21-\x7e]{1,4096}$/.test(token)) throw new Error("the token request returned no usable token");
      const headers = { "x-aws-ec2-metadata-token": token };
      const roleResponse = await get(`${base}/latest/meta-data/iam/security-credentials/`, { headers });
      if (!ok(roleResponse.status)) throw new Error(`role request returned HTTP ${roleResponse.status}`);
      const roleName = roleResponse.body.split("\n")[0]!.trim();
      if (!roleName) throw new Error("no role is attached");
      const credsResponse = await get(
        `${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(roleName)}`,
        { headers },
      );
      if (!ok(credsResponse.status)) throw new Error(`credentials request returned HTTP ${credsResponse.status}`);
      return fromMetadata(credsResponse.body, what, fx.now());
    } catch (error) {
      if (fx.signal.aborted) throw new InterruptedError();
      if (error instanceof AwsroleError || error instanceof NeedsOnline) throw error;
      throw new AwsroleError(
        "ImdsUnavailable",
        `${what} gave no credentials ${context.why}: ${(error as Error).message}.`,
        { hint: context.hint },
      );
    }
  },
  describe: () => "the EC2 instance role",
};

export function ok(status: number): boolean {
  return status >= 200 && status < 300;
}
