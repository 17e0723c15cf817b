import { SubscribeCommand } from "@aws-sdk/client-sns";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { SnsPublisher } from "../../functions/adapters/sns-publisher.js";
import { buildEvent } from "../../functions/core/events.js";
import { newTask } from "../../functions/core/task.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

/*
 * Subscriptions inside AWS: an SQS queue or a Lambda function by ARN, with the same filters, raw
 * delivery for queues; the stack's own queues on the topic stay hidden. The real api handler and
 * SNS adapter against fauxqs, the real publisher for the events.
 */
const INTERNAL = "arn:aws:sqs:us-east-1:000000000000:stack-own-webhooks";
let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({
    INTERNAL_SUBSCRIPTION_ENDPOINTS: INTERNAL,
    SUBSCRIPTION_PROTOCOLS: "email,https,sqs,lambda",
  });
});
afterAll(async () => {
  await api.close();
});

test("an SQS queue subscribed raw with a filter gets exactly its events, as the event JSON itself", async () => {
  const q = api.aws.fauxqs.createQueue("my-pipeline");
  const res = await api.call("POST", "/subscriptions", {
    body: { protocol: "sqs", endpoint: q.queueArn, events: ["ready"], kinds: ["embed"], rawDelivery: true },
  });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    protocol: "sqs",
    endpoint: q.queueArn,
    pendingConfirmation: false,
    rawDelivery: true,
  });
  const listed = await api.call("GET", "/subscriptions");
  expect(listed.body.items).toContainEqual(
    expect.objectContaining({
      id: res.body.id,
      rawDelivery: true,
      filterPolicy: { eventType: ["task.ready"], kind: ["embed"] },
    }),
  );
  const publisher = new SnsPublisher(api.aws.sns, api.aws.topicArn);
  const ctx = { stage: "test", twelvelabsBaseUrl: "https://api.twelvelabs.io/v1.3" };
  const at = Date.now();
  const embed = newTask({ taskId: "sqs-embed", kind: "embed" }, at, 3600);
  const index = newTask({ taskId: "sqs-index", kind: "index" }, at, 3600);
  const ready = buildEvent({ ...embed, status: "ready" }, "processing", at, ctx);
  await publisher.publish(ready);
  await publisher.publish(buildEvent({ ...embed, status: "failed" }, "processing", at, ctx));
  await publisher.publish(buildEvent({ ...index, status: "ready" }, "indexing", at, ctx));
  const got = await api.aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: q.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  expect(got.Messages).toHaveLength(1);
  // Raw: the event JSON as the body (fauxqs hands over the whole MessageStructure document; SNS
  // hands SQS its `default`, which is the event).
  const body = JSON.parse(got.Messages?.[0]?.Body ?? "{}");
  const event = typeof body.default === "string" ? JSON.parse(body.default) : body;
  expect(event).toEqual(ready);
});

test("a Lambda function by ARN; the same again is 200; another rawDelivery is a 409 that says so", async () => {
  const fn = "arn:aws:lambda:us-east-1:123456789012:function:continue-pipeline:live";
  const first = await api.call("POST", "/subscriptions", {
    body: { protocol: "lambda", endpoint: fn, events: ["failed"] },
  });
  expect(first.status).toBe(201);
  expect(first.body.pendingConfirmation).toBe(false);
  const again = await api.call("POST", "/subscriptions", {
    body: { protocol: "lambda", endpoint: fn, events: ["failed"] },
  });
  expect(again.status).toBe(200);
  const q = api.aws.fauxqs.createQueue("raw-or-not");
  expect(
    (await api.call("POST", "/subscriptions", { body: { protocol: "sqs", endpoint: q.queueArn } })).status,
  ).toBe(201);
  const raw = await api.call("POST", "/subscriptions", {
    body: { protocol: "sqs", endpoint: q.queueArn, rawDelivery: true },
  });
  expect(raw.status).toBe(409);
  expect(raw.body.error.message).toContain("differs in rawDelivery");
});

test.each([
  ["sqs", "my-queue", "not an SQS queue ARN"],
  ["sqs", "arn:aws:sqs:us-east-1:123456789012:orders.fifo", "FIFO queue"],
  ["sqs", "arn:aws:sns:us-east-1:123456789012:topic", "not an SQS queue ARN"],
  ["lambda", "arn:aws:lambda:us-east-1:123456789012:layer:x", "not a Lambda function ARN"],
])("a %s endpoint %j is refused, saying which rule", async (protocol, endpoint, rule) => {
  const res = await api.call("POST", "/subscriptions", { body: { protocol, endpoint } });
  expect(res.status).toBe(422);
  expect(res.body.error.message).toContain(rule);
});

test("rawDelivery only where SNS can deliver raw (SQS, HTTPS)", async () => {
  for (const body of [
    { protocol: "email", endpoint: "ops@example.com", rawDelivery: true },
    { protocol: "lambda", endpoint: "arn:aws:lambda:us-east-1:123456789012:function:f", rawDelivery: true },
  ]) {
    const res = await api.call("POST", "/subscriptions", { body });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("rawDelivery is for sqs and https");
  }
});

test("the stack's own queues on the topic are neither listed nor deletable", async () => {
  api.aws.fauxqs.createQueue("stack-own-webhooks");
  const own = await api.aws.sns.send(
    new SubscribeCommand({
      TopicArn: api.aws.topicArn,
      Protocol: "sqs",
      Endpoint: INTERNAL,
      ReturnSubscriptionArn: true,
    }),
  );
  const id = (own.SubscriptionArn ?? "").split(":").pop() as string;
  const listed = await api.call("GET", "/subscriptions");
  expect(listed.body.items.map((s: { endpoint: string }) => s.endpoint)).not.toContain(INTERNAL);
  expect((await api.call("DELETE", `/subscriptions/${id}`)).status).toBe(404);
});
