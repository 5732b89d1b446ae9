// The credential server's pure parts: the renewal rule, single-flight renewal,
// the retry pause after a failure, the token comparison and the loopback check.

import { afterEach, describe, expect, it } from "vitest";
import {
  CredentialKeeper,
  loopbackHost,
  renewBeforeMs,
  RETRY_AFTER_MS,
  tokenMatches,
  newToken,
} from "../../src/server/credential-server.js";
import type { Credentials } from "../../src/core/resolve.js";
import { defaultProfileCredentials, serverVariables } from "../../src/server/environment.js";
import { buildConfig } from "../../src/core/config.js";
import { parseIni } from "../../src/core/ini.js";

const keepers: CredentialKeeper[] = [];
afterEach(() => {
  for (const k of keepers.splice(0)) k.stop();
});

/** A keeper on a clock the test moves; each resolve() hands out a session of `lifeMs` from "now". */
function keeper(lifeMs: number) {
  let now = 1_000_000;
  let issued = 0;
  const pending: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  let manual = false;
  const k = new CredentialKeeper({
    now: () => now,
    resolve: () => {
      issued++;
      const credentials: Credentials = {
        accessKeyId: `ASIA${issued}`,
        secretAccessKey: "s",
        sessionToken: "t",
        expiration: new Date(now + lifeMs),
      };
      if (!manual) return Promise.resolve(credentials);
      return new Promise((resolve, reject) => pending.push({ resolve: () => resolve(credentials), reject }));
    },
  });
  keepers.push(k);
  return {
    k,
    advance: (ms: number) => (now += ms),
    issued: () => issued,
    hold: () => (manual = true),
    pending,
  };
}

describe("renewBeforeMs", () => {
  it("20 minutes before expiry for sessions of 25 minutes or more, else at half-life", () => {
    expect(renewBeforeMs(3600_000)).toBe(1200_000);
    expect(renewBeforeMs(1500_000)).toBe(1200_000);
    expect(renewBeforeMs(1499_000)).toBe(749_500);
    expect(renewBeforeMs(900_000)).toBe(450_000);
    expect(renewBeforeMs(12_000)).toBe(6_000);
  });
});

describe("CredentialKeeper", () => {
  it("serves the held credentials while fresh; once due, renews, answering at once while they stay comfortably valid", async () => {
    const t = keeper(12_000);
    expect((await t.k.start()).accessKeyId).toBe("ASIA1");
    t.advance(5_000); // 7 s left, more than the 6 s window
    expect((await t.k.get()).accessKeyId).toBe("ASIA1");
    expect(t.issued()).toBe(1);
    t.hold();
    t.advance(2_000); // 5 s left: due, but more than half the window left
    expect((await t.k.get()).accessKeyId).toBe("ASIA1");
    expect(t.issued()).toBe(2);
    t.pending[0]!.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect((await t.k.get()).accessKeyId).toBe("ASIA2");
  });

  it("concurrent requests share one renewal (single flight)", async () => {
    const t = keeper(12_000);
    await t.k.start();
    t.hold();
    t.advance(10_000); // 2 s left: less than half the window, so requests wait for the renewal
    const waiting = Promise.all([t.k.get(), t.k.get(), t.k.get()]);
    expect(t.issued()).toBe(2);
    t.pending[0]!.resolve();
    expect((await waiting).map((c) => c.accessKeyId)).toEqual(["ASIA2", "ASIA2", "ASIA2"]);
    expect(t.issued()).toBe(2);
  });

  it("a failed renewal reaches the waiting requests; the next attempt waits RETRY_AFTER_MS", async () => {
    const t = keeper(12_000);
    await t.k.start();
    t.hold();
    t.advance(12_500); // expired
    const first = t.k.get();
    t.pending[0]!.reject(new Error("no MFA code"));
    await expect(first).rejects.toThrow("no MFA code");
    await expect(t.k.get()).rejects.toThrow("no MFA code");
    expect(t.issued()).toBe(2);
    t.advance(RETRY_AFTER_MS);
    const retry = t.k.get();
    expect(t.issued()).toBe(3);
    t.pending[1]!.resolve();
    expect((await retry).accessKeyId).toBe("ASIA3");
  });

  it("when a renewal fails, credentials with a quarter of the margin left are still handed out; nearly expired ones are not", async () => {
    const t = keeper(12_000); // renewed 6 s before expiry; a quarter of that is 1.5 s
    await t.k.start();
    t.hold();
    t.advance(9_500); // 2.5 s left: the request waits for the renewal
    const waiting = t.k.get();
    t.pending[0]!.reject(new Error("STS unreachable"));
    expect((await waiting).accessKeyId).toBe("ASIA1");
    t.advance(1_500); // 1 s left, and the retry pause not over
    await expect(t.k.get()).rejects.toThrow("STS unreachable");
  });

  it("refuses credentials without an expiry, and ones that come back about to expire", async () => {
    const none = new CredentialKeeper({
      now: () => Date.now(),
      resolve: async () => ({ accessKeyId: "AKIA", secretAccessKey: "s" }),
    });
    await expect(none.start()).rejects.toThrow("no expiry time (long-term keys)");
    const late = new CredentialKeeper({
      now: () => Date.now(),
      resolve: async () => ({
        accessKeyId: "ASIA",
        secretAccessKey: "s",
        sessionToken: "t",
        expiration: new Date(Date.now() + 500),
      }),
    });
    await expect(late.start()).rejects.toThrow("too little to hand out");
  });
});

