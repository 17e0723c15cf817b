import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MODE_CASES, runEvidenceScenario } from "../support/evidence-scenario.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Only positive evidence ends a task: with per-task checks only, under every reading of what TwelveLabs' spec leaves open, each task is announced
 * exactly as it ended at TwelveLabs: no wrong outcome, nothing lost.
 */
let h: PollerHarness;
let queue: string;

beforeAll(async () => {
  // Per-task checks only.
  h = await startPollerHarness({ BATCH_MIN_DUE: "0", PASS_INTERVAL_MS: "200" });
  queue = h.queue("evidence-per-task");
});
afterAll(async () => {
  await h.close();
});

describe("per-task checks", () => {
  test.each(MODE_CASES)("%s: 0 wrong, 0 lost", async (_name, modes) => {
    h.sim.resetCalls();
    const r = await runEvidenceScenario(h, queue, modes);
    expect(r.wrong).toEqual([]);
    expect(r.lost).toEqual([]);
    expect(r.duplicates).toEqual([]);
    // Per-task calls only.
    expect(h.sim.calls.every((c) => c.route.includes("{"))).toBe(true);
  });
});
