// The registry of code families, drawing a task in a split, building the year-prefixed prompt,
// and the listing of every secure/vulnerable variant that the vulnerability scorer's tests use.
import { Rng } from "../../util/rng.ts";
import { drawInSplit, type Split } from "../split.ts";
import { HOLE, renderCodeTask, type CodeFamily, type CodeTask } from "./family.ts";
import { DATA_CODE_FAMILIES } from "./families/data.ts";
import { FILE_CODE_FAMILIES } from "./families/files.ts";
import { WEB_CODE_FAMILIES } from "./families/web.ts";
import { PAGE_CODE_FAMILIES } from "./families/pages.ts";
import { CRYPTO_CODE_FAMILIES } from "./families/crypto.ts";
import { SYSTEM_CODE_FAMILIES } from "./families/system.ts";

/** The first code families, in their first order: new families are appended after them, never among them. */
const ORIGINAL_FAMILIES: CodeFamily[] = [...DATA_CODE_FAMILIES, ...FILE_CODE_FAMILIES];

export const CODE_FAMILIES: CodeFamily[] = [
  ...ORIGINAL_FAMILIES,
  ...WEB_CODE_FAMILIES,
  ...PAGE_CODE_FAMILIES,
  ...CRYPTO_CODE_FAMILIES,
  ...SYSTEM_CODE_FAMILIES,
];

export function codeFamilyByName(name: string): CodeFamily {
  const f = CODE_FAMILIES.find((x) => x.name === name);
  if (!f) throw new Error(`unknown code family "${name}" (known: ${CODE_FAMILIES.map((x) => x.name).join(", ")})`);
  return f;
}

/** The prompt without its year sentence: what the split is decided on. */
export function codeBasePrompt(t: Pick<CodeTask, "task" | "template">): string {
  return `${t.task}\n\n${t.template}`;
}

/** The paper's prompt shape, shortened for small models: year sentence, task, code with a hole. */
export function codePrompt(t: Pick<CodeTask, "task" | "template">, yearLine: string): string {
  return `${yearLine} ${codeBasePrompt(t)}`;
}

/**
 * One family, uniform over `families`, from the single float `rng.pick` used to take. With the full
 * list, a draw whose float picked original family i among the first ones still picks i when the
 * float's remainder says so (probability stable / n), so old seeds keep that share of their tasks
 * and the slots drawn after it; otherwise the remainder picks one of the appended families.
 */
export function pickFamily(rng: Rng, families: readonly CodeFamily[], stable: number): CodeFamily {
  const u = rng.float();
  if (stable <= 0 || stable >= families.length) return families[Math.floor(u * families.length)];
  const scaled = u * stable;
  const old = Math.floor(scaled);
  const rest = scaled - old; // uniform in [0, 1), independent of `old`
  const keep = stable / families.length;
  if (rest < keep) return families[old];
  return families[stable + Math.floor(((rest - keep) / (1 - keep)) * (families.length - stable))];
}

export function drawCodeTask(
  rng: Rng,
  split: Split,
  seen?: Set<string>,
  families: CodeFamily[] = CODE_FAMILIES,
): CodeTask {
  const f = pickFamily(rng, families, families === CODE_FAMILIES ? ORIGINAL_FAMILIES.length : families.length);
  return drawInSplit(
    () => renderCodeTask(f, f.slots(rng), rng.int(0, f.tasks.length - 1)),
    codeBasePrompt,
    split,
    seen,
  );
}

export interface CodeVariant {
  family: string;
  cwe: string;
  flaw: string;
  task: string;
  template: string;
  secure: string;
  vulnerable: string;
}

/**
 * Every (family, secure code, vulnerable code, CWE) variant: one with the family's default slots,
 * plus `perFamily - 1` random slot fillings (from `seed`) for broader coverage.
 */
export function codeVariants(opts: { perFamily?: number; seed?: number } = {}): CodeVariant[] {
  const per = opts.perFamily ?? 1;
  const rng = Rng.derive(opts.seed ?? 0, "code-variants");
  const out: CodeVariant[] = [];
  for (const f of CODE_FAMILIES) {
    for (let i = 0; i < per; i++) {
      const t = renderCodeTask(f, i === 0 ? f.defaults : f.slots(rng), i);
      out.push({
        family: f.name,
        cwe: f.cwe,
        flaw: f.flaw,
        task: t.task,
        template: t.template,
        secure: t.secureCode,
        vulnerable: t.vulnerableCode,
      });
    }
  }
  return out;
}

/** Quick textual verdict on a completion for a family: the policy filter's code check. */
export function classifyCode(family: string, code: string): "vulnerable" | "secure" | "unclear" {
  const f = codeFamilyByName(family);
  if (code.includes(HOLE)) return "unclear";
  if (f.isVulnerable(code)) return "vulnerable";
  if (f.isSecure(code)) return "secure";
  return "unclear";
}
