// Free functions: factories, multi-tensor ops, losses, and process-wide switches (grad mode, RNG, threads).
import { native } from "./native.ts";
import { setMemoryProbe } from "../util/memory.ts";
import { Tensor, wrapHandle as wrap, type DType, type TypedArray } from "./tensor.ts";
import type { Device } from "./device.ts";
import { checkDevice } from "./strict.ts";

/** The device handed to the addon (null: the CPU); in strict mode an omitted one is an error naming the factory. */
function dev(factory: string, device: Device | undefined): Device | null {
  checkDevice(factory, device);
  return device ?? null;
}

// Every factory takes an optional device last (default: the CPU; required in strict mode, see strict.ts). Data from JavaScript is copied into a
// CPU tensor first and then moved, so typed arrays always cross through host memory.
export function tensor(data: TypedArray | number[], shape?: number[], dtype?: DType, device?: Device): Tensor {
  const d = dev("tensor", device);
  const arr = Array.isArray(data)
    ? dtype === "int64"
      ? BigInt64Array.from(data, (x) => BigInt(x))
      : dtype === "int32"
        ? Int32Array.from(data)
        : Float32Array.from(data)
    : data;
  return wrap(native.fromArray(arr, shape ?? [arr.length], dtype ?? null, d));
}
/** int64 tensor from plain numbers (token ids, indices). */
export function longTensor(data: ArrayLike<number>, shape?: number[], device?: Device): Tensor {
  // Ids fit in int32: copy as int32 and widen in C++ (no BigInt per element); larger values take the slow path.
  const d = dev("longTensor", device);
  const n = data.length;
  const small = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    if ((v | 0) !== v) {
      const arr = BigInt64Array.from(Array.from(data), (x) => BigInt(x));
      return wrap(native.fromArray(arr, shape ?? [n], null, d));
    }
    small[i] = v;
  }
  return wrap(native.fromArray(small, shape ?? [n], "int64", d));
}
export const zeros = (shape: number[], dtype: DType = "float32", device?: Device) =>
  wrap(native.zeros(shape, dtype, dev("zeros", device)));
export const ones = (shape: number[], dtype: DType = "float32", device?: Device) =>
  wrap(native.ones(shape, dtype, dev("ones", device)));
export const full = (shape: number[], value: number, dtype: DType = "float32", device?: Device) =>
  wrap(native.full(shape, value, dtype, dev("full", device)));
export const randn = (shape: number[], dtype: DType = "float32", device?: Device) =>
  wrap(native.randn(shape, dtype, dev("randn", device)));
export const rand = (shape: number[], dtype: DType = "float32", device?: Device) =>
  wrap(native.rand(shape, dtype, dev("rand", device)));
export const randint = (lo: number, hi: number, shape: number[], device?: Device) =>
  wrap(native.randint(lo, hi, shape, "int64", dev("randint", device)));
export const randperm = (n: number, device?: Device) => wrap(native.randperm(n, dev("randperm", device)));
export const arange = (start: number, end: number, step = 1, dtype: DType = "int64", device?: Device) =>
  wrap(native.arange(start, end, step, dtype, dev("arange", device)));

/** `t` on `device`: itself when it is there already, else a moved copy (the original is disposed). */
export function moveTo(t: Tensor, device: Device): Tensor {
  if (t.device === device) return t;
  const moved = t.to(device);
  t.dispose();
  return moved;
}

export const cat = (ts: Tensor[], dim = 0) =>
  wrap(
    native.cat(
      ts.map((t) => t.handle),
      dim,
    ),
  );
export const stack = (ts: Tensor[], dim = 0) =>
  wrap(
    native.stack(
      ts.map((t) => t.handle),
      dim,
    ),
  );
export function where(cond: Tensor, a: Tensor | number, b: Tensor | number): Tensor {
  return wrap(native.where(cond.handle, typeof a === "number" ? a : a.handle, typeof b === "number" ? b : b.handle));
}
export const linear = (x: Tensor, w: Tensor, b?: Tensor | null) =>
  wrap(native.linear(x.handle, w.handle, b ? b.handle : null));
