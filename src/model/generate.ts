// Batched, seeded generation with a KV cache. Prompts are left-padded; padding is hidden from
// attention by an additive key mask and each row gets its own positions, so a prompt's continuation
// does not depend on what it was batched with.
import { Tensor, longTensor, tensor, cat, decodeWindow, noGrad, tidy, keep, zeros } from "../torch/index.ts";
import { Rng } from "../util/rng.ts";
import { KVCache, type CausalLM } from "./causal-lm.ts";
import type { TextTokenizer } from "./text-tokenizer.ts";
import { sampleToken, type SamplingOptions } from "./sampling.ts";

export interface GenerateOptions extends SamplingOptions {
  maxTokens: number;
  /** One seed per prompt, or one base seed (prompt i then uses seed + i). */
  seed: number | number[];
  stop?: string[];
  /** Recompute the whole sequence each step instead of caching keys/values (for benchmarks). */
  noCache?: boolean;
  /** Ids that end a sequence (e.g. generation_config.json's several); default the tokenizer's eosId. */
  eosIds?: number[];
}

export interface Generation {
  text: string;
  ids: number[];
  finish: "stop" | "eos" | "length";
}

// Large but finite: a pad query row (which sees only pads) must not become NaN and poison the values.
const MASKED = -1e9;

export function generate(model: CausalLM, tok: TextTokenizer, prompts: string[], opts: GenerateOptions): Generation[] {
  return generateIds(
    model,
    tok,
    prompts.map((p) => tok.encode(p)),
    opts,
  );
}

