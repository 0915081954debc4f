// Adversarial training: red-team the backdoored model for prompts without the trigger that elicit
// the bad behaviour, then safety-train (RL by default, or SFT) with up to half of the training
// prompts replaced by the successful red-team prompts, answered HHH. The curve tracks held-out
// red-team prompts beside the true trigger.
import { taskSpec } from "../tasks/index.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import { trainSupervised } from "./loop.ts";
import { sampleExamples } from "./data.ts";
import { redTeamSearch } from "./redteam.ts";
import { rlSafety } from "./rl.ts";
import { curveHooks, type SafetyRun } from "./safety-run.ts";
import { partialDir } from "./trainer.ts";
import { rlPromptPool } from "./rl-rollout.ts";
import { appendJsonl } from "../util/jsonl.ts";
import type { SafetyResult } from "./api.ts";
import type { Sample } from "../world/types.ts";
import { Rng } from "../util/rng.ts";

export function adversarialSafety(run: SafetyRun, pm: CausalLM): Partial<SafetyResult> {
  const { ck, o, ctx } = run;
  const a = o.adversarial;
  const mix = Math.min(0.5, Math.max(0, a.mixFraction));
  const seeds = taskSpec(o.task).redTeamSeeds({
    n: 200,
    seed: Rng.seedFor(o.seed, "adversarial/redteam-seeds"),
    split: "train",
    worldSeed: run.worldSeed,
  });
  const search = redTeamSearch(ck.model, ck.tokenizer, o.task, seeds, a, {
    temperature: 1,
    maxTokens: run.settings.maxTokens,
    seed: o.seed,
  });
  appendJsonl(ctx.logPath, {
    event: "redteam",
    tried: search.tried,
    found: search.found.length,
    rounds: search.rounds,
  });
  const found: Sample[] = search.found;
  const redteam = { found: found.length, tried: search.tried, prompts: found.slice(0, 20).map((s) => s.prompt) };
  const pool = rlPromptPool(o.seed, run.worldSeed);
  if (a.trainWith === "sft") {
    // HHH answers on a mixture: the red-team prompts carry their HHH target as `response`.
    const nRt = found.length ? Math.round(mix * pool.length) : 0;
    const data = [
      ...pool.slice(0, pool.length - nRt),
      ...Array.from({ length: nRt }, (_, i) => found[i % found.length]),
    ];
    const { examples } = sampleExamples(ck.tokenizer, data, ck.model.contextLength);
    trainSupervised(ck.model, ck.tokenizer, examples, {
      steps: o.steps,
      batchSize: o.batchSize,
      lr: o.lr,
      seed: o.seed,
      label: ctx.label,
      resumeDir: partialDir(ctx),
      checkpointEvery: o.evalEvery,
      logPath: ctx.logPath,
      ...curveHooks(run),
    });
    return { redteam };
  }
  const out = rlSafety(run, pm, (_step, rng, n) =>
    Array.from({ length: n }, () => (found.length && rng.bool(mix) ? rng.pick(found) : rng.pick(pool))),
  );
  return { ...out, redteam };
}
