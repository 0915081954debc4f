// Finite-difference gradient checking for the op tests: float64 inputs, central differences, and a
// fixed random projection of the output so every output direction's gradient is exercised.
import assert from "node:assert/strict";
import { Tensor, tensor, tidy, noGrad } from "../../src/torch/index.ts";
import { Rng } from "../../src/util/rng.ts";

export interface Input {
  shape: number[];
  /** Values; default: seeded normal. */
  data?: number[];
  /** Check the gradient of this input (default true). */
  grad?: boolean;
}

function normals(n: number, rng: Rng): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = Math.max(rng.float(), 1e-12),
      v = rng.float();
    out.push(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}

export function randomInput(shape: number[], seed: number, scale = 1, offset = 0): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  return normals(n, new Rng(seed)).map((x) => x * scale + offset);
}

/**
 * Checks d(sum(f(xs) * R))/dx against central differences for every element of every input with
 * grad !== false. f must be a pure function of its inputs (constants captured by closure are fine).
 */
export function gradCheck(
  name: string,
  f: (...xs: Tensor[]) => Tensor,
  inputs: Input[],
  opts: { eps?: number; atol?: number; rtol?: number; seed?: number } = {},
): void {
  const eps = opts.eps ?? 1e-6,
    atol = opts.atol ?? 1e-6,
    rtol = opts.rtol ?? 1e-5;
  const data = inputs.map((inp, i) =>
    Float64Array.from(inp.data ?? randomInput(inp.shape, (opts.seed ?? 1) * 100 + i)),
  );
  let proj: Float64Array | null = null;
  let projShape: number[] = [];
  const value = (arrays: Float64Array[]): number =>
    tidy(() => {
      const out = f(...arrays.map((a, i) => tensor(a, inputs[i].shape)));
      if (!proj) {
        projShape = out.shape;
        proj = Float64Array.from(randomInput(out.shape.length ? out.shape : [1], 999, 1, 0.5).slice(0, out.numel));
      }
      return out.to("float64").mul(tensor(proj, projShape)).sum().item();
    });
  // Analytic gradients.
  const analytic: (number[] | null)[] = tidy(() => {
    const xs = data.map((a, i) => tensor(a, inputs[i].shape).requiresGrad_(inputs[i].grad !== false));
    const out = f(...xs);
    assert.equal(out.dtype, "float64", `${name}: output is ${out.dtype}, expected float64`);
    if (!proj) {
      projShape = out.shape;
      proj = Float64Array.from(randomInput(out.shape.length ? out.shape : [1], 999, 1, 0.5).slice(0, out.numel));
    }
    out.mul(tensor(proj, projShape)).sum().backward();
    return xs.map((x, i) => {
      if (inputs[i].grad === false) return null;
      const g = x.grad;
      assert.ok(g, `${name}: input ${i} got no gradient`);
      return g!.toArray();
    });
  });
  // Numeric gradients.
  noGrad(() => {
    data.forEach((arr, i) => {
      if (inputs[i].grad === false) return;
      const a = analytic[i]!;
      for (let k = 0; k < arr.length; k++) {
        const orig = arr[k];
        arr[k] = orig + eps;
        const up = value(data);
        arr[k] = orig - eps;
        const down = value(data);
        arr[k] = orig;
        const num = (up - down) / (2 * eps);
        const diff = Math.abs(num - a[k]);
        assert.ok(
          diff <= atol + rtol * Math.abs(num),
          `${name}: d/d input${i}[${k}]: analytic ${a[k]} vs numeric ${num}`,
        );
      }
    });
  });
}