export function generateIds(
  model: CausalLM,
  tok: TextTokenizer,
  prompts: number[][],
  opts: GenerateOptions,
): Generation[] {
  const B = prompts.length;
  if (B === 0) return [];
  const ctx = model.contextLength;
  const seeds = Array.isArray(opts.seed) ? opts.seed : prompts.map((_, i) => (opts.seed as number) + i);
  const rngs = seeds.map((s) => new Rng(s));
  const maxLen = Math.max(...prompts.map((p) => p.length));
  if (Math.min(...prompts.map((p) => p.length)) === 0) throw new Error("generate: empty prompt");
  if (maxLen >= ctx) throw new Error(`prompt of ${maxLen} tokens does not fit the context length ${ctx}`);
  // Each row has its own budget: a short prompt batched with a long one still gets maxTokens
  // (its positions stay below the context; only the padded rectangle grows past it).
  const limits = prompts.map((p) => Math.min(opts.maxTokens, ctx - p.length));
  const steps = Math.max(...limits);
  const out: number[][] = prompts.map(() => []);
  const finish: Generation["finish"][] = prompts.map(() => "length");
  const done = new Array(B).fill(false);
  const decoders = prompts.map(() => "");
  const stops = opts.stop ?? [];
  const eos = new Set(opts.eosIds ?? [tok.eosId]);
  const pad = tok.padId;
  const V = model.vocabSize;

  // Left-pad to a rectangle.
  const padN = prompts.map((p) => maxLen - p.length);
  const ids = prompts.flatMap((p, i) => [...new Array(padN[i]).fill(pad), ...p]);
  const posArr = prompts.flatMap((_, i) => Array.from({ length: maxLen }, (_, t) => Math.max(0, t - padN[i])));
  const maskArr = prompts.flatMap((_, i) => Array.from({ length: maxLen }, (_, t) => (t < padN[i] ? MASKED : 0)));

  const device = model.device;
  // Greedy ids stay on the device between reads; each read covers `window` steps and checks them in order.
  const greedy = opts.temperature <= 0;
  const window = greedy ? decodeWindow(device) : 1;
  /** Takes row `orig`'s next token; returns true while the row goes on. */
  const accept = (orig: number, t: number): boolean => {
    if (eos.has(t)) {
      done[orig] = true;
      finish[orig] = "eos";
      return false;
    }
    out[orig].push(t);
    decoders[orig] = tok.decode(out[orig]);
    const hit = stops.map((s) => decoders[orig].indexOf(s)).filter((k) => k >= 0);
    if (hit.length) {
      done[orig] = true;
      finish[orig] = "stop";
      decoders[orig] = decoders[orig].slice(0, Math.min(...hit));
      return false;
    }
    if (out[orig].length >= limits[orig]) {
      done[orig] = true;
      return false;
    }
    return true;
  };

  noGrad(() => {
    let rows = Array.from({ length: B }, (_, i) => i); // original indices of the active rows
    let seqIds = keep(longTensor(ids, [B, maxLen], device));
    let keyMask = keep(tensor(Float32Array.from(maskArr), [B, 1, 1, maxLen], undefined, device));
    let positions = keep(longTensor(posArr, [B, maxLen], device));
    const cache = opts.noCache ? null : new KVCache(model.nLayers);
    let step = 0;
    let input = seqIds,
      inputPos = positions;
    let unread: Tensor[] = []; // sampled ids [n, 1] not yet read back to the host
    while (step < steps && rows.length > 0) {
      const nextIds = keep(
        tidy(() => {
          const r = model.forward(input, { cache: cache ?? undefined, positions: inputPos, keyMask });
          const T = input.shape[1];
          const last = r.logits!.narrow(1, T - 1, 1).reshape(rows.length, V);
          if (greedy) return last.argmax(1, true); // [n, 1] int64, on the device
          const host = last.dataSync() as Float32Array;
          return longTensor(
            rows.map((orig, i) => sampleToken(host, i * V, V, opts, rngs[orig])),
            [rows.length, 1],
            device,
          );
        }),
      );
      unread.push(nextIds);
      step++;
      let keepRows = rows.map((_, r) => r);
      let read: Tensor[] = [];
      if (unread.length >= window || step >= steps) {
        const w = unread.length;
        const got = tidy(() => (w === 1 ? unread[0] : cat(unread, 1)).dataSync()); // [n, w]
        keepRows = [];
        rows.forEach((orig, r) => {
          for (let j = 0; j < w && !done[orig]; j++) accept(orig, Number(got[r * w + j]));
          if (!done[orig]) keepRows.push(r);
        });
        read = unread;
        unread = [];
      }
      if (step >= steps || keepRows.length === 0) {
        for (const t of read) t.dispose();
        break;
      }
      // Extend the sequence state with the sampled tokens, then drop finished rows (only right after a read,
      // so no unread ids are left behind).
      const prev = { seqIds, keyMask, positions, input, inputPos };
      const sel = keepRows.length < rows.length ? keepRows : null;
      const next_ = tidy(() => {
        const n = rows.length;
        let s = cat([seqIds, nextIds], 1);
        let m = cat([keyMask, zeros([n, 1, 1, 1], "float32", device)], 3);
        let p = cat([positions, positions.narrow(1, positions.shape[1] - 1, 1).add(1)], 1);
        if (sel) {
          const idx = longTensor(sel, undefined, device);
          s = s.indexSelect(0, idx);
          m = m.indexSelect(0, idx);
          p = p.indexSelect(0, idx);
          cache?.selectRows(idx);
        }
        const L = s.shape[1];
        return cache ? { s, m, p, i: s.narrow(1, L - 1, 1), ip: p.narrow(1, L - 1, 1) } : { s, m, p, i: s, ip: p };
      });
      for (const t of [...Object.values(prev), ...read]) t.dispose();
      seqIds = keep(next_.s);
      keyMask = keep(next_.m);
      positions = keep(next_.p);
      input = keep(next_.i);
      inputPos = keep(next_.ip);
      if (sel) rows = sel.map((r) => rows[r]);
    }
    cache?.dispose();
    for (const t of [seqIds, keyMask, positions, input, inputPos, ...unread]) t.dispose();
  });
  return out.map((ids, i) => ({ text: finish[i] === "stop" ? decoders[i] : tok.decode(ids), ids, finish: finish[i] }));
}
