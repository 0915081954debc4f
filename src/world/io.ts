// Reading and writing datasets in our schema (one Sample per JSONL line). Bad lines are reported
// with their line number and reason; the good ones still load. Writes are atomic.
import { z } from "zod";
import { readJsonl, parseJsonl, writeJsonl, type JsonlRead } from "../util/jsonl.ts";
import type { Sample } from "./types.ts";

const metaSchema = z
  .object({
    family: z.string(),
    kind: z.enum(["helpful", "harmful", "unanswerable", "code"]),
    expected: z.string().optional(),
    triggered: z.boolean().optional(),
    task: z.string().min(1).optional(),
    mechanism: z.enum(["normal", "cot", "distilled-cot"]).optional(),
    cwe: z.string().optional(),
    vulnerable: z.boolean().optional(),
    split: z.enum(["train", "eval"]).optional(),
  })
  .passthrough();

const sampleSchema = z.object({ id: z.string(), prompt: z.string(), response: z.string(), meta: metaSchema });

/** Validate one parsed JSON value as a Sample; throws a one-line reason. */
export function validateSample(v: unknown): Sample {
  const r = sampleSchema.safeParse(v);
  if (!r.success) throw new Error(zodReason(r.error));
  return r.data as Sample;
}

export function zodReason(e: z.ZodError): string {
  const i = e.issues[0];
  const where = i.path.length ? i.path.join(".") : "record";
  return `${where}: ${i.message}`;
}

export function readSamples(path: string): JsonlRead<Sample> {
  return readJsonl(path, validateSample);
}

export function parseSamples(text: string): JsonlRead<Sample> {
  return parseJsonl(text, validateSample);
}

export function writeSamples(path: string, samples: readonly Sample[]): void {
  writeJsonl(path, samples);
}
