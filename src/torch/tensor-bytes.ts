// Raw little-endian bytes straight into libtorch tensors of the bytes' own dtype (float16 and bfloat16
// included, which JavaScript has no typed array for), and a safetensors entry streamed from its file into
// one: a 16-bit checkpoint then costs its own size in tensor memory plus one small buffer, never a float32
// copy in JavaScript.
import { native } from "./native.ts";
import { wrapHandle as wrap, type Tensor, type DType } from "./tensor.ts";
import { SafetensorsError, readFully, type StDtype, type StEntry, type StHeader } from "./safetensors.ts";

/** The libtorch dtype that holds a safetensors dtype's bytes unchanged. */
const ST_TORCH: Partial<Record<StDtype, DType>> = {
  F32: "float32",
  F64: "float64",
  F16: "float16",
  BF16: "bfloat16",
  I64: "int64",
  I32: "int32",
  U8: "uint8",
  BOOL: "bool",
};

export function torchDtypeOf(dtype: StDtype): DType {
  const t = ST_TORCH[dtype];
  if (!t)
    throw new SafetensorsError(
      `safetensors: ${dtype} tensors have no libtorch dtype here (supported: ${Object.keys(ST_TORCH).join(", ")})`,
    );
  return t;
}

/** A new tensor of `dtype` and `shape` whose memory is exactly `bytes` (host byte order, row-major). */
export function fromBytes(bytes: Uint8Array, shape: number[], dtype: DType): Tensor {
  return wrap(native.fromBytes(bytes, shape, dtype));
}

/** Copy `bytes` into a contiguous CPU tensor's memory at `byteOffset` (no autograd record). */
export function writeBytes(t: Tensor, byteOffset: number, bytes: Uint8Array): void {
  native.writeBytes(t.handle, byteOffset, bytes);
}

/**
 * The one buffer every tensor is streamed through. Reused, not allocated per tensor: a fresh buffer per
 * tensor is garbage the collector frees late, and several of them resident at once showed up in peak memory.
 */
const CHUNK = 4 << 20;
let chunk: Uint8Array | null = null;

/** One safetensors entry read from an open file at its offset into a tensor of the file's dtype. */
export function readTensor(fd: number, header: StHeader, entry: StEntry, path?: string): Tensor {
  const dtype = torchDtypeOf(entry.dtype);
  const size = entry.end - entry.begin;
  const start = header.dataStart + entry.begin;
  const t = wrap(native.empty(entry.shape, dtype));
  chunk ??= new Uint8Array(CHUNK);
  try {
    for (let done = 0; done < size; done += CHUNK) {
      const part = chunk.subarray(0, Math.min(CHUNK, size - done));
      readFully(fd, part, start + done, path);
      writeBytes(t, done, part);
    }
  } catch (e) {
    t.dispose();
    throw e;
  }
  return t;
}
