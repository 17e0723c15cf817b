import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, test } from "vitest";
import { taskKey } from "../../functions/adapters/task-table.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Text that SNS cannot carry must neither jam the outbox nor leak: the real poller, the real SNS
 * client against fauxqs, the simulator over HTTP.
 */
let h: PollerHarness;
let all: string;
beforeAll(async () => {
  h = await startPollerHarness({ TAG_ATTRIBUTES: "team" });
  all = h.queue("hostile-all");
});
afterAll(async () => {
  await h.close();
});

const ready = [{ status: "ready" as const, afterMs: 0 }];

test("a stored tag with a lone surrogate (registered before the rule): its event is set aside, the others are published, the task can end", async () => {
  const bad = h.sim.addTask({ kind: "embed", timeline: ready });
  await h.register({ taskId: bad.id, tags: { team: "a\ud800b" } });
  const good = Array.from({ length: 6 }, () => h.sim.addTask({ kind: "embed", timeline: ready }));
  for (const t of good) await h.register({ taskId: t.id, tags: { team: "video" } });
  const s = await h.run();
  expect(s.eventsSetAside).toBe(1);
  const events = (await h.drain(all)).map((m) => m.event);
  expect(events.map((e) => e.task.id).sort()).toEqual(good.map((t) => t.id).sort());
  const stored = await h.store.get(bad.id);
  expect(stored?.status).toBe("ready");
  expect(stored?.outbox).toEqual([]);
  expect(stored?.setAside).toEqual([
    expect.objectContaining({ type: "task.ready", reason: expect.stringContaining("lone UTF-16 surrogate") }),
  ]);
  // Out of the outbox: deletable, and never retried by the next run.
  const next = await h.run();
  expect(next.eventsSetAside).toBe(0);
  expect(next.publishFailures).toBe(0);
  expect(await h.store.remove(bad.id, Date.now())).toBe(true);
});

test("text TwelveLabs sends is repaired, and a presigned input_url is kept and published without its query", async () => {
  const presigned =
    "https://videos.s3.eu-west-1.amazonaws.com/in/talk.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE&X-Amz-Security-Token=SECRETTOKEN&X-Amz-Signature=deadbeef#t=10";
  const t = h.sim.addTask({ kind: "embed", timeline: ready, filename: "cut\ud83c.mp4", inputUrl: presigned });
  await h.register({ taskId: t.id });
  const s = await h.run();
  expect(s.eventsSetAside).toBe(0);
  const [event] = (await h.drain(all)).map((m) => m.event);
  expect(event?.task.metadata.filename).toBe("cut\ufffd.mp4");
  expect(event?.task.metadata.inputUrl).toBe("https://videos.s3.eu-west-1.amazonaws.com/in/talk.mp4");
  const item = await h.dynamo.send(
    new GetItemCommand({ TableName: h.aws.tableName, Key: taskKey(t.id), ConsistentRead: true }),
  );
  const raw = JSON.stringify(item.Item);
  for (const secret of ["SECRETTOKEN", "X-Amz-Signature", "AKIAEXAMPLE", "deadbeef"])
    expect(raw).not.toContain(secret);
});
