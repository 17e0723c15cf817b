import { describe, expect, test } from "vitest";
import { runMetrics } from "../../functions/config/metric-names.js";
import { buildEvent } from "../../functions/core/events.js";
import { OpenTasks } from "../../functions/core/open-tasks.js";
import { runPoller } from "../../functions/core/poll-run.js";
import { newTask, type Task } from "../../functions/core/task.js";
import { seededRandom } from "../../local/simulator/sim-faults.js";
import { STRICT_MODES } from "../../local/simulator/sim-modes.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { DirectTwelveLabs, MemoryPublisher, MemoryStore, VirtualClock } from "../support/memory-ports.js";
import { SETTINGS } from "../support/poller-settings.js";

/*
 * The run itself (runPoller) over in-memory ports and the simulator's task logic, in virtual time.
 */

function setup(modes = {}) {
  const clock = new VirtualClock();
  const sim = new TwelveLabsSimulator({ now: clock.now, modes });
  const deps = {
    store: new MemoryStore(),
    twelvelabs: new DirectTwelveLabs(sim, clock.now),
    publisher: new MemoryPublisher(),
    now: clock.now,
    random: seededRandom(3),
    sleep: async (ms: number) => {
      clock.t += ms;
    },
    listStats: new Map(),
    memory: new OpenTasks(),
  };
  return { clock, sim, deps };
}

/** A finished task whose events are still in its outbox (a publish failed earlier). */
function pendingTask(id: string, now: number, statuses: Array<Task["status"]>): Task {
  let t = newTask({ taskId: id, kind: "embed" }, now, 86_400);
  const outbox = [];
  for (const [i, status] of statuses.entries()) {
    t = { ...t, status, version: t.version + 1 };
    outbox.push(buildEvent(t, i === 0 ? "registered" : (statuses[i - 1] as Task["status"]), now, SETTINGS));
  }
  const { dueAt: _due, ...rest } = t;
  return { ...rest, outbox };
}

