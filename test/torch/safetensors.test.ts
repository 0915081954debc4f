import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, readFileSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import {
  serialize,
  deserialize,
  saveFile,
  loadFile,
  SafetensorsError,
  type StTensor,
  f32Tensor,
  i32Tensor,
  i64Tensor,
  f64Tensor,
  u8Tensor,
  asFloat32Array,
  asInt32Array,
  asBigInt64Array,
  asFloat64Array,
} from "../../src/torch/safetensors.ts";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
function u64le(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 8; i++) out.push(Math.floor(n / 2 ** (8 * i)) & 0xff);
  return out;
}
function f32le(...xs: number[]): number[] {
  return [...new Uint8Array(new Float32Array(xs).buffer)];
}
function cat(...parts: ArrayLike<number>[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => Array.from(p)));
}
function tmp(): string {
  return mkdtempSync(join(tmpdir(), "st-test-"));
}

test("golden file: two tensors + metadata, built byte by byte from the spec", () => {
  // I64 sorts before F32 (alignment descending), so "b" is laid out first even though "a" < "b".
  const header =
    '{"__metadata__":{"format":"pt"},"b":{"dtype":"I64","shape":[2],"data_offsets":[0,16]},"a":{"dtype":"F32","shape":[1,2],"data_offsets":[16,24]}}';
  const pad = (8 - (header.length % 8)) % 8;
  const expected = cat(
    u64le(header.length + pad),
    ascii(header + " ".repeat(pad)),
    [1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], // int64 1, -1
    f32le(1.5, -2), // 0x3fc00000, 0xc0000000
  );
  const got = serialize(
    { a: f32Tensor([1, 2], new Float32Array([1.5, -2])), b: i64Tensor([2], new BigInt64Array([1n, -1n])) },
    { format: "pt" },
  );
  assert.deepEqual(got, expected);
  assert.equal((8 + header.length + pad) % 8, 0);
  const back = deserialize(got);
  assert.deepEqual(back.metadata, { format: "pt" });
  assert.deepEqual([...asFloat32Array(back.tensors.a)], [1.5, -2]);
  assert.deepEqual([...asBigInt64Array(back.tensors.b)], [1n, -1n]);
  assert.deepEqual(back.tensors.a.shape, [1, 2]);
});

test("matches the upstream writer's own test vectors (no metadata; empty file; metadata only)", () => {
  // F32 "attn.0" [1,2,3] = 0..5: header is exactly 64 bytes, so no padding.
  const h1 = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.equal(h1.length, 64);
  assert.deepEqual(
    serialize({ "attn.0": f32Tensor([1, 2, 3], new Float32Array([0, 1, 2, 3, 4, 5])) }),
    cat(u64le(64), ascii(h1), f32le(0, 1, 2, 3, 4, 5)),
  );
  // "attn0" [1,1,2,3]: 65 bytes, padded with 7 spaces to 72.
  const h2 = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
  assert.deepEqual(
    serialize({ attn0: f32Tensor([1, 1, 2, 3], new Float32Array([0, 1, 2, 3, 4, 5])) }),
    cat(u64le(72), ascii(h2 + " ".repeat(72 - h2.length)), f32le(0, 1, 2, 3, 4, 5)),
  );
  assert.deepEqual(serialize({}), cat(u64le(8), ascii("{}      ")));
  assert.deepEqual(
    serialize({}, { framework: "pt" }),
    cat(u64le(40), ascii('{"__metadata__":{"framework":"pt"}}     ')),
  );
  assert.deepEqual(deserialize(serialize({})), { tensors: {}, metadata: {} });
});

