import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { PollerHandler } from "../../functions/poller-handler.js";
import { type PollerHarness, sleep, startPollerHarness } from "../support/poller-harness.js";

/*
 * The poller under each of its settings, one handler per setting over the same stand-ins (dynalite,
 * fauxqs, the simulator): several passes a run, batched checks through the list endpoints, the
 * lease, and the deployed defaults under a TwelveLabs that hangs or rate-limits everything. Calls
 * are counted in the simulator's log, outcomes in the events delivered through fauxqs. Every task
 * ends only on an item or a response that names it with its final status.
 */
let h: PollerHarness;
let all: string;
let passes: PollerHandler;
let batched: PollerHandler;
let leased: PollerHandler;
let deployed: PollerHandler;

beforeAll(async () => {
  h = await startPollerHarness();
  passes = h.handlerWith({ PASSES_PER_RUN: "4", PASS_INTERVAL_MS: "400" }).handler;
  batched = h.handlerWith({ BATCH_MIN_DUE: "3", PASS_INTERVAL_MS: "300" }).handler;
  leased = h.handlerWith({ POLLER_LEASE: "true" }).handler;
  // The deployed defaults ("" keeps BATCH_MIN_DUE's default; the lease on), with short passes.
  deployed = h.handlerWith({
    BATCH_MIN_DUE: "",
    POLLER_LEASE: "true",
    PASSES_PER_RUN: "6",
    PASS_INTERVAL_MS: "500",
  }).handler;
  all = h.queue("settings-events");
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.sim.faults.clear();
  h.sim.latencyMs = 0;
  h.sim.setModes({ listStalenessMs: 0 });
  await h.drain(all);
});

const processing = [{ status: "processing", afterMs: 0 }];
const endsAs = (status: string, afterMs: number) => [
  { status: "processing", afterMs: 0 },
  { status, afterMs },
];

describe("several passes per run", () => {
  test("several passes in one invocation announce a task that finishes mid-run", async () => {
    const t = h.sim.addTask({
      kind: "embed",
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 600 },
      ],
    });
    await h.register({ taskId: t.id });
    const summary = await h.run(30_000, passes);
    expect(summary.passes).toBeGreaterThanOrEqual(2);
    expect(summary.eventsPublished).toBe(1);
    expect((await h.drain(all)).map((m) => m.event.task.id)).toEqual([t.id]);
    // Once nothing is left to watch, the run stops instead of sleeping through its passes.
    expect(summary.stoppedIdle).toBe(true);
    expect(summary.passes).toBeLessThan(4);
  });

  test("an idle run (nothing watched) ends after one pass", async () => {
    const summary = await h.run(30_000, passes);
    expect(summary).toMatchObject({ passes: 1, stoppedIdle: true, tasksChecked: 0 });
  });
});

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

    const summary = await h.run(30_000, batched);

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
    expect((next?.dueAt ?? 0) - (next?.lastCheckedAt ?? 0)).toBe(300);
    for (const id of running) await h.store.remove(id, Date.now());
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
    await h.run(30_000, batched); // named by the running list: creation times now known
    await sleep(450);
    h.sim.resetCalls();

    const summary = await h.run(30_000, batched);

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
    await h.run(30_000, batched);
    await sleep(350);
    await h.run(30_000, batched); // the window list names the six ready; the deleted one gets its own call: denied once
    await h.run(30_000, batched); // denied again
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
    await h.run(30_000, batched);
    expect(h.sim.counts()).toEqual({ "GET /tasks/{task_id}": 4 });
    h.sim.resetCalls();
    const summary = await h.run(30_000, batched);
    expect(summary.listCalls).toBe(1);
    const [list] = h.sim.calls;
    // No multi-status filter: its form is one the spec leaves open. Oldest first from the window's start.
    expect(list?.query.status).toBeUndefined();
    expect(list?.query.sort_option).toEqual(["asc"]);
    for (const id of ids) expect((await h.store.get(id))?.status).not.toBe("registered");
    for (const id of ids) await h.store.remove(id, Date.now());
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
    const summary = await h.run(30_000, batched);
    // One page read to learn the size, then each task on its own: never more than per-task plus one.
    expect(h.sim.calls.length).toBeLessThanOrEqual(ids.length + 1);
    expect(summary.eventsPublished).toBe(3);
    // The next pass knows the running list is long and does not try it.
    const again = ids.map(() => h.sim.addTask({ kind: "embed-v2", timeline: endsAs("ready", 0) }).id);
    for (const id of again) await h.register({ taskId: id, kind: "embed-v2" });
    h.sim.resetCalls();
    const second = await h.run(30_000, batched);
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
    await h.run(30_000, batched);
    await h.run(30_000, batched);
    const delivered = (await h.drain(all)).map((m) => m.event.task.id).sort();
    expect(delivered).toEqual([...ids].sort());
  });
});

