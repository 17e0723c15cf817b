import { randomBytes } from "node:crypto";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, test } from "vitest";
import { DynamoDbWebhookLog } from "../../functions/adapters/dynamodb-webhook-log.js";
import { taskKey } from "../../functions/adapters/task-table.js";
import {
  WEBHOOK_ATTEMPT_LOG_MAX,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_DELAYS_S,
} from "../../functions/core/webhook-delivery.js";
import type { SimTaskSpec } from "../../local/simulator/sim-tasks.js";
import { startWebhookHarness, type WebhookHarness } from "../support/webhook-harness.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

let h: WebhookHarness;
let receiver: WebhookReceiver;
afterEach(async () => {
  await receiver?.close();
  await h?.close();
});

/** A simulated task that is ready at once, registered through the API with a callback. */
async function readyTask(
  extra: Record<string, unknown> = {},
  timeline: NonNullable<SimTaskSpec["timeline"]> = [{ status: "ready", afterMs: 0 }],
) {
  const sim = h.poller.sim.addTask({ kind: "embed", timeline, filename: "talk.mp4" });
  const res = await h.call("POST", "/tasks", {
    body: { taskId: sim.id, callbackUrl: receiver.url, ...extra },
  });
  expect(res.status).toBe(202);
  return sim.id;
}

describe("delivery", () => {
  test("a task's event reaches its callback signed per Standard Webhooks, with its own header; tasks without a callback send nothing", async () => {
    h = await startWebhookHarness();
    receiver = await startWebhookReceiver();
    const id = await readyTask({ callbackHeaders: { Authorization: "Bearer receiver-token" } });
    const silent = h.poller.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    await h.call("POST", "/tasks", { body: { taskId: silent.id } });
    const sns = h.poller.queue("all-events");
    await h.poller.run();
    expect(await h.deliverUntil(() => receiver.received.length >= 1)).toBe(true);
    // Both tasks were announced on the topic; only the one with a callback reached the webhook queue.
    expect((await h.poller.drain(sns)).length).toBe(2);
    expect(await h.deliverOnce()).toBe(0);
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    const event = new Webhook(h.secret).verify(got?.body ?? "", got?.headers as Record<string, string>) as {
      id: string;
      type: string;
      task: { id: string };
    };
    expect(event.type).toBe("task.ready");
    expect(event.task.id).toBe(id);
    expect(got?.headers["webhook-id"]).toBe(event.id);
    expect(got?.headers.authorization).toBe("Bearer receiver-token");
    expect(got?.headers["content-type"]).toBe("application/json");
    // The attempt is on the task; the header's value is nowhere in the API's answer or the item.
    const view = await h.call("GET", `/tasks/${id}`);
    expect(view.body.webhook.attempts).toEqual([
      expect.objectContaining({ eventId: event.id, attempt: 1, outcome: "delivered", status: 204 }),
    ]);
    expect(view.body.callbackHeaderNames).toEqual(["authorization"]);
    expect(JSON.stringify(view.body)).not.toContain("receiver-token");
    const item = await h.aws.dynamo.send(
      new GetItemCommand({ TableName: h.aws.tableName, Key: taskKey(id) }),
    );
    expect(JSON.stringify(item.Item)).not.toContain("receiver-token");
    expect(item.Item?.callbackHeaders?.S).toMatch(/^v2\.[0-9a-f]{8}\./);
  });

  test("during a rotation's overlap the delivery carries two signatures; a receiver with either secret verifies", async () => {
    const [oldS, newS] = [
      `whsec_${randomBytes(32).toString("base64")}`,
      `whsec_${randomBytes(32).toString("base64")}`,
    ];
    const secret = JSON.stringify({ current: newS, previous: oldS, rotatedAt: new Date().toISOString() });
    h = await startWebhookHarness({ secret, overlapSeconds: 3600 });
    receiver = await startWebhookReceiver();
    await readyTask();
    await h.poller.run();
    expect(await h.deliverUntil(() => receiver.received.length >= 1)).toBe(true);
    const got = receiver.received[0];
    const headers = got?.headers as Record<string, string>;
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(new Webhook(oldS).verify(got?.body ?? "", headers)).toBeTruthy();
    expect(new Webhook(newS).verify(got?.body ?? "", headers)).toBeTruthy();
  });

  test("after the overlap only the new secret signs", async () => {
    const [oldS, newS] = [
      `whsec_${randomBytes(32).toString("base64")}`,
      `whsec_${randomBytes(32).toString("base64")}`,
    ];
    const rotatedAt = new Date(Date.now() - 2 * 3600_000).toISOString();
    h = await startWebhookHarness({ secret: JSON.stringify({ current: newS, previous: oldS, rotatedAt }) });
    receiver = await startWebhookReceiver();
    await readyTask();
    await h.poller.run();
    expect(await h.deliverUntil(() => receiver.received.length >= 1)).toBe(true);
    const headers = receiver.received[0]?.headers as Record<string, string>;
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(oldS).verify(receiver.received[0]?.body ?? "", headers)).toThrow();
  });
});

