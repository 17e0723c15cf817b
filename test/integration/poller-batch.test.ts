import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { type PollerHarness, sleep, startPollerHarness } from "../support/poller-harness.js";

/*
 * Batched checks through the list endpoints, with the real handler against the simulator: calls
 * are counted in the simulator's log, outcomes in the events delivered through fauxqs. Every task
 * ends only on an item or a response that names it with its final status.
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
  h.sim.setModes({ listStalenessMs: 0 });
  await h.drain(all);
});

const processing = [{ status: "processing", afterMs: 0 }];
const endsAs = (status: string, afterMs: number) => [
  { status: "processing", afterMs: 0 },
  { status, afterMs },
];

describe("batched checks", () => {
  test("30 new tasks: one running list names the 26 running; the 4 that left it get their own call", async () => {
    const running = Array.from(
      { length: 26 },
      () => h.sim.addTask({ kind: "embed", timeline: processing }).id,
    );
    const failed = Array.from(
      { length: 2 },
      () => h.sim.addTask({ kind: "embed", timeline: endsAs("failed", 0) }).id,
    );
    const ready = Array.from(
      { length: 2 },
      () => h.sim.addTask({ kind: "embed", timeline: endsAs("ready", 0) }).id,
    );
    for (const id of [...running, ...failed, ...ready]) await h.register({ taskId: id });
    h.sim.resetCalls();

    const summary = await h.run();

    expect(h.sim.counts()).toEqual({ "GET /embed/tasks": 1, "GET /embed/tasks/{task_id}/status": 4 });
    expect(h.sim.calls[0]?.query.status).toEqual(["processing"]);
    expect(summary).toMatchObject({
      listCalls: 1,
      checkedThroughLists: 26,
      tasksChecked: 30,
      eventsPublished: 4,
    });
    const events = (await h.drain(all)).map((m) => `${m.event.type} ${m.event.task.id}`).sort();
    expect(events).toEqual(
      [...failed.map((id) => `task.failed ${id}`), ...ready.map((id) => `task.ready ${id}`)].sort(),
    );
    // Seen running through the list: creation time learnt, looked at again on the next pass.
    const next = await h.store.get(running[0] as string);
    expect(next?.status).toBe("processing");
    expect(next?.metadata.createdAt).toBeTypeOf("string");
    expect((next?.nextCheckAt ?? 0) - (next?.lastCheckedAt ?? 0)).toBe(300);
    for (const id of running) await h.store.remove(id);
  });

  test("tasks seen running, then finished: one window list names each with its final status", async () => {
    const ids = Array.from(
      { length: 8 },
      (_, i) =>
        h.sim.addTask({
          kind: "embed",
          filename: "clip.mp4",
          timeline: endsAs(i < 6 ? "ready" : "failed", 400),
        }).id,
    );
    for (const id of ids) await h.register({ taskId: id });
    await h.run(); // named by the running list: creation times now known
    await sleep(450);
    h.sim.resetCalls();

    const summary = await h.run();

    expect(h.sim.counts()).toEqual({ "GET /embed/tasks": 1 });
    expect(h.sim.calls[0]?.query.status).toBeUndefined();
    expect(summary).toMatchObject({ listCalls: 1, checkedThroughLists: 8, eventsPublished: 8 });
    const events = await h.drain(all);
    const types = Object.fromEntries(events.map((m) => [m.event.task.id, m.event.type]));
    expect(ids.map((id) => types[id])).toEqual([
      ...Array(6).fill("task.ready"),
      "task.failed",
      "task.failed",
    ]);
    expect(events.every((m) => m.event.task.metadata.filename === "clip.mp4")).toBe(true);
  });

  test("a task deleted after it was seen running is absent from the lists: denied twice, not_found, never ready", async () => {
    const ids = Array.from(
      { length: 6 },
      () => h.sim.addTask({ kind: "embed", timeline: endsAs("ready", 300) }).id,
    );
    const doomed = h.sim.addTask({ kind: "embed", timeline: processing, deleteAfterMs: 300 }).id;
    for (const id of [...ids, doomed]) await h.register({ taskId: id });
    await h.run();
    await sleep(350);
    await h.run(); // the window list names the six ready; the deleted one gets its own call: denied once
    await h.run(); // denied again
    const events = await h.drain(all);
    expect(events.filter((m) => m.event.task.id === doomed).map((m) => m.event.type)).toEqual([
      "task.not_found",
    ]);
    expect(
      events.filter((m) => ids.includes(m.event.task.id)).every((m) => m.event.type === "task.ready"),
    ).toBe(true);
    expect(events).toHaveLength(7);
  });

  test("index tasks: first checked one by one (that gives their creation time), then one window list", async () => {
    const ids = ["uploading", "validating", "queued", "indexing"].map(
      (status) => h.sim.addTask({ kind: "index", timeline: [{ status, afterMs: 0 }] }).id,
    );
    for (const id of ids) await h.register({ taskId: id, kind: "index" });
    h.sim.resetCalls();
    await h.run();
    expect(h.sim.counts()).toEqual({ "GET /tasks/{task_id}": 4 });
    h.sim.resetCalls();
    const summary = await h.run();
    expect(summary.listCalls).toBe(1);
    const [list] = h.sim.calls;
    // No multi-status filter: its form is one the spec leaves open. Oldest first from the window's start.
    expect(list?.query.status).toBeUndefined();
    expect(list?.query.sort_option).toEqual(["asc"]);
    for (const id of ids) expect((await h.store.get(id))?.status).not.toBe("registered");
    for (const id of ids) await h.store.remove(id);
  });

  test("when the lists are longer than checking each task, it falls back to per-task checks", async () => {
    // 150 unrelated running tasks in the account: 3 pages, as many as the 3 due tasks cost.
    for (let i = 0; i < 150; i++) h.sim.addTask({ kind: "embed-v2", timeline: processing });
    const ids = Array.from(
      { length: 3 },
      () => h.sim.addTask({ kind: "embed-v2", timeline: endsAs("ready", 0) }).id,
    );
    for (const id of ids) await h.register({ taskId: id, kind: "embed-v2" });
    h.sim.resetCalls();
    const summary = await h.run();
    // One page read to learn the size, then each task on its own: never more than per-task plus one.
    expect(h.sim.calls.length).toBeLessThanOrEqual(ids.length + 1);
    expect(summary.eventsPublished).toBe(3);
    // The next pass knows the running list is long and does not try it.
    const again = ids.map(() => h.sim.addTask({ kind: "embed-v2", timeline: endsAs("ready", 0) }).id);
    for (const id of again) await h.register({ taskId: id, kind: "embed-v2" });
    h.sim.resetCalls();
    const second = await h.run();
    expect(second.listCalls).toBe(0);
    expect(h.sim.calls).toHaveLength(3);
  });

  test("a failing list call falls back to per-task checks; nothing is lost", async () => {
    const ids = Array.from(
      { length: 4 },
      () => h.sim.addTask({ kind: "embed", timeline: endsAs("ready", 0) }).id,
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
