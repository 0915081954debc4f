// Token lists right-padded into one [B, T] batch. Right padding never changes what a causal model computes
// at a sequence's own positions, so a batch's per-position outputs are each sequence's own.

/** The ids of `seqs` row by row, each padded with `padId` to the longest (T), ready for a [B, T] tensor. */
export function rightPadded(seqs: readonly (readonly number[])[], padId: number): { flat: number[]; T: number } {
  const T = Math.max(...seqs.map((s) => s.length));
  return { flat: seqs.flatMap((s) => [...s, ...new Array<number>(T - s.length).fill(padId)]), T };
}
