// An optimiser by name (OPTIMIZER_NAMES): the trainer and RL build theirs here, so a stage's `optimizer`
// means the same everywhere.
import type { Tensor } from "./tensor.ts";
import { OPTIMIZER_NAMES, type OptimizerName } from "./optimizer-names.ts";
import type { Optimizer, OptimizerOptions, ParamGroup } from "./optimizer.ts";
import { AdamW } from "./optim.ts";
import { SGD } from "./optim-sgd.ts";
import { Adafactor } from "./optim-adafactor.ts";

type Make = (groups: ParamGroup[] | Tensor[], opts: OptimizerOptions) => Optimizer;

/** Each name's optimiser with its reference defaults beyond lr, weight decay and the clip. */
const MAKERS: Record<OptimizerName, Make> = {
  adamw: (g, o) => new AdamW(g, o),
  sgd: (g, o) => new SGD(g, o),
  adafactor: (g, o) => new Adafactor(g, o),
};

export function isOptimizerName(name: unknown): name is OptimizerName {
  return typeof name === "string" && (OPTIMIZER_NAMES as readonly string[]).includes(name);
}

/** The optimiser called `name` over `groups`; an unknown name is a one-line error listing the known ones. */
export function makeOptimizer(name: OptimizerName, groups: ParamGroup[] | Tensor[], opts: OptimizerOptions): Optimizer {
  if (!isOptimizerName(name))
    throw new Error(`unknown optimizer '${String(name)}': expected one of ${OPTIMIZER_NAMES.join(", ")}`);
  return MAKERS[name](groups, opts);
}
