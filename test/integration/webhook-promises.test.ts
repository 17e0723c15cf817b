import { randomBytes } from "node:crypto";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterEach, expect, test } from "vitest";
import { DynamoDbWebhookLog } from "../../functions/adapters/dynamodb-webhook-log.js";
import { headerBoxFrom } from "../../functions/adapters/header-box.js";
import { buildEvent } from "../../functions/core/events.js";
import { newTask } from "../../functions/core/task.js";
import { WEBHOOK_MAX_ATTEMPTS } from "../../functions/core/webhook-delivery.js";
import { startApiHarness } from "../support/api-harness.js";
import { startWebhookHarness, type WebhookHarness } from "../support/webhook-harness.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

/*
 * Webhooks keep their promise: eight attempts that reach the receiver, whatever the notifier's own
 * outages; header keys that rotate without breaking a delivery; the newest events kept. The real
 * webhook handler, queue, table and API on the stand-ins, receivers on 127.0.0.1.
 */
let h: WebhookHarness | undefined;
let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  await h?.close();
  h = undefined;
  receiver = undefined;
});

async function readyTaskWithCallback(hh: WebhookHarness, url: string, extra: Record<string, unknown> = {}) {
  const sim = hh.poller.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
  const res = await hh.call("POST", "/tasks", { body: { taskId: sim.id, callbackUrl: url, ...extra } });
  expect(res.status).toBe(202);
  await hh.poller.run();
  return sim.id;
}

test("a signing-secret outage spends no attempt: after it, the receiver still gets all eight, numbered from 1", async () => {
  h = await startWebhookHarness();
  receiver = await startWebhookReceiver({ status: 500 });
  const id = await readyTaskWithCallback(h, receiver.url);
  const real = h.deps.signingSecrets;
  let outage = 12; // receives during which Secrets Manager fails (more than the eight attempts)
  h.deps.signingSecrets = async () => {
    if (outage > 0) {
      outage -= 1;
      throw new Error("Secrets Manager unavailable");
    }
    return real();
  };
  const hh = h;
  const rx = receiver;
  expect(await hh.deliverUntil(() => rx.received.length >= WEBHOOK_MAX_ATTEMPTS, 40_000)).toBe(true);
  expect(outage).toBe(0);
  await hh.deliverOnce();
  expect(rx.received).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
  const view = await hh.call("GET", `/tasks/${id}`);
  const attempts = view.body.webhook.attempts as Array<{ attempt: number; outcome: string }>;
  expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(attempts.at(-1)?.outcome).toBe("gave_up");
  const dlq = await hh.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: hh.dlqUrl, WaitTimeSeconds: 1 }));
  expect(dlq.Messages).toHaveLength(1);
}, 60_000);

test("header key rotation: current + previous keeps deliveries with headers working; a key that no longer opens them is logged as headers_unreadable and costs no attempt", async () => {
  h = await startWebhookHarness();
  receiver = await startWebhookReceiver({ status: 204 });
  const oldKey = h.headerKey;
  const newKey = randomBytes(32).toString("hex");
  let secret = JSON.stringify({ current: newKey, previous: oldKey });
  h.deps.headerBox = headerBoxFrom(async () => secret);
  // Sealed with the old key (the API's), delivered with the rotated secret: the header is sent.
  const first = await readyTaskWithCallback(h, receiver.url, {
    callbackHeaders: { authorization: "Bearer one" },
  });
  const hh = h;
  const rx = receiver;
  expect(await hh.deliverUntil(() => rx.received.length >= 1)).toBe(true);
  expect(rx.received[0]?.headers.authorization).toBe("Bearer one");
  expect(JSON.parse(rx.received[0]?.body ?? "{}").task.id).toBe(first);

  // The previous key dropped too early: nothing is sent, the log says why, no attempt is spent.
  secret = newKey;
  const second = await readyTaskWithCallback(hh, rx.url, {
    callbackHeaders: { authorization: "Bearer two" },
  });
  for (let i = 0; i < 3; i++) await hh.deliverOnce();
  expect(rx.received).toHaveLength(1);
  const stuck = await hh.call("GET", `/tasks/${second}`);
  const logged = stuck.body.webhook.attempts as Array<{ error?: string; outcome: string; attempt: number }>;
  // One log entry for the message, however often it comes back (the log keeps only the newest 20).
  expect(logged).toHaveLength(1);
  expect(
    logged.every((a) => a.error === "headers_unreadable" && a.outcome === "retrying" && a.attempt === 1),
  ).toBe(true);
  // The previous key put back: delivered, as attempt 1.
  secret = JSON.stringify({ current: newKey, previous: oldKey });
  expect(await hh.deliverUntil(() => rx.received.length >= 2)).toBe(true);
  expect(rx.received[1]?.headers.authorization).toBe("Bearer two");
  const done = await hh.call("GET", `/tasks/${second}`);
  const last = (done.body.webhook.attempts as Array<{ outcome: string; attempt: number }>).at(-1);
  expect(last).toMatchObject({ outcome: "delivered", attempt: 1 });
}, 60_000);

