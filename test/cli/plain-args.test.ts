// The plain command lines that the entries without commander take
// (src/plain-args.ts): anything they do not take is undefined, and the full CLI
// parses it. One line per case.

import { describe, expect, it } from "vitest";
import { plainExportInput, plainWhoamiInput } from "../../src/plain-args.js";

describe("plainExportInput", () => {
  it.each([
    [[], { profile: undefined, format: "env", region: undefined }],
    [["role-b"], { profile: "role-b", format: "env", region: undefined }],
    [["--profile", "role-b"], { profile: "role-b", format: "env", region: undefined }],
    [["-p", "role-b", "role-b"], { profile: "role-b", format: "env", region: undefined }],
    [["--profile=role-b"], { profile: "role-b", format: "env", region: undefined }],
    [["role-b", "-f", "fish"], { profile: "role-b", format: "fish", region: undefined }],
    [["role-b", "--format=json", "-r", "eu-west-1"], { profile: "role-b", format: "json", region: "eu-west-1" }],
    [["role-b", "--mark"], { profile: "role-b", format: "env", region: undefined, mark: true }],
    [["role-e", "-t", "123456"], { profile: "role-e", format: "env", region: undefined, tokenCode: "123456" }],
    [["role-e", "--token-code=12"], { profile: "role-e", format: "env", region: undefined, tokenCode: "12" }],
  ])("%j -> %o", (args, input) => expect(plainExportInput(args)).toEqual(input));

  it.each([
    [["role-b", "role-e"]], // two profiles: the full CLI's usage error
    [["role-b", "--profile", "role-e"]],
    [["role-b", "--format", "yaml"]], // not a choice
    [["role-b", "--format"]], // no value
    [["role-b", "--format", "-r"]], // an option where the value should be
    [["role-b", "--mark=yes"]],
    [["role-b", "--no-cache"]],
    [["role-b", "--refresh"]],
    [["role-b", "--debug"]],
    [["role-b", "--help"]],
    [["role-b", "-fjson"]],
    [["--", "role-b"]],
  ])("%j -> the full CLI", (args) => expect(plainExportInput(args)).toBeUndefined());
});

describe("plainWhoamiInput", () => {
  it.each([
    [[], { profile: undefined, output: "text" }],
    [["--profile", "role-e"], { profile: "role-e", output: "text" }],
    [["role-e", "-o", "json"], { profile: "role-e", output: "json" }],
    [
      ["role-e", "-r", "us-east-1", "-t", "123456"],
      { profile: "role-e", output: "text", region: "us-east-1", tokenCode: "123456" },
    ],
  ])("%j -> %o", (args, input) => expect(plainWhoamiInput(args)).toEqual(input));

  it.each([
    [["role-e", "--output", "yaml"]],
    [["role-e", "--format", "json"]],
    [["role-e", "--no-cache"]],
    [["a", "b"]],
  ])("%j -> the full CLI", (args) => expect(plainWhoamiInput(args)).toBeUndefined());
});
