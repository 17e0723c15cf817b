import { afterAll, beforeAll, expect, test } from "vitest";
import { DynamoDbWaiterLog } from "../../functions/adapters/dynamodb-waiter-log.js";
import { buildEvent } from "../../functions/core/events.js";
import type { Waiter } from "../../functions/core/step-functions-callback.js";
import { applyTransitionPatch } from "../../functions/core/task-lifecycle.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * The waiter writes on dynalite: adding a token bumps the version, so a poller run that read the
 * task before cannot write (and publish) its ending without the new waiter; the callback log's
 * writes are conditional on the waiter still waiting; the ending event is kept for late tokens.
 */
let h: PollerHarness;
beforeAll(async () => {
  h = await startPollerHarness();
}, 30_000);
afterAll(async () => {
  await h?.close();
});

const w = (id: string, at: number): Waiter => ({
  id,
  sealedToken: "s",
  addedAt: at,
  state: "waiting",
  attempts: 0,
});

test("a token added after the poller read the task makes the poller's stale write fail", async () => {
  const task = await h.register({ taskId: "race-1" });
  expect(await h.store.addWaiter(task, w("a", 1), [], 1)).toBe(true);
  const patch = {
    status: "ready" as const,
    historyEntry: { status: "ready" as const, at: 5 },
    lastCheckedAt: 5,
    checks: 1,
    notFoundCount: 0,
    errorCount: 0,
    finishedAt: 5,
    events: [] as ReturnType<typeof buildEvent>[],
  };
  patch.events.push(
    buildEvent(applyTransitionPatch(task, patch), "registered", 5, {
      stage: "t",
      twelvelabsBaseUrl: "https://x",
    }),
  );
  expect(await h.store.applyTransition(task, patch)).toBe(false);
  const fresh = await h.store.get("race-1");
  expect(fresh?.waiters?.a?.state).toBe("waiting");
  expect(await h.store.applyTransition(fresh as NonNullable<typeof fresh>, patch)).toBe(true);
  const done = await h.store.get("race-1");
  expect(done?.finalEvent?.id).toBe(patch.events[0]?.id);
});

test("pushing out waiters removes them and records them; a second end of one waiter is refused", async () => {
  let task = await h.register({ taskId: "race-2" });
  expect(await h.store.addWaiter(task, w("a", 1), [], 1)).toBe(true);
  task = (await h.store.get("race-2")) as typeof task;
  expect(await h.store.addWaiter(task, w("b", 2), ["a"], 7)).toBe(true);
  const after = await h.store.get("race-2");
  expect(Object.keys(after?.waiters ?? {})).toEqual(["b"]);
  expect(after?.droppedWaiters).toEqual([{ id: "a", droppedAt: 7 }]);
  const log = new DynamoDbWaiterLog(h.dynamo, h.aws.tableName);
  const ending = { state: "succeeded" as const, attempts: 0, endedAt: 9 };
  expect(await log.update("race-2", task.registeredAt, "b", ending)).toBe(true);
  expect(await log.update("race-2", task.registeredAt, "b", { ...ending, state: "rejected" })).toBe(false);
  expect(await log.update("race-2", task.registeredAt + 1, "b", ending)).toBe(false);
  expect((await log.read("race-2"))?.waiters.b?.state).toBe("succeeded");
});
