import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { TASK_TABLE } from "../../functions/adapters/task-table.js";
import type { PollerHandler } from "../../functions/poller-handler.js";
import { type PollerHarness, SHARDS, sleep, startPollerHarness } from "../support/poller-harness.js";

let h: PollerHarness;
let all: string;
let failures: string;

beforeAll(async () => {
  h = await startPollerHarness();
  all = h.queue("all-events");
  failures = h.queue("failures-only", { eventType: ["task.failed"] });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  h.sim.faults.clear();
  h.sim.rpmLimit = undefined;
  await h.drain(all);
  await h.drain(failures);
});

async function dueIdsInIndex(): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < SHARDS; shard++) {
    const res = await h.dynamo.send(
      new QueryCommand({
        TableName: h.aws.tableName,
        IndexName: TASK_TABLE.dueIndex.name,
        KeyConditionExpression: "dueShard = :s",
        ExpressionAttributeValues: { ":s": { S: String(shard) } },
      }),
    );
    for (const item of res.Items ?? []) ids.push(item.taskId?.S as string);
  }
  return ids;
}

describe("the seed's scenario", () => {
  test("processing then ready: exactly one task.ready with model and video metadata", async () => {
    // Prepare
    const id = "6641c0efc70bb578439bd909";
    h.sim.addTask({
      kind: "embed",
      id,
      modelName: "marengo3.0",
      filename: "01.mp4",
      durationSec: 18,
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 600 },
      ],
    });
    await h.register({ taskId: id, tags: { project: "demo" } });

    // Act: one run sees processing, a later one sees ready, a third finds nothing to do.
    const first = await h.run();
    await sleep(700);
    const second = await h.run();
    const third = await h.run();

    // Assess
    expect(first).toMatchObject({ tasksChecked: 1, transitions: 1, eventsPublished: 0 });
    expect(second).toMatchObject({ tasksChecked: 1, transitions: 1, eventsPublished: 1 });
    expect(third.tasksChecked).toBe(0);
    const delivered = await h.drain(all);
    expect(delivered).toHaveLength(1);
    const [msg] = delivered;
    expect(msg?.event).toMatchObject({
      type: "task.ready",
      stage: "test",
      task: {
        id,
        kind: "embed",
        status: "ready",
        previousStatus: "processing",
        modelName: "marengo3.0",
        metadata: { durationSec: 18, filename: "01.mp4" },
        tags: { project: "demo" },
      },
      links: { status: `${h.sim.url}/embed/tasks/${id}/status`, result: `${h.sim.url}/embed/tasks/${id}` },
    });
    expect(msg?.attributes).toMatchObject({
      eventType: "task.ready",
      status: "ready",
      kind: "embed",
      stage: "test",
    });
    expect(msg?.subject).toContain("01.mp4");
    expect(msg?.structure.sms?.length).toBeLessThan(140);
    expect(msg?.structure.email).toContain("marengo3.0");
    expect(await h.drain(failures)).toHaveLength(0);

    const stored = await h.store.get(id);
    expect(stored?.history.map((e) => e.status)).toEqual(["processing", "ready"]);
    expect(stored?.outbox).toEqual([]);
    expect(stored?.dueAt).toBeUndefined();
    expect(stored?.finishedAt).toBeTypeOf("number");
    expect(await dueIdsInIndex()).not.toContain(id);
  });
});

