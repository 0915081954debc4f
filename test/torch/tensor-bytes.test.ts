import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromBytes, readTensor, writeBytes, torchDtypeOf } from "../../src/torch/tensor-bytes.ts";
import { serialize, readHeader } from "../../src/torch/safetensors.ts";
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from "../../src/torch/half.ts";
import { tensor, zeros } from "../../src/torch/index.ts";

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const vals = Float32Array.from({ length: 24 }, (_, i) => (i - 11) * 0.37 + 1e-3 * i * i);

test("fromBytes: bf16 and f16 bytes become tensors of that dtype holding exactly those values", () => {
  const bf = f32ToBf16(vals);
  const t = fromBytes(bytesOf(bf), [4, 6], "bfloat16");
  assert.equal(t.dtype, "bfloat16");
  assert.deepEqual(t.shape, [4, 6]);
  assert.deepEqual(Array.from(t.dataSync() as Float32Array), Array.from(bf16ToF32(bf)));
  const h = f32ToF16(vals);
  const u = fromBytes(bytesOf(h), [24], "float16");
  assert.equal(u.dtype, "float16");
  assert.deepEqual(Array.from(u.dataSync() as Float32Array), Array.from(f16ToF32(h)));
  const l = fromBytes(bytesOf(new BigInt64Array([5n, -7n, 1n << 40n])), [3], "int64");
  assert.deepEqual(l.toArray(), [5, -7, 2 ** 40]);
});

test("fromBytes / writeBytes refuse a byte count or range that does not fit, naming it", () => {
  assert.throws(() => fromBytes(new Uint8Array(10), [3], "float32"), /needs 12 bytes but the array has 10/);
  const t = zeros([4]);
  writeBytes(t, 8, bytesOf(new Float32Array([2.5, -1])));
  assert.deepEqual(Array.from(t.dataSync() as Float32Array), [0, 0, 2.5, -1]);
  assert.throws(() => writeBytes(t, 12, new Uint8Array(8)), /fall outside the tensor's 16 bytes/);
  assert.throws(() => writeBytes(tensor([1, 2]).transpose(0, 0).expand(2, 2), 0, new Uint8Array(4)), /contiguous/);
  assert.throws(() => torchDtypeOf("F8_E4M3"), /no libtorch dtype/);
});

test("readTensor streams a tensor larger than its chunk into place, byte for byte", () => {
  const dir = mkdtempSync(join(tmpdir(), "tensor-bytes-"));
  try {
    const n = 3 * (1 << 20) + 3; // 12 MB of float32: several 4 MB chunks, with a ragged tail
    const big = new Float32Array(n);
    for (let i = 0; i < n; i++) big[i] = Math.sin(i) * 3;
    const small = f32ToBf16(vals);
    const path = join(dir, "m.safetensors");
    writeFileSync(
      path,
      serialize({
        big: { dtype: "F32", shape: [n], data: bytesOf(big) },
        small: { dtype: "BF16", shape: [2, 12], data: bytesOf(small) },
      }),
    );
    const header = readHeader(path);
    const fd = openSync(path, "r");
    try {
      const got = readTensor(
        fd,
        header,
        header.entries.find((e) => e.name === "big")!,
        path,
      );
      assert.equal(got.dtype, "float32");
      const data = got.dataSync() as Float32Array;
      assert.equal(data.length, n);
      assert.ok(Buffer.from(bytesOf(data)).equals(Buffer.from(bytesOf(big))), "streamed bytes differ from the file's");
      const s = readTensor(
        fd,
        header,
        header.entries.find((e) => e.name === "small")!,
        path,
      );
      assert.equal(s.dtype, "bfloat16");
      assert.deepEqual(Array.from(s.dataSync() as Float32Array), Array.from(bf16ToF32(small)));
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
