// 16-bit floats (IEEE half and bfloat16) to and from float32, exactly as PyTorch converts them: widening is
// exact, narrowing rounds to nearest even. Model files store weights this way; the addon takes float32 arrays.

/** bfloat16 bits -> float32 (exact: bf16 is float32's top half). */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

/** float32 -> bfloat16 bits, round to nearest even; NaN stays NaN. */
export function f32ToBf16(x: Float32Array): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const b = u[i];
    if ((b & 0x7fffffff) > 0x7f800000) {
      out[i] = (b >>> 16) | 0x40;
      continue;
    }
    out[i] = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
  }
  return out;
}

let halfTable: Float32Array | null = null;

/** IEEE half bits -> float32 (exact), through a 65536-entry table built once. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  halfTable ??= buildHalfTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]];
  return out;
}

function buildHalfTable(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1,
      exp = (h >> 10) & 0x1f,
      frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return t;
}

/** float32 -> IEEE half bits, round to nearest even (through float64, where the rounding is exact). */
export function f32ToF16(x: Float32Array): Uint16Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = halfBits(x[i]);
  return out;
}

function halfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a >= 65520) return sign | 0x7c00; // rounds past the largest half (65504)
  if (a < 2 ** -14) return sign | roundEven(a / 2 ** -24); // subnormal (may round up into the normal range)
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp--; // log2 may round up near powers of two
  let m = roundEven((a / 2 ** exp - 1) * 1024);
  if (m === 1024) {
    m = 0;
    exp++;
  }
  return sign | ((exp + 15) << 10) | m;
}

function roundEven(x: number): number {
  const f = Math.floor(x),
    d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}
