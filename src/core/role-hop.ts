// One AssumeRole call of a plan (src/core/plan.ts), on its own so the effects
// and the cache keys can name it without importing the planner.

/** One AssumeRole call. Optional fields are sent only when configured, as botocore does. */
export interface RoleHop {
  profile: string;
  roleArn: string;
  roleSessionName?: string;
  externalId?: string;
  mfaSerial?: string;
  durationSeconds?: number;
  /** The hop's credentials came from a role session: STS caps DurationSeconds at 3600. */
  chained: boolean;
  /** awsrole extension (issue 7): obtain MFA once with GetSessionToken, then assume without TokenCode. */
  mfaSession?: boolean;
}
