// Variable environments for the taint walk: one per function (closures see the enclosing scope).
import type { Notes, Rule, Report, Taint } from "./types.ts";
import type { FileIndex } from "./callsites.ts";
import { union } from "./types.ts";

export interface FnInfo {
  name: string; // "" at module level
  isRoute: boolean; // decorated as a web route (its return value is the HTTP response)
}

export class Scope {
  vars = new Map<string, Taint>();
  /** Constructor that produced a variable's value ("tarfile.open", "hashlib.md5", ...). */
  types = new Map<string, string>();
  /** Variables holding a parsed URL or its parts, and the URL variable they came from (`p = urlparse(u)` -> u). */
  origins = new Map<string, string>();

  constructor(
    readonly parent: Scope | null,
    readonly fn: FnInfo,
  ) {}

  get(name: string): Taint | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }

  origin(name: string): string | undefined {
    return this.origins.get(name) ?? this.parent?.origin(name);
  }

  type(name: string): string | undefined {
    return this.types.get(name) ?? this.parent?.type(name);
  }

  set(name: string, t: Taint): void {
    this.vars.set(name, t);
  }

  clone(): Scope {
    const s = new Scope(this.parent, this.fn);
    s.vars = new Map(this.vars);
    s.types = new Map(this.types);
    s.origins = new Map(this.origins);
    return s;
  }

  /**
   * After branches (if/elif/else, loop bodies), a variable may hold any branch's value: take the union.
   * `fallThrough` says whether control can skip every branch (no else), keeping the value from before.
   */
  merge(branches: Scope[], fallThrough: boolean): void {
    const before = this.vars;
    const names = new Set<string>();
    for (const b of branches) for (const k of b.vars.keys()) names.add(k);
    const merged = new Map(before);
    for (const k of names) {
      let t = fallThrough ? before.get(k) : undefined;
      for (const b of branches) {
        const v = b.vars.get(k) ?? before.get(k);
        if (v) t = t ? union(t, v) : v;
      }
      if (t) merged.set(k, t);
    }
    this.vars = merged;
    for (const b of branches) for (const [k, v] of b.types) if (!this.types.has(k)) this.types.set(k, v);
    for (const b of branches) for (const [k, v] of b.origins) if (!this.origins.has(k)) this.origins.set(k, v);
  }
}

export interface Ctx {
  aliases: Map<string, string>;
  rules: Rule[];
  report: Report;
  /** Taint of what each function defined in the file returns when its parameters are untrusted. */
  summaries: Map<string, Taint>;
  /** Filled during a walk: the union of each function's return values. */
  returns: Map<string, Taint>;
  /** Call sites, constants and functions of the file. */
  index: FileIndex;
  /** Filled during a walk: per function definition (node id), the union of what its callers pass per parameter. */
  incoming: Map<number, Map<string, Taint>>;
  /** What the previous walk learned in `incoming`. */
  callers: Map<number, Map<string, Taint>>;
  /** What rules note during the walk and judge at the end (see Rule.finish). */
  notes: Notes;
}
