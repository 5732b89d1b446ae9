// The connection to STS, opened before the SDK is loaded. A cold export's first
// STS request comes after some 40 ms of loading and setting up
// (node:http and node:https, the SDK bundle, the first client, its middleware
// and SigV4: docs/performance.md, "The cold path"). Against a real endpoint the
// TCP and TLS handshakes take two round trips more before that request can
// leave; opened first, they run while awsrole loads, and the request goes out
// on a connection that is ready. The keep-alive agent then carries every
// further hop on it, as before.
//
// Only node:net and node:tls are loaded here (node:https needs both anyway);
// the agent adopts the socket through its createConnection (src/adapters/sts.ts),
// for the same host and port only, and only while it is usable. A connection
// that fails early is dropped without a word: the agent then opens its own, and
// the SDK reports that one's error and applies its retries, exactly as without
// this. An early socket that is never adopted does not keep the process alive
// (a name lookup already under way still finishes first: libuv cannot cancel it).

import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";

export interface EarlyConnection {
  /** The socket, if it is for this host and port and still usable; at most once. */
  take(options: { host?: string | null; port?: number | string | null }): Socket | undefined;
  /** Closes the socket unless it was taken (Ctrl-C, or a call that failed before its request). */
  drop(): void;
}

/** Starts the TCP (and, for https, TLS) handshake with an STS endpoint; undefined for a URL it cannot use. */
export function openEarlyConnection(url: string, ca: string | undefined): EarlyConnection | undefined {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return undefined;
  }
  const tls = target.protocol === "https:";
  if (!tls && target.protocol !== "http:") return undefined;
  // URL keeps the brackets of an IPv6 literal; sockets and the agent do not.
  const host = target.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(target.port || (tls ? 443 : 80));
  // As the keep-alive agent would open it (node:http's agent sets noDelay; TCP
  // keep-alive from its keepAlive), and for https as node:https does: SNI for a
  // name, none for an address, the same CA bundle, the default verification.
  const common = { host, port, noDelay: true, keepAlive: true };
  let socket: Socket;
  try {
    socket = tls
      ? tlsConnect({ ...common, ...(isIP(host) ? {} : { servername: host }), ...(ca !== undefined ? { ca } : {}) })
      : netConnect(common);
  } catch {
    return undefined; // whatever it was, the agent's own connection meets it and reports it
  }
  let usable = true;
  const drop = () => {
    usable = false;
  };
  // Listening for "error" also keeps an early failure from being an uncaught exception.
  socket.on("error", drop);
  socket.on("end", drop);
  socket.on("close", drop);
  socket.unref();
  let taken = false;
  return {
    take(options) {
      if (taken) return undefined;
      taken = true;
      if (!usable || socket.destroyed || options.host !== host || Number(options.port) !== port) {
        socket.destroy();
        return undefined;
      }
      socket.removeListener("error", drop);
      socket.removeListener("end", drop);
      socket.removeListener("close", drop);
      socket.ref();
      return socket;
    },
    drop() {
      if (taken) return;
      taken = true;
      socket.destroy();
    },
  };
}

/** One turn of the event loop, so that handshake packets that have arrived are answered while awsrole loads. */
export function letIoRun(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
