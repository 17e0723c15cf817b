import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MODE_CASES, runEvidenceScenario } from "../support/evidence-scenario.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Only positive evidence ends a task: with the deployed defaults (batched checks through the list
 * endpoints on), under every reading of what TwelveLabs' spec leaves open, each task is announced
 * exactly as it ended at TwelveLabs: no wrong outcome, nothing lost.
 */
let h: PollerHarness;
let queue: string;

beforeAll(async () => {
  // "" leaves BATCH_MIN_DUE at the deployed default.
  h = await startPollerHarness({ BATCH_MIN_DUE: "", PASS_INTERVAL_MS: "200" });
  queue = h.queue("evidence-batched");
});
afterAll(async () => {
  await h.close();
});

describe("batched checks (deployed default)", () => {
  test.each(MODE_CASES)("%s: 0 wrong, 0 lost", async (_name, modes) => {
    h.sim.resetCalls();
    const r = await runEvidenceScenario(h, queue, modes);
    expect(r.wrong).toEqual([]);
    expect(r.lost).toEqual([]);
    expect(r.duplicates).toEqual([]);
    // The list endpoints were used: the batched path is the one under test.
    expect(h.sim.calls.some((c) => !c.route.includes("{"))).toBe(true);
  });
});
