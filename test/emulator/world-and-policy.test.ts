// World-file validation and trust-policy semantics, unit-level and end to end.

import { AssumeRoleCommand, GetSessionTokenCommand } from "@aws-sdk/client-sts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileTrustPolicy, evaluateTrustPolicy, type RequestContext } from "../sts/policy.js";
import { loadWorld, startSts } from "../sts/server.js";
import { validateWorld, WorldError, type World } from "../sts/world.js";
import { CHAIN_MFA, CHAIN_USER, expectStsError, keysOf, SEEDS_PATH, sts } from "./helpers.js";

describe("the seed world", () => {
  it("loads with the values other fixtures rely on", () => {
    const world = loadWorld(SEEDS_PATH);
    const keys = Object.fromEntries(world.users.flatMap((u) => u.accessKeys.map((k) => [k.accessKeyId, u.arn])));
    expect(keys).toEqual({
      AKIAUSER1S3DEV000001: "arn:aws:iam::123456789012:user/user1",
      AKIAUSER1CHAIN000001: "arn:aws:iam::111111111111:user/User1",
      AKIANOSKILL000000001: "arn:aws:iam::333333333333:user/no_skill",
      AKIACIUSER0000000001: "arn:aws:iam::444444444444:user/ci",
    });
    const max = Object.fromEntries(world.roles.map((r) => [r.arn.split(":").pop(), r.maxSessionDuration]));
    expect(max).toEqual({
      "role/s3-developer": 3600,
      "role/RoleA": 43200,
      "role/RoleB": 3600,
      "role/RoleC": 3600,
      "role/RoleD": 3600,
      "role/RoleE": 3600,
      "role/s3_role": 3600,
      "role/s3_role_mfa": 3600,
      "role/ExternalRole": 3600,
      "role/LongRole": 43200,
      "role/MfaSessionRole": 3600,
      "role/WebRole": 3600,
      "role/EnvSourceRole": 3600,
    });
    expect(world.users[1]!.mfaDevices).toEqual([{ serialNumber: CHAIN_MFA, codes: ["123456", "654321", "111111"] }]);
    expect(world.webIdentityTokens).toHaveLength(1);
  });
});

const minimalRole = (trustPolicy: unknown) => ({
  users: [],
  roles: [{ arn: "arn:aws:iam::222222222222:role/R", trustPolicy }],
});
const allow = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: "111111111111" }, Action: "sts:AssumeRole" }],
};