describe("terminal paths", () => {
  test("failed: published, and only failures reach the filtered queue", async () => {
    const bad = h.sim.addTask({ kind: "embed", timeline: [{ status: "failed", afterMs: 0 }] });
    const good = h.sim.addTask({ kind: "embed-v2", timeline: [{ status: "ready", afterMs: 0 }] });
    await h.register({ taskId: bad.id });
    await h.register({ taskId: good.id, kind: "embed-v2" });
    const summary = await h.run();
    expect(summary.eventsPublished).toBe(2);
    const filtered = await h.drain(failures);
    expect(filtered.map((m) => m.event.type)).toEqual(["task.failed"]);
    expect(filtered[0]?.event.task.id).toBe(bad.id);
    const everything = await h.drain(all);
    expect(everything.map((m) => m.event.type).sort()).toEqual(["task.failed", "task.ready"]);
  });

  test("a failed task's reason reaches its event (embed-v2's error.message)", async () => {
    const t = h.sim.addTask({
      kind: "embed-v2",
      errorMessage: "The video could not be decoded",
      timeline: [{ status: "failed", afterMs: 0 }],
    });
    await h.register({ taskId: t.id, kind: "embed-v2" });
    await h.run();
    const [event] = (await h.drain(all)).map((m) => m.event);
    expect(event?.type).toBe("task.failed");
    expect(event?.task.error).toBe("The video could not be decoded");
    await h.drain(failures);
  });

  test("timed_out: past the deadline and not finished", async () => {
    const t = h.sim.addTask({ kind: "index", timeline: [{ status: "indexing", afterMs: 0 }] });
    await h.register({ taskId: t.id, kind: "index", deadlineSeconds: 0 });
    await h.run();
    const [msg, ...rest] = await h.drain(all);
    expect(rest).toHaveLength(0);
    expect(msg?.event).toMatchObject({
      type: "task.timed_out",
      task: { id: t.id, status: "timed_out", previousStatus: "registered" },
    });
    expect((await h.store.get(t.id))?.history.map((e) => e.status)).toEqual(["timed_out"]);
  });

  test("not_found: only after TwelveLabs denies the id twice", async () => {
    const id = "0123456789abcdef01234567";
    await h.register({ taskId: id });
    await h.run();
    expect(await h.drain(all)).toHaveLength(0);
    // One denial is a look that changed nothing: remembered by the poller, not written, no status.
    expect((await h.store.get(id))?.status).toBe("registered");
    await h.run();
    const delivered = await h.drain(all);
    expect(delivered.map((m) => m.event.type)).toEqual(["task.not_found"]);
    expect((await h.store.get(id))?.status).toBe("not_found");
  });

  test("an id TwelveLabs rejects as malformed ends on its first check, with the reason", async () => {
    h.sim.rejectMalformedIds = true;
    try {
      await h.register({ taskId: "my-upload-42" });
      await h.run();
      const delivered = await h.drain(all);
      expect(delivered.map((m) => m.event.type)).toEqual(["task.not_found"]);
      expect(delivered[0]?.event.task.error).toContain("rejected the task id as malformed");
      // A well-formed unknown id is still denied twice before it ends (a one-off denial proves nothing).
      const id = "00000000000000000000abcd";
      await h.register({ taskId: id });
      await h.run();
      expect((await h.store.get(id))?.status).toBe("registered");
      await h.run();
      expect((await h.drain(all)).map((m) => m.event.type)).toEqual(["task.not_found"]);
    } finally {
      h.sim.rejectMalformedIds = false;
    }
  });

  test("a task that reappears after one denial is not declared missing", async () => {
    const id = "fedcba9876543210fedcba98";
    await h.register({ taskId: id });
    await h.run();
    h.sim.addTask({ kind: "embed", id, timeline: [{ status: "processing", afterMs: 0 }] });
    await h.run();
    const stored = await h.store.get(id);
    expect(stored?.status).toBe("processing");
    expect(stored?.notFoundCount).toBe(0);
    expect(await h.drain(all)).toHaveLength(0);
    expect(await h.store.remove(id, Date.now())).toBe(true); // leave nothing due for the tests after
  });
});

/*
 * The crash, concurrency, storm and scale cases run twice: with per-task checks (the harness's
 * default) and with the deployed defaults (batched checks through the list endpoints on).
 */
