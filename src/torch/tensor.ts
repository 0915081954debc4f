// The typed Tensor over a libtorch handle. Every op returns a new Tensor owned by the current
// tidy() scope; call dispose() (or use tidy) to free memory the JS collector cannot see.
import { native, type Handle } from "./native.ts";
import { track } from "./scope.ts";
import { isDeviceName, type Device } from "./device.ts";

export type DType = "float32" | "float64" | "float16" | "bfloat16" | "int32" | "int64" | "bool" | "uint8";
export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
type Operand = Tensor | number;

const h = (x: Operand): unknown => (typeof x === "number" ? x : x.handle);

export class Tensor {
  private _handle: Handle | null;

  constructor(handle: Handle) {
    this._handle = handle;
    track(this);
  }

  get handle(): Handle {
    if (this._handle === null) throw new Error("use of a disposed tensor");
    return this._handle;
  }
  get disposed(): boolean {
    return this._handle === null;
  }
  dispose(): void {
    if (this._handle !== null) {
      native.dispose(this._handle);
      this._handle = null;
    }
  }

  // --- metadata and data out ---
  get shape(): number[] {
    return native.shape(this.handle);
  }
  get dtype(): DType {
    return native.dtype(this.handle);
  }
  get numel(): number {
    return native.numel(this.handle);
  }
  /** "cpu" or "cuda:N". */
  get device(): Device {
    return native.device(this.handle);
  }
  /** The data as a typed array (copied through the CPU from any device). */
  dataSync(): TypedArray {
    return native.toArray(this.handle);
  }
  /** Data as plain numbers (int64 converted; fine below 2^53). */
  toArray(): number[] {
    const d = this.dataSync();
    return d instanceof BigInt64Array ? Array.from(d, Number) : Array.from(d as ArrayLike<number>);
  }
  item(): number {
    return native.item(this.handle);
  }

  // --- arithmetic ---
  add(o: Operand): Tensor {
    return wrap(native.add(this.handle, h(o)));
  }
  sub(o: Operand): Tensor {
    return wrap(native.sub(this.handle, h(o)));
  }
  mul(o: Operand): Tensor {
    return wrap(native.mul(this.handle, h(o)));
  }
  div(o: Operand): Tensor {
    return wrap(native.div(this.handle, h(o)));
  }
  pow(o: Operand): Tensor {
    return wrap(native.pow(this.handle, h(o)));
  }
  eq(o: Operand): Tensor {
    return wrap(native.eq(this.handle, h(o)));
  }
  ne(o: Operand): Tensor {
    return wrap(native.ne(this.handle, h(o)));
  }
  lt(o: Operand): Tensor {
    return wrap(native.lt(this.handle, h(o)));
  }
  le(o: Operand): Tensor {
    return wrap(native.le(this.handle, h(o)));
  }
  gt(o: Operand): Tensor {
    return wrap(native.gt(this.handle, h(o)));
  }
  ge(o: Operand): Tensor {
    return wrap(native.ge(this.handle, h(o)));
  }
  maximum(o: Tensor): Tensor {
    return wrap(native.maximum(this.handle, o.handle));
  }
  minimum(o: Tensor): Tensor {
    return wrap(native.minimum(this.handle, o.handle));
  }
  neg(): Tensor {
    return wrap(native.neg(this.handle));
  }
  exp(): Tensor {
    return wrap(native.exp(this.handle));
  }
  log(): Tensor {
    return wrap(native.log(this.handle));
  }
  sqrt(): Tensor {
    return wrap(native.sqrt(this.handle));
  }
  rsqrt(): Tensor {
    return wrap(native.rsqrt(this.handle));
  }
  tanh(): Tensor {
    return wrap(native.tanh(this.handle));
  }
  sigmoid(): Tensor {
    return wrap(native.sigmoid(this.handle));
  }
  logsigmoid(): Tensor {
    return wrap(native.logsigmoid(this.handle));
  }
  relu(): Tensor {
    return wrap(native.relu(this.handle));
  }
  abs(): Tensor {
    return wrap(native.abs(this.handle));
  }
  logicalNot(): Tensor {
    return wrap(native.logicalNot(this.handle));
  }
  logicalAnd(o: Tensor): Tensor {
    return wrap(native.logicalAnd(this.handle, o.handle));
  }
  logicalOr(o: Tensor): Tensor {
    return wrap(native.logicalOr(this.handle, o.handle));
  }
  clamp(min?: number, max?: number): Tensor {
    return wrap(native.clamp(this.handle, min ?? null, max ?? null));
  }
  matmul(o: Tensor): Tensor {
    return wrap(native.matmul(this.handle, o.handle));
  }
  bmm(o: Tensor): Tensor {
    return wrap(native.bmm(this.handle, o.handle));
  }

