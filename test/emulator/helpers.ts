// Shared fixtures for the emulator's own tests: the seed world's principals and a real
// @aws-sdk/client-sts client pointed at a running emulator.

import { STSClient, type Credentials } from "@aws-sdk/client-sts";
import { expect } from "vitest";
import { SEED_WORLD_PATH, type StsServer } from "../sts/server.js";

export const SEEDS_PATH = SEED_WORLD_PATH;

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

// The seed world's long-term keys (test/sts/worlds/seeds.json).
export const USER1: KeyPair = {
  accessKeyId: "AKIAUSER1S3DEV000001",
  secretAccessKey: "user1s3devSecretKey000000000000000000001",
};
export const CHAIN_USER: KeyPair = {
  accessKeyId: "AKIAUSER1CHAIN000001",
  secretAccessKey: "User1ChainSecretKey00000000000000000001",
};
export const NO_SKILL: KeyPair = {
  accessKeyId: "AKIANOSKILL000000001",
  secretAccessKey: "NoSkillSecretKey000000000000000000000001",
};
export const CI_USER: KeyPair = {
  accessKeyId: "AKIACIUSER0000000001",
  secretAccessKey: "CiUserSecretKey0000000000000000000000001",
};

export const USER1_ARN = "arn:aws:iam::123456789012:user/user1";
export const CHAIN_USER_ARN = "arn:aws:iam::111111111111:user/User1";
export const CHAIN_MFA = "arn:aws:iam::111111111111:mfa/User1";
export const NO_SKILL_MFA = "arn:aws:iam::333333333333:mfa/no_skill";
export const WEB_TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaS1ydW5uZXIifQ.sig";

export const role = (account: string, name: string): string => `arn:aws:iam::${account}:role/${name}`;

/**
 * A real STS client for the emulator. maxAttempts defaults to 1 so every SDK call is exactly
 * one request in `server.calls` (fault tests opt into retries explicitly).
 */
export function sts(
  server: Pick<StsServer, "url">,
  credentials: KeyPair,
  options: { maxAttempts?: number; region?: string } = {},
): STSClient {
  return new STSClient({
    region: options.region ?? "us-east-1",
    endpoint: server.url,
    credentials,
    maxAttempts: options.maxAttempts ?? 1,
  });
}

/** An unsigned-capable client (AssumeRoleWithWebIdentity needs no credentials). */
export function anonymousSts(server: Pick<StsServer, "url">): STSClient {
  return new STSClient({ region: "us-east-1", endpoint: server.url, maxAttempts: 1 });
}

/** The key pair inside an AssumeRole / GetSessionToken result. */
export function keysOf(credentials: Credentials | undefined): KeyPair {
  expect(credentials).toBeDefined();
  return {
    accessKeyId: credentials!.AccessKeyId!,
    secretAccessKey: credentials!.SecretAccessKey!,
    sessionToken: credentials!.SessionToken!,
  };
}

/** Awaits a rejected SDK call and checks the STS error code, HTTP status and (optionally) message. */
export async function expectStsError(
  promise: Promise<unknown>,
  code: string,
  status: number,
  message?: string | RegExp,
): Promise<void> {
  const error = await promise.then(
    () => {
      throw new Error(`expected STS error ${code}, but the call succeeded`);
    },
    (e: unknown) => e as { name: string; message: string; $metadata?: { httpStatusCode?: number } },
  );
  expect(error.name).toBe(code);
  expect(error.$metadata?.httpStatusCode).toBe(status);
  if (typeof message === "string") expect(error.message).toBe(message);
  else if (message) expect(error.message).toMatch(message);
}
