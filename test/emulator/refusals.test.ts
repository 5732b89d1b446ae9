// The emulator refuses what real STS refuses, with the same error codes, HTTP statuses and
// messages, as seen through the real @aws-sdk/client-sts.

import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadWorld, startSts, type StsServer } from "../sts/server.js";
import {
  anonymousSts,
  CHAIN_MFA,
  CHAIN_USER,
  CHAIN_USER_ARN,
  expectStsError,
  keysOf,
  NO_SKILL_MFA,
  role,
  SEEDS_PATH,
  sts,
  USER1,
  USER1_ARN,
  type KeyPair,
} from "./helpers.js";

let server: StsServer;
beforeAll(async () => {
  server = await startSts({ world: loadWorld(SEEDS_PATH) });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => server.reset());

const ROLE_A = role("222222222222", "RoleA");
const SIGNATURE_TEXT =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN_TEXT = "The security token included in the request is invalid.";
const notAuthorized = (caller: string, roleArn: string): string =>
  `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;

async function roleASession(): Promise<KeyPair> {
  const out = await sts(server, CHAIN_USER).send(
    new AssumeRoleCommand({ RoleArn: ROLE_A, RoleSessionName: "role-a", SerialNumber: CHAIN_MFA, TokenCode: "123456" }),
  );
  return keysOf(out.Credentials);
}

describe("authentication", () => {
  it("wrong secret => SignatureDoesNotMatch", async () => {
    const badSecret = { ...USER1, secretAccessKey: `${USER1.secretAccessKey.slice(0, -1)}X` };
    await expectStsError(
      sts(server, badSecret).send(new GetCallerIdentityCommand({})),
      "SignatureDoesNotMatch",
      403,
      SIGNATURE_TEXT,
    );
    // The key was recognised, but the caller is not recorded as authenticated.
    expect(server.calls[0]).toMatchObject({
      accessKeyId: USER1.accessKeyId,
      callerArn: null,
      status: 403,
      errorCode: "SignatureDoesNotMatch",
    });
  });

  it("unknown access key => InvalidClientTokenId", async () => {
    const unknown = {
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    };
    await expectStsError(
      sts(server, unknown).send(new GetCallerIdentityCommand({})),
      "InvalidClientTokenId",
      403,
      INVALID_TOKEN_TEXT,
    );
  });

  it("tampered, missing or foreign session token => InvalidClientTokenId", async () => {
    const session = await roleASession();
    const token = session.sessionToken!;
    const tampered = {
      ...session,
      sessionToken: `${token.slice(0, 40)}${token[40] === "A" ? "B" : "A"}${token.slice(41)}`,
    };
    await expectStsError(
      sts(server, tampered).send(new GetCallerIdentityCommand({})),
      "InvalidClientTokenId",
      403,
      INVALID_TOKEN_TEXT,
    );
    const withoutToken = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey };
    await expectStsError(sts(server, withoutToken).send(new GetCallerIdentityCommand({})), "InvalidClientTokenId", 403);
    // Long-term keys must not carry a session token either.
    await expectStsError(
      sts(server, { ...USER1, sessionToken: token }).send(new GetCallerIdentityCommand({})),
      "InvalidClientTokenId",
      403,
    );
  });

  it("session credentials past their expiration => ExpiredToken (advanceClock)", async () => {
    const out = await sts(server, CHAIN_USER).send(
      new AssumeRoleCommand({
        RoleArn: ROLE_A,
        RoleSessionName: "role-a",
        SerialNumber: CHAIN_MFA,
        TokenCode: "123456",
      }),
    );
    const session = keysOf(out.Credentials); // 3600 s, ending on a whole second (as STS's do)
    // From the Expiration handed out, not from "3600 s after now": the session ends on the
    // whole second, up to a second before that, and real time passes between the calls.
    const left = (out.Credentials!.Expiration!.getTime() - server.now().getTime()) / 1000;
    expect(left).toBeGreaterThan(3598);
    expect(left).toBeLessThanOrEqual(3600);
    server.advanceClock(left - 2);
    await sts(server, session).send(new GetCallerIdentityCommand({})); // still valid two seconds before
    server.advanceClock(2);
    await expectStsError(
      sts(server, session).send(new GetCallerIdentityCommand({})),
      "ExpiredToken",
      403,
      "The security token included in the request is expired",
    );
    await expectStsError(
      sts(server, session).send(
        new AssumeRoleCommand({ RoleArn: role("222222222222", "RoleB"), RoleSessionName: "late" }),
      ),
      "ExpiredToken",
      403,
    );
    // Long-term keys never expire.
    await sts(server, CHAIN_USER).send(new GetCallerIdentityCommand({}));
  });
});

describe("trust policies", () => {
  it("untrusted principal: RoleC from RoleA => AccessDenied naming the caller and the role", async () => {
    const session = await roleASession();
    const roleC = role("222222222222", "RoleC");
    await expectStsError(
      sts(server, session).send(new AssumeRoleCommand({ RoleArn: roleC, RoleSessionName: "skip" })),
      "AccessDenied",
      403,
      notAuthorized("arn:aws:sts::222222222222:assumed-role/RoleA/role-a", roleC),
    );
  });

  it("a role that does not exist gets the same AccessDenied as an untrusted one", async () => {
    const missing = role("222222222222", "NoSuchRole");
    await expectStsError(
      sts(server, USER1).send(new AssumeRoleCommand({ RoleArn: missing, RoleSessionName: "x1" })),
      "AccessDenied",
      403,
      notAuthorized(USER1_ARN, missing),
    );
  });

  it("external id missing or wrong => AccessDenied", async () => {
    const ext = role("444444444444", "ExternalRole");
    await expectStsError(
      sts(server, USER1).send(new AssumeRoleCommand({ RoleArn: ext, RoleSessionName: "e1" })),
      "AccessDenied",
      403,
      notAuthorized(USER1_ARN, ext),
    );
    await expectStsError(
      sts(server, USER1).send(new AssumeRoleCommand({ RoleArn: ext, RoleSessionName: "e2", ExternalId: "ext-999" })),
      "AccessDenied",
      403,
      notAuthorized(USER1_ARN, ext),
    );
  });

  it("a session without MFA cannot satisfy an MFA condition", async () => {
    const plain = keysOf((await sts(server, CHAIN_USER).send(new GetSessionTokenCommand({}))).Credentials);
    const target = role("444444444444", "MfaSessionRole");
    await expectStsError(
      sts(server, plain).send(new AssumeRoleCommand({ RoleArn: target, RoleSessionName: "nomfa" })),
      "AccessDenied",
      403,
      notAuthorized(CHAIN_USER_ARN, target),
    );
  });
});

describe("MFA", () => {
  it("RoleA without any MFA => AccessDenied (trust condition aws:MultiFactorAuthPresent)", async () => {
    await expectStsError(
      sts(server, CHAIN_USER).send(new AssumeRoleCommand({ RoleArn: ROLE_A, RoleSessionName: "nomfa" })),
      "AccessDenied",
      403,
      notAuthorized(CHAIN_USER_ARN, ROLE_A),
    );
  });

  it("serial number without a code (or a code without serial) => both are required", async () => {
    const text = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.";
    await expectStsError(
      sts(server, CHAIN_USER).send(
        new AssumeRoleCommand({ RoleArn: ROLE_A, RoleSessionName: "m1", SerialNumber: CHAIN_MFA }),
      ),
      "AccessDenied",
      403,
      text,
    );
    await expectStsError(
      sts(server, CHAIN_USER).send(new GetSessionTokenCommand({ TokenCode: "123456" })),
      "AccessDenied",
      403,
      text,
    );
  });

  it("wrong code => invalid one time pass code", async () => {
    await expectStsError(
      sts(server, CHAIN_USER).send(
        new AssumeRoleCommand({ RoleArn: ROLE_A, RoleSessionName: "m2", SerialNumber: CHAIN_MFA, TokenCode: "000000" }),
      ),
      "AccessDenied",
      403,
      "MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
  });

  it("another user's MFA device => unable to validate (with real STS's double space)", async () => {
    await expectStsError(
      sts(server, CHAIN_USER).send(
        new AssumeRoleCommand({
          RoleArn: ROLE_A,
          RoleSessionName: "m3",
          SerialNumber: NO_SKILL_MFA,
          TokenCode: "508114",
        }),
      ),
      "AccessDenied",
      403,
      "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.",
    );
  });
});

describe("DurationSeconds", () => {
  it("7200 on a chained hop => the 1 hour role-chaining limit", async () => {
    const session = await roleASession();
    await expectStsError(
      sts(server, session).send(
        new AssumeRoleCommand({ RoleArn: role("222222222222", "RoleB"), RoleSessionName: "d1", DurationSeconds: 7200 }),
      ),
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
  });

  it("7200 on a role whose MaxSessionDuration is 3600 => exceeds MaxSessionDuration", async () => {
    await expectStsError(
      sts(server, USER1).send(
        new AssumeRoleCommand({
          RoleArn: role("123456789012", "s3-developer"),
          RoleSessionName: "d2",
          DurationSeconds: 7200,
        }),
      ),
      "ValidationError",
      400,
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  });

  it("outside the API range (899, 43201; GetSessionToken 129601) => model validation error", async () => {
    await expectStsError(
      sts(server, USER1).send(
        new AssumeRoleCommand({
          RoleArn: role("123456789012", "s3-developer"),
          RoleSessionName: "d3",
          DurationSeconds: 899,
        }),
      ),
      "ValidationError",
      400,
      "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
    await expectStsError(
      sts(server, USER1).send(
        new AssumeRoleCommand({
          RoleArn: role("444444444444", "LongRole"),
          RoleSessionName: "d4",
          DurationSeconds: 43201,
        }),
      ),
      "ValidationError",
      400,
      /Member must have value less than or equal to 43200$/,
    );
    await expectStsError(
      sts(server, USER1).send(new GetSessionTokenCommand({ DurationSeconds: 129601 })),
      "ValidationError",
      400,
      /Member must have value less than or equal to 129600$/,
    );
  });
});

describe("parameter validation", () => {
  it("bad session names => ValidationError with the model constraint", async () => {
    const s3 = role("123456789012", "s3-developer");
    await expectStsError(
      sts(server, USER1).send(new AssumeRoleCommand({ RoleArn: s3, RoleSessionName: "x y z!" })),
      "ValidationError",
      400,
      "1 validation error detected: Value 'x y z!' at 'roleSessionName' failed to " +
        "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
    await expectStsError(
      sts(server, USER1).send(new AssumeRoleCommand({ RoleArn: s3, RoleSessionName: "a".repeat(65) })),
      "ValidationError",
      400,
      /at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64$/,
    );
    // Several problems are reported together, as STS does.
    await expectStsError(
      sts(server, USER1).send(new AssumeRoleCommand({ RoleArn: s3, RoleSessionName: "a", ExternalId: "e" })),
      "ValidationError",
      400,
      /^2 validation errors detected: Value 'a' at 'roleSessionName' .*; Value 'e' at 'externalId' .*$/,
    );
  });

  it("GetSessionToken with session credentials => AccessDenied", async () => {
    const session = await roleASession();
    await expectStsError(
      sts(server, session).send(new GetSessionTokenCommand({})),
      "AccessDenied",
      403,
      "Cannot call GetSessionToken with session credentials",
    );
  });
});

describe("AssumeRoleWithWebIdentity refusals", () => {
  it("unknown token => InvalidIdentityToken; role without federated trust => AccessDenied", async () => {
    // The wire code is InvalidIdentityToken; the SDK maps that modeled error to its exception class.
    await expectStsError(
      anonymousSts(server).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: role("444444444444", "WebRole"),
          RoleSessionName: "w1",
          WebIdentityToken: "not.a.known.token",
        }),
      ),
      "InvalidIdentityTokenException",
      400,
    );
    expect(server.calls[0]!.errorCode).toBe("InvalidIdentityToken");
    await expectStsError(
      anonymousSts(server).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: role("444444444444", "LongRole"),
          RoleSessionName: "w2",
          WebIdentityToken: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJjaS1ydW5uZXIifQ.sig",
        }),
      ),
      "AccessDenied",
      403,
      "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    );
  });
});

it("every refusal is in the call log with its error code", async () => {
  await expectStsError(
    sts(server, USER1).send(new AssumeRoleCommand({ RoleArn: ROLE_A, RoleSessionName: "log" })),
    "AccessDenied",
    403,
  );
  expect(server.calls).toEqual([
    expect.objectContaining({
      action: "AssumeRole",
      params: { RoleArn: ROLE_A, RoleSessionName: "log" },
      callerArn: USER1_ARN,
      accessKeyId: USER1.accessKeyId,
      region: "us-east-1",
      status: 403,
      errorCode: "AccessDenied",
    }),
  ]);
});