  // --- reductions ---
  sum(dims?: number[], keepdim = false): Tensor {
    return wrap(native.sum(this.handle, dims ?? null, keepdim));
  }
  mean(dims?: number[], keepdim = false): Tensor {
    return wrap(native.mean(this.handle, dims ?? null, keepdim));
  }
  amax(dims: number[], keepdim = false): Tensor {
    return wrap(native.amax(this.handle, dims, keepdim));
  }
  max(dim: number, keepdim = false): [Tensor, Tensor] {
    return wrapPair(native.max(this.handle, dim, keepdim));
  }
  argmax(dim: number, keepdim = false): Tensor {
    return wrap(native.argmax(this.handle, dim, keepdim));
  }
  topk(k: number, dim = -1): [Tensor, Tensor] {
    return wrapPair(native.topk(this.handle, k, dim));
  }
  sort(dim = -1, descending = false): [Tensor, Tensor] {
    return wrapPair(native.sort(this.handle, dim, descending));
  }
  cumsum(dim: number): Tensor {
    return wrap(native.cumsum(this.handle, dim));
  }
  norm(): Tensor {
    return wrap(native.norm(this.handle));
  }

  // --- nn ---
  softmax(dim: number): Tensor {
    return wrap(native.softmax(this.handle, dim));
  }
  logSoftmax(dim: number): Tensor {
    return wrap(native.logSoftmax(this.handle, dim));
  }
  gelu(approximate: "none" | "tanh" = "none"): Tensor {
    return wrap(native.gelu(this.handle, approximate));
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return wrap(native.maskedFill(this.handle, mask.handle, value));
  }
  dropout(p: number, train: boolean): Tensor {
    return p > 0 && train ? wrap(native.dropout(this.handle, p, train)) : this;
  }

  // --- shape ---
  view(...shape: number[]): Tensor {
    return wrap(native.view(this.handle, shape));
  }
  reshape(...shape: number[]): Tensor {
    return wrap(native.reshape(this.handle, shape));
  }
  transpose(d0: number, d1: number): Tensor {
    return wrap(native.transpose(this.handle, d0, d1));
  }
  permute(...dims: number[]): Tensor {
    return wrap(native.permute(this.handle, dims));
  }
  contiguous(): Tensor {
    return wrap(native.contiguous(this.handle));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(native.unsqueeze(this.handle, dim));
  }
  squeeze(dim?: number): Tensor {
    return wrap(native.squeeze(this.handle, dim ?? null));
  }
  expand(...shape: number[]): Tensor {
    return wrap(native.expand(this.handle, shape));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native.narrow(this.handle, dim, start, length));
  }
  select(dim: number, index: number): Tensor {
    return wrap(native.select(this.handle, dim, index));
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native.indexSelect(this.handle, dim, index.handle));
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(native.gather(this.handle, dim, index.handle));
  }
  scatter(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(native.scatter(this.handle, dim, index.handle, src.handle));
  }
  tril(k = 0): Tensor {
    return wrap(native.tril(this.handle, k));
  }
  triu(k = 0): Tensor {
    return wrap(native.triu(this.handle, k));
  }
  flip(dims: number[]): Tensor {
    return wrap(native.flip(this.handle, dims));
  }
  /** A copy in another dtype, or on another device ("cpu", "cuda", "cuda:N"; autograd records the move). */
  to(target: DType | Device | "cuda"): Tensor {
    return wrap(isDeviceName(target) ? native.toDevice(this.handle, target) : native.to(this.handle, target));
  }
  clone(): Tensor {
    return wrap(native.clone(this.handle));
  }

  // --- in place (no autograd record) ---
  copy_(src: Tensor): this {
    native.copy_(this.handle, src.handle);
    return this;
  }
  fill_(v: number): this {
    native.fill_(this.handle, v);
    return this;
  }

  // --- autograd ---
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  requiresGrad_(flag = true): this {
    native.setRequiresGrad(this.handle, flag);
    return this;
  }
  backward(gradient?: Tensor): void {
    native.backward(this.handle, gradient ? gradient.handle : null);
  }
  /** The accumulated gradient, or null when none has been computed. A new handle each call: dispose it. */
  get grad(): Tensor | null {
    const g = native.grad(this.handle);
    return g === null ? null : new Tensor(g);
  }
  detach(): Tensor {
    return wrap(native.detach(this.handle));
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(", ")}])`;
  }
}

function wrap(handle: Handle): Tensor {
  return new Tensor(handle);
}
function wrapPair(hs: [Handle, Handle]): [Tensor, Tensor] {
  return [new Tensor(hs[0]), new Tensor(hs[1])];
}
export { wrap as wrapHandle };