describe("retries", () => {
  test("503, a 429 with Retry-After, a timeout-free 500, then 200: the schedule, Retry-After honoured, every attempt logged", async () => {
    h = await startWebhookHarness();
    receiver = await startWebhookReceiver();
    receiver.reply({ status: 503 }, { status: 429, headers: { "retry-after": "120" } }, { status: 500 });
    const id = await readyTask();
    await h.poller.run();
    expect(await h.deliverUntil(() => receiver.received.length >= 4)).toBe(true);
    // The waits asked of the queue: ~5 s after the first, >= 120 s after the 429, ~5 min after the third.
    expect(h.retryAsked).toHaveLength(3);
    expect(h.retryAsked[0]).toBeGreaterThanOrEqual(4);
    expect(h.retryAsked[0]).toBeLessThanOrEqual(6);
    expect(h.retryAsked[1]).toBeGreaterThanOrEqual(120);
    expect(h.retryAsked[2]).toBeGreaterThanOrEqual(240);
    expect(h.retryAsked[2]).toBeLessThanOrEqual(360);
    const ids = new Set(receiver.received.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1); // the same event id on every attempt: receivers dedupe on it
    const view = await h.call("GET", `/tasks/${id}`);
    expect(
      view.body.webhook.attempts.map((a: { outcome: string; status: number; attempt: number }) => [
        a.attempt,
        a.status,
        a.outcome,
      ]),
    ).toEqual([
      [1, 503, "retrying"],
      [2, 429, "retrying"],
      [3, 500, "retrying"],
      [4, 204, "delivered"],
    ]);
    expect(
      Date.parse(view.body.webhook.attempts[1].nextAttemptAt) - Date.parse(view.body.webhook.attempts[1].at),
    ).toBeGreaterThanOrEqual(120_000);
  });

  test("after the last attempt the message is in the dead-letter queue; the log ends with gave_up", async () => {
    h = await startWebhookHarness();
    receiver = await startWebhookReceiver({ status: 500 });
    const id = await readyTask();
    await h.poller.run();
    expect(await h.deliverUntil(() => receiver.received.length >= WEBHOOK_MAX_ATTEMPTS, 30_000)).toBe(true);
    // The function moved it to the DLQ after the last attempt: nothing more comes from the queue.
    await h.deliverOnce();
    expect(receiver.received).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    const dlq = await h.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: h.dlqUrl, WaitTimeSeconds: 2 }));
    expect(dlq.Messages).toHaveLength(1);
    expect(JSON.stringify(dlq.Messages?.[0]?.Body)).toContain(id);
    const view = await h.call("GET", `/tasks/${id}`);
    const outcomes = view.body.webhook.attempts.map((a: { outcome: string }) => a.outcome);
    expect(outcomes).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    expect(outcomes.at(-1)).toBe("gave_up");
    // The seven waits asked follow the schedule (within its ±20 % jitter); after the last, none.
    expect(h.retryAsked).toHaveLength(WEBHOOK_RETRY_DELAYS_S.length);
    h.retryAsked.forEach((asked, i) => {
      const base = WEBHOOK_RETRY_DELAYS_S[i] as number;
      expect(asked).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(asked).toBeLessThanOrEqual(Math.ceil(base * 1.2));
    });
  }, 60_000);

  test("410 Gone stops: the callback is disabled and later events are not sent; a redelivery that gets through enables it again", async () => {
    h = await startWebhookHarness();
    receiver = await startWebhookReceiver();
    receiver.reply({ status: 410 });
    const withChanges = h.poller.handlerWith({ PUBLISH_STATUS_CHANGES: "true" }).handler;
    const id = await readyTask({}, [
      { status: "processing", afterMs: 0 },
      { status: "ready", afterMs: 1500 },
    ]);
    await h.poller.run(30_000, withChanges); // registered -> processing: task.status_changed
    expect(await h.deliverUntil(() => receiver.received.length >= 1)).toBe(true);
    let view = await h.call("GET", `/tasks/${id}`);
    expect(view.body.webhook.disabledAt).toEqual(expect.any(String));
    expect(view.body.webhook.attempts).toEqual([
      expect.objectContaining({ status: 410, outcome: "disabled" }),
    ]);
    // processing -> ready: announced on the topic, but not sent to the disabled callback.
    await new Promise((r) => setTimeout(r, 1600));
    const sns = h.poller.queue("all-events");
    await h.poller.run(30_000, withChanges);
    const announced = await h.poller.drain(sns);
    expect(announced.map((m) => m.event.type)).toEqual(["task.ready"]);
    expect(announced[0]?.attributes.webhook).toBeUndefined(); // not routed to the webhook queue
    await h.deliverOnce();
    expect(receiver.received).toHaveLength(1);
    // Redelivery of the newest kept event: queued, delivered (the receiver is back), callback enabled again.
    const r = await h.call("POST", `/tasks/${id}/redeliver`);
    expect(r.status).toBe(202);
    expect(await h.deliverUntil(() => receiver.received.length >= 2)).toBe(true);
    view = await h.call("GET", `/tasks/${id}`);
    expect(view.body.webhook.disabledAt).toBeUndefined();
    expect(view.body.webhook.attempts.at(-1)).toMatchObject({
      outcome: "delivered",
      redelivery: true,
      attempt: 1,
    });
    expect(receiver.received[1]?.headers["webhook-id"]).toBe(receiver.received[0]?.headers["webhook-id"]);
  });
});

