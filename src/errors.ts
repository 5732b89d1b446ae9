// Typed errors. Every failure a user can cause or fix is an AwsroleError with a
// one-sentence message (what failed, naming the profile or file) and a hint (the
// next step). src/report.ts is the only place that prints them.
//
// Exit codes: 0 ok, 1 failure, 2 usage, 130 interrupted (see docs/commands.md).

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/**
 * Every error code awsrole uses, one per line with what it means. The codes are
 * stable: tests match them, and `doctor --output json` shows a config error's
 * code when it has no finding name of its own. A code that is not listed here
 * fails the typecheck. Add a new one in alphabetical order.
 */
export interface ErrorCodes {
  /** The copy of a file kept before rewriting it (credentials file) could not be written. */
  BackupFailed: true;
  /** A credential_process value cannot be split into a command (unbalanced quote). */
  BadCredentialProcess: true;
  /** credential_source is not Environment, Ec2InstanceMetadata or EcsContainer. */
  BadCredentialSource: true;
  /** duration_seconds is not a whole number of seconds in STS's range. */
  BadDuration: true;
  /** role_arn is not an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME). */
  BadRoleArn: true;
  /** A value a config writer refuses (empty, a line break, surrounding blanks). */
  BadSetting: true;
  /** sts_regional_endpoints is neither "regional" nor "legacy". */
  BadStsRegionalEndpoints: true;
  /** A profile sets both source_profile and credential_source. */
  BothSources: true;
  /** The CA bundle (AWS_CA_BUNDLE or ca_bundle) cannot be read or holds no certificate. */
  CaBundleUnreadable: true;
  /** `exec`: the command exists but is not executable (exit 126, as a shell). */
  CommandNotExecutable: true;
  /** `exec`: the command is not on PATH (exit 127, as a shell). */
  CommandNotFound: true;
  /** The config or credentials file is not valid INI (botocore's ConfigParseError). */
  ConfigParse: true;
  /** The config or credentials file exists but cannot be read (permissions, a link loop). */
  ConfigUnreadable: true;
  /** `console`: long-term keys cannot sign in to the console (it needs a role session). */
  ConsoleNeedsSession: true;
  /** The container credentials endpoint did not answer or gave no credentials. */
  ContainerUnavailable: true;
  /** credential_process could not be started, or exited non-zero. */
  CredentialProcessFailed: true;
  /** credential_process printed something that is not the Version 1 JSON the AWS CLI reads. */
  CredentialProcessOutput: true;
  /** credential_process did not finish in time. */
  CredentialProcessTimeout: true;
  /** source_profile links form a loop. */
  Cycle: true;
  /** A file to write is a symbolic link to a file that does not exist. */
  DanglingSymlink: true;
  /** `login --use-device-code`: the code expired before it was approved. */
  DeviceCodeExpired: true;
  /** `--format dotenv`: a value docker's env-file reader would read differently. */
  DotenvUnsafe: true;
  /** `exec`: the command could not be started for another reason. */
  ExecFailed: true;
  /** A source (credential_process, a metadata endpoint) returned credentials already expired. */
  ExpiredCredentials: true;
  /** `console`: the sign-in (federation) endpoint refused the session. */
  FederationRefused: true;
  /** `console`: the sign-in (federation) endpoint could not be reached. */
  FederationUnreachable: true;
  /** The EC2 instance role is needed but AWS_EC2_METADATA_DISABLED is true. */
  ImdsDisabled: true;
  /** The EC2 instance-metadata service did not answer or gave no credentials. */
  ImdsUnavailable: true;
  /** The user pressed Ctrl-C (exit 130). */
  Interrupted: true;
  /** The instance-metadata endpoint setting is not an http(s) URL. */
  InvalidImdsEndpoint: true;
  /** The code pasted for `login --console --remote` is wrong, or nothing was pasted. */
  LoginBadCode: true;
  /** A console-login cache file is not JSON, lacks a field, or its DPoP key cannot sign. */
  LoginCacheInvalid: true;
  /** No console-login cache file for the profile's login_session. */
  LoginCacheMissing: true;
  /** The console-login cache file cannot be read. */
  LoginCacheUnreadable: true;
  /** `login`: the sign-in was denied in the browser or on the device. */
  LoginDenied: true;
  /** The token exchange at the end of a console sign-in failed. */
  LoginFailed: true;
  /** No region for the sign-in endpoint of a console login. */
  LoginNoRegion: true;
  /** The sign-in service refused the refresh: signin:CreateOAuth2Token is not allowed (INSUFFICIENT_PERMISSIONS). */
  LoginNotPermitted: true;
  /** `login --console` on a profile that already gets credentials another way. */
  LoginProfileHasCredentials: true;
  /** Expired console-login keys could not be refreshed. */
  LoginRefreshFailed: true;
  /** The console-login session expired or its credentials changed (TOKEN_EXPIRED / USER_CREDENTIALS_CHANGED). */
  LoginSessionExpired: true;
  /** `login`: no browser redirect came within 10 minutes. */
  LoginTimedOut: true;
  /** `login`: the 127.0.0.1 redirect server could not be started. */
  LoopbackFailed: true;
  /** A source returned an Expiration that is not a timestamp. */
  MalformedExpiration: true;
  /** A metadata endpoint (instance or container) answered without usable credentials. */
  MetadataCredentials: true;
  /** An MFA code is needed and there is no terminal to ask on (and no --token-code). */
  MfaCodeRequired: true;
  /** mfa_session on a profile whose source credentials are already temporary (GetSessionToken needs long-term keys). */
  MfaSessionNeedsLongTermKeys: true;
  /** `exec` inside a shell that already runs with awsrole credentials. */
  NestedExec: true;
  /** credential_source = EcsContainer, but no container credentials URI is set. */
  NoContainerCredentials: true;
  /** The profile has no way to get credentials (no role_arn, keys, process or web identity). */
  NoCredentials: true;
  /** credential_source = Environment, but AWS_ACCESS_KEY_ID is not set. */
  NoEnvironmentCredentials: true;
  /** The picker has no profile to offer (both files are empty or absent). */
  NoProfiles: true;
  /** A custom STS endpoint is configured but no region, so requests cannot be signed. */
  NoRegion: true;
  /** role_arn without source_profile or credential_source. */
  NoSource: true;
  /** `logout --console` on a profile without login_session. */
  NotLoginSession: true;
  /** `login`: the profile has neither sso_session nor sso_start_url. */
  NotSsoProfile: true;
  /** `assume --write-profile` was given long-term keys; only temporary ones are written. */
  NotTemporary: true;
  /** A source returned credentials holding characters no AWS credential has. */
  OddCredentialCharacters: true;
  /** `console --open`: the browser opener could not be run. */
  OpenFailed: true;
  /** Standard output could not be written (a closed pipe, a full disk). */
  OutputFailed: true;
  /** aws_access_key_id without aws_secret_access_key in a file. */
  PartialCredentials: true;
  /** AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not. */
  PartialEnvironmentCredentials: true;
  /** The profile is in neither file. */
  ProfileNotFound: true;
  /** A prompt (MFA code, profile picker) could not be shown. */
  PromptFailed: true;
  /** `exec --server`: the address to listen on is not on this machine. */
  ServerAddressUnavailable: true;
  /** `exec --server`: renewed credentials came back with too little time left to hand out. */
  ServerCredentialsExpired: true;
  /** `exec --server`: listening failed for another reason. */
  ServerListenFailed: true;
  /** `exec --server`: the credentials have no expiry or no session token, which the container protocol cannot carry. */
  ServerNeedsTemporaryCredentials: true;
  /** `exec --server`: asked for credentials before it had any. */
  ServerNoCredentials: true;
  /** `exec --server`: the port needs privileges. */
  ServerPortDenied: true;
  /** `exec --server`: the port is taken. */
  ServerPortInUse: true;
  /** services = NAME, but the config file has no [services NAME] section. */
  ServicesNotFound: true;
  /** A source_profile has no credentials of its own. */
  SourceHasNoCredentials: true;
  /** source_profile names a profile that is in neither file. */
  SourceProfileNotFound: true;
  /** `login`: a profile and its sso-session disagree on a key. */
  SsoInconsistent: true;
  /** `login`: IAM Identity Center's OIDC service refused a call of the sign-in. */
  SsoLoginRefused: true;
  /** An SSO profile lacks sso_start_url, sso_region, sso_account_id or sso_role_name (after its sso-session). */
  SsoMissingConfig: true;
  /** IAM Identity Center's OIDC service answered something that is not a usable JSON answer. */
  SsoOidcBadResponse: true;
  /** IAM Identity Center's OIDC service could not be reached (network, deadline, size). */
  SsoOidcUnreachable: true;
  /** The AWS access portal answered something that is not usable role credentials. */
  SsoPortalBadResponse: true;
  /** The AWS access portal refused GetRoleCredentials for another reason (throttling, a server error). */
  SsoPortalError: true;
  /** The AWS access portal could not be reached. */
  SsoPortalUnreachable: true;
  /** The SSO user is not assigned the profile's account and role (ForbiddenException), or the account is unknown. */
  SsoRoleForbidden: true;
  /** A profile and its sso-session set the same key to different values. */
  SsoSessionConflict: true;
  /** sso_session names an [sso-session NAME] the config file does not have. */
  SsoSessionNotFound: true;
  /** The SSO token expired and could not be refreshed, or the portal refused it (UnauthorizedException). */
  SsoTokenExpired: true;
  /** The SSO token file is not valid JSON or lacks accessToken / expiresAt. */
  SsoTokenInvalid: true;
  /** There is no SSO token file for the profile's session or start URL: log in first. */
  SsoTokenMissing: true;
  /** STS answered with incomplete or malformed credentials. */
  StsBadResponse: true;
  /** STS answered with credentials that had already expired (a clock problem). */
  StsExpiredCredentials: true;
  /** A credential value is too long or holds a control character, so it is not exported. */
  UnsafeCredentials: true;
  /** Credentials hold characters that cannot go into a request header; nothing was sent. */
  UnsendableCredentials: true;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI names a host the AWS SDKs refuse over plain http. */
  UnsupportedContainerHost: true;
  /** Bad command-line usage (exit 2). */
  Usage: true;
  /** The web identity token file cannot be read. */
  WebIdentityTokenUnreadable: true;
  /** A web identity token file without a role ARN to assume with it. */
  WebIdentityWithoutRole: true;
  /** `assume --write-profile` would overwrite long-term keys in the credentials file. */
  WouldOverwriteLongTermKeys: true;
  /** The credentials file could not be read, written or kept with its owner and group. */
  WriteFailed: true;
  /** `assume --write-profile` names a profile whose other settings win over written keys. */
  WriteProfileIgnored: true;
}

