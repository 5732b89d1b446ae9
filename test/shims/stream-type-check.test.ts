// src/shims/stream-type-check.ts stands in for the SDK's own stream-type-check in
// dist/sts-sdk.cjs (scripts/build.mjs): the same answers as the SDK's, without
// touching the ReadableStream global (which loads Node's web streams) for Node's own streams.

import { execFileSync } from "node:child_process";
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { PassThrough, Readable } from "node:stream";
import { isBlob as sdkIsBlob, isReadableStream as sdkIsReadableStream } from "@smithy/core/serde";
import { describe, expect, it } from "vitest";
import { isBlob, isReadableStream } from "../../src/shims/stream-type-check.js";
import { ROOT } from "../e2e/harness.js";

const values: Array<[string, () => unknown]> = [
  ["a node:stream Readable", () => Readable.from(["x"])],
  ["a PassThrough", () => new PassThrough()],
  ["an HTTP response (IncomingMessage)", () => new IncomingMessage(new Socket())],
  ["a web ReadableStream", () => new ReadableStream()],
  ["a Blob", () => new Blob(["x"])],
  ["a Uint8Array", () => new Uint8Array(2)],
  ["a string", () => "body"],
  ["undefined", () => undefined],
  ["null", () => null],
  ["an object named like a stream", () => ({ constructor: { name: "ReadableStream" } })],
];

describe("the SDK's stream type checks, as bundled", () => {
  it.each(values)("answer for %s as the SDK's own do", (_what, make) => {
    const value = make();
    expect([isReadableStream(value), isBlob(value)]).toEqual([sdkIsReadableStream(value), sdkIsBlob(value)]);
  });

  it("do not load Node's web streams for a node:stream Readable (the SDK's own do: the check can fail)", () => {
    const probe = (module: string) =>
      execFileSync(
        process.execPath,
        [
          "--import",
          "tsx",
          "--input-type=module",
          "-e",
          `const { Readable } = await import("node:stream");
           const m = await import(${JSON.stringify(module)});
           const body = Readable.from(["x"]);
           if (m.isReadableStream(body) || m.isBlob(body)) throw new Error("a Readable is neither");
           process.stdout.write(String(process.moduleLoadList.includes("NativeModule internal/webstreams/readablestream")));`,
        ],
        { cwd: ROOT, encoding: "utf8" },
      );
    expect(probe("./src/shims/stream-type-check.ts")).toBe("false");
    expect(probe("@smithy/core/serde")).toBe("true");
  });
});
