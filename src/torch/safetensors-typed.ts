// Typed-array views and constructors for safetensors' StTensor (little-endian hosts only, which is every
// platform Node ships for): the byte-level reader and writer are in safetensors.ts.
import { endianness } from "node:os";
import { SafetensorsError, checkShape, numel, type StDtype, type StTensor } from "./safetensors.ts";

const LITTLE_ENDIAN = endianness() === "LE";

function checkHost(): void {
  if (!LITTLE_ENDIAN) throw new SafetensorsError("safetensors: typed-array views need a little-endian host");
}

function fromTyped(dtype: StDtype, shape: number[], arr: ArrayBufferView & { length: number }): StTensor {
  checkHost();
  if (!checkShape(shape)) throw new SafetensorsError(`safetensors: invalid shape ${JSON.stringify(shape)}`);
  if (numel(shape) !== arr.length) {
    throw new SafetensorsError(
      `safetensors: shape [${shape}] has ${numel(shape)} elements but the array has ${arr.length}`,
    );
  }
  return { dtype, shape: shape.slice(), data: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength) };
}

/** Build tensors over the typed array's bytes (no copy: later writes to `data` show through). */
export function f32Tensor(shape: number[], data: Float32Array): StTensor {
  return fromTyped("F32", shape, data);
}
export function f64Tensor(shape: number[], data: Float64Array): StTensor {
  return fromTyped("F64", shape, data);
}
export function i32Tensor(shape: number[], data: Int32Array): StTensor {
  return fromTyped("I32", shape, data);
}
export function i64Tensor(shape: number[], data: BigInt64Array): StTensor {
  return fromTyped("I64", shape, data);
}
export function u8Tensor(shape: number[], data: Uint8Array): StTensor {
  return fromTyped("U8", shape, data);
}

type TypedCtor<T> = { new (buf: ArrayBufferLike, off: number, len: number): T; BYTES_PER_ELEMENT: number };

function view<T>(t: StTensor, dtype: StDtype, Ctor: TypedCtor<T>): T {
  checkHost();
  if (t.dtype !== dtype) throw new SafetensorsError(`safetensors: tensor is ${t.dtype}, not ${dtype}`);
  const size = Ctor.BYTES_PER_ELEMENT;
  const d = t.data;
  // Views need an aligned offset; data sliced out of a file buffer may not be, so copy then.
  const src = d.byteOffset % size === 0 ? d : d.slice();
  return new Ctor(src.buffer, src.byteOffset, src.byteLength / size);
}

/** Typed views of tensor data; zero-copy when aligned, otherwise a copy. */
export function asFloat32Array(t: StTensor): Float32Array {
  return view(t, "F32", Float32Array);
}
export function asFloat64Array(t: StTensor): Float64Array {
  return view(t, "F64", Float64Array);
}
export function asInt32Array(t: StTensor): Int32Array {
  return view(t, "I32", Int32Array);
}
export function asBigInt64Array(t: StTensor): BigInt64Array {
  return view(t, "I64", BigInt64Array);
}