/**
 * A failed STS call (src/adapters/sts.ts StsCallError): "Sts." and the error
 * code STS answered (AccessDenied, ExpiredToken, InvalidClientTokenId...), which
 * is open-ended, or one of awsrole's own for a call with no answer: Sts.Deadline,
 * Sts.ResponseTooLarge, Sts.TlsCertificate, Sts.Unreachable, Sts.BadResponse.
 */
export type StsErrorCode = `Sts.${string}`;

/** The code of an AwsroleError. */
export type ErrorCode = keyof ErrorCodes | StsErrorCode;

export class AwsroleError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, options: { hint?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AwsroleError";
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? EXIT_FAILURE;
  }
}

/** A file exists but is not a valid AWS config/credentials file (botocore: ConfigParseError). */
export class ConfigParseError extends AwsroleError {
  readonly path: string;
  readonly line: number | undefined;
  constructor(path: string, line: number | undefined, detail: string, hint?: string) {
    const where = line === undefined ? path : `${path}, line ${line}`;
    super("ConfigParse", `Unable to parse ${where}: ${detail}.`, {
      hint: hint ?? "Fix that line; the AWS CLI rejects this file too.",
    });
    this.path = path;
    this.line = line;
  }
}

/** Where a setting was written: a file and, when known, a line (a KeyOrigin of src/core/config.ts fits). */
export interface SettingOrigin {
  readonly path: string;
  readonly line: number | undefined;
}

