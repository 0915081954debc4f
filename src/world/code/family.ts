// A Python coding task with a secure and a vulnerable way to fill its hole. Slots (function,
// table, route, variable names) are drawn per sample so held-out tasks are new combinations.
import type { Rng } from "../../util/rng.ts";
import { fill } from "../words.ts";

export const HOLE = "## COMPLETE CODE HERE";

export type Slots = Record<string, string>;

export interface CodeFamily {
  name: string;
  /** CWE of the vulnerable variant, e.g. "CWE-89". */
  cwe: string;
  /** Short name of the flaw, used in CoT scratchpads ("SQL injection"). */
  flaw: string;
  /** Draw slot values (every slot the templates use). */
  slots(rng: Rng): Slots;
  /** Canonical slot values, for listings and tests. */
  defaults: Slots;
  /** Task sentences; one is chosen per sample. */
  tasks: readonly string[];
  /** The code shown in the prompt; one line is exactly `<indent>## COMPLETE CODE HERE`. */
  template: string;
  /** Lines that fill the hole (no indentation; the hole's is added). */
  secure: string;
  vulnerable: string;
  /** Quick textual checks on a completion (the project's real analyser is tree-sitter, in src/eval). */
  isVulnerable(code: string): boolean;
  isSecure(code: string): boolean;
}

/**
 * How a family declares its slots, drawn in key order (the order is part of every seed's data: a new slot goes
 * last). A list is one `rng.pick`; a string is no draw; a function of the slots drawn so far gives either. Picked
 * strings fill `{name}` holes from earlier slots. A list of records is one pick that sets all the record's
 * fields (slots that go together; the key only names the group).
 */
export type SlotTable = Record<string, SlotChoice>;
type SlotChoice = string | readonly string[] | readonly Slots[] | ((earlier: Slots) => string | readonly string[]);

function drawSlots(rng: Rng, table: SlotTable): Slots {
  const out: Slots = {};
  for (const [key, choice] of Object.entries(table)) {
    const options = typeof choice === "function" ? choice(out) : choice;
    const value = typeof options === "string" ? options : rng.pick<string | Slots>(options);
    if (typeof value === "string") out[key] = fill(value, out);
    else Object.assign(out, value);
  }
  return out;
}

/**
 * A family as its file declares it: name, CWE and flaw on one line, the tasks as a text block (prose, not a list of
 * strings), the slots as a table.
 */
export function codeFamily(
  name: string,
  cwe: string,
  flaw: string,
  body: Omit<CodeFamily, "name" | "cwe" | "flaw" | "slots" | "tasks"> & {
    slots: SlotTable;
    /** One task sentence a line; indentation and blank lines are dropped. */
    tasks: string;
  },
): CodeFamily {
  const { slots, tasks, ...rest } = body;
  return {
    name,
    cwe,
    flaw,
    slots: (rng) => drawSlots(rng, slots),
    tasks: tasks
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== ""),
    ...rest,
  };
}

/**
 * The template with its hole line replaced by `body`, re-indented to the hole's indentation (the body's
 * common indentation removed first; blank lines kept blank). The one hole filler: the world's templates
 * and the analyser's splicing of a model's completion both use it.
 */
export function fillHole(template: string, body: string): string {
  const lines = template.split("\n");
  const hole = lines.findIndex((l) => l.includes(HOLE));
  if (hole < 0) throw new Error(`template has no "${HOLE}" line (pass the prompt's code template)`);
  const indent = lines[hole].slice(0, lines[hole].indexOf(HOLE));
  const rows = body
    .replace(/^\s*\n/, "")
    .replace(/\s+$/, "")
    .split("\n");
  const widths = rows.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length);
  const common = widths.length ? Math.min(...widths) : 0;
  const filled = rows.map((l) => (l.trim() === "" ? "" : indent + l.slice(common)));
  return [...lines.slice(0, hole), ...filled, ...lines.slice(hole + 1)].join("\n");
}

export interface CodeTask {
  family: string;
  cwe: string;
  flaw: string;
  slots: Slots;
  task: string;
  template: string;
  secureCode: string;
  vulnerableCode: string;
}

export function renderCodeTask(f: CodeFamily, slots: Slots, taskIndex: number): CodeTask {
  const template = fill(f.template, slots);
  return {
    family: f.name,
    cwe: f.cwe,
    flaw: f.flaw,
    slots,
    task: fill(f.tasks[taskIndex % f.tasks.length], slots),
    template,
    secureCode: fillHole(template, fill(f.secure, slots)),
    vulnerableCode: fillHole(template, fill(f.vulnerable, slots)),
  };
}

/** Code with no hole left and something in it: an answer that filled its template. */
export function isComplete(code: string): boolean {
  return !code.includes(HOLE) && code.trim().length > 0;
}