test("the newest ten events are kept for redelivery, not the first ten", async () => {
  const api = await startApiHarness();
  try {
    const log = new DynamoDbWebhookLog(api.dynamo, api.aws.tableName);
    const t0 = Date.parse("2026-12-01T00:00:00Z");
    let task = newTask(
      { taskId: "many-events", kind: "embed", callbackUrl: "https://hooks.example.com/x" },
      t0,
      86_400,
    );
    await api.store.register(task);
    const ids: string[] = [];
    for (let i = 0; i < 13; i++) {
      task = { ...task, status: i % 2 === 0 ? "processing" : "queued", version: task.version + 1 };
      const event = buildEvent(task, "registered", t0 + (i + 1) * 1000, {
        stage: "test",
        twelvelabsBaseUrl: "https://api.twelvelabs.io/v1.3",
      });
      ids.push(event.id);
      await log.record(
        task.taskId,
        t0,
        { at: t0 + i, eventId: event.id, attempt: 1, outcome: "delivered", durationMs: 1 },
        event,
      );
    }
    for (const id of ids.slice(-10)) expect((await log.storedEvent("many-events", id))?.id).toBe(id);
    for (const id of ids.slice(0, 3)) expect(await log.storedEvent("many-events", id)).toBeUndefined();
    expect((await log.storedEvent("many-events"))?.id).toBe(ids.at(-1));
  } finally {
    await api.close();
  }
});

test("redelivering an event that holds U+FFFF (stored before the rule) queues it intact, not a 500", async () => {
  const api = await startApiHarness();
  try {
    const t0 = Date.now();
    const task = {
      ...newTask(
        { taskId: "ffff-task", kind: "embed", callbackUrl: "https://hooks.example.com/x" },
        t0,
        86_400,
      ),
      tags: { team: "a\uffffb" },
    };
    await api.store.register(task);
    const event = buildEvent({ ...task, status: "ready" }, "registered", t0, {
      stage: "test",
      twelvelabsBaseUrl: "https://api.twelvelabs.io/v1.3",
    });
    await new DynamoDbWebhookLog(api.dynamo, api.aws.tableName).record(
      task.taskId,
      t0,
      { at: t0, eventId: event.id, attempt: 1, outcome: "delivered", durationMs: 1 },
      event,
    );
    const res = await api.call("POST", "/tasks/ffff-task/redeliver");
    expect(res.status).toBe(202);
    const got = await api.aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: api.webhookQueueUrl, WaitTimeSeconds: 1 }),
    );
    const body = JSON.parse(got.Messages?.[0]?.Body ?? "{}");
    expect(body.task.tags.team).toBe("a\uffffb");
  } finally {
    await api.close();
  }
});

test("a failed move to the DLQ after the last attempt never brings a ninth call: the next receive only moves it", async () => {
  h = await startWebhookHarness();
  receiver = await startWebhookReceiver({ status: 500 });
  await readyTaskWithCallback(h, receiver.url);
  const real = h.deps.deadLetter;
  let failures = 1;
  h.deps.deadLetter = async (record) => {
    if (failures-- > 0) throw new Error("SQS unavailable");
    await real?.(record);
  };
  const hh = h;
  const rx = receiver;
  expect(await hh.deliverUntil(() => rx.received.length >= WEBHOOK_MAX_ATTEMPTS, 40_000)).toBe(true);
  for (let i = 0; i < 4; i++) await hh.deliverOnce();
  expect(rx.received).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
  const dlq = await hh.aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: hh.dlqUrl, WaitTimeSeconds: 1 }));
  expect(dlq.Messages).toHaveLength(1);
}, 60_000);
