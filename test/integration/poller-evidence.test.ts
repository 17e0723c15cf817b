import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { PollerHandler } from "../../functions/poller-handler.js";
import { MODE_CASES, runEvidenceScenario } from "../support/evidence-scenario.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Only positive evidence ends a task: under every reading of what TwelveLabs' spec leaves open,
 * on both paths (the deployed default, batched checks through the list endpoints; and per-task
 * checks), each task is announced exactly as it ended at TwelveLabs: no wrong outcome, nothing
 * lost, no duplicate. Tasks are ready, failed, or deleted while processing.
 */
let h: PollerHarness;
let queue: string;
const handlers: Record<string, PollerHandler> = {};

beforeAll(async () => {
  h = await startPollerHarness({ PASS_INTERVAL_MS: "200" });
  // "" keeps BATCH_MIN_DUE at the deployed default.
  handlers.batched = h.handlerWith({ BATCH_MIN_DUE: "" }).handler;
  handlers["per-task"] = h.handlerWith({ BATCH_MIN_DUE: "0" }).handler;
  queue = h.queue("evidence");
});
afterAll(async () => {
  await h.close();
});

describe.each(["batched", "per-task"])("%s checks", (path) => {
  test.each(MODE_CASES)("%s: 0 wrong, 0 lost", async (_name, modes) => {
    h.sim.resetCalls();
    const r = await runEvidenceScenario(h, queue, modes, handlers[path] as PollerHandler);
    expect(r.wrong).toEqual([]);
    expect(r.lost).toEqual([]);
    expect(r.duplicates).toEqual([]);
    // The path under test is the one taken: list calls on the batched path, none on the other.
    const listed = h.sim.calls.some((c) => !c.route.includes("{"));
    expect(listed).toBe(path === "batched");
    // Assets are looked up by id on the batched path.
    const lookups = h.sim.calls.filter((c) => c.route === "GET /assets");
    expect(lookups.length > 0).toBe(path === "batched");
    for (const c of lookups) expect((c.query.asset_ids ?? []).length).toBeGreaterThan(0);
  });
});
