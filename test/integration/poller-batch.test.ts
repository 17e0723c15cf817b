import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Batched checks through the list endpoints, with the real handler against the simulator: calls
 * are counted in the simulator's log, outcomes in the events delivered through fauxqs.
 */
let h: PollerHarness;
let all: string;

beforeAll(async () => {
  h = await startPollerHarness({ BATCH_MIN_DUE: "3", PASS_INTERVAL_MS: "300" });
  all = h.queue("batch-events");
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.sim.faults.clear();
  await h.drain(all);
});

const processing = [{ status: "processing", afterMs: 0 }];

describe("batched checks", () => {
  test("30 due tasks cost two list calls plus one confirming call per finished task", async () => {
    const running = Array.from(
      { length: 26 },
      () => h.sim.addTask({ kind: "embed", timeline: processing }).id,
    );
    const failed = Array.from(
      { length: 2 },
      () => h.sim.addTask({ kind: "embed", timeline: [{ status: "failed", afterMs: 0 }] }).id,
    );
    const ready = Array.from(
      { length: 2 },
      () => h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] }).id,
    );
    for (const id of [...running, ...failed, ...ready]) await h.register({ taskId: id });
    h.sim.resetCalls();

    const summary = await h.run();

    expect(h.sim.counts()).toEqual({ "GET /embed/tasks": 2, "GET /embed/tasks/{task_id}/status": 2 });
    expect(summary).toMatchObject({
      listCalls: 2,
      checkedThroughLists: 28,
      tasksChecked: 30,
      eventsPublished: 4,
    });
    const events = (await h.drain(all)).map((m) => `${m.event.type} ${m.event.task.id}`).sort();
    expect(events).toEqual(
      [...failed.map((id) => `task.failed ${id}`), ...ready.map((id) => `task.ready ${id}`)].sort(),
    );
    // Tasks seen running through the lists are looked at again on the next pass (shared cost).
    const next = await h.store.get(running[0] as string);
    expect(next?.status).toBe("processing");
    expect((next?.nextCheckAt ?? 0) - (next?.lastCheckedAt ?? 0)).toBe(300);
    for (const id of running) await h.store.remove(id);
  });

  test("a task seen running and then in neither list is ready: no call of its own", async () => {
    const timeline = [
      { status: "processing", afterMs: 0 },
      { status: "ready", afterMs: 400 },
    ];
    const ids = Array.from(
      { length: 8 },
      () => h.sim.addTask({ kind: "embed", filename: "clip.mp4", timeline }).id,
    );
    for (const id of ids) await h.register({ taskId: id });
    await h.run(); // seen in the processing list: creation time and metadata now known
    expect((await h.store.get(ids[0] as string))?.metadata.createdAt).toBeTypeOf("string");
    await new Promise((r) => setTimeout(r, 450));
    h.sim.resetCalls();

    const summary = await h.run();

    expect(h.sim.counts()).toEqual({ "GET /embed/tasks": 2 });
    expect(summary).toMatchObject({ listCalls: 2, checkedThroughLists: 8, eventsPublished: 8 });
    const events = await h.drain(all);
    expect(events.map((m) => m.event.task.id).sort()).toEqual([...ids].sort());
    expect(
      events.every((m) => m.event.type === "task.ready" && m.event.task.metadata.filename === "clip.mp4"),
    ).toBe(true);
    for (const id of ids)
      expect((await h.store.get(id))?.history.map((x) => x.status)).toEqual(["processing", "ready"]);
  });

  test("index tasks: one list call covers every unfinished status", async () => {
    const ids = ["uploading", "validating", "queued", "indexing"].map(
      (status) => h.sim.addTask({ kind: "index", timeline: [{ status, afterMs: 0 }] }).id,
    );
    for (const id of ids) await h.register({ taskId: id, kind: "index" });
    h.sim.resetCalls();
    const summary = await h.run();
    expect(summary.listCalls).toBe(2);
    const [first] = h.sim.calls;
    expect(first?.query.status?.sort()).toEqual(["indexing", "pending", "queued", "uploading", "validating"]);
    for (const id of ids) expect((await h.store.get(id))?.status).not.toBe("registered");
    for (const id of ids) await h.store.remove(id);
  });

  test("when the lists are longer than checking each task, it falls back to per-task checks", async () => {
    // 150 unrelated unfinished tasks in the account: 3 pages, more than the 3 due tasks cost.
    for (let i = 0; i < 150; i++) h.sim.addTask({ kind: "embed-v2", timeline: processing });
    const ids = Array.from(
      { length: 3 },
      () => h.sim.addTask({ kind: "embed-v2", timeline: [{ status: "ready", afterMs: 0 }] }).id,
    );
    for (const id of ids) await h.register({ taskId: id, kind: "embed-v2" });
    h.sim.resetCalls();
    const summary = await h.run();
    // One page read to learn the size, then each task on its own: never more than per-task plus one.
    expect(h.sim.calls.length).toBeLessThanOrEqual(ids.length + 1);
    expect(summary.eventsPublished).toBe(3);
    // The next pass knows the lists are long and does not try them.
    const again = ids.map(
      () => h.sim.addTask({ kind: "embed-v2", timeline: [{ status: "ready", afterMs: 0 }] }).id,
    );
    for (const id of again) await h.register({ taskId: id, kind: "embed-v2" });
    h.sim.resetCalls();
    const second = await h.run();
    expect(second.listCalls).toBe(0);
    expect(h.sim.calls).toHaveLength(3);
  });

  test("a failing list call falls back to per-task checks; nothing is lost", async () => {
    const ids = Array.from(
      { length: 4 },
      () => h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] }).id,
    );
    for (const id of ids) await h.register({ taskId: id });
    h.sim.addFault({ type: "5xx", pathIncludes: "/embed/tasks", times: 4 });
    h.sim.addFault({ type: "invalid-json", pathIncludes: "/embed/tasks", times: 1 });
    await h.run();
    await h.run();
    const delivered = (await h.drain(all)).map((m) => m.event.task.id).sort();
    expect(delivered).toEqual([...ids].sort());
  });
});
