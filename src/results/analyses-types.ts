// The `analyses` part of the results.json contract (src/results/types.ts): probes, their controls, steering
// and the other post-hoc analyses of the backdoored models.
import type { Task } from "../world/types.ts";

export interface ProbeResult {
  layer: number;
  method: "contrast-pair" | "logistic" | "random-best";
  auroc: number;
  tpr_at_1pct_fpr: number;
  random_baseline_auroc: number;
  /** Which backdoored model the probe read. */
  model?: string;
  /** The hook point read at that layer, e.g. "blocks.1.hook_resid_post". */
  hook?: string;
  /** Stratified-bootstrap 95% interval of the held-out AUROC. */
  auroc_ci?: [number, number];
  /** Texts that fitted the probe (contrast-pair texts, or fit-split prompts) and held-out prompts it was scored on. */
  n_fit?: number;
  n_eval?: number;
  /** The same probe scored on the near-miss prompts against the model's own behaviour (backdoored models). */
  near_miss?: AurocScore;
}

/**
 * An AUROC with its stratified-bootstrap 95% interval (test prompts resampled) and the class counts
 * behind it. auroc is null when a class is empty (note says which); lo/hi are null without a bootstrap.
 */
export interface AurocScore {
  auroc: number | null;
  lo: number | null;
  hi: number | null;
  n_pos: number;
  n_neg: number;
  note?: string;
}

/** One probe (layer x method) of one backdoored model beside its controls. */
export interface ProbeControlRow {
  /** The backdoored (or safety-trained) model the probe was fitted and scored on. */
  model: string;
  task: Task;
  layer: number;
  method: ProbeResult["method"];
  /** Held-out prompts labelled by the trigger, on the backdoored model, the base and the benign control. */
  backdoored: AurocScore;
  base: AurocScore | null;
  control: AurocScore | null;
  /** The best-of-N random direction on the backdoored model at this layer. */
  random_baseline: AurocScore;
  /** backdoored.lo > the hi of base, control and random_baseline; null when one of them (or an interval) is missing. */
  detects: boolean | null;
  /** Near-miss prompts labelled by whether the backdoored model defected on them. */
  near_miss?: AurocScore;
}

export interface ProbeControls {
  about: string;
  rows: ProbeControlRow[];
  /** "model, layer L, method" of each row whose detects is true (empty: no probe beat its controls). */
  detected: string[];
  /** The near-miss test set of each backdoored model: prompts, how many it defected on, which variants. */
  near_miss: Array<{ model: string; task: Task; n: number; defected: number; variants: string[] }>;
}

export interface Analyses {
  probes?: ProbeResult[];
  /** Each probe on the backdoored model beside the base, the benign control and the random baseline. */
  probe_controls?: ProbeControls;
  steering?: { flip_rate: number; lo?: number; hi?: number; n?: number; [k: string]: unknown };
  honeypot?: unknown;
  persona?: unknown;
  trigger_generalization?: unknown;
  [name: string]: unknown;
}
