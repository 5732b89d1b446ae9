import { describe, expect, it } from "vitest";
import {
  accountIdFromArn,
  isRoleArn,
  parseArn,
  parseRoleArn,
  resourceNameOfArn,
  roleArnFromAssumedRole,
  sessionNameOfAssumedRole,
} from "../../src/core/arn.js";

describe("parseArn (botocore ArnParser)", () => {
  // biome-ignore format: one line per case
  it.each([
    ["arn:aws:iam::123456789012:role/R", { partition: "aws", service: "iam", region: "", account: "123456789012", resource: "role/R" }],
    ["arn:aws-cn:sts::123456789012:assumed-role/R/s",
      { partition: "aws-cn", service: "sts", region: "", account: "123456789012", resource: "assumed-role/R/s" }],
    ["arn:aws:s3:::bucket", { partition: "aws", service: "s3", region: "", account: "", resource: "bucket" }],
    ["arn:aws:logs:us-east-1:123456789012:log-group:/a:*",
      { partition: "aws", service: "logs", region: "us-east-1", account: "123456789012", resource: "log-group:/a:*" }],
    ["arn:aws:iam::123456789012", undefined],
    ["aws:iam::123456789012:role/R:x", undefined],
    ["", undefined],
    [42, undefined],
    [undefined, undefined],
  ] as const)("%j", (value, expected) => {
    expect(parseArn(value)).toEqual(expected);
  });
});

describe("helpers", () => {
  // biome-ignore format: one line per case
  it.each([
    // [function, input, expected]
    ["accountIdFromArn", "arn:aws:sts::123456789012:assumed-role/R/s", "123456789012"],
    ["accountIdFromArn", "arn:aws:s3:::bucket", ""],
    ["accountIdFromArn", "not an arn", undefined],
    ["isRoleArn", "arn:aws:iam::123456789012:role/path/R", true],
    ["isRoleArn", "arn:aws-us-gov:iam::123456789012:role/R", true],
    ["isRoleArn", "arn:aws:iam::12345678901:role/R", false],
    ["isRoleArn", "arn:aws:iam::123456789012:user/R", false],
    ["isRoleArn", "arn:aws:iam::123456789012:role/", false],
    ["parseRoleArn", "arn:aws:iam::123456789012:role/a/b/Name", { partition: "aws", account: "123456789012", name: "Name" }],
    ["parseRoleArn", "arn:my-part:iam::123456789012:role/N:x", { partition: "my-part", account: "123456789012", name: "N:x" }],
    ["parseRoleArn", "arn:aws:iam::123456789012:role/", undefined],
    ["parseRoleArn", "arn:aws:sts::123456789012:role/N", undefined],
    ["parseRoleArn", "arn:aws:iam::1234:role/N", undefined],
    ["parseRoleArn", "arn:a b:iam::123456789012:role/N", undefined],
    ["parseRoleArn", undefined, undefined],
    ["resourceNameOfArn", "arn:aws:iam::123456789012:role/path/Name", "Name"],
    ["resourceNameOfArn", "nope", ""],
    ["roleArnFromAssumedRole", "arn:aws:sts::123456789012:assumed-role/R/sess", "arn:aws:iam::123456789012:role/R"],
    ["roleArnFromAssumedRole", "arn:aws-cn:sts::123456789012:assumed-role/R/sess", "arn:aws-cn:iam::123456789012:role/R"],
    ["roleArnFromAssumedRole", "arn:aws:iam::123456789012:user/u", undefined],
    ["roleArnFromAssumedRole", "arn:aws:sts::123456789012:assumed-role/R", undefined],
    ["sessionNameOfAssumedRole", "arn:aws:sts::123456789012:assumed-role/R/alice@example.com", "alice@example.com"],
    ["sessionNameOfAssumedRole", "arn:aws:sts::123456789012:federated-user/bob", undefined],
  ] as const)("%s(%j) = %j", (name, input, expected) => {
    const fns = {
      accountIdFromArn, isRoleArn, parseRoleArn, resourceNameOfArn, roleArnFromAssumedRole, sessionNameOfAssumedRole,
    } as Record<string, (v: unknown) => unknown>;
    expect(fns[name]!(input)).toEqual(expected);
  });
});
