import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Every run ends inside its invocation, whatever TwelveLabs does, with the deployed defaults
 * (batched checks, the lease): the lease is released and a summary returned on every path.
 */
let h: PollerHarness;

beforeAll(async () => {
  h = await startPollerHarness({
    BATCH_MIN_DUE: "",
    POLLER_LEASE: "true",
    PASSES_PER_RUN: "6",
    PASS_INTERVAL_MS: "500",
  });
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.sim.faults.clear();
});

async function registerRunning(n: number, kind: "embed" | "index" = "embed"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = h.sim.addTask({
      kind,
      timeline: [{ status: kind === "index" ? "indexing" : "processing", afterMs: 0 }],
    });
    await h.register({ taskId: t.id, kind });
    ids.push(t.id);
  }
  return ids;
}

test("a TwelveLabs that hangs: the run ends by its deadline, and the next one is not locked out", async () => {
  const ids = await registerRunning(12);
  h.sim.addFault({ type: "slow", rate: 1, delayMs: 20_000 });
  h.sim.resetCalls();
  const started = Date.now();
  // 4 s left in the invocation, 1 s kept as the safety margin: the run must be over in about 3 s.
  const result = await h.invoke(4_000);
  const took = Date.now() - started;
  expect(took).toBeLessThan(4_000);
  expect("skipped" in result).toBe(false);
  // It did call TwelveLabs (and was kept waiting): the bound is the run's, not an idle run's.
  expect(h.sim.calls.length).toBeGreaterThan(0);
  h.sim.faults.clear();
  // The lease was released: the next run goes ahead at once, and finds the tasks still watched.
  const next = await h.invoke(4_000);
  expect("skipped" in next).toBe(false);
  for (const id of ids) expect((await h.store.get(id))?.nextCheckAt).toBeTypeOf("number");
  for (const id of ids) await h.store.remove(id);
});

test("a 429 storm: the run ends at once with every task rescheduled after the wait; nothing sent before it", async () => {
  const ids = await registerRunning(10);
  h.sim.addFault({ type: "429", rate: 1, retryAfterSec: 30 });
  h.sim.resetCalls();
  const started = Date.now();
  const result = await h.invoke(10_000);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect("skipped" in result).toBe(false);
  // One call learnt the limit; nothing else was sent while it was in force.
  expect(h.sim.calls).toHaveLength(1);
  for (const id of ids) {
    const t = await h.store.get(id);
    expect(t?.status).toBe("registered");
    expect((t?.nextCheckAt ?? 0) - started).toBeGreaterThanOrEqual(30_000);
  }
  for (const id of ids) await h.store.remove(id);
});