test("layout order: dtype alignment descending, then name by bytes", () => {
  const t = (dtype: StTensor["dtype"], size: number): StTensor => ({ dtype, shape: [1], data: new Uint8Array(size) });
  const buf = serialize({
    z8: t("U8", 1),
    bool: t("BOOL", 1),
    i8: t("I8", 1),
    h: t("F16", 2),
    bf: t("BF16", 2),
    i16: t("I16", 2),
    f: t("F32", 4),
    i: t("I32", 4),
    d: t("F64", 8),
    l: t("I64", 8),
    a8: t("U8", 1),
  });
  const n = Number(new DataView(buf.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n)));
  assert.deepEqual(Object.keys(header), ["l", "d", "f", "i", "bf", "h", "i16", "i8", "a8", "z8", "bool"]);
  // Every offset is aligned to its element size given the 8-aligned data start.
  for (const info of Object.values(header) as { dtype: string; data_offsets: number[] }[]) {
    const size = { I64: 8, F64: 8, F32: 4, I32: 4, BF16: 2, F16: 2, I16: 2 }[info.dtype] ?? 1;
    assert.equal(info.data_offsets[0] % size, 0);
  }
});

test("round trip of every dtype, zero-size and scalar tensors, unicode names", () => {
  const tensors: Record<string, StTensor> = {
    "w.ä😀": f32Tensor([2, 3], new Float32Array([1, 2, 3, 4, 5, 6])),
    scalar: f64Tensor([], new Float64Array([Math.PI])),
    empty: i32Tensor([0, 4], new Int32Array(0)),
    ids: i64Tensor([3], new BigInt64Array([0n, 2n ** 62n, -5n])),
    mask: { dtype: "BOOL", shape: [2], data: Uint8Array.from([1, 0]) },
    half: { dtype: "F16", shape: [2], data: Uint8Array.from([0, 0x3c, 0, 0xc0]) },
    bytes: u8Tensor([4], Uint8Array.from([9, 8, 7, 6])),
  };
  const back = deserialize(serialize(tensors, { step: "10", note: 'é\n"x"' }));
  assert.deepEqual(back.metadata, { step: "10", note: 'é\n"x"' });
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [k, t] of Object.entries(tensors)) {
    assert.equal(back.tensors[k].dtype, t.dtype);
    assert.deepEqual(back.tensors[k].shape, t.shape);
    assert.deepEqual([...back.tensors[k].data], [...t.data]);
  }
  assert.equal(asFloat64Array(back.tensors.scalar)[0], Math.PI);
  assert.deepEqual([...asInt32Array(back.tensors.empty)], []);
});

