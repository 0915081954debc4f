// L2-regularised logistic regression, fitted by Newton's method with a backtracking line search
// (dense Cholesky solves; the residual stream of our models is at most a few hundred wide).
// Features are standardised with the fit set's mean and standard deviation, so the penalty treats
// every dimension alike; the bias is not penalised. Objective (mean over the n fit rows):
//   f(w, b) = mean_i softplus(-(2y_i - 1)(w·x_i + b)) + (l2 / 2) |w|^2

export interface LogisticOptions {
  /** Penalty on |w|^2 / 2 over standardised features (default 1e-2). */
  l2?: number;
  maxIter?: number;
  /** Stop when the largest gradient entry is below this (default 1e-8). */
  tol?: number;
}

export interface LogisticModel {
  /** Weights on standardised features. */
  w: Float64Array;
  b: number;
  mean: Float64Array;
  std: Float64Array;
  iterations: number;
  converged: boolean;
}

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** Solve A x = g for a symmetric positive-definite A (row-major, n x n) by Cholesky; A is not modified. */
export function choleskySolve(A: Float64Array, g: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error("choleskySolve: matrix is not positive definite");
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = g[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

function standardise(
  rows: ArrayLike<number>[],
  d: number,
): { Z: Float64Array[]; mean: Float64Array; std: Float64Array } {
  const n = rows.length;
  const mean = new Float64Array(d),
    std = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  for (const r of rows) for (let j = 0; j < d; j++) std[j] += (r[j] - mean[j]) ** 2 / n;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]) || 1; // constant features: leave unscaled
  const Z = rows.map((r) => {
    const z = new Float64Array(d);
    for (let j = 0; j < d; j++) z[j] = (r[j] - mean[j]) / std[j];
    return z;
  });
  return { Z, mean, std };
}

export function fitLogistic(
  rows: ArrayLike<number>[],
  labels: readonly boolean[],
  opts: LogisticOptions = {},
): LogisticModel {
  const n = rows.length;
  if (n === 0 || n !== labels.length)
    throw new Error(`fitLogistic: need rows and labels of the same non-zero length (got ${n} and ${labels.length})`);
  if (!labels.includes(true) || !labels.includes(false)) throw new Error("fitLogistic: the fit set needs both classes");
  const d = rows[0].length;
  const l2 = opts.l2 ?? 1e-2;
  if (!(l2 > 0)) throw new Error(`fitLogistic: l2 must be positive (got ${l2})`);
  const maxIter = opts.maxIter ?? 50,
    tol = opts.tol ?? 1e-8;
  const { Z, mean, std } = standardise(rows, d);
  const y = labels.map((l) => (l ? 1 : 0));
  const m = d + 1; // weights then bias
  let theta = new Float64Array(m);
  const margin = (th: Float64Array, z: Float64Array) => {
    let s = th[d];
    for (let j = 0; j < d; j++) s += th[j] * z[j];
    return s;
  };
  const objective = (th: Float64Array) => {
    let f = 0;
    for (let i = 0; i < n; i++) f += softplus(-(2 * y[i] - 1) * margin(th, Z[i]));
    let r = 0;
    for (let j = 0; j < d; j++) r += th[j] * th[j];
    return f / n + (l2 / 2) * r;
  };
  let f = objective(theta);
  let iterations = 0,
    converged = false;
  for (; iterations < maxIter; iterations++) {
    const g = new Float64Array(m);
    const H = new Float64Array(m * m);
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      const p = sigmoid(margin(theta, z));
      const r = (p - y[i]) / n,
        s = (p * (1 - p)) / n;
      for (let a = 0; a < m; a++) {
        const za = a < d ? z[a] : 1;
        g[a] += r * za;
        const sa = s * za;
        for (let b = 0; b <= a; b++) H[a * m + b] += sa * (b < d ? z[b] : 1);
      }
    }
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) H[b * m + a] = H[a * m + b];
    for (let j = 0; j < d; j++) {
      g[j] += l2 * theta[j];
      H[j * m + j] += l2;
    }
    H[d * m + d] += 1e-10;
    let gmax = 0;
    for (let a = 0; a < m; a++) gmax = Math.max(gmax, Math.abs(g[a]));
    if (gmax < tol) {
      converged = true;
      break;
    }
    const step = choleskySolve(H, g, m);
    let gd = 0;
    for (let a = 0; a < m; a++) gd += g[a] * step[a];
    let t = 1,
      next = theta,
      fn = f;
    for (let k = 0; k < 40; k++, t /= 2) {
      next = theta.map((v, a) => v - t * step[a]);
      fn = objective(next);
      if (fn <= f - 0.25 * t * gd) break;
    }
    if (!(fn < f)) {
      converged = true;
      break;
    } // no further decrease at machine precision
    theta = next;
    f = fn;
  }
  return { w: theta.slice(0, d), b: theta[d], mean, std, iterations, converged };
}

/** The probe's logit for each row (higher = more likely positive). */
export function logisticScores(m: LogisticModel, rows: ArrayLike<number>[]): Float64Array {
  const d = m.w.length;
  return Float64Array.from(rows, (r) => {
    let s = m.b;
    for (let j = 0; j < d; j++) s += m.w[j] * ((r[j] - m.mean[j]) / m.std[j]);
    return s;
  });
}