describe("the lease", () => {
  test("with the lease, a run that starts while another holds it is skipped, and the lease is released after", async () => {
    h.sim.latencyMs = 200; // keep the first run busy long enough to overlap
    for (let i = 0; i < 5; i++) {
      const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
      await h.register({ taskId: t.id });
    }
    const [a, b] = await Promise.all([h.invoke(30_000, leased), h.invoke(30_000, leased)]);
    const results = [a, b];
    expect(results.filter((r) => "skipped" in r)).toHaveLength(1);
    const ran = results.find((r) => !("skipped" in r));
    expect(ran && "transitions" in ran ? ran.transitions : 0).toBe(5);
    h.sim.latencyMs = 0;
    const next = await h.invoke(30_000, leased);
    expect("skipped" in next).toBe(false);
  });

  test("a lease left by a run that died expires", async () => {
    const { DynamoDbRunLease } = await import("../../functions/adapters/dynamodb-run-lease.js");
    const lease = new DynamoDbRunLease(h.dynamo, h.aws.tableName, "poller");
    expect(await lease.tryAcquire("dead-run", Date.now() - 120_000, Date.now() - 60_000)).toBe(true);
    const result = await h.invoke(30_000, leased);
    expect("skipped" in result).toBe(false);
    expect(await lease.tryAcquire("other", Date.now(), Date.now() + 60_000)).toBe(true);
    expect(await lease.tryAcquire("third", Date.now(), Date.now() + 60_000)).toBe(false);
    await lease.release("other");
    expect(await lease.tryAcquire("third", Date.now(), Date.now() + 60_000)).toBe(true);
    await lease.release("third");
  });
});

describe("the deployed defaults: every run bounded in time, the lease released on every path", () => {
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
    const result = await h.invoke(4_000, deployed);
    const took = Date.now() - started;
    expect(took).toBeLessThan(4_000);
    expect("skipped" in result).toBe(false);
    // It did call TwelveLabs (and was kept waiting): the bound is the run's, not an idle run's.
    expect(h.sim.calls.length).toBeGreaterThan(0);
    h.sim.faults.clear();
    // The lease was released: the next run goes ahead at once, and finds the tasks still watched.
    const next = await h.invoke(4_000, deployed);
    expect("skipped" in next).toBe(false);
    for (const id of ids) expect((await h.store.get(id))?.dueAt).toBeTypeOf("number");
    for (const id of ids) await h.store.remove(id, Date.now());
  });

  test("a 429 storm: the run ends at once with every task rescheduled after the wait; nothing sent before it", async () => {
    const ids = await registerRunning(10);
    h.sim.addFault({ type: "429", rate: 1, retryAfterSec: 30 });
    h.sim.resetCalls();
    const started = Date.now();
    const result = await h.invoke(10_000, deployed);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect("skipped" in result).toBe(false);
    // One call learnt the limit; nothing else was sent while it was in force.
    expect(h.sim.calls).toHaveLength(1);
    for (const id of ids) expect((await h.store.get(id))?.status).toBe("registered");
    // The wait is held by the poller (a look that changed nothing is not written): the next run sends nothing either.
    const again = await h.invoke(10_000, deployed);
    expect("skipped" in again).toBe(false);
    expect(h.sim.calls).toHaveLength(1);
    for (const id of ids) await h.store.remove(id, Date.now());
  });
});
