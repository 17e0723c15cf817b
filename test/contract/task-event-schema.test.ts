import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { TaskEvent } from "../../functions/core/events.js";
import { invocationArnOf } from "../../local/simulator/sim-tasks.js";
import { taskEventSchema } from "../../spec/task-event-schema.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * spec/task-event.schema.json (the EventBridge `detail`, the SNS and webhook body) is what the
 * code generates, and real events of every kind and outcome, published by the real poller through
 * fauxqs, hold to it.
 */
let h: PollerHarness;
beforeAll(async () => {
  h = await startPollerHarness({ PUBLISH_STATUS_CHANGES: "true", TAG_ATTRIBUTES: "team" });
});
afterAll(async () => {
  await h.close();
});

test("the committed schema is the generated one (npm run event-schema refreshes it)", () => {
  const committed = JSON.parse(
    readFileSync(new URL("../../spec/task-event.schema.json", import.meta.url), "utf8"),
  );
  expect(committed).toEqual(JSON.parse(JSON.stringify(taskEventSchema())));
});

test("real events of every kind and outcome validate against it", async () => {
  const queue = h.queue("schema-events");
  const ready = [{ status: "ready" as const, afterMs: 0 }];
  const ids: string[] = [];
  for (const kind of ["embed", "embed-v2", "index", "analyze", "asset"] as const) {
    const t = h.sim.addTask({ kind, timeline: ready, filename: "talk.mp4" });
    await h.register({ taskId: t.id, kind, tags: { team: "video" } });
    ids.push(t.id);
  }
  const failed = h.sim.addTask({
    kind: "embed-v2",
    timeline: [{ status: "failed", afterMs: 0 }],
    errorMessage: "bad video",
  });
  await h.register({ taskId: failed.id, kind: "embed-v2" });
  const running = h.sim.addTask({ kind: "index" }); // still indexing: status changes only
  await h.register({ taskId: running.id, kind: "index" });
  // Jobs that are not TwelveLabs API tasks: a Bedrock invocation (output named), a batch with a failed item.
  const bedrock = h.sim.addTask({ kind: "bedrock", timeline: [{ status: "Completed", afterMs: 0 }] });
  await h.register({ taskId: bedrock.id, kind: "bedrock", invocationArn: invocationArnOf(bedrock) });
  const batch = h.sim.addTask({
    kind: "analyze-batch",
    items: { total: 3, failed: 1 },
    timeline: [{ status: "completed", afterMs: 0 }],
  });
  await h.register({ taskId: batch.id, kind: "analyze-batch" });
  const late = h.sim.addTask({ kind: "embed" });
  await h.register({ taskId: late.id, deadlineSeconds: 10 }, Date.now() - 60_000);
  for (let i = 0; i < 3; i++) await h.run();
  const events = (await h.drain(queue)).map((m) => m.event as TaskEvent);
  const types = new Set(events.map((e) => e.type));
  for (const t of ["task.ready", "task.failed", "task.timed_out", "task.status_changed"])
    expect(types).toContain(t);
  expect(events.find((e) => e.task.id === bedrock.id)?.task.result).toEqual({
    uri: "s3://my-embeddings/marengo/",
  });
  expect(events.find((e) => e.task.id === batch.id)?.task.metadata.items?.failed).toBe(1);
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const validate = ajv.compile(taskEventSchema());
  for (const e of events) expect(validate(e) ? [] : validate.errors, e.id).toEqual([]);
  // And it refuses what is not an event.
  expect(validate({ ...events[0], type: "task.finished" })).toBe(false);
}, 60_000);
