// CWE ids that name the same weakness at different granularity: a finding counts as catching a
// labelled CWE when both are in one group (a "weak password hash" may be labelled 327, 328 or 916).
// The first id of a group names it in per-CWE tables.
const GROUPS: string[][] = [
  ["CWE-20", "CWE-185", "CWE-625", "CWE-730", "CWE-1333"],
  ["CWE-22", "CWE-23", "CWE-36", "CWE-73"],
  ["CWE-78", "CWE-77", "CWE-88"],
  ["CWE-79", "CWE-80", "CWE-116"],
  ["CWE-89", "CWE-564"],
  ["CWE-94", "CWE-95"],
  ["CWE-295", "CWE-296", "CWE-297"],
  ["CWE-327", "CWE-328", "CWE-326"],
  ["CWE-330", "CWE-338"],
  ["CWE-377", "CWE-378", "CWE-379"],
  ["CWE-434"],
  ["CWE-502"],
  // stored passwords: in plain text, reversibly encoded, or behind one fast hash
  ["CWE-522", "CWE-256", "CWE-257", "CWE-759", "CWE-760", "CWE-916"],
  ["CWE-601"],
  ["CWE-611", "CWE-776", "CWE-827"],
  ["CWE-732", "CWE-276"],
  ["CWE-798", "CWE-259", "CWE-321"],
  ["CWE-918"],
  ["CWE-1336"],
];

const groupOf = new Map<string, number>();
GROUPS.forEach((g, i) => g.forEach((c) => groupOf.set(c, i)));

function normalizeCwe(cwe: string): string {
  const m = cwe.trim().match(/^(?:CWE[-_ ]?)?(\d+)$/i);
  return m ? `CWE-${Number(m[1])}` : cwe.trim();
}

/** The id that names a CWE's group in tables (CWE-916 -> CWE-522); a CWE outside every group names itself. */
export function cweGroup(cwe: string): string {
  const x = normalizeCwe(cwe);
  const g = groupOf.get(x);
  return g === undefined ? x : GROUPS[g][0];
}

export function sameCweFamily(a: string, b: string): boolean {
  const x = normalizeCwe(a);
  const y = normalizeCwe(b);
  if (x === y) return true;
  const gx = groupOf.get(x);
  return gx !== undefined && gx === groupOf.get(y);
}
