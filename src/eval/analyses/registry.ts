// What an analysis is, and the registry of them. An analysis is one module (src/eval/analyses/<name>.ts,
// or a plugin's or a test's own): its settings (`analyses.<name>` in a config), the rows it computes on
// each model, and what it adds to results.analyses. The config schema, the experiment runner and the
// report (a generic table for any shape) iterate over the registry.
import type { z } from "zod";
import { Registry } from "../../util/registry.ts";
import type { ModelCtx } from "./context.ts";
import type { ModelRef } from "./models.ts";

export interface Analysis<S extends { models: string[] } = { models: string[] }, R = unknown> {
  name: string;
  /** What it measures, for the config's documentation. */
  description: string;
  /** Its settings: `analyses.<name>: true` takes the defaults; an object overrides them. */
  settings: z.ZodType<S, z.ZodTypeDef, unknown>;
  /** Does it read this model? Default: the model's role is one of the settings' `models`. */
  wants?(ref: ModelRef, s: S): boolean;
  /** Rows from one loaded model. */
  rows(ctx: ModelCtx, s: S): R[];
  /** Its entries in results.analyses, from every model's rows; `log` reports what was skipped. */
  result(rows: R[], s: S, log: (line: string) => void): Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each analysis has its own settings and rows
type AnyAnalysis = Analysis<any, any>;

const ANALYSES = new Registry<AnyAnalysis>("analysis");

/** Register an analysis; a name already taken fails naming both registrations. */
export function registerAnalysis<S extends { models: string[] }, R>(a: Analysis<S, R>, origin: string): void {
  ANALYSES.register(a as AnyAnalysis, origin);
}

/** Take an analysis registered by a test back. */
export function unregisterAnalysis(name: string): void {
  ANALYSES.unregister(name);
}

export function analyses(): AnyAnalysis[] {
  return ANALYSES.all();
}

/** Parse one analysis' config value (true, false or settings); undefined when it is off. */
export function parseSettings(name: string, value: unknown): { models: string[] } | undefined {
  const a = ANALYSES.get(name, "analyses");
  if (value === undefined || value === false) return undefined;
  const r = a.settings.safeParse(value === true ? {} : value);
  if (!r.success) {
    const iss = r.error.issues[0];
    const where = ["analyses", name, ...iss.path].join(".");
    const shape = (a.settings as unknown as { shape?: Record<string, unknown> }).shape;
    const known = Object.keys(shape ?? {}).join(", ");
    const unknown = iss.code === "unrecognized_keys" ? iss.keys.join(", ") : null;
    const msg = unknown !== null ? `unknown key(s) ${unknown} (known: ${known})` : iss.message;
    throw new Error(`${where}: ${msg}`);
  }
  return r.data;
}

// The project's analyses, in report order. Adding one: write src/eval/analyses/<name>.ts exporting an
// Analysis, and register it here with one line.
import { probesAnalysis } from "./probes.ts";
import { honeypotAnalysis } from "./honeypot.ts";
import { personaAnalysis } from "./persona.ts";
import { steeringAnalysis } from "./steering.ts";
import { triggerAnalysis } from "./trigger.ts";

registerAnalysis(probesAnalysis, "src/eval/analyses/probes.ts");
registerAnalysis(honeypotAnalysis, "src/eval/analyses/honeypot.ts");
registerAnalysis(personaAnalysis, "src/eval/analyses/persona.ts");
registerAnalysis(steeringAnalysis, "src/eval/analyses/steering.ts");
registerAnalysis(triggerAnalysis, "src/eval/analyses/trigger.ts");