describe.each([
  ["per-task checks", false],
  ["the deployed defaults", true],
] as const)("with %s", (_label, deployedDefaults) => {
  let handler: PollerHandler | undefined;
  beforeAll(() => {
    handler = deployedDefaults ? h.handlerWith({ BATCH_MIN_DUE: "" }).handler : undefined;
  });
  const run = (remainingMs = 30_000) => h.run(remainingMs, handler);
  const prefix = deployedDefaults ? "dflt" : "ptsk";

  describe("at-least-once delivery", () => {
    test("a crash between the transition write and the publish: the next run publishes it", async () => {
      const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
      const task = await h.register({ taskId: t.id });
      // What the poller writes just before it would publish, then "crashes".
      const { decide } = await import("../../functions/core/task-lifecycle.js");
      const snapshot = {
        id: t.id,
        kind: "embed" as const,
        status: "ready" as const,
        terminal: true,
        metadata: {},
      };
      const d = decide(task, { outcome: "snapshot", snapshot }, Date.now(), 0.5, h.config.settings);
      expect(d.type).toBe("transition");
      if (d.type !== "transition") return;
      expect(await h.store.applyTransition(task, d.patch)).toBe(true);
      expect(await h.drain(all)).toHaveLength(0);

      h.sim.resetCalls();
      const summary = await run();
      expect(summary.outboxRepublished).toBe(1);
      expect(h.sim.calls.filter((c) => c.path.includes(t.id))).toEqual([]); // terminal: not due any more
      const delivered = await h.drain(all);
      expect(delivered.map((m) => m.event.id)).toEqual([d.patch.events[0]?.id]);
      expect((await h.store.get(t.id))?.outbox).toEqual([]);
      expect((await run()).eventsPublished).toBe(0);
      expect(await h.drain(all)).toHaveLength(0);
    });

    test("a failed publish stays in the outbox and goes out on the next run, once", async () => {
      const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
      await h.register({ taskId: t.id });
      h.aws.fauxqs.deleteTopic("task-events");
      const failed = await run();
      expect(failed).toMatchObject({ transitions: 1, eventsPublished: 0, publishFailures: 1 });
      expect((await h.store.get(t.id))?.outbox).toHaveLength(1);

      h.aws.fauxqs.createTopic("task-events");
      h.aws.fauxqs.subscribe({ topic: "task-events", queue: "all-events" });
      h.aws.fauxqs.subscribe({
        topic: "task-events",
        queue: "failures-only",
        attributes: { FilterPolicy: JSON.stringify({ eventType: ["task.failed"] }) },
      });
      const recovered = await run();
      expect(recovered.outboxRepublished).toBe(1);
      const delivered = await h.drain(all);
      expect(delivered.map((m) => m.event.type)).toEqual(["task.ready"]);
      expect((await h.store.get(t.id))?.outbox).toEqual([]);
      await run();
      expect(await h.drain(all)).toHaveLength(0);
    });

    test("two runs at once make no duplicate transitions", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
        await h.register({ taskId: t.id });
        ids.push(t.id);
      }
      const [a, b] = await Promise.all([run(), run()]);
      expect((a?.transitions ?? 0) + (b?.transitions ?? 0)).toBe(30);
      const delivered = await h.drain(all);
      expect(delivered.map((m) => m.event.task.id).sort()).toEqual([...ids].sort());
      for (const id of ids) expect((await h.store.get(id))?.history).toHaveLength(1);
    });
  });

  describe("429 and 5xx storms", () => {
    test("tasks are rescheduled, nothing is lost, no call comes before Retry-After", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
        await h.register({ taskId: t.id });
        ids.push(t.id);
      }
      h.sim.resetCalls();
      h.sim.addFault({ type: "5xx", rate: 0.3 });
      h.sim.addFault({ type: "429", times: 3, retryAfterSec: 1 });
      let runs = 0;
      let delivered: string[] = [];
      while (delivered.length < ids.length && runs < 15) {
        await run();
        runs += 1;
        delivered = delivered.concat((await h.drain(all)).map((m) => m.event.task.id));
      }
      expect(delivered.sort()).toEqual([...ids].sort());
      const limited = h.sim.calls.filter((c) => c.status === 429);
      expect(limited.length).toBeGreaterThan(0);
      for (const l of limited) {
        // Calls already in flight when the 429 was sent may land just after it; none may start later.
        const early = h.sim.calls.filter(
          (c) => c.receivedAt > l.receivedAt + 100 && c.receivedAt < l.receivedAt + 1000,
        );
        expect(early).toEqual([]);
      }
    });
  });

  describe("scale", () => {
    test("2,000 registered, 500 due: one run handles every due task and reads only due items", async () => {
      const now = Date.now();
      const due: string[] = [];
      const puts: Promise<unknown>[] = [];
      for (let i = 0; i < 2000; i++) {
        const id = `${prefix}${String(i).padStart(20, "0")}`;
        const isDue = i % 4 === 0;
        if (isDue) {
          h.sim.addTask({ kind: "embed", id, timeline: [{ status: "ready", afterMs: 0 }] });
          due.push(id);
        }
        const task = (await import("../../functions/core/task.js")).newTask(
          { taskId: id, kind: "embed" },
          now,
          86400,
        );
        if (!isDue) task.dueAt = now + 3600_000;
        puts.push(h.store.register(task));
        if (puts.length >= 50) await Promise.all(puts.splice(0));
      }
      await Promise.all(puts);
      h.sim.resetCalls();
      const summary = await run(60_000);
      expect(summary.dueRead).toBe(500);
      expect(summary.tasksChecked).toBe(500);
      expect(summary.transitions).toBe(500);
      // One call per due task; with the deployed defaults one running list first (none of these is running).
      expect(h.sim.calls).toHaveLength(deployedDefaults ? 501 : 500);
      expect((await h.drain(all)).length).toBe(500);
      const stillDue = await dueIdsInIndex();
      expect(stillDue.filter((id) => id.startsWith(prefix))).toHaveLength(1500);
      for (const id of stillDue.filter((x) => x.startsWith(prefix))) await h.store.remove(id, Date.now());
      // About 20 s alone on 2 cores (dynalite writes one at a time); room for a busy shared machine.
    }, 90_000);
  });
});
