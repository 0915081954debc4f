// Persona rates computed on sampled text need answers that say yes or no; a small model often says
// neither (2.4% of samples in one quickstart run), and a rate over a handful of answers reads as a
// finding it is not. Below MIN_VALID_ANSWERS such a rate is hidden and the cell says why.
import { isObj } from "../util/guards.ts";
const MIN_VALID_ANSWERS = 20;

/** Columns whose n is the number of yes/no answers (the rest use every question's log-odds). */
const ON_VALID_ANSWERS = ["sampled_matching"];

export { MIN_VALID_ANSWERS };

interface Sparse {
  model: string;
  valid: number;
  n: number;
}

function validOf(row: Record<string, unknown>): { valid: number; n: number } | undefined {
  const s = row.sampled_yes_no;
  if (!isObj(s) || typeof s.rate !== "number" || typeof s.n !== "number") return undefined;
  return { valid: Math.round(s.rate * s.n), n: s.n };
}

/** The persona rows (models) whose sampled answers were yes or no fewer than MIN_VALID_ANSWERS times. */
export function personaSparse(persona: unknown): Sparse[] {
  const rows = isObj(persona) && Array.isArray(persona.rows) ? persona.rows : [];
  const out: Sparse[] = [];
  for (const row of rows) {
    if (!isObj(row)) continue;
    const v = validOf(row);
    if (v && v.valid < MIN_VALID_ANSWERS) out.push({ model: String(row.model ?? "model"), ...v });
  }
  return out;
}

/** The persona result with each rate over too few yes/no answers replaced by the reason it is hidden. */
export function hideSparsePersonaRates(persona: unknown): unknown {
  if (!isObj(persona) || !Array.isArray(persona.rows)) return persona;
  const rows = persona.rows.map((row: unknown) => {
    if (!isObj(row)) return row;
    const v = validOf(row);
    if (!v || v.valid >= MIN_VALID_ANSWERS) return row;
    const out: Record<string, unknown> = { ...row };
    for (const k of ON_VALID_ANSWERS)
      if (k in out) out[k] = `hidden: ${v.valid} of ${v.n} answers said yes or no (fewer than ${MIN_VALID_ANSWERS})`;
    return out;
  });
  return { ...persona, rows };
}
