// Explicit memory management: JavaScript's collector cannot see tensor memory, so every tensor made
// inside `tidy(fn)` is freed when fn returns, except the tensors in its return value (like tf.tidy).
export interface Disposable {
  dispose(): void;
  readonly disposed: boolean;
}

const stack: Disposable[][] = [];

/** Called by the Tensor constructor: the innermost open scope owns the new tensor. */
export function track(t: Disposable): void {
  if (stack.length) stack[stack.length - 1].push(t);
}

function collect(value: unknown, out: Set<Disposable>, depth = 0): void {
  if (value === null || typeof value !== "object" || depth > 4) return;
  if (typeof (value as Disposable).dispose === "function" && "disposed" in (value as object)) {
    out.add(value as Disposable);
    return;
  }
  if (Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (Object.getPrototypeOf(value) === Object.prototype || value instanceof Map) {
    const vals = value instanceof Map ? [...value.values()] : Object.values(value);
    for (const v of vals) collect(v, out, depth + 1);
  }
}

/** Run fn; free every tensor it created that is not part of its result. Async functions are not supported. */
export function tidy<T>(fn: () => T): T {
  stack.push([]);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    // A throwing fn still frees what it made (a failed op mid-step must not leak the step's tensors).
    for (const t of stack.pop()!) t.dispose();
    throw e;
  }
  const scope = stack.pop()!;
  if (result instanceof Promise) throw new Error("tidy: fn must be synchronous");
  const keep = new Set<Disposable>();
  collect(result, keep);
  for (const t of scope) if (!keep.has(t)) t.dispose();
  // Survivors belong to the enclosing scope, so nested tidies compose.
  for (const t of keep) if (!t.disposed) track(t);
  return result;
}

/** Take a tensor out of every scope (e.g. model parameters created inside a tidy). */
export function keep<T extends Disposable>(t: T): T {
  for (const scope of stack) {
    const i = scope.indexOf(t);
    if (i >= 0) scope.splice(i, 1);
  }
  return t;
}
