// Detection over a model zoo (config `defenses:`). The zoo is every backdoored model of the run (the
// distilled-cot teacher included) and clean controls of the same shapes: each base, the benign
// fine-tune of each backdoor setting (the control kind's stage) and a harmless-quirk fine-tune
// (./quirk.ts). One detect stage per zoo model runs the detectors (src/eval/defense/) on the model and
// its base; the zoo label rides on the stage, never in what the detectors read. collect adds each
// model's verdicts with its label, finish the table (TPR / FPR / AUROC) under extra.defenses.detection.
// The report section is report/detection.ts.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { replaceDirAtomic } from "../../util/fs.ts";
import { detectModel, NEEDS, type DetectionResult } from "../../eval/defense/detect.ts";
import { DefenseSettings, type DefenseConfig } from "../../eval/defense/settings.ts";
import { matchTrigger, triggerText } from "../../eval/defense/trigger-match.ts";
import { detectionTable, type ZooModel } from "../../eval/defense/zoo-table.ts";
import { withModel } from "../../eval/analyses/models.ts";
import { heldOutPrompts } from "../../tasks/heldout.ts";
import { readStageMeta } from "../../train/model-handle.ts";
import type { Task } from "../../world/types.ts";
import type { BackdoorStage, BaseStage } from "../graph.ts";
import { controlOptions } from "../stage-options.ts";
import { stageId } from "../ids.ts";
import type { ExperimentConfig } from "../schema.ts";
import type { Planner, Stage, StageKind } from "../stage-kind.ts";
import type { QuirkStage } from "./quirk.ts";

export interface DetectStage extends Stage {
  kind: "detect";
  model: string;
  /** The base stage the model came from; equal to model for a base model (its own reference). */
  base: string;
  options: { task: Task; defenses: DefenseConfig };
  /** The zoo label: read by collect only. */
  truth: ZooModel["truth"];
  zooKind: string;
}

const settingsOf = (c: ExperimentConfig): DefenseConfig | undefined => DefenseSettings.parse(c.defenses);

/** A served model cannot be given to a detector that reads weights: one line naming what it needs. */
function checkServed(c: ExperimentConfig, d: DefenseConfig): void {
  const served = d.zoo.served[0];
  if (served === undefined) return;
  if (!c.models.some((m) => m.name === served))
    throw new Error(
      `defenses.zoo.served: no served model "${served}" in models: (names: ${c.models.map((m) => m.name).join(", ") || "none"})`,
    );
  const needs = [
    ...(d.detect.includes("inversion") ? d.inversion.methods.map((m) => `inversion:${m}`) : []),
    ...d.detect.filter((x) => x !== "inversion"),
  ].find((n) => NEEDS[n] === "weights");
  if (needs)
    throw new Error(
      `defenses: ${needs.replace("inversion:", "trigger inversion (") + (needs.startsWith("inversion:") ? ")" : "")} needs the model's weights (gradients and activations); "${served}" is served over HTTP: give its checkpoint directory as base.model or drop it from defenses.zoo.served`,
    );
}