test("an unusable signing secret sends nothing unsigned: the event waits a minute and stays queued", async () => {
  h = await startWebhookHarness({ secret: "whsec_not-base64!" });
  receiver = await startWebhookReceiver();
  await readyTask();
  await h.poller.run();
  expect(await h.deliverUntil(() => h.retryAsked.length >= 1, 5_000)).toBe(true);
  expect(h.retryAsked[0]).toBe(60);
  expect(receiver.received).toHaveLength(0);
  expect(receiver.connections).toBe(0);
});

describe("the API", () => {
  test("redeliver: a named event, signed afresh; errors for unknown tasks, events, and tasks without a callback", async () => {
    h = await startWebhookHarness();
    receiver = await startWebhookReceiver();
    const id = await readyTask();
    await h.poller.run();
    expect(await h.deliverUntil(() => receiver.received.length >= 1)).toBe(true);
    const eventId = String(receiver.received[0]?.headers["webhook-id"]);
    await new Promise((r) => setTimeout(r, 1100)); // a new second: a new timestamp
    const r = await h.call("POST", `/tasks/${id}/redeliver`, { body: { eventId } });
    expect(r).toEqual({ status: 202, body: { taskId: id, eventId, status: "queued" } });
    expect(await h.deliverUntil(() => receiver.received.length >= 2)).toBe(true);
    const [first, again] = receiver.received;
    expect(again?.headers["webhook-id"]).toBe(eventId);
    expect(again?.headers["webhook-timestamp"]).not.toBe(first?.headers["webhook-timestamp"]);
    expect(new Webhook(h.secret).verify(again?.body ?? "", again?.headers as Record<string, string>)).toEqual(
      JSON.parse(first?.body ?? ""),
    );

    expect(
      (await h.call("POST", `/tasks/${id}/redeliver`, { body: { eventId: "nope" } })).body.error.code,
    ).toBe("event_not_found");
    expect((await h.call("POST", "/tasks/unknown-task/redeliver")).status).toBe(404);
    const plain = h.poller.sim.addTask({ kind: "embed" });
    await h.call("POST", "/tasks", { body: { taskId: plain.id } });
    const noCallback = await h.call("POST", `/tasks/${plain.id}/redeliver`);
    expect(noCallback.status).toBe(409);
    expect(noCallback.body.error.code).toBe("no_callback");
    const badBody = await h.call("POST", `/tasks/${id}/redeliver`, { body: { eventId: "x", extra: 1 } });
    expect(badBody.status).toBe(400);
    const fresh = h.poller.sim.addTask({ kind: "embed" });
    await h.call("POST", "/tasks", { body: { taskId: fresh.id, callbackUrl: receiver.url } });
    expect((await h.call("POST", `/tasks/${fresh.id}/redeliver`)).body.error.code).toBe("event_not_found");
  });

  test("callbackHeaders: at most two, no reserved names, only with a callbackUrl (422); the same headers again are not a conflict", async () => {
    h = await startWebhookHarness();
    receiver = await startWebhookReceiver();
    const base = { taskId: "task-with-headers", callbackUrl: receiver.url };
    const refused = [
      { callbackHeaders: { a: "1", b: "2", c: "3" } },
      { callbackHeaders: { "Webhook-Signature": "v1,forged" } },
      { callbackHeaders: { host: "evil" } },
      { callbackHeaders: { "x-token": "line\r\nbreak" } },
      { callbackHeaders: { "bad name": "x" } },
      { callbackHeaders: {} },
    ];
    for (const extra of refused) {
      const r = await h.call("POST", "/tasks", { body: { ...base, ...extra } });
      expect(r.status, JSON.stringify(extra)).toBe(422);
      expect(r.body.error.code).toBe("invalid_value");
      expect(JSON.stringify(r.body)).not.toContain("forged");
    }
    const noUrl = await h.call("POST", "/tasks", { body: { taskId: "x1", callbackHeaders: { a: "1" } } });
    expect(noUrl.status).toBe(422);
    expect(noUrl.body.error.message).toContain("callbackUrl");
    const ok = await h.call("POST", "/tasks", {
      body: { ...base, callbackHeaders: { "X-Token": "s3cret" } },
    });
    expect(ok.status).toBe(202);
    expect(
      (await h.call("POST", "/tasks", { body: { ...base, callbackHeaders: { "x-token": "s3cret" } } }))
        .status,
    ).toBe(200);
    const other = await h.call("POST", "/tasks", {
      body: { ...base, callbackHeaders: { "x-token": "other" } },
    });
    expect(other.status).toBe(409);
    expect(JSON.stringify(other.body)).not.toContain("s3cret");
  });
});

