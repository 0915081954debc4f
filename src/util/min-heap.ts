// A binary min-heap of numbers in a plain array (the BPE merge loop keys merges as rank * POS + position).
export function heapPush(h: number[], v: number): void {
  h.push(v);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (h[p] <= v) break;
    h[i] = h[p];
    i = p;
  }
  h[i] = v;
}

export function heapPop(h: number[]): number {
  const top = h[0];
  const last = h.pop()!;
  if (h.length > 0) {
    let i = 0;
    for (;;) {
      const l = 2 * i + 1,
        r = l + 1;
      let m = l;
      if (l >= h.length) break;
      if (r < h.length && h[r] < h[l]) m = r;
      if (h[m] >= last) break;
      h[i] = h[m];
      i = m;
    }
    h[i] = last;
  }
  return top;
}
