// A libtorch error is a JavaScript exception carrying libtorch's message and the op's name (never a
// crash); a disposed tensor cannot be used; tidy() frees what it should and keeps what it returns.
import { test } from "node:test";
import assert from "node:assert/strict";
import { native } from "../../src/torch/native.ts";
import {
  randn,
  longTensor,
  tensor,
  tidy,
  keep,
  liveTensorCount,
  zeros,
  attentionQkv,
  crossEntropy,
} from "../../src/torch/index.ts";

/** Runs fn, which must throw an Error whose single-line message matches re. */
function throwsLine(fn: () => unknown, re: RegExp): void {
  let err: unknown = null;
  try {
    tidy(() => {
      fn();
    });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `expected an Error matching ${re}`);
  const msg = (err as Error).message;
  assert.match(msg, re);
  assert.ok(!msg.includes("\n"), `one line: ${JSON.stringify(msg)}`);
  assert.ok(!/Exception raised from|frame #/.test(msg), "no C++ backtrace in the message");
}

test("shape mismatches become exceptions with libtorch's message", () => {
  throwsLine(
    () => randn([2, 3]).matmul(randn([4, 5])),
    /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)$/,
  );
  throwsLine(
    () => randn([2, 3]).add(randn([4, 5])),
    /^add: The size of tensor a \(3\) must match the size of tensor b \(5\)/,
  );
  throwsLine(() => randn([2, 3]).view(4, 2), /^view: shape '\[4, 2\]' is invalid for input of size 6$/);
  throwsLine(() => randn([2, 3]).bmm(randn([2, 3])), /^bmm: /);
  throwsLine(() => randn([2, 3]).narrow(1, 2, 5), /^narrow: start \(2\) \+ length \(5\) exceeds dimension size \(3\)/);
  throwsLine(() => attentionQkv(randn([2, 3, 7]), 2), /^attentionQkv: last dim 7 is not 3\*D$/);
  throwsLine(
    () => crossEntropy(randn([4, 5]), longTensor([1, 2, 3])),
    /^crossEntropy: targets must be 1-D with N entries$/,
  );
});

test("bad indices become exceptions, not crashes", () => {
  throwsLine(() => randn([2, 3]).indexSelect(0, longTensor([5])), /^indexSelect: index out of range/);
  throwsLine(() => randn([2, 3]).gather(1, longTensor([7], [1, 1])), /^gather: index 7 is out of bounds/);
  throwsLine(() => crossEntropy(randn([2, 5]), longTensor([1, 9])), /^crossEntropy: .*(out of bounds|Target 9)/);
  throwsLine(
    () => tensor(Float32Array.from([1, 2, 3]), [2, 2]),
    /^fromArray: shape holds 4 elements but the array has 3$/,
  );
  // The process is still fine afterwards.
  assert.equal(
    tidy(() => randn([2, 2]).add(1).shape.join("x")),
    "2x2",
  );
});

test("using a disposed tensor throws", () => {
  const t = randn([2]);
  const h = t.handle;
  t.dispose();
  assert.equal(t.disposed, true);
  assert.throws(() => t.add(1), /use of a disposed tensor/);
  assert.throws(() => t.shape, /use of a disposed tensor/);
  // Even through a stale raw handle, the binding refuses rather than crashing.
  assert.throws(() => native.add(h, 1), /^Error: add: use of a disposed tensor$/);
  assert.throws(() => native.add({}, 1), /add: argument 0 is not a tensor/);
  t.dispose(); // idempotent
});

test("backward through a freed graph is an exception", () => {
  throwsLine(() => {
    const x = randn([2]).requiresGrad_(true);
    const y = x.exp().sum();
    y.backward();
    y.backward();
  }, /^backward: Trying to backward through the graph a second time/);
});

test("tidy frees intermediates, keeps results and kept tensors; nested scopes compose", () => {
  const before = liveTensorCount();
  let kept = zeros([1]);
  kept.dispose();
  const out = tidy(() => {
    const a = randn([3]);
    const b = a.mul(2).add(1);
    kept = keep(b.sum());
    const inner = tidy(() => ({ x: a.exp(), y: [a.neg()] }));
    return { sum: b.sum(), inner };
  });
  assert.equal(liveTensorCount(), before + 4, "sum, inner.x, inner.y[0] and the kept tensor survive");
  assert.equal(out.sum.disposed, false);
  for (const t of [out.sum, out.inner.x, out.inner.y[0], kept]) t.dispose();
  assert.equal(liveTensorCount(), before);
  // An exception inside tidy still frees the scope's tensors.
  assert.throws(() =>
    tidy(() => {
      randn([4]);
      randn([4]).matmul(randn([3]));
    }),
  );
  assert.equal(liveTensorCount(), before);
});
