// The one ARN parser. An ARN is arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE,
// and the resource may itself contain ":" (botocore's ArnParser.parse_arn splits
// at most five times; ArnParser.is_arn also requires the "arn:" prefix). See the
// AWS documentation "Amazon Resource Names (ARNs)" in the IAM User Guide.

export interface Arn {
  partition: string;
  service: string;
  region: string;
  /** May be empty (S3 bucket ARNs, for instance). */
  account: string;
  /** Everything after the fifth ":", colons included. */
  resource: string;
}

/** botocore ArnParser.is_arn + parse_arn: a string starting "arn:" with at least six ":"-separated fields, else undefined. */
export function parseArn(value: unknown): Arn | undefined {
  if (typeof value !== "string" || !value.startsWith("arn:")) return undefined;
  const parts = value.split(":");
  if (parts.length < 6) return undefined;
  return { partition: parts[1]!, service: parts[2]!, region: parts[3]!, account: parts[4]!, resource: parts.slice(5).join(":") };
}

/**
 * The account field of an ARN, or undefined when the value is not an ARN
 * (botocore _add_account_id_to_response adds Credentials.AccountId exactly then;
 * the field may be empty).
 */
export function accountIdFromArn(arn: unknown): string | undefined {
  return parseArn(arn)?.account;
}

// An IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/[path/]name. botocore sends any
// string and lets STS refuse it; awsrole refuses it before any call
// (docs/differences.md) so the message can name the profile.
export const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@\-/]{1,512}$/;

/** The strict check a role_arn / --role-arn must pass before any call (ROLE_ARN). */
export function isRoleArn(value: string): boolean {
  return ROLE_ARN.test(value);
}

export interface RoleArnParts {
  partition: string;
  /** 12 digits. */
  account: string;
  /** The last segment of role/[path/]name. */
  name: string;
}

/**
 * The account and role name of something that looks like a role ARN, for display
 * (doctor, the picker): looser than isRoleArn, any partition made of word
 * characters and "-", any name without "/". Undefined otherwise.
 */
export function parseRoleArn(value: string | undefined): RoleArnParts | undefined {
  const arn = parseArn(value);
  if (arn === undefined || !/^[\w-]+$/.test(arn.partition) || arn.service !== "iam" || arn.region !== "" || !/^\d{12}$/.test(arn.account)) return undefined;
  if (!arn.resource.startsWith("role/")) return undefined;
  const name = arn.resource.slice(arn.resource.lastIndexOf("/") + 1);
  return name === "" ? undefined : { partition: arn.partition, account: arn.account, name };
}

/** The account of an ARN for display: the field, or "" when the value is not an ARN. */
export function accountOfArn(arn: string): string {
  return parseArn(arn)?.account ?? "";
}

/** The last path segment of an ARN's resource (role/path/Name -> Name; "" when not an ARN). */
export function resourceNameOfArn(arn: string): string {
  const resource = parseArn(arn)?.resource ?? "";
  return resource.split("/").pop() ?? resource;
}

/**
 * The role behind an assumed-role ARN (what GetCallerIdentity or AssumeRole
 * returns): arn:P:sts::A:assumed-role/NAME/SESSION -> arn:P:iam::A:role/NAME.
 * STS drops the role's path from the assumed-role ARN, so the result carries
 * none. Undefined for anything else.
 */
export function roleArnFromAssumedRole(value: string | undefined): string | undefined {
  const arn = parseArn(value);
  if (arn === undefined || arn.service !== "sts" || !arn.resource.startsWith("assumed-role/")) return undefined;
  const [, name, session] = arn.resource.split("/");
  if (!name || !session) return undefined;
  return `arn:${arn.partition}:iam::${arn.account}:role/${name}`;
}

/** The session name of an assumed-role ARN (the part after the role name), else undefined. */
export function sessionNameOfAssumedRole(value: string | undefined): string | undefined {
  const arn = parseArn(value);
  if (arn === undefined || arn.service !== "sts" || !arn.resource.startsWith("assumed-role/")) return undefined;
  const session = arn.resource.split("/")[2];
  return session ? session : undefined;
}