test("a discovered task registered with a callback and headers gets its webhook, headers opened for its registration", async () => {
  h = await startWebhookHarness();
  receiver = await startWebhookReceiver();
  const watching = h.poller.handlerWith({ WATCH_ACCOUNT_KINDS: "embed" }).handler;
  await h.poller.run(5_000, watching); // watching starts
  const t = h.poller.sim.addTask({
    kind: "embed",
    timeline: [
      { status: "processing", afterMs: 0 },
      { status: "ready", afterMs: 1_500 },
    ],
  });
  await h.poller.run(5_000, watching);
  expect((await h.poller.store.get(t.id))?.source).toBe("discovered");
  const adopted = await h.call("POST", "/tasks", {
    body: { taskId: t.id, callbackUrl: receiver.url, callbackHeaders: { authorization: "Bearer adopted" } },
  });
  expect(adopted.status).toBe(200);
  expect(adopted.body).toMatchObject({ source: "registered", callbackHeaderNames: ["authorization"] });
  await new Promise((r) => setTimeout(r, 1_600));
  await h.poller.run(5_000, watching);
  expect(await h.deliverUntil(() => receiver.received.length >= 1)).toBe(true);
  const got = receiver.received[0];
  expect(got?.headers.authorization).toBe("Bearer adopted");
  expect(new Webhook(h.secret).verify(got?.body ?? "", got?.headers as Record<string, string>)).toMatchObject(
    {
      type: "task.ready",
      task: { id: t.id },
    },
  );
});

test("the attempt log keeps the newest 20, and never writes into a later registration of the same id", async () => {
  h = await startWebhookHarness();
  receiver = await startWebhookReceiver();
  const id = await readyTask();
  const log = new DynamoDbWebhookLog(h.aws.dynamo, h.aws.tableName);
  const target = await log.target(id);
  expect(target?.url).toBe(receiver.url);
  for (let i = 1; i <= 25; i++)
    await log.record(id, target?.registeredAt ?? 0, {
      at: i,
      eventId: `e${i}`,
      attempt: i,
      outcome: "retrying",
      durationMs: 1,
    });
  let view = await h.call("GET", `/tasks/${id}`);
  expect(view.body.webhook.attempts).toHaveLength(WEBHOOK_ATTEMPT_LOG_MAX);
  expect(view.body.webhook.attempts[0].eventId).toBe("e6");
  expect(view.body.webhook.attempts.at(-1).eventId).toBe("e25");
  // An attempt of an older registration lands nowhere.
  await log.record(id, (target?.registeredAt ?? 0) - 1, {
    at: 99,
    eventId: "old",
    attempt: 1,
    outcome: "delivered",
    durationMs: 1,
  });
  view = await h.call("GET", `/tasks/${id}`);
  expect(view.body.webhook.attempts.map((a: { eventId: string }) => a.eventId)).not.toContain("old");
});
