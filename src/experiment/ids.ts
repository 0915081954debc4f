// Content-addressed stage ids: `<kind>-<first 8 hex of sha256(canonical JSON)>` over exactly the
// config parts that determine a stage, its inputs' ids included, so equal work gets an equal id and a
// changed setting invalidates only the stages downstream of it.
import { createHash } from "node:crypto";

/** Bump to invalidate every stored stage when what a stage produces changes incompatibly. */
const STAGE_FORMAT = 1;

/** JSON with object keys sorted at every level, so key order never changes an id. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") {
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`cannot hash non-finite number ${v}`);
    return JSON.stringify(v) ?? "null";
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(",")}}`;
}

export function stageId(kind: string, content: unknown): string {
  const hash = createHash("sha256")
    .update(canonicalJson({ format: STAGE_FORMAT, kind, content }))
    .digest("hex");
  return `${kind}-${hash.slice(0, 8)}`;
}
