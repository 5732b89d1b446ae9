// Trust-policy (role "AssumeRolePolicyDocument") compilation and evaluation with IAM semantics,
// limited to what STS itself decides: who may assume a role and under which conditions.
//
// Evaluation (IAM policy evaluation logic): a statement applies when its Principal, Action and
// every Condition match; an applicable Deny beats any Allow; no applicable Allow means an
// implicit deny. Anything the emulator does not understand is rejected when the world is
// loaded, so a typo in a fixture can never silently turn into "allowed" or "denied".

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

/** A trust policy as written in JSON (what the world file holds). */
export type PolicyDocument = Record<string, unknown>;

/** The principal making the request, as STS sees it. */
export type RequestPrincipal =
  | { kind: "user"; arn: string; account: string }
  // A role session; `roleArn` is the IAM role ARN (with path), `arn` the assumed-role ARN.
  | { kind: "assumed-role"; arn: string; account: string; roleArn: string }
  | { kind: "federated"; provider: string };

export interface RequestContext {
  /** e.g. "sts:AssumeRole" */
  action: string;
  principal: RequestPrincipal;
  /** Condition keys present in the request context. Names are matched case-insensitively. */
  keys: Record<string, string>;
}

export type Decision = "Allow" | "Deny" | "ImplicitDeny";

interface PrincipalSet {
  any: boolean;
  aws: string[];
  federated: string[];
  service: string[];
}

interface ConditionClause {
  operator: string; // base operator, e.g. "StringEquals"
  ifExists: boolean;
  key: string; // lower-cased
  values: string[];
}

interface Statement {
  effect: "Allow" | "Deny";
  principals: PrincipalSet;
  actions: string[] | null;
  notActions: string[] | null;
  conditions: ConditionClause[];
}

export interface TrustPolicy {
  statements: Statement[];
}

// ---------------------------------------------------------------------------------------------
// Compilation (validation of the JSON)
// ---------------------------------------------------------------------------------------------

const STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "Action", "NotAction", "Condition"]);
const PRINCIPAL_KEYS = new Set(["AWS", "Federated", "Service", "CanonicalUser"]);

type OperatorTest = (actual: string, expected: string) => boolean;

const STRING_OPERATORS: Record<string, OperatorTest> = {
  StringEquals: (a, e) => a === e,
  StringEqualsIgnoreCase: (a, e) => a.toLowerCase() === e.toLowerCase(),
  StringLike: (a, e) => globMatch(e, a, false),
  NumericEquals: (a, e) => Number(a) === Number(e),
  NumericLessThan: (a, e) => Number(a) < Number(e),
  NumericLessThanEquals: (a, e) => Number(a) <= Number(e),
  NumericGreaterThan: (a, e) => Number(a) > Number(e),
  NumericGreaterThanEquals: (a, e) => Number(a) >= Number(e),
  Bool: (a, e) => a.toLowerCase() === e.toLowerCase(),
};

// Negated operators: true when no value matches (and, per IAM, true when the key is absent).
const NEGATED_OPERATORS: Record<string, string> = {
  StringNotEquals: "StringEquals",
  StringNotEqualsIgnoreCase: "StringEqualsIgnoreCase",
  StringNotLike: "StringLike",
  NumericNotEquals: "NumericEquals",
};

function fail(where: string, message: string): never {
  throw new PolicyError(`${where}: ${message}`);
}

function stringList(value: unknown, where: string): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) return value;
  fail(where, `must be a string or a non-empty array of strings, got ${JSON.stringify(value)}`);
}

function conditionValues(value: unknown, where: string): string[] {
  const one = (v: unknown): string => {
    if (typeof v === "string") return v;
    if (typeof v === "boolean" || typeof v === "number") return String(v);
    fail(where, `condition values must be strings, booleans or numbers, got ${JSON.stringify(v)}`);
  };
  if (Array.isArray(value)) {
    if (value.length === 0) fail(where, "must not be an empty array");
    return value.map(one);
  }
  return [one(value)];
}