describe("world validation names the bad field", () => {
  it.each<[string, unknown, RegExp]>([
    ["not an object", [], /\(top level\): must be an object/],
    ["unknown top-level field", { users: [], roles: [], groups: [] }, /\(top level\)\.groups: unknown field/],
    [
      "bad user ARN",
      { users: [{ arn: "arn:aws:iam::1:user/x", accessKeys: [] }], roles: [] },
      /users\[0\]\.arn: .* is not an IAM user ARN/,
    ],
    [
      "duplicate access key",
      {
        users: [
          {
            arn: "arn:aws:iam::111111111111:user/a",
            accessKeys: [{ accessKeyId: "AKIAAAAAAAAAAAAAAAAA", secretAccessKey: "s" }],
          },
          {
            arn: "arn:aws:iam::111111111111:user/b",
            accessKeys: [{ accessKeyId: "AKIAAAAAAAAAAAAAAAAA", secretAccessKey: "s" }],
          },
        ],
        roles: [],
      },
      /users\[1\]\.accessKeys\[0\]\.accessKeyId: duplicate access key id/,
    ],
    [
      "temporary-looking key id",
      {
        users: [
          {
            arn: "arn:aws:iam::111111111111:user/a",
            accessKeys: [{ accessKeyId: "ASIAAAAAAAAAAAAAAAAA", secretAccessKey: "s" }],
          },
        ],
        roles: [],
      },
      /accessKeyId: .* must be AKIA/,
    ],
    [
      "MFA code not six digits",
      {
        users: [
          {
            arn: "arn:aws:iam::111111111111:user/a",
            accessKeys: [],
            mfaDevices: [{ serialNumber: "arn:aws:iam::111111111111:mfa/a", codes: ["12345"] }],
          },
        ],
        roles: [],
      },
      /mfaDevices\[0\]\.codes\[0\]: "12345" must be six digits/,
    ],
    [
      "maxSessionDuration out of range",
      { users: [], roles: [{ ...minimalRole(allow).roles[0], maxSessionDuration: 50000 }] },
      /roles\[0\]\.maxSessionDuration: must be an integer from 3600 to 43200/,
    ],
    [
      "lower-case Effect",
      minimalRole({ Statement: [{ Effect: "allow", Principal: "*", Action: "sts:AssumeRole" }] }),
      /Statement\[0\]\.Effect: must be "Allow" or "Deny"/,
    ],
    [
      "Resource in a trust policy",
      minimalRole({ Statement: [{ ...allow.Statement[0], Resource: "*" }] }),
      /Statement\[0\]\.Resource: unknown statement element \(trust policies have no Resource\)/,
    ],
    [
      "missing Principal",
      minimalRole({ Statement: [{ Effect: "Allow", Action: "sts:AssumeRole" }] }),
      /Statement\[0\]\.Principal: is required/,
    ],
    [
      "principal that is not an ARN",
      minimalRole({ Statement: [{ ...allow.Statement[0], Principal: { AWS: "User1" } }] }),
      /Principal\.AWS: "User1" is not/,
    ],
    [
      "unsupported condition operator",
      minimalRole({
        Statement: [{ ...allow.Statement[0], Condition: { DateLessThan: { "aws:CurrentTime": "2030-01-01" } } }],
      }),
      /Condition\.DateLessThan: unsupported condition operator/,
    ],
  ])("%s", (_name, world, message) => {
    expect(() => validateWorld(world, "w.json")).toThrow(WorldError);
    expect(() => validateWorld(world, "w.json")).toThrow(message);
  });

  it("loadWorld reports unreadable files and bad JSON with the path", () => {
    const dir = mkdtempSync(join(tmpdir(), "awsrole-world-"));
    try {
      expect(() => loadWorld(join(dir, "missing.json"))).toThrow(/cannot read world file .*missing\.json/);
      writeFileSync(join(dir, "bad.json"), "{ users: ");
      expect(() => loadWorld(join(dir, "bad.json"))).toThrow(/bad\.json: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("startSts refuses an invalid world too", async () => {
    await expect(startSts({ world: { users: [], roles: [{ arn: "nope" }] } as unknown as World })).rejects.toThrow(
      /roles\[0\]\.arn/,
    );
  });
});

describe("trust policy evaluation", () => {
  const user = { kind: "user", arn: "arn:aws:iam::111111111111:user/alice", account: "111111111111" } as const;
  const session = {
    kind: "assumed-role",
    arn: "arn:aws:sts::222222222222:assumed-role/Ops/s1",
    account: "222222222222",
    roleArn: "arn:aws:iam::222222222222:role/Ops",
  } as const;
  const ctx = (
    principal: RequestContext["principal"],
    keys: Record<string, string> = {},
    action = "sts:AssumeRole",
  ): RequestContext => ({ principal, keys, action });
  const decide = (statements: unknown[], context: RequestContext) =>
    evaluateTrustPolicy(compileTrustPolicy({ Version: "2012-10-17", Statement: statements }), context);
  const stmt = (principal: unknown, extra: Record<string, unknown> = {}) => ({
    Effect: "Allow",
    Principal: principal,
    Action: "sts:AssumeRole",
    ...extra,
  });

  it("matches users, roles (any session), root and bare account ids", () => {
    expect(decide([stmt({ AWS: user.arn })], ctx(user))).toBe("Allow");
    expect(decide([stmt({ AWS: "arn:aws:iam::111111111111:user/bob" })], ctx(user))).toBe("ImplicitDeny");
    expect(decide([stmt({ AWS: session.roleArn })], ctx(session))).toBe("Allow");
    expect(decide([stmt({ AWS: session.arn })], ctx(session))).toBe("Allow");
    expect(decide([stmt({ AWS: "arn:aws:sts::222222222222:assumed-role/Ops/other" })], ctx(session))).toBe(
      "ImplicitDeny",
    );
    expect(decide([stmt({ AWS: "arn:aws:iam::111111111111:root" })], ctx(user))).toBe("Allow");
    expect(decide([stmt({ AWS: ["333333333333", "222222222222"] })], ctx(session))).toBe("Allow");
    expect(decide([stmt({ AWS: "333333333333" })], ctx(user))).toBe("ImplicitDeny");
    expect(decide([stmt("*")], ctx(user))).toBe("Allow");
    // A single statement object (not an array) is valid IAM, as in seed 000's policy.
    const single = compileTrustPolicy({ Version: "2012-10-17", Statement: stmt({ AWS: user.arn }) });
    expect(evaluateTrustPolicy(single, ctx(user))).toBe("Allow");
  });

  it("an explicit Deny beats an Allow", () => {
    const deny = {
      Effect: "Deny",
      Principal: "*",
      Action: "sts:*",
      Condition: { BoolIfExists: { "aws:MultiFactorAuthPresent": "false" } },
    };
    // Long-term keys without MFA: the key is absent, so BoolIfExists matches and the Deny applies.
    expect(decide([stmt({ AWS: user.arn }), deny], ctx(user))).toBe("Deny");
    expect(decide([stmt({ AWS: user.arn }), deny], ctx(user, { "aws:MultiFactorAuthPresent": "true" }))).toBe("Allow");
  });

  it("condition keys are case-insensitive; Bool takes strings or booleans", () => {
    const mfa = stmt({ AWS: user.arn }, { Condition: { Bool: { "AWS:multifactorauthpresent": true } } });
    expect(decide([mfa], ctx(user, { "aws:MultiFactorAuthPresent": "true" }))).toBe("Allow");
    expect(decide([mfa], ctx(user, { "aws:MultiFactorAuthPresent": "false" }))).toBe("ImplicitDeny");
    expect(decide([mfa], ctx(user))).toBe("ImplicitDeny"); // absent key fails a plain Bool
  });

  it("StringEquals / StringLike on sts:ExternalId, NumericLessThan on MFA age", () => {
    const ext = stmt({ AWS: user.arn }, { Condition: { StringLike: { "sts:ExternalId": "team-*" } } });
    expect(decide([ext], ctx(user, { "sts:ExternalId": "team-42" }))).toBe("Allow");
    expect(decide([ext], ctx(user, { "sts:ExternalId": "other" }))).toBe("ImplicitDeny");
    expect(decide([ext], ctx(user))).toBe("ImplicitDeny");
    const fresh = stmt({ AWS: user.arn }, { Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } } });
    expect(decide([fresh], ctx(user, { "aws:MultiFactorAuthAge": "10" }))).toBe("Allow");
    expect(decide([fresh], ctx(user, { "aws:MultiFactorAuthAge": "3600" }))).toBe("ImplicitDeny");
  });

  it("actions: exact, wildcard, arrays and NotAction; web identity needs Federated", () => {
    expect(decide([{ ...stmt("*"), Action: ["sts:TagSession", "sts:Assume*"] }], ctx(user))).toBe("Allow");
    expect(decide([{ ...stmt("*"), Action: "sts:AssumeRoleWithWebIdentity" }], ctx(user))).toBe("ImplicitDeny");
    expect(decide([{ Effect: "Allow", Principal: "*", NotAction: "sts:AssumeRole" }], ctx(user))).toBe("ImplicitDeny");
    const web = {
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::444444444444:oidc-provider/oidc.example" },
      Action: "sts:AssumeRoleWithWebIdentity",
    };
    expect(
      decide([web], ctx({ kind: "federated", provider: "oidc.example" }, {}, "sts:AssumeRoleWithWebIdentity")),
    ).toBe("Allow");
    expect(
      decide(
        [{ ...stmt({ AWS: "*" }), Action: "*" }],
        ctx({ kind: "federated", provider: "oidc.example" }, {}, "sts:AssumeRoleWithWebIdentity"),
      ),
    ).toBe("ImplicitDeny");
  });
});

describe("MFA carried by sessions, end to end", () => {
  it("an MFA GetSessionToken session satisfies MultiFactorAuthAge until it is too old", async () => {
    const world: World = {
      users: [
        {
          arn: "arn:aws:iam::111111111111:user/User1",
          accessKeys: [CHAIN_USER],
          mfaDevices: [{ serialNumber: CHAIN_MFA, codes: ["123456"] }],
        },
      ],
      roles: [
        {
          arn: "arn:aws:iam::555555555555:role/FreshMfa",
          trustPolicy: {
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: "arn:aws:iam::111111111111:root" },
                Action: "sts:AssumeRole",
                Condition: { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } },
              },
            ],
          },
        },
      ],
    };
    const server = await startSts({ world });
    try {
      const session = keysOf(
        (
          await sts(server, CHAIN_USER).send(
            new GetSessionTokenCommand({ SerialNumber: CHAIN_MFA, TokenCode: "123456" }),
          )
        ).Credentials,
      );
      const assume = () =>
        sts(server, session).send(
          new AssumeRoleCommand({ RoleArn: "arn:aws:iam::555555555555:role/FreshMfa", RoleSessionName: "fresh" }),
        );
      await assume();
      server.advanceClock(3600);
      await expectStsError(assume(), "AccessDenied", 403, /is not authorized to perform: sts:AssumeRole/);
    } finally {
      await server.close();
    }
  });
});