describe("runPoller", () => {
  test("notification delay: from TwelveLabs' updated_at to SNS accepting the event; by type in the metrics", async () => {
    const { clock, sim, deps } = setup();
    const t = sim.addTask({
      kind: "embed-v2",
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 10_000 },
      ],
    });
    await deps.store.register(newTask({ taskId: t.id, kind: "embed-v2" }, clock.t, 86_400));
    await runPoller(deps, SETTINGS, clock.t + 50_000); // seen processing
    clock.t += 14_000; // ready 4 s ago (updated_at), seen now
    const s = await runPoller(deps, SETTINGS, clock.t + 50_000);
    expect(s.notificationDelaysMs).toEqual([4_000]);
    expect(s.publishedByType).toEqual({ "task.ready": 1 });
    expect(deps.publisher.events[0]?.task.changedAt).toBe(new Date(t.createdAt + 10_000).toISOString());
    const metrics = runMetrics(s, { attempts: 1, rateLimited: 0 }, "succeeded");
    expect(metrics).toContainEqual(["NotificationDelay", 4_000]);
    expect(metrics).toContainEqual(["EventsPublishedByType", 1, { eventType: "task.ready" }]);
  });

  test("without updated_at (v1 embed status), the delay counts from the previous check", async () => {
    const { clock, sim, deps } = setup();
    const t = sim.addTask({
      kind: "embed",
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 10_000 },
      ],
    });
    await deps.store.register(newTask({ taskId: t.id, kind: "embed" }, clock.t, 86_400));
    await runPoller(deps, { ...SETTINGS, batchMinDue: 0 }, clock.t + 50_000); // checked at t0
    clock.t += 14_000;
    const s = await runPoller(deps, { ...SETTINGS, batchMinDue: 0 }, clock.t + 50_000);
    expect(s.notificationDelaysMs).toEqual([14_000]);
  });

  test("events SNS can never accept are set aside: six of them no longer throttle the drain, the others all go out", async () => {
    const { clock, deps } = setup();
    for (let i = 0; i < 6; i++) {
      await deps.store.register(pendingTask(`bad${i}`, clock.t, ["processing", "ready"]));
      deps.publisher.refused.add(`bad${i}`);
    }
    for (let i = 0; i < 30; i++) await deps.store.register(pendingTask(`good${i}`, clock.t, ["ready"]));
    const s = await runPoller(deps, SETTINGS, clock.t + 50_000);
    // Every good event in one pass; each bad task's two events set aside, in order, never retried.
    expect(deps.publisher.events.filter((e) => e.task.id.startsWith("good"))).toHaveLength(30);
    expect(s.eventsSetAside).toBe(12);
    expect(s.outboxDeferred).toBe(0);
    const bad = await deps.store.get("bad0");
    expect(bad?.outbox).toEqual([]);
    expect(bad?.setAside?.map((e) => e.type)).toEqual(["task.status_changed", "task.ready"]);
    expect(bad?.setAside?.[0]?.reason).toContain("not valid");
    const attempts = deps.publisher.attempts;
    const again = await runPoller(deps, SETTINGS, clock.t + 50_000);
    expect(deps.publisher.attempts).toBe(attempts);
    expect(again.eventsSetAside).toBe(0);
    expect(runMetrics(s, { attempts: 0, rateLimited: 0 }, "succeeded")).toContainEqual([
      "EventsSetAside",
      12,
    ]);
  });

  test("an SNS outage does not starve the checks: the outbox drain gives up early, due tasks are still checked", async () => {
    const { clock, sim, deps } = setup();
    for (let i = 0; i < 300; i++) await deps.store.register(pendingTask(`old${i}`, clock.t, ["ready"]));
    const due = Array.from({ length: 10 }, () => sim.addTask({ kind: "embed" }).id);
    for (const id of due) await deps.store.register(newTask({ taskId: id, kind: "embed" }, clock.t, 86_400));
    deps.publisher.failing = true;

    const summary = await runPoller(deps, SETTINGS, clock.t + 50_000);

    // Two failures in a row stop the drain (in-flight lanes finish theirs); the checks still ran.
    expect(summary.outboxDeferred).toBe(1);
    expect(summary.outboxRepublished).toBe(0);
    expect(deps.publisher.attempts).toBeLessThan(30);
    expect(summary.tasksChecked).toBe(10);
    for (const id of due) expect((await deps.store.get(id))?.status).toBe("processing");
  });

  test("the drain is bounded per pass even when SNS accepts everything", async () => {
    const { clock, deps } = setup();
    for (let i = 0; i < 120; i++) await deps.store.register(pendingTask(`old${i}`, clock.t, ["ready"]));
    const first = await runPoller(deps, SETTINGS, clock.t + 50_000);
    expect(first.outboxRepublished).toBe(SETTINGS.maxOutboxPerPass);
    const second = await runPoller(deps, SETTINGS, clock.t + 50_000);
    expect(second.outboxRepublished).toBe(SETTINGS.maxOutboxPerPass);
  });

  test("a task's events reach the publisher in the order of its transitions", async () => {
    const { clock, deps } = setup();
    await deps.store.register(pendingTask("t1", clock.t, ["processing", "ready"]));
    // The first publish fails: the later event must not go out before it.
    let calls = 0;
    const original = deps.publisher.publish.bind(deps.publisher);
    deps.publisher.publish = async (e) => {
      calls += 1;
      if (calls === 1) throw new Error("throttled");
      return original(e);
    };
    await runPoller(deps, SETTINGS, clock.t + 50_000);
    expect(deps.publisher.events).toHaveLength(0);
    await runPoller(deps, SETTINGS, clock.t + 50_000);
    expect(deps.publisher.events.map((e) => e.type)).toEqual(["task.status_changed", "task.ready"]);
  });

  test("under every strict reading at once, 200 tasks end exactly as they did at TwelveLabs", async () => {
    const { clock, sim, deps } = setup(STRICT_MODES);
    const random = seededRandom(11);
    const expected = new Map<string, string>();
    for (let i = 0; i < 200; i++) {
      const fate = i % 10 === 0 ? "failed" : i % 10 === 1 ? "not_found" : "ready";
      const ends = 5_000 + Math.floor(random() * 60_000);
      const t = sim.addTask({
        kind: i % 3 === 0 ? "index" : i % 3 === 1 ? "embed-v2" : "embed",
        timeline: [
          { status: i % 3 === 0 ? "indexing" : "processing", afterMs: 0 },
          ...(fate === "not_found" ? [] : [{ status: fate, afterMs: ends }]),
        ],
        ...(fate === "not_found" ? { deleteAfterMs: ends } : {}),
      });
      expected.set(t.id, `task.${fate}`);
      await deps.store.register(newTask({ taskId: t.id, kind: t.kind }, clock.t, 86_400));
    }
    const settings = { ...SETTINGS, passes: 10, schedule: { ...SETTINGS.schedule, minIntervalMs: 0 } };
    for (let minute = 0; minute < 5; minute++) {
      clock.t = Date.parse("2026-11-29T00:00:00Z") + minute * 60_000;
      await runPoller(deps, settings, clock.t + 55_000);
    }
    const got = new Map<string, string[]>();
    for (const e of deps.publisher.events) got.set(e.task.id, [...(got.get(e.task.id) ?? []), e.type]);
    const wrong = [...expected].filter(([id, type]) => (got.get(id) ?? []).some((t) => t !== type));
    const lost = [...expected].filter(([id]) => !got.has(id));
    expect(wrong).toEqual([]);
    expect(lost).toEqual([]);
    expect(deps.twelvelabs.listCalls).toBeGreaterThan(0);
  });
});
