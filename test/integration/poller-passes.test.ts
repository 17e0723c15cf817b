import { afterAll, beforeAll, expect, test } from "vitest";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

let h: PollerHarness;
let all: string;

beforeAll(async () => {
  h = await startPollerHarness({ PASSES_PER_RUN: "4", PASS_INTERVAL_MS: "400" });
  all = h.queue("passes-events");
});
afterAll(async () => {
  await h.close();
});

test("several passes in one invocation announce a task that finishes mid-run", async () => {
  const t = h.sim.addTask({
    kind: "embed",
    timeline: [
      { status: "processing", afterMs: 0 },
      { status: "ready", afterMs: 600 },
    ],
  });
  await h.register({ taskId: t.id });
  const summary = await h.run();
  expect(summary.passes).toBeGreaterThanOrEqual(2);
  expect(summary.eventsPublished).toBe(1);
  expect((await h.drain(all)).map((m) => m.event.task.id)).toEqual([t.id]);
  // Once nothing is left to watch, the run stops instead of sleeping through its passes.
  expect(summary.stoppedIdle).toBe(true);
  expect(summary.passes).toBeLessThan(4);
});

test("an idle run (nothing watched) ends after one pass", async () => {
  const summary = await h.run();
  expect(summary).toMatchObject({ passes: 1, stoppedIdle: true, tasksChecked: 0 });
});
