import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CacheStore,
  cliCacheDir,
  serializeCacheEntry,
  type StsResponseForCache,
} from "../../src/adapters/cache-store.js";
import { assumeRoleCacheKey } from "../../src/core/cache-key.js";

const KEY = "aef2522db9da533f72e8e67a2e92ab98097958c8"; // {"RoleArn": "arn:aws:iam::123456789012:role/RoleB"}
const KEY2 = "3bdff99b303472348860aed5658f180e8fd058f4";
const NOW = new Date("2026-11-22T12:00:00Z");
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
const TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDPbfakeTOKEN";
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function response(
  overrides: Partial<StsResponseForCache> = {},
  expiration = "2026-11-22T13:00:00Z",
): StsResponseForCache {
  return {
    Credentials: {
      AccessKeyId: "ASIAEXAMPLEKEY",
      SecretAccessKey: SECRET,
      SessionToken: TOKEN,
      Expiration: expiration,
    },
    AssumedRoleUser: {
      AssumedRoleId: "AROAEXAMPLEID:alice-session",
      Arn: "arn:aws:sts::123456789012:assumed-role/RoleB/alice-session",
    },
    PackedPolicySize: 6,
    RequestId: "c6104cbe-af31-11e0-8154-cbc7ccf896c7",
    ...overrides,
  };
}

function python(check: string): boolean {
  return spawnSync("python3", ["-c", check], { encoding: "utf8" }).status === 0;
}
const hasPython = python("import json");
const hasBotocore = python("import botocore.credentials, botocore.utils");
if (!hasPython)
  console.warn("cache-store.test: python3 not found on PATH; skipping the byte comparison with Python's json.dumps.");
if (isRoot)
  console.warn(
    "cache-store.test: running as root, so chmod cannot make a file unreadable " +
      "or a directory read-only; skipping those two EACCES tests (write failures " +
      "are still covered by a cache directory path that is a file).",
  );
const hasMkfifo = spawnSync("mkfifo", ["--version"]).status === 0;
if (!hasBotocore)
  console.warn(
    "cache-store.test: botocore not importable by python3; skipping the tests against botocore's own cache reader/writer.",
  );

let tmp: string;
let dir: string;
let warnings: string[];
let store: CacheStore;

function makeStore(d = dir, extra: { now?: () => Date } = {}): CacheStore {
  return new CacheStore(d, { warn: (m) => warnings.push(m), now: extra.now ?? (() => NOW) });
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "awsrole-cache-store-"));
  dir = path.join(tmp, "home", ".aws", "cli", "cache");
  warnings = [];
  store = makeStore();
});

afterEach(() => {
  // Undo chmods from the permission tests so the tree can be removed.
  for (const p of [tmp, dir]) if (fs.existsSync(p)) fs.chmodSync(p, 0o700);
  fs.rmSync(tmp, { recursive: true, force: true });
});

