// Request-parameter constraints from the STS API model (docs/aws-rules.md#sts-requests), reported
// the way real STS reports them: all violations at once, as
//   "1 validation error detected: Value 'x y' at 'roleSessionName' failed to satisfy
//    constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*"
// ("N validation errors detected: …; …" when there are several).

import { validationError } from "./errors.js";

interface StringRule {
  required?: boolean;
  min?: number;
  max?: number;
  /** Anchored when tested; `patternText` is what the message shows. */
  pattern?: RegExp;
  patternText?: string;
}

export class ParamValidator {
  private readonly violations: string[] = [];

  constructor(private readonly params: Record<string, string>) {}

  /** `param` is the wire name (RoleSessionName), `member` the model name in messages (roleSessionName). */
  string(param: string, rule: StringRule): string | undefined {
    const member = param[0]!.toLowerCase() + param.slice(1);
    const value = this.params[param];
    if (value === undefined) {
      if (rule.required)
        this.violations.push(`Value null at '${member}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    const prefix = `Value '${value}' at '${member}' failed to satisfy constraint:`;
    const length = [...value].length;
    if (rule.min !== undefined && length < rule.min) {
      this.violations.push(`${prefix} Member must have length greater than or equal to ${rule.min}`);
    } else if (rule.max !== undefined && length > rule.max) {
      this.violations.push(`${prefix} Member must have length less than or equal to ${rule.max}`);
    } else if (rule.pattern && !rule.pattern.test(value)) {
      this.violations.push(`${prefix} Member must satisfy regular expression pattern: ${rule.patternText}`);
    }
    return value;
  }

  integer(param: string, min: number, max: number): number | undefined {
    const member = param[0]!.toLowerCase() + param.slice(1);
    const value = this.params[param];
    if (value === undefined) return undefined;
    const prefix = `Value '${value}' at '${member}' failed to satisfy constraint:`;
    if (!/^-?\d+$/.test(value.trim())) {
      this.violations.push(`${prefix} Member must be an integer`);
      return undefined;
    }
    const n = Number.parseInt(value, 10);
    if (n < min) this.violations.push(`${prefix} Member must have value greater than or equal to ${min}`);
    else if (n > max) this.violations.push(`${prefix} Member must have value less than or equal to ${max}`);
    return n;
  }

  /** Throws the combined ValidationError if any rule failed. */
  check(): void {
    const n = this.violations.length;
    if (n === 0) return;
    throw validationError(`${n} validation error${n === 1 ? "" : "s"} detected: ${this.violations.join("; ")}`);
  }
}

// Patterns from the STS model (botocore's sts service-2.json).
export const ROLE_ARN = { min: 20, max: 2048 } satisfies StringRule;
export const ROLE_SESSION_NAME = {
  min: 2,
  max: 64,
  pattern: /^[\w+=,.@-]*$/,
  patternText: "[\\w+=,.@-]*",
} satisfies StringRule;
export const EXTERNAL_ID = {
  min: 2,
  max: 1224,
  pattern: /^[\w+=,.@:/-]*$/,
  patternText: "[\\w+=,.@:\\/-]*",
} satisfies StringRule;
export const SERIAL_NUMBER = {
  min: 9,
  max: 256,
  pattern: /^[\w+=/:,.@-]*$/,
  patternText: "[\\w+=/:,.@-]*",
} satisfies StringRule;
export const TOKEN_CODE = { min: 6, max: 6, pattern: /^\d*$/, patternText: "[\\d]*" } satisfies StringRule;
export const SOURCE_IDENTITY = {
  min: 2,
  max: 64,
  pattern: /^[\w+=,.@-]*$/,
  patternText: "[\\w+=,.@-]*",
} satisfies StringRule;
export const SESSION_POLICY = {
  min: 1,
  pattern: /^[\u0009\u000A\u000D\u0020-\u00FF]+$/,
  patternText: "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
} satisfies StringRule;
export const WEB_IDENTITY_TOKEN = { min: 4, max: 20000 } satisfies StringRule;
