import { QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { DynamoDbTaskStore } from "../../functions/adapters/dynamodb-task-store.js";
import { shardOf, TASK_TABLE, taskKey } from "../../functions/adapters/task-table.js";
import { type ApiHandler, apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { newTask } from "../../functions/core/task.js";
import { decide } from "../../functions/core/task-lifecycle.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "../support/api-events.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Nothing lost, nothing misattributed: registrations, the outbox and deletion, on the real store
 * (dynalite), the real poller and api handlers, and SNS through fauxqs.
 */
let h: PollerHarness;
let api: ApiHandler;
let all: string;

beforeAll(async () => {
  h = await startPollerHarness();
  const quiet = { info() {}, error() {} };
  const config = apiConfig({ ...h.aws.env, STAGE: "test", SHARDS: "4", ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID });
  api = createApiHandler(apiDeps(config, h.aws, quiet), quiet);
  all = h.queue("integrity-events");
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await h.drain(all);
});

const ready = (id: string) => ({
  outcome: "snapshot" as const,
  snapshot: { id, kind: "embed" as const, status: "ready" as const, terminal: true, metadata: {} },
});

async function outboxIndexHolds(taskId: string): Promise<boolean> {
  const ix = TASK_TABLE.outboxIndex;
  for (let shard = 0; shard < 4; shard++) {
    const res = await h.dynamo.send(
      new QueryCommand({
        TableName: h.aws.tableName,
        IndexName: ix.name,
        KeyConditionExpression: "#p = :p",
        ExpressionAttributeNames: { "#p": ix.partitionKey },
        ExpressionAttributeValues: { ":p": { S: String(shard) } },
      }),
    );
    if ((res.Items ?? []).some((i) => i.taskId?.S === taskId)) return true;
  }
  return false;
}

describe("registrations", () => {
  test("a run holding a deleted registration cannot write into a new one of the same id; event ids differ", async () => {
    const id = "0000000000000000000000aa";
    const first = await h.register({ taskId: id }, Date.now() - 60_000);
    // A poller read the first registration (version 1); meanwhile it is deleted and registered again.
    expect(await h.store.remove(id, Date.now())).toBe(true);
    const second = await h.register({ taskId: id }, Date.now());
    expect(second.version).toBe(first.version);
    const stale = decide(first, ready(id), Date.now(), 0.5, h.config.settings);
    if (stale.type !== "transition") throw new Error("expected a transition");
    expect(await h.store.applyTransition(first, stale.patch)).toBe(false);
    const current = decide(second, ready(id), Date.now(), 0.5, h.config.settings);
    if (current.type !== "transition") throw new Error("expected a transition");
    expect(await h.store.applyTransition(second, current.patch)).toBe(true);
    expect(current.patch.events[0]?.id).not.toBe(stale.patch.events[0]?.id);
    expect((await h.store.get(id))?.registeredAt).toBe(second.registeredAt);
    await h.store.clearOutboxEntry(id, current.patch.events[0]?.id as string);
    await h.store.remove(id, Date.now());
  });
});

describe("the outbox", () => {
  test("a finished task expires only once its events are out; a clear cut short is settled by the next run", async () => {
    const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    const task = await h.register({ taskId: t.id });
    const d = decide(task, ready(t.id), Date.now(), 0.5, h.config.settings);
    if (d.type !== "transition") throw new Error("expected a transition");
    expect(await h.store.applyTransition(task, d.patch)).toBe(true);
    const raw = async () =>
      (
        await h.dynamo.send(
          new QueryCommand({
            TableName: h.aws.tableName,
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": taskKey(t.id).pk as { S: string } },
          }),
        )
      ).Items?.[0];
    // Terminal with an event pending: no TTL yet, so DynamoDB cannot expire it with the event.
    expect((await raw())?.[TASK_TABLE.ttlAttribute]).toBeUndefined();
    // A crash between the two updates of the clear: the entry is gone, the index entry stays.
    await h.dynamo.send(
      new UpdateItemCommand({
        TableName: h.aws.tableName,
        Key: taskKey(t.id),
        UpdateExpression: "REMOVE #o.#id",
        ExpressionAttributeNames: { "#o": "outbox", "#id": d.patch.events[0]?.id as string },
      }),
    );
    expect(await outboxIndexHolds(t.id)).toBe(true);
    await h.run();
    expect(await outboxIndexHolds(t.id)).toBe(false);
    expect(Number((await raw())?.[TASK_TABLE.ttlAttribute]?.N)).toBe(d.patch.expiresAt);
  });
});

describe("deleting a task", () => {
  test("never drops an event still to publish: 409 until the poller has published it, then 204", async () => {
    const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    const task = await h.register({ taskId: t.id });
    const d = decide(task, ready(t.id), Date.now(), 0.5, h.config.settings);
    if (d.type !== "transition") throw new Error("expected a transition");
    await h.store.applyTransition(task, d.patch); // written; the run "crashed" before publishing
    const refused = await api(apiEvent("DELETE", `/tasks/${t.id}`));
    expect(refused.statusCode).toBe(409);
    expect(JSON.parse(refused.body).error.code).toBe("events_pending");
    expect((await h.store.get(t.id))?.outbox).toHaveLength(1);
    await h.run(); // the next run publishes it
    expect((await h.drain(all)).map((m) => m.event.id)).toEqual([d.patch.events[0]?.id]);
    expect((await api(apiEvent("DELETE", `/tasks/${t.id}`))).statusCode).toBe(204);
    expect(await h.store.get(t.id)).toBeUndefined();
  });
});

describe("shards", () => {
  test("lowering the shard count strands nothing: the higher shards are read until they are empty", async () => {
    // Tasks registered while the stage had 8 shards; the poller now runs with 4.
    const wide = new DynamoDbTaskStore(h.dynamo, h.aws.tableName, 8);
    const ids = Array.from(
      { length: 24 },
      () => h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] }).id,
    );
    for (const id of ids) await wide.register(newTask({ taskId: id, kind: "embed" }, Date.now(), 3600));
    expect(ids.some((id) => Number(shardOf(id, 8)) >= 4)).toBe(true);
    await wide.syncShardLayout(); // the wide writer records its count, as its poller would
    await h.run();
    const announced = new Set((await h.drain(all)).map((m) => m.event.task.id));
    expect(ids.filter((id) => !announced.has(id))).toEqual([]);
    // Nothing left above shard 3: the record comes down and readers go back to 4 shards.
    const narrow = new DynamoDbTaskStore(h.dynamo, h.aws.tableName, 4);
    expect(await narrow.syncShardLayout()).toBe(4);
    for (const id of ids) await h.store.remove(id, Date.now());
  });
});
