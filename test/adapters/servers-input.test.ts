// Unit tables for the server-input rules of issue 14: which container hosts
// plain http may reach (botocore ContainerMetadataFetcher._validate_allowed_url),
// what the reporter strips from server text, and the size-limited body reader.

import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { containerHostAllowed } from "../../src/core/kinds/container.js";
import { readLimited, ResponseTooLargeError } from "../../src/adapters/bounded-http.js";
import { AwsroleError, stripControl } from "../../src/errors.js";
import { reportError } from "../../src/report.js";

describe("containerHostAllowed", () => {
  it.each([
    ["http://127.0.0.1:51679/creds", true],
    ["http://127.255.3.4/creds", true],
    ["http://localhost/creds", true],
    ["http://LOCALHOST:80/", true],
    ["http://[::1]:8080/", true],
    ["http://169.254.170.2/v2/credentials/x", true],
    ["http://169.254.170.23/v1/credentials", true],
    ["http://[fd00:ec2::23]/v1/credentials", true],
    ["https://anything.example.com/creds", true],
    ["http://169.254.169.254/latest", false],
    ["http://169.254.170.3/", false],
    ["http://10.0.0.1/", false],
    ["http://example.com/", false],
    ["http://localhost.example.com/", false],
    ["http://127.0.0.1.example.com/", false],
    ["http://[::ffff:127.0.0.1]/", false],
    ["http://[fd00:ec2::24]/", false],
    ["ftp://127.0.0.1/", false],
  ])("%s -> %s", (url, allowed) => {
    expect(containerHostAllowed(new URL(url))).toBe(allowed);
  });
});

describe("stripControl and the reporter", () => {
  it.each([
    ["plain text stays", "AccessDenied: not allowed", "AccessDenied: not allowed"],
    ["ESC and BEL", "a\x1b]0;title\x07b", "a?]0;title?b"],
    ["CSI colour", "\x1b[31mred", "?[31mred"],
    ["CR", "shown\rhidden", "shown?hidden"],
    ["8-bit CSI (C1)", "x\u009b2Jy", "x?2Jy"],
    ["DEL and NUL", "a\x7fb\x00c", "a?b?c"],
    ["bidi override", "abc\u202edcba", "abc?dcba"],
    ["newline and tab are kept", "a\nb\tc", "a\nb\tc"],
  ])("%s", (_name, input, expected) => {
    expect(stripControl(input)).toBe(expected);
  });

  it("message and hint of a reported error carry no control characters", () => {
    let out = "";
    reportError(new AwsroleError("Sts.X", "STS said \x1b[2J\x07", { hint: "see \x1b]8;;http://x\x07link" }), {
      stderr: (t) => (out += t),
      debug: false,
      color: false,
    });
    expect(out).toBe("awsrole: STS said ?[2J?\nhint: see ?]8;;http://x?link\n");
  });
});

describe("readLimited", () => {
  it("returns a body within the limit", async () => {
    expect((await readLimited(Readable.from([Buffer.from("abc"), Buffer.from("def")]), 6)).toString()).toBe("abcdef");
  });
  it("refuses a declared Content-Length over the limit without reading", async () => {
    let read = false;
    const stream = new Readable({
      read() {
        read = true;
        this.push(null);
      },
    });
    await expect(readLimited(stream, 10, "11")).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(read).toBe(false);
  });
  it("cuts off a body that grows past the limit and stops reading", async () => {
    let pulled = 0;
    const stream = new Readable({
      read() {
        pulled++;
        this.push(Buffer.alloc(1024));
      },
    });
    await expect(readLimited(stream, 4096)).rejects.toBeInstanceOf(ResponseTooLargeError);
    expect(stream.destroyed).toBe(true);
    expect(pulled).toBeLessThan(20);
  });
});