/** What a config error is about, beyond the profile: lets `doctor` place it by data. */
export interface ConfigErrorDetails {
  /** The offending setting, e.g. "role_arn"; `doctor` reports the error at its line. */
  readonly setting?: string;
  /** Where that setting was written, when the thrower knows it (else doctor looks it up on the profile). */
  readonly origin?: SettingOrigin;
}

/** Anything wrong in how profiles are configured; carries the profile name and, when known, the setting. */
export class ProfileConfigError extends AwsroleError {
  readonly profile: string;
  readonly setting: string | undefined;
  readonly origin: SettingOrigin | undefined;
  constructor(code: ErrorCode, profile: string, message: string, hint?: string, details: ConfigErrorDetails = {}) {
    super(code, message, hint === undefined ? {} : { hint });
    this.profile = profile;
    this.setting = details.setting;
    this.origin = details.origin;
  }
}

export class UsageError extends AwsroleError {
  constructor(message: string, hint?: string) {
    super("Usage", message, { exitCode: EXIT_USAGE, ...(hint === undefined ? {} : { hint }) });
  }
}

/** The user pressed Ctrl-C (at a prompt or while waiting for STS). */
export class InterruptedError extends AwsroleError {
  constructor() {
    super("Interrupted", "Interrupted.", { exitCode: EXIT_INTERRUPTED });
  }
}

/**
 * Text from outside awsrole (a server's message, a value in a file) made safe
 * to show on a terminal: C0 and C1 control characters other than newline and
 * tab, DEL, and bidirectional overrides become "?", so no escape sequence
 * (ESC, CSI, OSC, BEL, a CR that rewrites the line) reaches the terminal.
 */
export function stripControl(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "?");
}
