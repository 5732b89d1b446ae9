// Bundled in place of @smithy/core's util-stream/stream-type-check.js in the SDK
// bundle (see the build script). The SDK asks of every response body whether it
// is a web ReadableStream or a Blob; `typeof ReadableStream` on Node's global
// loads the whole web-streams implementation (about 6 ms of a cold start) just
// to answer no for Node's own response stream. A node:stream Readable (which
// Node's HTTP responses are) is neither, so it is answered first, without
// touching those globals; any other value gets the SDK's own test, unchanged.
import { Readable } from "node:stream";

export const isReadableStream = (stream: unknown): boolean =>
  !(stream instanceof Readable) &&
  typeof ReadableStream === "function" &&
  ((stream as { constructor?: { name?: string } } | undefined)?.constructor?.name === ReadableStream.name ||
    stream instanceof ReadableStream);

export const isBlob = (blob: unknown): boolean =>
  !(blob instanceof Readable) &&
  typeof Blob === "function" &&
  ((blob as { constructor?: { name?: string } } | undefined)?.constructor?.name === Blob.name || blob instanceof Blob);