function compilePrincipal(value: unknown, where: string): PrincipalSet {
  const set: PrincipalSet = { any: false, aws: [], federated: [], service: [] };
  if (value === "*") return { ...set, any: true };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail(where, `must be "*" or an object like {"AWS": "arn:..."}, got ${JSON.stringify(value)}`);
  }
  const entries = Object.entries(value);
  if (entries.length === 0) fail(where, "must name at least one principal");
  for (const [type, raw] of entries) {
    if (!PRINCIPAL_KEYS.has(type)) fail(`${where}.${type}`, `unknown principal type (use AWS, Federated or Service)`);
    const values = stringList(raw, `${where}.${type}`);
    if (type === "AWS") {
      for (const v of values) {
        const valid =
          v === "*" ||
          /^\d{12}$/.test(v) ||
          /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(root|user\/.+|role\/.+)$/.test(v) ||
          /^arn:(aws|aws-cn|aws-us-gov):sts::\d{12}:assumed-role\/[^/]+\/.+$/.test(v);
        if (!valid)
          fail(`${where}.AWS`, `"${v}" is not "*", an account id, or an IAM user/role/root or assumed-role ARN`);
      }
      set.aws.push(...values);
    } else if (type === "Federated") {
      set.federated.push(...values);
    } else if (type === "Service") {
      set.service.push(...values);
    }
    // CanonicalUser is accepted for completeness; no STS caller is ever a canonical user.
  }
  return set;
}

function compileConditions(value: unknown, where: string): ConditionClause[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(where, "must be an object");
  const clauses: ConditionClause[] = [];
  for (const [rawOperator, block] of Object.entries(value)) {
    const opWhere = `${where}.${rawOperator}`;
    if (rawOperator.startsWith("ForAnyValue:") || rawOperator.startsWith("ForAllValues:")) {
      fail(opWhere, "multi-valued condition operators are not supported by the emulator");
    }
    const ifExists = rawOperator.endsWith("IfExists");
    const operator = ifExists ? rawOperator.slice(0, -"IfExists".length) : rawOperator;
    const known = operator in STRING_OPERATORS || operator in NEGATED_OPERATORS || operator === "Null";
    if (!known || (operator === "Null" && ifExists)) {
      fail(opWhere, `unsupported condition operator (supported: ${supportedOperators().join(", ")})`);
    }
    if (typeof block !== "object" || block === null || Array.isArray(block))
      fail(opWhere, "must be an object of key: value");
    for (const [key, raw] of Object.entries(block)) {
      clauses.push({ operator, ifExists, key: key.toLowerCase(), values: conditionValues(raw, `${opWhere}.${key}`) });
    }
  }
  return clauses;
}

function supportedOperators(): string[] {
  const base = [...Object.keys(STRING_OPERATORS), ...Object.keys(NEGATED_OPERATORS)];
  return [...base, ...base.map((op) => `${op}IfExists`), "Null"];
}

