// ARN helpers for the few ARN kinds STS deals with.

import { createHash } from "node:crypto";

export interface IamArn {
  partition: string;
  account: string;
  /** "user", "role", "mfa", "root", "oidc-provider", ... */
  resourceType: string;
  /** Everything after "<type>/" including any path, e.g. "division/RoleA". Empty for root. */
  resource: string;
  /** Last path segment: the user, role or device name. */
  name: string;
}

const IAM_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):([a-z-]+)(?:\/(.+))?$/;

export function parseIamArn(arn: string): IamArn | null {
  const match = IAM_ARN.exec(arn);
  if (!match) return null;
  const [, partition = "", account = "", resourceType = "", resource = ""] = match;
  const name = resource.split("/").pop() ?? "";
  return { partition, account, resourceType, resource, name };
}

/** arn:aws:sts::ACCT:assumed-role/ROLE/SESSION — real STS drops the role's path here. */
export function assumedRoleArn(roleArn: IamArn, sessionName: string): string {
  return `arn:${roleArn.partition}:sts::${roleArn.account}:assumed-role/${roleArn.name}/${sessionName}`;
}

const ASSUMED_ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

export function isAssumedRoleArn(arn: string): boolean {
  return ASSUMED_ROLE_ARN.test(arn);
}

// IAM unique ids are a 4-letter prefix (AIDA users, AROA roles) and 17 upper-case
// alphanumerics. Derived from the ARN so they are stable across emulator restarts, which
// lets tests and fixtures hard-code them.
const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function stableUniqueId(prefix: "AIDA" | "AROA", arn: string): string {
  const digest = createHash("sha256").update(arn).digest();
  let id = prefix;
  for (let i = 0; i < 17; i++) id += ID_ALPHABET[digest[i]! & 31];
  return id;
}
