// For `npm run bench`: the loopback STS made to look like a real endpoint, over
// TLS and some milliseconds away. A TCP front delays every chunk by a fixed time
// in each direction and hands it to a TLS terminator in front of the emulator,
// so the TLS handshake's round trip and each request's are paid as on a
// network. (The TCP handshake itself is not delayed, so a real network costs
// one round trip more per new connection.)

import { connect, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";

export interface LatencyProxy {
  url: string;
  close(): Promise<void>;
}

export async function startLatencyProxy(
  upstream: string,
  oneWayMs: number,
  tls: { key: string; cert: string },
): Promise<LatencyProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => s.destroy());
    return s;
  };
  const terminator = createTlsServer(tls, (secure) => {
    const plain = track(connect(Number(target.port), target.hostname));
    track(secure);
    secure.pipe(plain).pipe(secure);
  });
  const front = createTcpServer((client) => {
    track(client).setNoDelay(true);
    const inner = track(connect(port(terminator), "127.0.0.1"));
    inner.setNoDelay(true);
    const delayed = (from: Socket, to: Socket) => {
      from.on("data", (chunk) => setTimeout(() => to.write(chunk), oneWayMs));
      from.on("end", () => setTimeout(() => to.end(), oneWayMs));
    };
    delayed(client, inner);
    delayed(inner, client);
  });
  await listen(terminator);
  await listen(front);
  return {
    url: `https://localhost:${port(front)}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([terminator, front].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
}

const listen = (server: Server) => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

function port(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("latency proxy: not listening");
  return address.port;
}