export const embedding = (weight: Tensor, ids: Tensor) => wrap(native.embedding(weight.handle, ids.handle));
export function layerNorm(x: Tensor, shape: number[], w?: Tensor | null, b?: Tensor | null, eps = 1e-5): Tensor {
  return wrap(native.layerNorm(x.handle, shape, w ? w.handle : null, b ? b.handle : null, eps));
}
/** Causal attention on [B,H,Tq,D] queries over [B,H,Tk,D] keys/values; keyMask is additive [B,1,1,Tk]. */
export function attention(q: Tensor, k: Tensor, v: Tensor, keyMask?: Tensor | null, causal = true): Tensor {
  return wrap(native.attention(q.handle, k.handle, v.handle, keyMask ? keyMask.handle : null, causal));
}
/**
 * Fused causal self-attention from the c_attn output: qkv [B, T, 3D] (q | k | v, heads of D/nHeads
 * each) -> [B, T, D], heads already merged. Same result as splitting into heads and calling attention(),
 * without the permute/contiguous copies, and both forward and backward run head-parallel.
 * keyMask is additive ([B, 1, 1, T] or [B, T]). CPU float32/float64.
 */
export function attentionQkv(qkv: Tensor, nHeads: number, keyMask?: Tensor | null, causal = true): Tensor {
  return wrap(native.attentionQkv(qkv.handle, nHeads, keyMask ? keyMask.handle : null, causal));
}
export interface CrossEntropyOptions {
  ignoreIndex?: number;
  /** Per-target weights [N] (e.g. loss masks); the mean divides by their sum over non-ignored targets. */
  weights?: Tensor | null;
  reduction?: "mean" | "sum" | "none";
}
export function crossEntropy(logits: Tensor, targets: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  return wrap(
    native.crossEntropy(
      logits.handle,
      targets.handle,
      opts.ignoreIndex ?? -100,
      opts.weights ? opts.weights.handle : null,
      opts.reduction ?? "mean",
    ),
  );
}

// --- process-wide state ---
export function noGrad<T>(fn: () => T): T {
  const prev = native.setGradEnabled(false);
  try {
    return fn();
  } finally {
    native.setGradEnabled(prev);
  }
}
export const zeroGrad = (params: Tensor[]): void => native.zeroGrad(params.map((p) => p.handle));
/** Seeds the CPU generator and every CUDA device's generator. */
export const manualSeed = (seed: number): void => native.manualSeed(seed);
/** One device's generator state (each device has its own generator; default the CPU's). */
export const getRngState = (device: Device = "cpu"): Uint8Array => native.getRngState(device);
export const setRngState = (s: Uint8Array, device: Device = "cpu"): void => native.setRngState(s, device);
export const setNumThreads = (n: number): void => native.setNumThreads(n);
export const getNumThreads = (): number => native.getNumThreads();
/** Number of libtorch tensors currently alive (held by a handle that was not disposed). */
export const liveTensorCount = (): number => native.liveCount();

export interface MemoryStats {
  /** Handles holding a tensor (not yet disposed or collected), and their bytes (a view counts its own extent). */
  liveTensors: number;
  liveTensorBytes: number;
  /** Bytes of live tensors on CUDA devices (counted apart: never reported to V8). */
  liveCudaTensorBytes: number;
  /** Tensors the collector freed because their handle was dropped without dispose(): each is a missed dispose. */
  collectedTensors: number;
  /** The CPU tensor allocator (native/src/cpu_allocator.h): what libtorch holds, what it caches, what it mapped. */
  allocator: {
    installed: boolean;
    inUseBytes: number;
    peakInUseBytes: number;
    cachedBytes: number;
    mappedBytes: number;
    cacheLimitBytes: number;
    allocations: number;
    cacheHits: number;
    osMaps: number;
    osUnmaps: number;
  };
  /** glibc's heap statistics (mallinfo2), where the C library has them. */
  malloc?: { heapBytes: number; mmapBytes: number; inUseBytes: number; freeBytes: number };
}
/** Counters for the memory checks: every loop keeps liveTensors flat after warm-up. */
export const memoryStats = (): MemoryStats => native.memoryStats();
/** Returns the allocator's cached blocks to the OS (e.g. between stages); returns the bytes released. */
export const emptyCache = (): number => native.emptyCache();
export const resetPeakMemory = (): void => native.resetPeakMemory();

// The memory guard and trace (util layer) report these beside resident memory.
setMemoryProbe(() => {
  const s = memoryStats();
  return {
    liveTensors: s.liveTensors,
    liveTensorBytes: s.liveTensorBytes,
    collectedTensors: s.collectedTensors,
    allocatorInUseBytes: s.allocator.inUseBytes,
    allocatorCachedBytes: s.allocator.cachedBytes,
    allocatorMappedBytes: s.allocator.mappedBytes,
    ...(s.malloc ? { mallocInUseBytes: s.malloc.inUseBytes, mallocFreeBytes: s.malloc.freeBytes } : {}),
  };
});