function writeRaw(key: string, content: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${key}.json`);
  fs.writeFileSync(file, content);
  return file;
}

function entry(expiration: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    Credentials: { AccessKeyId: "ASIAX", SecretAccessKey: SECRET, SessionToken: TOKEN, Expiration: expiration },
    ...extra,
  });
}

describe("cliCacheDir", () => {
  it("is the AWS CLI's ~/.aws/cli/cache under HOME", () => {
    expect(cliCacheDir({ HOME: "/home/alice" })).toBe("/home/alice/.aws/cli/cache");
  });
  it("honours AWSROLE_CACHE_DIR, ignoring an empty one", () => {
    expect(cliCacheDir({ HOME: "/home/alice", AWSROLE_CACHE_DIR: "/tmp/c" })).toBe("/tmp/c");
    expect(cliCacheDir({ HOME: "/home/alice", AWSROLE_CACHE_DIR: "" })).toBe("/home/alice/.aws/cli/cache");
  });
  it("falls back to the account's home directory without HOME", () => {
    // The password-database entry (os.path.expanduser), not this process's own $HOME.
    expect(cliCacheDir({})).toBe(path.join(os.userInfo().homedir, ".aws", "cli", "cache"));
  });
  it("follows a set-but-empty HOME as the AWS CLI does: the root", () => {
    expect(cliCacheDir({ HOME: "" })).toBe("/.aws/cli/cache");
    expect(cliCacheDir({ HOME: "/" })).toBe("/.aws/cli/cache");
  });
});

describe("write and read", () => {
  it("round-trips through <key>.json", () => {
    expect(store.write(KEY, response())).toBe(true);
    const read = store.read(KEY);
    expect(read).toEqual({
      status: "hit",
      path: path.join(dir, `${KEY}.json`),
      credentials: {
        accessKeyId: "ASIAEXAMPLEKEY",
        secretAccessKey: SECRET,
        sessionToken: TOKEN,
        expiration: new Date("2026-11-22T13:00:00Z"),
        accountId: "123456789012",
        arn: "arn:aws:sts::123456789012:assumed-role/RoleB/alice-session",
        assumedRoleId: "AROAEXAMPLEID:alice-session",
      },
    });
    expect(fs.readdirSync(dir)).toEqual([`${KEY}.json`]); // no temp file left behind
    expect(warnings).toEqual([]);
  });

  it("creates missing directories 0700 and files 0600", () => {
    store.write(KEY, response());
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.dirname(dir)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, `${KEY}.json`)).mode & 0o777).toBe(0o600);
  });

  it("leaves the mode of an existing directory alone", () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o755);
    store.write(KEY, response());
    expect(fs.statSync(dir).mode & 0o777).toBe(0o755);
  });

  it("replaces an existing entry atomically", () => {
    store.write(KEY, response());
    const file = path.join(dir, `${KEY}.json`);
    const before = fs.readFileSync(file);
    // A second name for the old file, as a reader that opened it holds it: a
    // temp file renamed over the entry leaves it whole; writing in place would not.
    const held = path.join(tmp, "held.json");
    fs.linkSync(file, held);
    const inode = fs.statSync(file).ino;
    store.write(
      KEY,
      response({
        Credentials: {
          AccessKeyId: "ASIASECOND",
          SecretAccessKey: SECRET,
          SessionToken: TOKEN,
          Expiration: "2026-11-22T14:00:00Z",
        },
      }),
    );
    const read = store.read(KEY);
    expect(read.status === "hit" && read.credentials.accessKeyId).toBe("ASIASECOND");
    expect(fs.readdirSync(dir)).toEqual([`${KEY}.json`]);
    expect(fs.readFileSync(held)).toEqual(before);
    expect(fs.statSync(file).ino).not.toBe(inode);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it("writes botocore's exact bytes: Python separators, member order, AccountId, ResponseMetadata, no newline", () => {
    store.write(KEY, response({ SourceIdentity: "café/😀" }));
    expect(fs.readFileSync(path.join(dir, `${KEY}.json`), "utf8")).toBe(
      '{"Credentials": {"AccessKeyId": "ASIAEXAMPLEKEY", "SecretAccessKey": "' +
        SECRET +
        '", "SessionToken": "' +
        TOKEN +
        '", ' +
        '"Expiration": "2026-11-22T13:00:00Z", "AccountId": "123456789012"}, ' +
        '"AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLEID:alice-session", "Arn": "arn:aws:sts::123456789012:assumed-role/RoleB/alice-session"}, ' +
        '"PackedPolicySize": 6, "SourceIdentity": "caf\\u00e9/\\ud83d\\ude00", ' +
        '"ResponseMetadata": {"RequestId": "c6104cbe-af31-11e0-8154-cbc7ccf896c7", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}}',
    );
  });

  it("writes only the members present (GetSessionToken; no RequestId; no ARN means no AccountId)", () => {
    const minimal: StsResponseForCache = {
      Credentials: {
        AccessKeyId: "ASIAX",
        SecretAccessKey: "s",
        SessionToken: "t",
        Expiration: "2026-11-22T13:00:00Z",
      },
    };
    expect(serializeCacheEntry(minimal)).toBe(
      '{"Credentials": {"AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "2026-11-22T13:00:00Z"}, ' +
        '"ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}}',
    );
    const notAnArn = serializeCacheEntry({ ...minimal, AssumedRoleUser: { AssumedRoleId: "x", Arn: "not-an-arn" } });
    expect(notAnArn).not.toContain("AccountId");
  });

  it("orders web-identity members as botocore's AssumeRoleWithWebIdentity shape", () => {
    const text = serializeCacheEntry(
      response({
        SubjectFromWebIdentityToken: "sub",
        Provider: "https://issuer",
        Audience: "aud",
        PackedPolicySize: 1,
      }),
    );
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([
      "Credentials",
      "SubjectFromWebIdentityToken",
      "AssumedRoleUser",
      "PackedPolicySize",
      "Provider",
      "Audience",
      "ResponseMetadata",
    ]);
  });

  it.skipIf(!hasPython)("produces what Python's json.dumps produces for the same dict", () => {
    store.write(KEY, response({ SourceIdentity: 'a"b\\c/\u007f\n\u00e9\u{1F600}' }));
    const file = path.join(dir, `${KEY}.json`);
    const script =
      "import json, sys\nwith open(sys.argv[1], encoding='utf-8') as f: data = f.read()\nsys.stdout.write(json.dumps(json.loads(data)))";
    const run = spawnSync("python3", ["-c", script, file], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(fs.readFileSync(file, "utf8"));
  });
});

describe.skipIf(!hasBotocore)("compatibility with botocore's own JSONFileCache (AWS CLI v1 code path)", () => {
  // A fake STS client hands botocore the same parsed response awsrole writes;
  // botocore then computes the key, adds AccountId and writes its cache file.
  const script = `
import json, sys
from botocore.credentials import AssumeRoleCredentialFetcher, Credentials
from botocore.utils import JSONFileCache
d = json.load(sys.stdin)
class Client:
    def assume_role(self, **kwargs):
        if d['response'] is None:
            raise RuntimeError('botocore called STS instead of using the cache')
        return json.loads(d['response'])
fetcher = AssumeRoleCredentialFetcher(lambda *a, **k: Client(), Credentials('AKIDSRC', 'src-secret'), d['roleArn'],
    extra_args=d['extra'], mfa_prompter=lambda prompt: '123456', cache=JSONFileCache(d['dir']))
creds = fetcher.fetch_credentials()
print(json.dumps({'access_key': creds['access_key'], 'account_id': creds['account_id'], 'expiry_time': creds['expiry_time']}))
`;
  const roleArn = "arn:aws:iam::123456789012:role/RoleB";
  const extra = { RoleSessionName: "alice-session", SerialNumber: "arn:aws:iam::111111111111:mfa/alice" };
  const key = assumeRoleCacheKey({ RoleArn: roleArn, ...extra });
  const expiration = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, "Z");

  function botocore(cacheDir: string, stsResponse: string | null): { access_key: string; account_id: string | null } {
    const run = spawnSync("python3", ["-c", script], {
      input: JSON.stringify({ dir: cacheDir, roleArn, extra, response: stsResponse }),
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout) as { access_key: string; account_id: string | null };
  }

  it("writes the same file name and the same bytes as botocore", () => {
    const sts = response({ SourceIdentity: "café" }, expiration);
    // The parsed response as botocore's parser returns it for the CLI (timestamps as wire strings).
    const parsed = JSON.stringify({
      Credentials: sts.Credentials,
      AssumedRoleUser: sts.AssumedRoleUser,
      PackedPolicySize: sts.PackedPolicySize,
      SourceIdentity: sts.SourceIdentity,
      ResponseMetadata: { RequestId: sts.RequestId, HTTPStatusCode: 200, HTTPHeaders: {}, RetryAttempts: 0 },
    });
    const botoDir = path.join(tmp, "botocore");
    botocore(botoDir, parsed);
    expect(fs.readdirSync(botoDir)).toEqual([`${key}.json`]);
    expect(store.write(key, sts)).toBe(true);
    expect(fs.readFileSync(path.join(dir, `${key}.json`))).toEqual(fs.readFileSync(path.join(botoDir, `${key}.json`)));
  });

  it("botocore uses an entry awsrole wrote, without calling STS", () => {
    store.write(key, response({}, expiration));
    expect(botocore(dir, null)).toMatchObject({ access_key: "ASIAEXAMPLEKEY", account_id: "123456789012" });
  });

  it("awsrole uses an entry botocore wrote", () => {
    const parsed = JSON.stringify({
      Credentials: { ...response({}, expiration).Credentials, AccessKeyId: "ASIAFROMBOTO" },
      AssumedRoleUser: response().AssumedRoleUser,
    });
    botocore(dir, parsed);
    const read = new CacheStore(dir).read(key);
    expect(read.status === "hit" && read.credentials).toMatchObject({
      accessKeyId: "ASIAFROMBOTO",
      accountId: "123456789012",
    });
  });
});

describe("reading entries written by AWS tools", () => {
  it("reads a file in the AWS CLI v1's exact format (moto's microsecond Expiration)", () => {
    // Byte for byte what awscli 1.45 + moto wrote in the live check (docs/aws-rules.md#cache-file-content, docs/aws-rules.md#expiration-format).
    const fixture =
      '{"Credentials": {"AccessKeyId": "ASIAQYLPMN5HFLEXAMPL", "SecretAccessKey": "aJ7MNmoCLXU0F+bnE6D4XWYDZ7dWV8Qk0EXAMPLE", ' +
      '"SessionToken": "FQoGZXIvYXdzEBYaDGS0tEkN3MKBhqUv5SSyAuWkfeEXAMPLE", "Expiration": "2026-11-22T18:48:33.186509Z", "AccountId": "123456789012"}, ' +
      ('"AssumedRoleUser": {"AssumedRoleId": "AROAZ2DQPS3IDDTAEXAMPL:botocore-session-1795369713", ' +
        '"Arn": "arn:aws:sts::123456789012:assumed-role/RoleB/botocore-session-1795369713"}, ') +
      '"PackedPolicySize": 6, "ResponseMetadata": {"RequestId": "c6104cbe-af31-11e0-8154-cbc7ccf896c7", "HTTPStatusCode": 200, ' +
      ('"HTTPHeaders": {"server": "Werkzeug/3.1.3 Python/3.11.7", "date": "Sun, 22 ' +
        'Nov 2026 17:48:33 GMT", "content-type": "text/xml", "content-length": "1012", ' +
        '"connection": "close"}, "RetryAttempts": 0}}');
    writeRaw(KEY, fixture);
    const read = store.read(KEY);
    expect(read).toMatchObject({
      status: "hit",
      credentials: {
        accessKeyId: "ASIAQYLPMN5HFLEXAMPL",
        secretAccessKey: "aJ7MNmoCLXU0F+bnE6D4XWYDZ7dWV8Qk0EXAMPLE",
        sessionToken: "FQoGZXIvYXdzEBYaDGS0tEkN3MKBhqUv5SSyAuWkfeEXAMPLE",
        accountId: "123456789012",
        arn: "arn:aws:sts::123456789012:assumed-role/RoleB/botocore-session-1795369713",
      },
    });
    expect(read.status === "hit" && read.credentials.expiration.toISOString()).toBe("2026-11-22T18:48:33.186Z");
  });

  it.each([
    ["2026-11-22T13:00:00Z", "2026-11-22T13:00:00.000Z"],
    ["2026-11-22T13:00:00.186509Z", "2026-11-22T13:00:00.186Z"],
    ["2026-11-22T13:00:00+00:00", "2026-11-22T13:00:00.000Z"],
    ["2026-11-22T22:00:00+09:00", "2026-11-22T13:00:00.000Z"],
    ["2026-11-22T08:00:00-0500", "2026-11-22T13:00:00.000Z"],
    ["2026-11-22T13:00:00UTC", "2026-11-22T13:00:00.000Z"],
    ["2026-11-22 13:00:00+00:00", "2026-11-22T13:00:00.000Z"],
  ])("accepts Expiration %s", (shape, iso) => {
    writeRaw(KEY, entry(shape));
    const read = store.read(KEY);
    expect(read.status === "hit" && read.credentials.expiration.toISOString()).toBe(iso);
  });

  it("derives the account from AssumedRoleUser.Arn for entries without Credentials.AccountId", () => {
    writeRaw(
      KEY,
      entry("2026-11-22T13:00:00Z", {
        AssumedRoleUser: { AssumedRoleId: "x", Arn: "arn:aws:sts::210987654321:assumed-role/R/s" },
      }),
    );
    const read = store.read(KEY);
    expect(read.status === "hit" && read.credentials.accountId).toBe("210987654321");
  });

  it("ignores a UTF-8 byte order mark", () => {
    writeRaw(KEY, `\ufeff${entry("2026-11-22T13:00:00Z")}`);
    expect(store.read(KEY).status).toBe("hit");
  });
});

describe("damaged, expired and unreadable entries are misses, never exceptions", () => {
  it("reports an absent entry", () => {
    expect(store.read(KEY)).toEqual({
      status: "miss",
      reason: "absent",
      path: path.join(dir, `${KEY}.json`),
      detail: "no cache file",
    });
  });

  it.each<[string, string]>([
    ["empty file (the AWS CLI crashes on it)", ""],
    ["truncated", '{"Credentials": {"AccessKeyId"'],
    ["JSON null", "null"],
    ["a list", "[]"],
    ["a string", '"x"'],
    ["no Credentials", "{}"],
    ["Credentials not an object", '{"Credentials": "x"}'],
    [
      "missing SessionToken",
      JSON.stringify({ Credentials: { AccessKeyId: "A", SecretAccessKey: "S", Expiration: "2026-11-22T13:00:00Z" } }),
    ],
    [
      "AccessKeyId not a string",
      JSON.stringify({
        Credentials: { AccessKeyId: 1, SecretAccessKey: "S", SessionToken: "T", Expiration: "2026-11-22T13:00:00Z" },
      }),
    ],
    [
      "missing Expiration",
      JSON.stringify({ Credentials: { AccessKeyId: "A", SecretAccessKey: "S", SessionToken: "T" } }),
    ],
    ["Expiration: soon", entry("soon")],
    ["numeric Expiration", entry(1795369713)],
    ["Expiration without a zone", entry("2026-11-22T13:00:00")],
    ["binary garbage", "\u0000\u0001\u0002"],
  ])("%s ⇒ corrupt", (_name, content) => {
    writeRaw(KEY, content);
    const read = store.read(KEY);
    expect(read).toMatchObject({ status: "miss", reason: "corrupt", path: path.join(dir, `${KEY}.json`) });
    expect(JSON.stringify(read)).not.toContain(SECRET);
  });

  it.each<[string, string]>([
    ["expired an hour ago", "2026-11-22T11:00:00Z"],
    ["expired a second ago", "2026-11-22T11:59:59Z"],
    ["899 s left (inside the 900 s window)", "2026-11-22T12:14:59Z"],
  ])("%s ⇒ expired", (_name, expiration) => {
    writeRaw(KEY, entry(expiration));
    expect(store.read(KEY)).toMatchObject({ status: "miss", reason: "expired" });
  });

  it("uses an entry with exactly 900 s left", () => {
    writeRaw(KEY, entry("2026-11-22T12:15:00Z"));
    expect(store.read(KEY).status).toBe("hit");
  });

  it("honours a custom window", () => {
    writeRaw(KEY, entry("2026-11-22T12:05:00Z"));
    expect(new CacheStore(dir, { now: () => NOW, windowSeconds: 60 }).read(KEY).status).toBe("hit");
  });

  it("a directory named <key>.json ⇒ unreadable (and write fails with a warning)", () => {
    fs.mkdirSync(path.join(dir, `${KEY}.json`), { recursive: true });
    expect(store.read(KEY)).toMatchObject({ status: "miss", reason: "unreadable", detail: "is a directory" });
    expect(store.write(KEY, response())).toBe(false);
    expect(warnings).toHaveLength(1);
    expect(fs.readdirSync(dir)).toEqual([`${KEY}.json`]); // temp file cleaned up
  });

  it("a cache directory path that is a file ⇒ read misses, write warns once and returns false", () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, "not a directory");
    expect(store.read(KEY)).toMatchObject({ status: "miss", reason: "unreadable" });
    expect(store.write(KEY, response())).toBe(false);
    expect(store.write(KEY2, response())).toBe(false);
    expect(warnings).toEqual([
      `Could not write the credential cache ${path.join(dir, `${KEY}.json`)}: a ` +
        `file is in the way of the cache directory (EEXIST); credentials were not cached.`,
    ]);
    expect(store.list()).toEqual([]);
    expect(store.remove()).toBe(0);
  });

  it("never puts secrets into warnings", () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, "");
    store.write(KEY, response());
    expect(warnings.join("\n")).not.toContain(SECRET);
    expect(warnings.join("\n")).not.toContain(TOKEN);
  });

  it("refuses keys that could leave the cache directory", () => {
    for (const bad of ["../evil", "a/b", "..", "", "x.json", "a b", `${"a".repeat(201)}`]) {
      expect(store.read(bad)).toMatchObject({ status: "miss", reason: "unreadable", detail: "invalid cache key" });
      expect(store.write(bad, response())).toBe(false);
    }
    expect(fs.existsSync(path.join(tmp, "home", ".aws", "cli", "evil.json"))).toBe(false);
    expect(fs.existsSync(dir)).toBe(false);
    expect(warnings).toHaveLength(1); // one warning for the same reason
  });

  it.skipIf(isRoot)("a read-only cache directory ⇒ write returns false and warns once", () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o500);
    expect(store.write(KEY, response())).toBe(false);
    expect(store.write(KEY2, response())).toBe(false);
    expect(warnings).toEqual([
      `Could not write the credential cache ${path.join(dir, `${KEY}.json`)}: permission denied (EACCES); credentials were not cached.`,
    ]);
  });

  it.skipIf(isRoot)("an unreadable file ⇒ unreadable", () => {
    const file = writeRaw(KEY, entry("2026-11-22T13:00:00Z"));
    fs.chmodSync(file, 0o000);
    expect(store.read(KEY)).toMatchObject({ status: "miss", reason: "unreadable" });
  });

  it.skipIf(!hasMkfifo)("a FIFO named <key>.json ⇒ unreadable, without blocking", () => {
    fs.mkdirSync(dir, { recursive: true });
    expect(spawnSync("mkfifo", [path.join(dir, `${KEY}.json`)]).status).toBe(0);
    expect(store.read(KEY)).toMatchObject({ status: "miss", reason: "unreadable", detail: "not a regular file" });
  });
});

describe("list", () => {
  it("summarises every entry file and ignores other files", () => {
    const webKey = "e5ca68d76c119993b60d950a5ffabf7445470b19";
    const mfaKey = "1111111111111111111111111111111111111111";
    const ssoKey = "2222222222222222222222222222222222222222";
    const corruptKey = "3333333333333333333333333333333333333333";
    store.write(KEY, response());
    store.write(KEY2, response({}, "2026-11-22T11:00:00Z"));
    store.write(webKey, response({ SubjectFromWebIdentityToken: "sub", Audience: "aud", Provider: "iss" }));
    store.write(mfaKey, { Credentials: response().Credentials });
    writeRaw(
      ssoKey,
      JSON.stringify({
        ProviderType: "sso",
        Credentials: {
          AccessKeyId: "A",
          SecretAccessKey: "S",
          SessionToken: "T",
          Expiration: "2026-11-22T13:00:00UTC",
        },
      }),
    );
    writeRaw(corruptKey, "");
    fs.writeFileSync(path.join(dir, "notes.txt"), "x");
    fs.writeFileSync(path.join(dir, "package.json"), "{}");
    fs.writeFileSync(path.join(dir, `${KEY}.lock`), "{}");

    const list = store.list();
    expect(list.map((e) => [e.key, e.kind, e.usable, e.corrupt])).toEqual([
      [mfaKey, "mfa-session", true, false],
      [ssoKey, "sso", true, false],
      [corruptKey, "unknown", false, true],
      [KEY2, "assume-role", false, false],
      [KEY, "assume-role", true, false],
      [webKey, "web-identity", true, false],
    ]);
    expect(list.find((e) => e.key === KEY)).toEqual({
      key: KEY,
      path: path.join(dir, `${KEY}.json`),
      arn: "arn:aws:sts::123456789012:assumed-role/RoleB/alice-session",
      accountId: "123456789012",
      expiration: new Date("2026-11-22T13:00:00Z"),
      usable: true,
      corrupt: false,
      kind: "assume-role",
    });
    expect(JSON.stringify(list)).not.toContain(SECRET);
  });

  it("is empty for a missing directory", () => {
    expect(store.list()).toEqual([]);
  });
});

describe("remove", () => {
  it("removes given keys and counts only what existed", () => {
    store.write(KEY, response());
    store.write(KEY2, response());
    expect(store.remove([KEY, KEY, "4444444444444444444444444444444444444444", "../x"])).toBe(1);
    expect(fs.readdirSync(dir)).toEqual([`${KEY2}.json`]);
    expect(store.remove([])).toBe(0);
  });

  it("removes all entries, stale temp files and abandoned locks, and nothing else", () => {
    store.write(KEY, response());
    store.write(KEY2, response());
    const old = new Date(Date.now() - 3600_000);
    const stale = [".abc.123.ff.tmp", "tmpk3j4h5.tmp", `.${KEY}.lock.1.ab.tmp`];
    for (const name of stale) {
      fs.writeFileSync(path.join(dir, name), "");
      fs.utimesSync(path.join(dir, name), old, old);
    }
    fs.writeFileSync(path.join(dir, "tmpfresh.tmp"), ""); // a write in progress
    fs.writeFileSync(path.join(dir, `${KEY}.lock`), JSON.stringify({ pid: 999999, created: Date.now() })); // holder gone
    const live = path.join(dir, "5555555555555555555555555555555555555555.lock");
    fs.writeFileSync(live, JSON.stringify({ pid: process.pid, created: Date.now(), host: os.hostname() }));
    fs.writeFileSync(path.join(dir, "package.json"), "{}");
    fs.writeFileSync(path.join(dir, "notes.txt"), "");

    expect(store.remove()).toBe(2);
    expect(fs.readdirSync(dir).sort()).toEqual([
      "5555555555555555555555555555555555555555.lock",
      "notes.txt",
      "package.json",
      "tmpfresh.tmp",
    ]);
  });

  it("returns 0 for a missing directory", () => {
    expect(store.remove()).toBe(0);
  });
});

describe("withLock", () => {
  it("runs 20 concurrent callers strictly one at a time and releases the lock", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.withLock(KEY, async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          await sleep(5);
          runs++;
          active--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(runs).toBe(20);
    expect(maxActive).toBe(1);
    expect(fs.existsSync(path.join(dir, `${KEY}.lock`))).toBe(false);
  });

  it("creates the lock file 0600 with the holder's pid", async () => {
    await store.withLock(KEY, async () => {
      const lock = path.join(dir, `${KEY}.lock`);
      expect(fs.statSync(lock).mode & 0o777).toBe(0o600);
      expect(JSON.parse(fs.readFileSync(lock, "utf8"))).toMatchObject({ pid: process.pid });
    });
  });

  it("releases the lock when fn throws, and rethrows", async () => {
    await expect(
      store.withLock(KEY, async () => {
        throw new Error("sts failed");
      }),
    ).rejects.toThrow("sts failed");
    expect(fs.existsSync(path.join(dir, `${KEY}.lock`))).toBe(false);
  });

  it("steals a lock whose holder is gone", async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${KEY}.lock`),
      JSON.stringify({ pid: 999999, created: Date.now(), host: os.hostname() }),
    );
    const started = Date.now();
    expect(await store.withLock(KEY, async () => "ran", { timeoutMs: 5000 })).toBe("ran");
    expect(Date.now() - started).toBeLessThan(1000);
    expect(fs.existsSync(path.join(dir, `${KEY}.lock`))).toBe(false);
  });

  it("steals a lock older than staleMs even if its holder lives", async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, `${KEY}.lock`),
      JSON.stringify({ pid: process.pid, created: Date.now() - 120_000, host: os.hostname() }),
    );
    const started = Date.now();
    expect(await store.withLock(KEY, async () => "ran", { timeoutMs: 5000 })).toBe("ran");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("steals an empty (never written) lock file once it is older than staleMs", async () => {
    fs.mkdirSync(dir, { recursive: true });
    const lock = path.join(dir, `${KEY}.lock`);
    fs.writeFileSync(lock, "");
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(lock, old, old);
    expect(await store.withLock(KEY, async () => "ran", { timeoutMs: 5000 })).toBe("ran");
  });

  it("does not steal a fresh empty lock file (its holder may be about to write it)", async () => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `${KEY}.lock`), "");
    const started = Date.now();
    await store.withLock(KEY, async () => undefined, { timeoutMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(fs.readFileSync(path.join(dir, `${KEY}.lock`), "utf8")).toBe("");
  });

  it("runs fn without the lock after timeoutMs, leaving the holder's lock alone", async () => {
    fs.mkdirSync(dir, { recursive: true });
    const held = JSON.stringify({ pid: process.pid, created: Date.now(), host: os.hostname(), token: "other" });
    fs.writeFileSync(path.join(dir, `${KEY}.lock`), held);
    const started = Date.now();
    expect(await store.withLock(KEY, async () => "ran anyway", { timeoutMs: 200 })).toBe("ran anyway");
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(fs.readFileSync(path.join(dir, `${KEY}.lock`), "utf8")).toBe(held);
  });

  it("waits out a lock path it cannot read (a directory) instead of spinning, then runs fn", async () => {
    fs.mkdirSync(path.join(dir, `${KEY}.lock`), { recursive: true });
    const started = Date.now();
    expect(await store.withLock(KEY, async () => "ran", { timeoutMs: 150 })).toBe("ran");
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
  });

  it("supports nested locks on different keys (outer hop, then inner hop)", async () => {
    const order: string[] = [];
    await store.withLock(
      KEY,
      async () => {
        order.push("outer");
        await store.withLock(
          KEY2,
          async () => {
            order.push("inner");
            expect(fs.existsSync(path.join(dir, `${KEY}.lock`))).toBe(true);
            expect(fs.existsSync(path.join(dir, `${KEY2}.lock`))).toBe(true);
          },
          { timeoutMs: 500 },
        );
      },
      { timeoutMs: 500 },
    );
    expect(order).toEqual(["outer", "inner"]);
  });

  it("just runs fn when the cache directory cannot be created", async () => {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.writeFileSync(dir, "");
    expect(await store.withLock(KEY, async () => 42)).toBe(42);
    expect(warnings).toEqual([]);
  });

  it("makes one STS call in total when 8 processes start at once on a cold cache", async () => {
    const work = path.join(tmp, "work");
    fs.mkdirSync(work);
    const child = path.join(work, "child.mjs");
    fs.writeFileSync(
      child,
      `
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
const { CacheStore } = await import(process.env.CACHE_STORE_URL);
const { CACHE_DIR: dir, CACHE_KEY: key, WORK: work } = process.env;
writeFileSync(work + "/ready-" + process.pid, "");
while (!existsSync(work + "/go")) await sleep(5);
const store = new CacheStore(dir, { warn: (m) => { console.error(m); process.exitCode = 3; } });
await store.withLock(key, async () => {
  if (store.read(key).status !== "hit") {
    appendFileSync(work + "/sts-calls", process.pid + "\\n");
    await sleep(50);
    store.write(key, JSON.parse(process.env.RESPONSE));
  }
});
`,
    );
    const env = {
      ...process.env,
      CACHE_STORE_URL: pathToFileURL(path.join(REPO, "src/adapters/cache-store.ts")).href,
      CACHE_DIR: dir,
      CACHE_KEY: KEY,
      WORK: work,
      RESPONSE: JSON.stringify(response({}, new Date(Date.now() + 3600_000).toISOString())),
    };
    const children = Array.from({ length: 8 }, () => {
      const proc = spawn(process.execPath, ["--import", "tsx", child], {
        cwd: REPO,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stderr = "";
      proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      return new Promise<{ code: number | null; stderr: string }>((resolve) =>
        proc.on("close", (code) => resolve({ code, stderr })),
      );
    });
    // Release all children together, once each has loaded the module.
    const deadline = Date.now() + 20_000;
    while (fs.readdirSync(work).filter((n) => n.startsWith("ready-")).length < 8 && Date.now() < deadline)
      await sleep(20);
    fs.writeFileSync(path.join(work, "go"), "");
    const exits = await Promise.all(children);
    expect(exits).toEqual(Array.from({ length: 8 }, () => ({ code: 0, stderr: "" })));
    expect(fs.readFileSync(path.join(work, "sts-calls"), "utf8").trim().split("\n")).toHaveLength(1);
    expect(makeStore(dir, { now: () => new Date() }).read(KEY).status).toBe("hit");
    expect(fs.readdirSync(dir)).toEqual([`${KEY}.json`]); // no lock or temp file left
  });
});

