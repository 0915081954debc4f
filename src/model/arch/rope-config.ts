// The rope settings of a config.json in either layout: transformers < 5 writes `rope_theta` and
// `rope_scaling` ({"rope_type" or "type", factor, ...}) at the top level; transformers 5 writes one
// `rope_parameters` object holding rope_theta, rope_type and the scaling fields. Both read to one shape;
// a rope type or a field we do not implement is refused by name, never dropped.
import { ConfigReader } from "./config-reader.ts";
import { ROPE_TYPES, yarnMscale, type RopeScaling } from "./rope-frequencies.ts";

export interface RopeSettings {
  theta: number;
  scaling: RopeScaling | null;
}

/** The fields each rope type reads from its object (besides rope_type / type / rope_theta). */
const FIELDS: Record<string, string[]> = {
  default: [],
  linear: ["factor"],
  dynamic: ["factor"],
  yarn: [
    "factor",
    "original_max_position_embeddings",
    "beta_fast",
    "beta_slow",
    "attention_factor",
    "mscale",
    "mscale_all_dim",
    "truncate",
  ],
  llama3: ["factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"],
};

/** `maxPositions` is config.json's max_position_embeddings (dynamic's and yarn's original context by default). */
export function readRope(r: ConfigReader, maxPositions: number): RopeSettings {
  const params = r.object("rope_parameters"),
    legacy = r.object("rope_scaling");
  const topTheta = r.get("rope_theta");
  r.only("partial_rotary_factor", [1, 1.0], "rotary on part of the head is not implemented");
  if (params && legacy)
    r.fail(
      "rope_scaling",
      "and 'rope_parameters' are both given (transformers 5 writes only rope_parameters: keep one)",
    );
  if (params && (params.full_attention !== undefined || params.sliding_attention !== undefined))
    r.fail(
      "rope_parameters",
      "per layer type (full_attention / sliding_attention) is not supported (one rope for all layers)",
    );
  const where = params ? "rope_parameters" : "rope_scaling";
  const obj = params ?? legacy ?? {};
  const sub = new ConfigReader(obj, `${r.file} ${where}`);
  if (params && topTheta != null && params.rope_theta != null && topTheta !== params.rope_theta)
    r.fail("rope_theta", `= ${topTheta} disagrees with rope_parameters.rope_theta = ${params.rope_theta} (keep one)`);
  const theta = params && params.rope_theta != null ? sub.positive("rope_theta") : r.positive("rope_theta", 10000);
  const type = sub.str("rope_type", (sub.get("type") as string | undefined) ?? "default");
  if (!ROPE_TYPES.includes(type as never))
    r.fail(where, `rope type "${type}" is not supported (supported: ${ROPE_TYPES.join(", ")})`);
  sub.only("partial_rotary_factor", [1, 1.0], "rotary on part of the head is not implemented");
  const scaling = readScaling(sub, type, maxPositions);
  sub.ignore(...FIELDS[type]);
  const extra = sub.unread().filter((k) => obj[k] != null);
  if (extra.length)
    r.fail(
      where,
      `has ${extra.map((k) => `${k} = ${JSON.stringify(obj[k])}`).join(", ")}, not used by rope type "${type}" (not supported: remove it or fix rope_type)`,
    );
  return { theta, scaling };
}

function readScaling(s: ConfigReader, type: string, maxPositions: number): RopeScaling | null {
  const factor = () => {
    const f = s.positive("factor");
    if (f < 1) s.fail("factor", `must be >= 1 (a context extension), got ${f}`);
    return f;
  };
  switch (type) {
    case "linear":
      return { type, factor: factor() };
    case "dynamic":
      return { type, factor: factor(), maxPositions };
    case "yarn": {
      const f = factor();
      const mscale = s.get("mscale") as number | undefined,
        mscaleAll = s.get("mscale_all_dim") as number | undefined;
      for (const k of ["mscale", "mscale_all_dim", "attention_factor"]) if (s.raw[k] != null) s.positive(k);
      const attentionFactor =
        s.raw.attention_factor != null
          ? s.positive("attention_factor")
          : mscale && mscaleAll
            ? yarnMscale(f, mscale) / yarnMscale(f, mscaleAll)
            : yarnMscale(f);
      const betaFast = s.positive("beta_fast", 32),
        betaSlow = s.positive("beta_slow", 1);
      if (betaSlow >= betaFast) s.fail("beta_slow", `(${betaSlow}) must be below beta_fast (${betaFast})`);
      return {
        type,
        factor: f,
        originalContext: s.int("original_max_position_embeddings", maxPositions),
        betaFast,
        betaSlow,
        attentionFactor,
        truncate: s.bool("truncate", true),
      };
    }
    case "llama3": {
      const lowFreqFactor = s.positive("low_freq_factor"),
        highFreqFactor = s.positive("high_freq_factor");
      if (highFreqFactor <= lowFreqFactor)
        s.fail("high_freq_factor", `(${highFreqFactor}) must exceed low_freq_factor (${lowFreqFactor})`);
      return {
        type,
        factor: factor(),
        lowFreqFactor,
        highFreqFactor,
        originalContext: s.int("original_max_position_embeddings"),
      };
    }
    default:
      return null;
  }
}
