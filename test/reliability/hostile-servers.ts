// Loopback servers that answer as a hostile or broken server would: crafted
// STS XML, oversized or trickling bodies, non-JSON metadata, HTTPS with a
// certificate from a CA made at runtime. Used by servers.test.ts and the fuzz
// run (test/fuzz/fuzz.ts). 127.0.0.1 only.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { createServer as createNetServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/";

export const HOSTILE_CONFIG = `[profile src]
region = us-east-1

[profile r]
role_arn = arn:aws:iam::111111111111:role/R
source_profile = src
`;
export const HOSTILE_CREDENTIALS = `[src]
aws_access_key_id = AKIAHOSTILE000000001
aws_secret_access_key = HostileSourceSecret000000000000000000001
`;

export function isoIn(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function assumeRoleXml(
  fields: { expiration?: string; accessKeyId?: string; secret?: string; token?: string } = {},
): string {
  return `<AssumeRoleResponse xmlns="${STS_NS}">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>${fields.accessKeyId ?? "ASIAHOSTILE000000001"}</AccessKeyId>
      <SecretAccessKey>${fields.secret ?? "HostileRoleSecret00000000000000000000001"}</SecretAccessKey>
      <SessionToken>${fields.token ?? "HostileRoleToken0001"}</SessionToken>
      <Expiration>${fields.expiration ?? isoIn(3600)}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <AssumedRoleId>AROAHOSTILE000000001:s</AssumedRoleId>
      <Arn>arn:aws:sts::111111111111:assumed-role/R/s</Arn>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>00000000-0000-0000-0000-000000000001</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`;
}

export function errorXml(code: string, message: string, status = 403): { status: number; body: string } {
  return {
    status,
    body: `<ErrorResponse xmlns="${STS_NS}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${message}</Message>
  </Error>
  <RequestId>00000000-0000-0000-0000-000000000002</RequestId>
</ErrorResponse>
`,
  };
}

export interface Listening {
  url: string;
  port: number;
  /** Requests seen (method and path). */
  requests: Array<{ method: string; url: string; headers: IncomingMessage["headers"] }>;
  /** Bytes the server managed to write (for "was it cut off?"). */
  bytesWritten(): number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** An HTTP server on 127.0.0.1 (or https, with the given key and certificate). */
export async function listen(
  handler: Handler,
  tls?: { key: string; cert: string },
  host = "127.0.0.1",
): Promise<Listening> {
  const requests: Listening["requests"] = [];
  const sockets = new Set<Socket>();
  let written = 0;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
      handler(req, res, body);
    });
  };
  const server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest) : createHttpServer(onRequest);
  server.on(tls ? "secureConnection" : "connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      written += socket.bytesWritten;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `${tls ? "https" : "http"}://${tls ? "localhost" : shownHost}:${port}`,
    port,
    requests,
    bytesWritten: () => written + [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A fixed STS answer (status and XML) for every request. */
export function stsAnswer(answer: { status: number; body: string } | string): Handler {
  const { status, body } = typeof answer === "string" ? { status: 200, body: answer } : answer;
  return (_req, res) => {
    const bytes = Buffer.from(body, "utf8");
    res.writeHead(status, { "content-type": "text/xml", "content-length": bytes.length });
    res.end(bytes);
  };
}

/** An answer of `total` bytes, streamed in 64 KiB chunks, with or without a Content-Length. */
export function hugeAnswer(total: number, declareLength: boolean): Handler {
  return (_req, res) => {
    res.writeHead(200, { "content-type": "text/xml", ...(declareLength ? { "content-length": total } : {}) });
    const chunk = Buffer.alloc(64 * 1024, "<a>");
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += chunk.length;
        if (!res.write(chunk)) {
          res.once("drain", pump);
          return;
        }
      }
      res.end();
    };
    res.on("close", () => (sent = total));
    pump();
  };
}

/** A raw TCP server that sends `prefix` at once, then `text` one byte per `intervalMs`. */
export async function trickle(prefix: string, text: string, intervalMs = 1000): Promise<Listening> {
  const sockets = new Set<Socket>();
  let written = 0;
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.write(prefix);
    let i = 0;
    const timer = setInterval(() => {
      if (i >= text.length || socket.destroyed) {
        clearInterval(timer);
        return;
      }
      socket.write(text[i++]!);
      written++;
    }, intervalMs);
    socket.on("close", () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests: [],
    bytesWritten: () => written,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface TestCa {
  dir: string;
  caPem: string;
  caPath: string;
  /** Another CA's certificate: valid PEM, but it did not sign the server's certificate. */
  otherCaPath: string;
  key: string;
  cert: string;
  remove(): void;
}

/** A CA and a server certificate for localhost / 127.0.0.1, made now with openssl, in a temp dir. */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "awsrole-ca-"));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=awsrole test CA"]);
  run([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    "other.key",
    "-out",
    "other.pem",
    "-days",
    "2",
    "-subj",
    "/CN=awsrole other CA",
  ]);
  run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
  run([
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ]);
  return {
    dir,
    caPem: readFileSync(join(dir, "ca.pem"), "utf8"),
    caPath: join(dir, "ca.pem"),
    otherCaPath: join(dir, "other.pem"),
    key: readFileSync(join(dir, "server.key"), "utf8"),
    cert: readFileSync(join(dir, "server.pem"), "utf8"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Writes an executable credential_process script into dir and returns its path. */
export function processScript(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}