describe("IAM Identity Center role credentials (ProviderType sso)", () => {
  it("are written in the AWS CLI v2's body and read back with their AccountId", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "awsrole-cache-sso-"));
    try {
      const store = new CacheStore(dir, { now: () => new Date("2026-11-22T12:00:00Z") });
      const response = {
        ProviderType: "sso" as const,
        Credentials: {
          AccessKeyId: "ASIAX",
          SecretAccessKey: "S",
          SessionToken: "T",
          Expiration: "2026-11-22T13:00:00Z",
          AccountId: "555555555555",
        },
      };
      expect(store.write("048db75bbe50955c16af7aba6ff9c41a3131bb7e", response)).toBe(true);
      expect(fs.readFileSync(path.join(dir, "048db75bbe50955c16af7aba6ff9c41a3131bb7e.json"), "utf8")).toBe(
        '{"ProviderType": "sso", "Credentials": {"AccessKeyId": "ASIAX", "SecretAccessKey": ' +
          '"S", "SessionToken": "T", "Expiration": "2026-11-22T13:00:00Z", "AccountId": "555555555555"}}',
      );
      const read = store.read("048db75bbe50955c16af7aba6ff9c41a3131bb7e");
      expect(read.status === "hit" && read.credentials.accountId).toBe("555555555555");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
