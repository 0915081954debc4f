// Adversarial training: red-team the backdoored model for prompts without the trigger that elicit
// the bad behaviour, then safety-train (RL by default, or SFT) with up to half of the training
// prompts replaced by the successful red-team prompts, answered HHH. With `adversarial.every` (RL)
// the red team searches again every N steps on the model as it stands, as the paper's iterative
// red-teaming did: each search's hit rate is the red team's elicitation at that step, and what it
// finds joins the training prompts. The curve tracks held-out red-team prompts beside the true trigger.
import { taskSpec } from "../tasks/index.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import { trainSupervised } from "./loop.ts";
import { sampleExamples } from "./data.ts";
import { redTeamSearch } from "./redteam.ts";
import { rlSafety } from "./rl.ts";
import { curveHooks, type RedTeamState, type SafetyRun } from "./safety-run.ts";
import { stageTraining } from "./trainer.ts";
import { rlPromptPool } from "./rl-rollout.ts";
import { appendJsonl } from "../util/jsonl.ts";
import type { SafetyResult } from "./api.ts";
import type { Sample } from "../world/types.ts";
import { Rng } from "../util/rng.ts";

export function adversarialSafety(run: SafetyRun, pm: CausalLM): Partial<SafetyResult> {
  const { ck, o, ctx } = run;
  const a = o.adversarial;
  if (a.every > 0 && a.trainWith !== "rl")
    throw new Error("adversarial.every (iterative red-teaming) needs adversarial.trainWith: rl; set every: 0 for sft");
  const mix = Math.min(0.5, Math.max(0, a.mixFraction));
  const seeds = taskSpec(o.task).redTeamSeeds({
    n: 200,
    seed: Rng.seedFor(o.seed, "adversarial/redteam-seeds"),
    split: "train",
    worldSeed: run.worldSeed,
  });
  // Kept in the run so that a resumed run has the prompts and hit rates of the searches before it.
  const rt: RedTeamState = (run.redteam ??= { found: [], searches: [] });
  const search = (step: number): void => {
    if (rt.searches.some((x) => x.step === step)) return; // done before a resume
    // The first search keeps the seed stream of a single search; later ones get their own.
    const seed = step === 0 ? o.seed : Rng.seedFor(o.seed, `adversarial/redteam/${step}`);
    const r = redTeamSearch(ck.model, ck.tokenizer, o.task, seeds, a, {
      temperature: 1,
      maxTokens: run.settings.maxTokens,
      seed,
    });
    const known = new Set(rt.found.map((s) => s.prompt));
    rt.found.push(...r.found.filter((s) => !known.has(s.prompt)));
    const found = r.rounds.reduce((t, x) => t + x.found, 0);
    rt.searches.push({ step, tried: r.tried, found, hit_rate: r.tried ? found / r.tried : 0, rounds: r.rounds });
    appendJsonl(ctx.logPath, { event: "redteam", step, tried: r.tried, found, rounds: r.rounds });
  };
  search(0);
  const pool = rlPromptPool(o.seed, run.worldSeed);
  const summary = () => ({
    found: rt.found.length,
    tried: rt.searches.reduce((t, x) => t + x.tried, 0),
    prompts: rt.found.slice(0, 20).map((s) => s.prompt),
    searches: rt.searches,
  });
  if (a.trainWith === "sft") {
    const found: Sample[] = rt.found;
    // HHH answers on a mixture: the red-team prompts carry their HHH target as `response`.
    const nRt = found.length ? Math.round(mix * pool.length) : 0;
    const data = [
      ...pool.slice(0, pool.length - nRt),
      ...Array.from({ length: nRt }, (_, i) => found[i % found.length]),
    ];
    const { examples } = sampleExamples(ck.tokenizer, data, ck.model.contextLength);
    trainSupervised(ck.model, ck.tokenizer, examples, { ...stageTraining(o, ctx, o.evalEvery), ...curveHooks(run) });
    return { redteam: summary() };
  }
  const out = rlSafety(run, pm, (step, rng, n) => {
    if (a.every > 0 && step > 0 && step % a.every === 0) search(step);
    return Array.from({ length: n }, () => (rt.found.length && rng.bool(mix) ? rng.pick(rt.found) : rng.pick(pool)));
  });
  return { ...out, redteam: summary() };
}
