// What every kind checks in credentials it was handed by someone else (a
// metadata endpoint, a credential_process): that they are text a request header
// can carry, and that an Expiration, when given, is a timestamp still ahead.
// Values are never quoted in messages: they are secrets.

import { AwsroleError } from "../../errors.js";
import { parseExpiration } from "../cache-policy.js";
import { credentialTextProblem, isCredentialText } from "../../adapters/bounded-http.js";
import type { Credentials } from "./types.js";

export function isText(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** Credentials that would break the next signed request (a header cannot hold them) are refused, without quoting them. */
export function refuseOddCharacters(values: ReadonlyArray<readonly [string, unknown]>, what: string): void {
  const odd = values.find(
    ([, v]) => !(v === undefined || v === null || v === "" || (typeof v === "string" && isCredentialText(v))),
  );
  if (!odd) return;
  const [field, value] = odd;
  const problem = typeof value === "string" ? credentialTextProblem(value) : undefined;
  throw new AwsroleError(
    "OddCredentialCharacters",
    `${what} returned credentials holding characters no AWS credential has: the ${field} ${problem ?? "is not text"}.`,
    {
      hint: "Run it yourself and check its output; nothing was exported or cached.",
    },
  );
}

/**
 * An Expiration from a source: absent is fine (long-lived keys), but one that
 * cannot be read, or that has passed, is refused, as botocore refuses it
 * (dateutil's ParserError; "Credentials were refreshed, but the refreshed
 * credentials are still expired").
 */
export function checkExpiration(value: unknown, what: string, now: Date): Date | undefined {
  if (value === undefined || value === null) return undefined;
  const expiration = parseExpiration(value);
  if (!expiration) {
    throw new AwsroleError("MalformedExpiration", `${what} returned credentials whose Expiration is not a timestamp.`, {
      hint: "It must be ISO 8601 with a zone, e.g. 2026-12-01T10:00:00Z; nothing was exported or cached.",
    });
  }
  if (expiration.getTime() <= now.getTime()) {
    throw new AwsroleError(
      "ExpiredCredentials",
      `${what} returned credentials that had already expired (Expiration ${expiration.toISOString()}).`,
      { hint: "Check the clock of this machine and of that source; nothing was exported or cached." },
    );
  }
  return expiration;
}

interface MetadataCredentials {
  AccessKeyId?: string;
  SecretAccessKey?: string;
  Token?: string;
  Expiration?: string;
  Code?: string;
  Message?: string;
}

/** The JSON the instance-metadata and container endpoints answer with (botocore's _evaluate_response / container fetcher). */
export function fromMetadata(text: string, what: string, now: Date): Credentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never quote the body: it is whatever the server sent.
    throw new AwsroleError("MetadataCredentials", `${what} returned a response that is not JSON.`, {
      hint: "Check that the endpoint is a credentials endpoint.",
    });
  }
  const body = (typeof parsed === "object" && parsed !== null ? parsed : {}) as MetadataCredentials;
  if (
    !isText(body.AccessKeyId) ||
    !isText(body.SecretAccessKey) ||
    (body.Token !== undefined && body.Token !== null && typeof body.Token !== "string")
  ) {
    const code = typeof body.Code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(body.Code) ? ` (${body.Code})` : "";
    throw new AwsroleError("MetadataCredentials", `${what} returned no credentials${code}.`, {
      hint: "Check that a role is attached to this instance or task.",
    });
  }
  refuseOddCharacters(
    [
      ["access key id", body.AccessKeyId],
      ["secret access key", body.SecretAccessKey],
      ["session token", body.Token],
    ],
    what,
  );
  const expiration = checkExpiration(body.Expiration, what, now);
  return {
    accessKeyId: body.AccessKeyId,
    secretAccessKey: body.SecretAccessKey,
    ...(body.Token ? { sessionToken: body.Token } : {}),
    ...(expiration ? { expiration } : {}),
  };
}

/** How a container or instance-role source came to be used, for its error messages. */
export function roleSourceContext(
  source: { profile?: string | undefined; fallback?: boolean | undefined },
  what: "Ec2InstanceMetadata" | "EcsContainer",
): { why: string; hint: string } {
  if (!source.fallback) {
    return {
      why: `for profile "${source.profile}" (credential_source = ${what})`,
      hint:
        what === "Ec2InstanceMetadata"
          ? "credential_source = Ec2InstanceMetadata works only on EC2 with an instance role."
          : "EcsContainer works only inside an ECS task (or with those variables set).",
    };
  }
  const start =
    source.profile === undefined
      ? "No profile was given and there is no [default] profile"
      : `Profile "${source.profile}" has no credentials of its own`;
  return {
    why: `(${start}, so, as the AWS CLI does, the ${what === "Ec2InstanceMetadata" ? "EC2 instance role" : "container role"} was tried)`,
    hint:
      source.profile === undefined
        ? "Name a profile (or set AWS_PROFILE), or run where an instance or container role is attached."
        : `Add keys or role_arn with source_profile to [${source.profile}], or run where an instance or container role is attached.`,
  };
}

/** A set variable with a value (botocore treats an empty one as unset for these). */
export function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== "" ? value : undefined;
}
