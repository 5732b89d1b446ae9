// Errors the emulator returns, with the codes, HTTP statuses and message texts of real STS
// (docs/aws-rules.md#sts-responses-and-errors). Every refusal goes through `StsError` so the server
// can render one ErrorResponse shape for all of them.

export type ErrorType = "Sender" | "Receiver";

export class StsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type: ErrorType = "Sender",
  ) {
    super(message);
    this.name = "StsError";
  }
}

// --- authentication (checked before any action runs) ---

export const missingAuthenticationToken = (): StsError =>
  new StsError("MissingAuthenticationToken", 403, "Request is missing Authentication Token");

export const incompleteSignature = (message: string): StsError => new StsError("IncompleteSignature", 400, message);

// Real STS uses this text (with the final period) for an unknown access key id, a missing
// session token on temporary keys, and a session token that does not match the key.
export const invalidClientTokenId = (): StsError =>
  new StsError("InvalidClientTokenId", 403, "The security token included in the request is invalid.");

export const expiredToken = (): StsError =>
  new StsError("ExpiredToken", 403, "The security token included in the request is expired");

export const SIGNATURE_MISMATCH_MESSAGE =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

export const signatureDoesNotMatch = (message: string = SIGNATURE_MISMATCH_MESSAGE): StsError =>
  new StsError("SignatureDoesNotMatch", 403, message);

// --- protocol ---

export const missingAction = (): StsError => new StsError("MissingAction", 400, "Missing Action");

// Real STS answers an unknown Action, and a missing or wrong Version, with this text.
export const invalidAction = (action: string, version: string | undefined): StsError =>
  new StsError(
    "InvalidAction",
    400,
    `Could not find operation ${action} for version ${version ?? "NO_VERSION_SPECIFIED"}`,
  );

// --- authorization ---

export const accessDenied = (message: string): StsError => new StsError("AccessDenied", 403, message);

export const notAuthorized = (callerArn: string, action: string, resource: string): StsError =>
  accessDenied(`User: ${callerArn} is not authorized to perform: ${action} on resource: ${resource}`);

export const MFA_BOTH_REQUIRED =
  "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.";
// Two spaces after "code." — this is how real STS words it.
export const MFA_UNKNOWN_SERIAL =
  "MultiFactorAuthentication failed, unable to validate MFA code.  " +
  "Please verify your MFA serial number is valid and associated with this user.";
export const MFA_INVALID_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code.";

// --- validation ---

export const validationError = (message: string): StsError => new StsError("ValidationError", 400, message);

export const DURATION_EXCEEDS_ROLE_MAX =
  "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.";
export const DURATION_EXCEEDS_CHAINING_LIMIT =
  "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.";

// --- web identity ---

export const invalidIdentityToken = (): StsError =>
  new StsError(
    "InvalidIdentityToken",
    400,
    "The web identity token that was passed could not be validated by AWS. " +
      "Get a new identity token from the identity provider and then retry the request.",
  );

// --- injected faults ---

export const internalFailure = (): StsError =>
  new StsError(
    "InternalFailure",
    500,
    "The request processing has failed because of an unknown error, exception or failure.",
    "Receiver",
  );

export const throttling = (): StsError => new StsError("Throttling", 400, "Rate exceeded");