/** Validates a trust policy document and compiles it. Throws PolicyError naming the bad field. */
export function compileTrustPolicy(document: unknown, where = "trustPolicy"): TrustPolicy {
  if (typeof document !== "object" || document === null || Array.isArray(document)) fail(where, "must be an object");
  const doc = document as PolicyDocument;
  for (const key of Object.keys(doc)) {
    if (!["Version", "Id", "Statement"].includes(key)) fail(`${where}.${key}`, "unknown policy element");
  }
  if (doc.Version !== undefined && doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17") {
    fail(`${where}.Version`, `must be "2012-10-17" or "2008-10-17"`);
  }
  const rawStatements: unknown[] = Array.isArray(doc.Statement)
    ? doc.Statement
    : doc.Statement === undefined
      ? []
      : [doc.Statement];
  if (rawStatements.length === 0) fail(`${where}.Statement`, "must contain at least one statement");

  const statements = rawStatements.map((raw, i): Statement => {
    const at = `${where}.Statement[${i}]`;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(at, "must be an object");
    const s = raw as Record<string, unknown>;
    for (const key of Object.keys(s)) {
      if (!STATEMENT_KEYS.has(key)) {
        const hint =
          key === "Resource"
            ? " (trust policies have no Resource)"
            : key === "NotPrincipal"
              ? " (not supported by the emulator)"
              : "";
        fail(`${at}.${key}`, `unknown statement element${hint}`);
      }
    }
    if (s.Effect !== "Allow" && s.Effect !== "Deny")
      fail(`${at}.Effect`, `must be "Allow" or "Deny", got ${JSON.stringify(s.Effect)}`);
    if (s.Principal === undefined) fail(`${at}.Principal`, "is required in a trust policy");
    if ((s.Action === undefined) === (s.NotAction === undefined))
      fail(at, "must have exactly one of Action or NotAction");
    return {
      effect: s.Effect,
      principals: compilePrincipal(s.Principal, `${at}.Principal`),
      actions: s.Action === undefined ? null : stringList(s.Action, `${at}.Action`),
      notActions: s.NotAction === undefined ? null : stringList(s.NotAction, `${at}.NotAction`),
      conditions: compileConditions(s.Condition, `${at}.Condition`),
    };
  });
  return { statements };
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

/** IAM wildcard match: `*` any run of characters, `?` one character. */
export function globMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const source = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${source}$`, ignoreCase ? "is" : "s").test(value);
}

function principalMatches(set: PrincipalSet, principal: RequestPrincipal): boolean {
  if (set.any) return true;
  if (principal.kind === "federated") {
    // IAM writes OIDC providers as arn:aws:iam::ACCT:oidc-provider/<issuer host>; accept the bare
    // issuer as well (that is how accounts.google.com / cognito-identity.amazonaws.com are written).
    return set.federated.some(
      (f) => f === principal.provider || f.replace(/^arn:[^:]+:iam::\d{12}:oidc-provider\//, "") === principal.provider,
    );
  }
  return set.aws.some((entry) => {
    if (entry === "*") return true; // {"AWS": "*"}: any AWS principal, but not a federated one
    const account = /^\d{12}$/.test(entry) ? entry : /^arn:[^:]+:iam::(\d{12}):root$/.exec(entry)?.[1];
    // "arn:aws:iam::ACCT:root" or a bare account id: every principal of that account.
    if (account !== undefined) return principal.account === account;
    if (principal.kind === "user") return entry === principal.arn;
    // A role ARN trusts every session of that role (this is how role chaining is trusted);
    // an assumed-role ARN trusts only that exact session.
    return entry === principal.roleArn || entry === principal.arn;
  });
}

function actionMatches(statement: Statement, action: string): boolean {
  if (statement.actions) return statement.actions.some((a) => globMatch(a, action, true));
  return !statement.notActions!.some((a) => globMatch(a, action, true));
}

function conditionHolds(clause: ConditionClause, keys: Record<string, string>): boolean {
  const actual = keys[clause.key];
  if (clause.operator === "Null") {
    // {"Null": {"key": "true"}} means "the key is absent".
    return clause.values.some((v) => (v.toLowerCase() === "true") === (actual === undefined));
  }
  const negatedBase = NEGATED_OPERATORS[clause.operator];
  // IAM: an absent key fails a positive operator, satisfies a negated one, and satisfies any
  // ...IfExists operator.
  if (actual === undefined) return clause.ifExists || negatedBase !== undefined;
  if (negatedBase !== undefined) return !clause.values.some((v) => STRING_OPERATORS[negatedBase]!(actual, v));
  return clause.values.some((v) => STRING_OPERATORS[clause.operator]!(actual, v));
}

export function evaluateTrustPolicy(policy: TrustPolicy, context: RequestContext): Decision {
  const keys = Object.fromEntries(Object.entries(context.keys).map(([k, v]) => [k.toLowerCase(), v]));
  let allowed = false;
  for (const statement of policy.statements) {
    const applies =
      principalMatches(statement.principals, context.principal) &&
      actionMatches(statement, context.action) &&
      statement.conditions.every((c) => conditionHolds(c, keys));
    if (!applies) continue;
    if (statement.effect === "Deny") return "Deny";
    allowed = true;
  }
  return allowed ? "Allow" : "ImplicitDeny";
}
