// A plan as people and scripts see it (`awsrole chain`). The view never holds a
// secret: access key ids are masked to their last four characters, secret keys
// and session tokens are left out entirely.

import { kindOf } from "../core/kinds/index.js";
import type { Plan, RoleHop, Source } from "../core/plan.js";
import { accountOfArn, resourceNameOfArn } from "../core/arn.js";

export interface HopView {
  step: number;
  profile: string;
  call: "AssumeRole";
  roleArn: string;
  roleName: string;
  account: string;
  mfaSerial: string | null;
  externalId: string | null;
  /** Seconds requested, or null when not configured (STS then grants 3600). */
  durationSeconds: number | null;
  /** Configured name, or null when the AWS CLI generates botocore-session-<seconds>. */
  roleSessionName: string | null;
  /** Credentials of the previous hop are a role session: STS caps the duration at 3600. */
  chained: boolean;
  mfaSession: boolean;
}

export interface SourceView {
  kind: Source["kind"];
  profile: string | null;
  description: string;
}

export interface PlanView {
  profile: string | null;
  source: SourceView;
  hops: HopView[];
}

export function describePlan(plan: Plan): PlanView {
  return {
    profile: plan.profile ?? null,
    source: describeSource(plan.source),
    hops: plan.hops.map((hop, index) => describeHop(hop, index + 1)),
  };
}

export function describeHop(hop: RoleHop, step: number): HopView {
  return {
    step,
    profile: hop.profile,
    call: "AssumeRole",
    roleArn: hop.roleArn,
    roleName: roleNameOf(hop.roleArn),
    account: accountOf(hop.roleArn),
    mfaSerial: hop.mfaSerial ?? null,
    externalId: hop.externalId ?? null,
    durationSeconds: hop.durationSeconds ?? null,
    roleSessionName: hop.roleSessionName ?? null,
    chained: hop.chained,
    mfaSession: hop.mfaSession ?? false,
  };
}

export function describeSource(source: Source): SourceView {
  const profile = "profile" in source && source.profile !== undefined ? source.profile : null;
  switch (source.kind) {
    case "static":
      return {
        kind: source.kind,
        profile,
        description:
          `${source.sessionToken ? "session keys" : "access keys"} ${maskKey(source.accessKeyId)} ` +
          `of profile "${source.profile}" in ${source.origin.path}`,
      };
    case "environment":
      return {
        kind: source.kind,
        profile,
        description:
          source.reason === "credential_source"
            ? `AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment (credential_source = Environment in "${source.profile}")`
            : "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY from the environment (they win over AWS_PROFILE, as in the AWS CLI)",
      };
    case "ec2-instance-metadata":
    case "ecs-container": {
      const role = source.kind === "ecs-container" ? "the ECS container role" : "the EC2 instance role via IMDSv2";
      if (!source.fallback)
        return {
          kind: source.kind,
          profile,
          description: `${role} (credential_source = ${source.kind === "ecs-container" ? "EcsContainer" : "Ec2InstanceMetadata"} in "${source.profile}")`,
        };
      const why =
        source.profile === undefined
          ? "no profile was given and there is no [default]"
          : `profile "${source.profile}" has no credentials of its own`;
      return { kind: source.kind, profile, description: `${role} (${why}: the end of the AWS CLI's provider chain)` };
    }
    case "credential-process":
      return {
        kind: source.kind,
        profile,
        description: `credential_process of profile "${source.profile}": ${source.command}`,
      };
    case "web-identity":
      return {
        kind: source.kind,
        profile,
        description:
          `AssumeRoleWithWebIdentity ${source.roleArn} with the token in ${source.tokenFile}` +
          (source.roleSessionName ? `, session ${source.roleSessionName}` : ""),
      };
    default: {
      // A kind registered later explains itself (src/core/kinds/types.ts).
      const kind = kindOf(source as Source);
      return {
        kind: (source as Source).kind,
        profile,
        description: kind.explain?.(source as Source) ?? kind.describe(source as Source),
      };
    }
  }
}

export function renderPlanText(view: PlanView): string {
  const lines: string[] = [];
  const target = view.profile === null ? "the environment" : `profile ${view.profile}`;
  const calls = view.hops.length === 1 ? "1 AssumeRole call" : `${view.hops.length} AssumeRole calls`;
  lines.push(`${target}: ${calls}`);
  lines.push(`  source: ${view.source.description}`);
  for (const hop of view.hops) {
    lines.push(`  ${hop.step}. ${hop.profile} -> ${hop.roleName} (account ${hop.account})`);
    lines.push(`       role      ${hop.roleArn}`);
    lines.push(
      `       MFA       ${hop.mfaSerial === null ? "no" : hop.mfaSerial + (hop.mfaSession ? " (via a cached MFA session)" : "")}`,
    );
    lines.push(
      `       duration  ${hop.durationSeconds === null ? "not set (STS default 3600s)" : `${hop.durationSeconds}s`}` +
        (hop.chained ? ", role chaining: STS allows at most 3600s" : ""),
    );
    lines.push(
      `       session   ${hop.roleSessionName ?? "botocore-session-<unix seconds> (generated, as the AWS CLI does)"}`,
    );
    if (hop.externalId !== null) lines.push(`       external  ${hop.externalId}`);
  }
  return lines.join("\n") + "\n";
}

/** Field 5 of an ARN (the account). */
export function accountOf(arn: string): string {
  return accountOfArn(arn);
}

/** The last path segment of a role ARN's resource (role/path/Name -> Name). */
export function roleNameOf(arn: string): string {
  return resourceNameOfArn(arn);
}

/** aws-vault's FormatKeyForDisplay: all but the last four characters hidden. */
export function maskKey(value: string): string {
  return value.length <= 4 ? "****" : `${"*".repeat(Math.min(16, value.length - 4))}${value.slice(-4)}`;
}