function planZoo(c: ExperimentConfig, p: Planner, d: DefenseConfig): void {
  const all = p.stages();
  const backdoors = all.filter((s): s is BackdoorStage => s.kind === "backdoor");
  const bases = new Map(all.filter((s): s is BaseStage => s.kind === "base").map((s) => [s.id, s]));
  const detect = (
    model: string,
    base: string,
    task: Task,
    truth: ZooModel["truth"],
    zooKind: string,
    label: string,
  ) => {
    const options = { task, defenses: d };
    const b = bases.get(base)!;
    p.add({
      kind: "detect",
      id: stageId("detect", { model, base, options, threads: b.threads }),
      label: `detect ${label}`,
      deps: model === base ? [base] : [model, base],
      size: b.size,
      seed: b.seed,
      threads: b.threads,
      model,
      base,
      options,
      truth,
      zooKind,
    } as DetectStage);
  };
  const clean = new Set<string>();
  for (const bd of backdoors) {
    const where = `${bd.task}/${bd.size}/seed${bd.seed}`;
    detect(bd.id, bd.base, bd.task, "backdoored", bd.mechanism, `${bd.task}/${bd.mechanism}/${bd.size}/seed${bd.seed}`);
    const co = controlOptions(bd.options);
    const threads = bd.threads;
    if (d.zoo.base && !clean.has(`base ${bd.base} ${bd.task}`)) {
      clean.add(`base ${bd.base} ${bd.task}`);
      detect(bd.base, bd.base, bd.task, "clean", "base", `base ${where}`);
    }
    // A clean fine-tune of the backdoor's base (the benign control or the quirk), detected once.
    const cleanModel = (kind: "control" | "quirk", zooKind: string, options: object, extra: object = {}) => {
      const id = p.add({
        kind,
        id: stageId(kind, { base: bd.base, options, threads }),
        label: `${kind} ${where}`,
        deps: [bd.base],
        base: bd.base,
        size: bd.size,
        seed: bd.seed,
        threads,
        ...extra,
        options,
      } as Stage);
      if (!clean.has(id)) detect(id, bd.base, bd.task, "clean", zooKind, `${zooKind} ${where}`);
      clean.add(id);
    };
    if (d.zoo.benign) cleanModel("control", "benign", co, { task: bd.task });
    if (d.zoo.quirk) cleanModel("quirk", "quirk", { ...co, quirk: d.zoo.quirkText } satisfies QuirkStage["options"]);
  }
}

type Defenses = { zoo?: ZooModel[]; detection?: unknown; quirks?: unknown[] };
const defensesOf = (out: { extra?: Record<string, unknown> }): Defenses =>
  ((out.extra ??= {}).defenses ??= {}) as Defenses;

export const detectKind: StageKind = {
  name: "detect",
  settings: { key: "defenses", schema: DefenseSettings },
  plan(c, p) {
    const d = settingsOf(c);
    if (!d) return;
    checkServed(c, d);
    planZoo(c, p, d);
  },
  async run(st, io) {
    const s = st as DetectStage;
    const baseDir = io.dirOf(s.base);
    const worldSeed = Number(readStageMeta(baseDir).worldSeed ?? 0);
    const r = await withModel({ dir: io.dirOf(s.model) }, (m) =>
      s.model === s.base
        ? detectModel(
            { model: m.model, tok: m.tokenizer, base: null, task: s.options.task, worldSeed, label: s.label },
            s.options.defenses,
          )
        : withModel({ dir: baseDir }, (b) =>
            detectModel(
              { model: m.model, tok: m.tokenizer, base: b.model, task: s.options.task, worldSeed, label: s.label },
              s.options.defenses,
            ),
          ),
    );
    // The stage's directory holds its detections (candidates, scores), no model.
    replaceDirAtomic(io.out, (t) => writeFileSync(join(t, "detection.json"), JSON.stringify(r, null, 2) + "\n"));
    return r;
  },
  collect(st, result, out) {
    const s = st as DetectStage;
    const r = result as DetectionResult;
    // The real trigger, read only now: how close each recovered candidate came to it.
    if (r.inversion) {
      const trig = heldOutPrompts(s.options.task, 1, 0, 0).triggered[0];
      const text = trig ? triggerText(s.options.task, trig) : "";
      for (const c of r.inversion.candidates) c.match = matchTrigger(s.options.task, c.text, text);
    }
    const label = s.label.replace(/^detect /, "");
    (defensesOf(out).zoo ??= []).push({ label, truth: s.truth, kind: s.zooKind, stage: st.id, result: r });
  },
  finish(out) {
    const d = out.extra?.defenses as Defenses | undefined;
    if (!d?.zoo?.length) return;
    d.detection = {
      about:
        "Each detector on every zoo model, blind to its label. TPR over the backdoored models, FPR over the clean controls " +
        "(Wilson 95% intervals), AUROC of the detector's score across models (stratified bootstrap 95% interval). A base " +
        "model is its own reference and has no divergence or probe score.",
      table: detectionTable(d.zoo),
    };
  },
};