test("saveFile is atomic-by-rename and loadFile reads it back; unaligned data is copied for views", () => {
  const dir = tmp();
  try {
    const p = join(dir, "sub", "m.safetensors");
    saveFile(p, { x: f32Tensor([2], new Float32Array([3, 4])) }, { a: "b" });
    assert.deepEqual(readdirSync(join(dir, "sub")), ["m.safetensors"]);
    const f = loadFile(p);
    assert.deepEqual([...asFloat32Array(f.tensors.x)], [3, 4]);
    // Data at an odd byte offset still views correctly (via a copy).
    const raw = new Uint8Array(9);
    raw.set(new Uint8Array(new Float32Array([7, 8]).buffer), 1);
    assert.deepEqual([...asFloat32Array({ dtype: "F32", shape: [2], data: raw.subarray(1) })], [7, 8]);
    assert.throws(() => asInt32Array(f.tensors.x), /is F32, not I32/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("serialize rejects inconsistent input", () => {
  assert.throws(
    () => serialize({ x: { dtype: "F32", shape: [3], data: new Uint8Array(8) } }),
    /8 bytes but shape \[3\] x F32 needs 12/,
  );
  assert.throws(
    () => serialize({ x: { dtype: "Q4" as never, shape: [1], data: new Uint8Array(1) } }),
    /unknown dtype "Q4"/,
  );
  assert.throws(() => serialize({ __metadata__: u8Tensor([1], new Uint8Array(1)) }), /cannot be a tensor name/);
  assert.throws(() => f32Tensor([3], new Float32Array(2)), /3 elements but the array has 2/);
});

// --- corruption: each case gives one line naming the file and the problem ---

function withHeader(header: string, data: number[] = []): Uint8Array {
  return cat(u64le(header.length), ascii(header), data);
}

const corruptions: [string, () => Uint8Array, RegExp][] = [
  ["too short", () => Uint8Array.from([1, 2, 3]), /too short/],
  [
    "header length larger than the file",
    () => {
      const good = serialize({ x: f32Tensor([1], new Float32Array([1])) });
      return good.subarray(0, 20);
    },
    /header length \d+ is larger than the file/,
  ],
  ["header length over the limit", () => cat(u64le(2 ** 40), ascii("{}")), /exceeds the 100000000-byte limit/],
  ["invalid JSON", () => withHeader('{"x":{"dtype":"F32"'), /not valid JSON/],
  ["invalid UTF-8", () => cat(u64le(4), [0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
  ["not an object", () => withHeader("[1,2]   "), /not an object/],
  [
    "unknown dtype",
    () => withHeader('{"x":{"dtype":"F7","shape":[1],"data_offsets":[0,1]}}', [0]),
    /tensor "x": unknown dtype "F7"/,
  ],
  ["bad shape", () => withHeader('{"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', [0]), /invalid shape/],
  ["bad offsets", () => withHeader('{"x":{"dtype":"U8","shape":[1],"data_offsets":[0]}}', [0]), /invalid data_offsets/],
  [
    "offsets out of range (truncated data)",
    () => {
      const good = serialize({ x: f32Tensor([4], new Float32Array(4)) });
      return good.subarray(0, good.length - 3);
    },
    /out of range, data buffer is 13 bytes/,
  ],
  [
    "byte length not matching shape x dtype",
    () => withHeader('{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', [0, 0, 0, 0]),
    /span 4 bytes but shape \[2\] x F32 needs 8/,
  ],
  [
    "overlapping tensors",
    () =>
      withHeader(
        '{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"y":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}',
        [0, 0, 0],
      ),
    /"y" \[1, 3\] overlaps tensor "x"/,
  ],
  [
    "gap between tensors",
    () => withHeader('{"x":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [0, 0]),
    /gap in data buffer/,
  ],
  [
    "end before begin",
    () => withHeader('{"x":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}', [0, 0]),
    /end before they begin/,
  ],
  ["trailing bytes", () => cat(serialize({ x: u8Tensor([1], Uint8Array.from([1])) }), [0]), /trailing bytes/],
  ["metadata not strings", () => withHeader('{"__metadata__":{"a":1}}'), /__metadata__ value for "a" is not a string/],
];

for (const [name, make, pattern] of corruptions) {
  test(`corrupt file: ${name}`, () => {
    const dir = tmp();
    try {
      const p = join(dir, "bad.safetensors");
      writeFileSync(p, make());
      assert.throws(
        () => loadFile(p),
        (e: unknown) => {
          assert.ok(e instanceof SafetensorsError);
          assert.match(e.message, pattern);
          assert.ok(e.message.startsWith(`safetensors ${p}: `), e.message);
          assert.ok(!e.message.includes("\n"), "one line");
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("missing file names the path", () => {
  assert.throws(() => loadFile("/nonexistent/x.safetensors"), /safetensors \/nonexistent\/x.safetensors: cannot read/);
});

test("live cross-check against the Python safetensors package, when installed", (t) => {
  const probe = spawnSync("/usr/bin/python3", ["-c", "import safetensors, torch"], { encoding: "utf8" });
  if (probe.status !== 0) {
    t.diagnostic(
      "python3 safetensors not installed: skipping the live cross-check (golden bytes above cover the format)",
    );
    t.skip("python safetensors unavailable");
    return;
  }
  const dir = tmp();
  try {
    const ours = join(dir, "ours.safetensors");
    const theirs = join(dir, "theirs.safetensors");
    saveFile(
      ours,
      { b: i64Tensor([2], new BigInt64Array([1n, -1n])), a: f32Tensor([1, 2], new Float32Array([1.5, -2])) },
      { format: "pt" },
    );
    const py = `
import torch, sys
from safetensors.torch import save_file, load_file
save_file({"a": torch.tensor([[1.5, -2.0]]), "b": torch.tensor([1, -1])}, sys.argv[2], metadata={"format": "pt"})
t = load_file(sys.argv[1]); assert t["a"].tolist() == [[1.5, -2.0]] and t["b"].tolist() == [1, -1]
`;
    const r = spawnSync("/usr/bin/python3", ["-c", py, ours, theirs], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(ours), readFileSync(theirs));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