describe("token and address checks", () => {
  it("the token: 40 URL-safe characters, no newline; compared whole", () => {
    const token = newToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{40}$/);
    expect(newToken()).not.toBe(token);
    expect(tokenMatches(token, token)).toBe(true);
    expect(tokenMatches(undefined, token)).toBe(false);
    expect(tokenMatches("", token)).toBe(false);
    expect(tokenMatches(token + "\n", token)).toBe(false);
    expect(tokenMatches(token.slice(0, 39), token)).toBe(false);
  });

  it("only loopback addresses are accepted for listening", () => {
    expect(loopbackHost("127.0.0.1")).toBe("127.0.0.1");
    expect(loopbackHost("127.0.0.2")).toBe("127.0.0.2");
    expect(loopbackHost("localhost")).toBe("127.0.0.1");
    expect(loopbackHost("::1")).toBe("::1");
    expect(loopbackHost("[::1]")).toBe("::1");
    expect(loopbackHost("0:0:0:0:0:0:0:1")).toBe("::1");
    for (const bad of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "::ffff:127.0.0.1", ""]) {
      expect(() => loopbackHost(bad), bad).toThrow(/is not a loopback address/);
    }
  });
});

describe("what the served process gets", () => {
  it("the shared files are hidden exactly when the default profile yields credentials", () => {
    const config = (configText: string, credentials: string) =>
      buildConfig(parseIni(configText, "/h/.aws/config"), parseIni(credentials, "/h/.aws/credentials"), {
        configPath: "/h/.aws/config",
        credentialsPath: "/h/.aws/credentials",
      });
    expect(defaultProfileCredentials(config("[default]\nregion = eu-west-1\n", ""))).toBeUndefined();
    expect(
      defaultProfileCredentials(config("", "[default]\naws_access_key_id = A\naws_secret_access_key = B\n")),
    ).toMatchObject({ key: "aws_access_key_id", origin: { path: "/h/.aws/credentials", line: 2 } });
    expect(defaultProfileCredentials(config("[default]\ncredential_process = x\n", ""))?.key).toBe(
      "credential_process",
    );
    expect(defaultProfileCredentials(config("[default]\nsso_session = s\n", ""))?.key).toBe("sso_session");
    const hidden = serverVariables(
      { url: "http://127.0.0.1:1/", token: "t" },
      { region: "eu-west-1", hideSharedFiles: true },
    );
    expect(hidden.set).toEqual([
      ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/"],
      ["AWS_CONTAINER_AUTHORIZATION_TOKEN", "t"],
      ["AWS_REGION", "eu-west-1"],
      ["AWS_DEFAULT_REGION", "eu-west-1"],
      ["AWS_CONFIG_FILE", "/dev/null"],
      ["AWS_SHARED_CREDENTIALS_FILE", "/dev/null"],
    ]);
    expect(hidden.unset).toEqual(
      expect.arrayContaining([
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
      ]),
    );
  });
});
