import { readFileSync } from "node:fs";
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_EVENT_SOURCE, EVENTBRIDGE_DETAIL_TYPE } from "../../functions/core/eventbridge-entry.js";
import type { TaskEvent } from "../../functions/core/events.js";
import {
  createLocalEventBridgeQueue,
  eventBridgeForwarder,
  putEventsSink,
} from "../../local/eventbridge-forwarder.js";
import { pollOnce } from "../../local/webhook-loop.js";
import { motoServerPath, startMotoServer } from "../support/moto-server.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Events on EventBridge as the stack's pipe puts them (detail-type, source, the event as detail),
 * through local mode's forwarder and the real EventBridge SDK client against moto's server; the
 * README's two rule patterns select exactly the events they describe.
 */
const MOTO = motoServerPath();
if (!MOTO) console.warn("eventbridge.test.ts: moto_server is not installed: skipped (.ci/run requires it)");

let h: PollerHarness;
let moto: Awaited<ReturnType<typeof startMotoServer>>;
let eb: EventBridgeClient;
let sqs: SQSClient;

beforeAll(async () => {
  if (!MOTO) return;
  moto = await startMotoServer();
  const cfg = {
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "moto", secretAccessKey: "moto" },
  };
  eb = new EventBridgeClient(cfg);
  sqs = new SQSClient(cfg);
  h = await startPollerHarness({ TAG_ATTRIBUTES: "team" });
}, 60_000);
afterAll(async () => {
  await h?.close();
  eb?.destroy();
  sqs?.destroy();
  await moto?.close();
});

/** The README's rule patterns (section EventBridge), in order. */
function readmePatterns(): Array<Record<string, unknown>> {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const from = readme.indexOf("## EventBridge");
  const section = readme.slice(from, readme.indexOf("\n## ", from + 5));
  return [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string));
}

async function ruleToQueue(bus: string, name: string, pattern: Record<string, unknown>): Promise<string> {
  const q = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes?.QueueArn;
  await eb.send(new PutRuleCommand({ Name: name, EventBusName: bus, EventPattern: JSON.stringify(pattern) }));
  await eb.send(new PutTargetsCommand({ Rule: name, EventBusName: bus, Targets: [{ Id: "q", Arn: arn }] }));
  return q.QueueUrl as string;
}

async function received(queueUrl: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 3; i++) {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of res.Messages ?? []) out.push(JSON.parse(m.Body ?? "{}") as Record<string, unknown>);
  }
  return out;
}

describe.skipIf(!MOTO)("EventBridge (moto's server)", () => {
  test("every event reaches the bus with the detail-type, source and the event as detail; the README's rules pick exactly theirs", async () => {
    const bus = "twelvelabs-task-notifier-test";
    await eb.send(new CreateEventBusCommand({ Name: bus }));
    const [readyVideo, anyFailure] = readmePatterns();
    expect(readyVideo).toBeDefined();
    expect(anyFailure).toBeDefined();
    const readyQueue = await ruleToQueue(bus, "ready-video", readyVideo as Record<string, unknown>);
    const failureQueue = await ruleToQueue(bus, "any-failure", anyFailure as Record<string, unknown>);
    const everything = await ruleToQueue(bus, "everything", { source: [DEFAULT_EVENT_SOURCE] });

    const ready = [{ status: "ready" as const, afterMs: 0 }];
    const video = h.sim.addTask({ kind: "embed", timeline: ready });
    await h.register({ taskId: video.id, tags: { team: "video" } });
    const audio = h.sim.addTask({ kind: "embed", timeline: ready });
    await h.register({ taskId: audio.id, tags: { team: "audio" } });
    const failed = h.sim.addTask({ kind: "embed-v2", timeline: [{ status: "failed", afterMs: 0 }] });
    await h.register({ taskId: failed.id, kind: "embed-v2", tags: { team: "video" } });
    const late = h.sim.addTask({ kind: "embed" });
    await h.register({ taskId: late.id, deadlineSeconds: 10 }, Date.now() - 60_000);

    const queueUrl = await createLocalEventBridgeQueue(h.aws);
    const sns = h.queue("eventbridge-sns-copy");
    await h.run();
    const forward = eventBridgeForwarder(putEventsSink(eb), bus, DEFAULT_EVENT_SOURCE);
    while ((await pollOnce(h.aws, queueUrl, forward)) > 0);

    const all = await received(everything);
    expect(all).toHaveLength(4);
    const viaSns = new Map((await h.drain(sns)).map((m) => [m.event.id, m.event]));
    for (const e of all) {
      expect(e["detail-type"]).toBe(EVENTBRIDGE_DETAIL_TYPE);
      expect(e.source).toBe(DEFAULT_EVENT_SOURCE);
      const detail = e.detail as TaskEvent;
      // The same body SNS carries, field for field.
      expect(detail).toEqual(viaSns.get(detail.id));
    }
    const idsOf = (events: Array<Record<string, unknown>>) =>
      events.map((e) => (e.detail as TaskEvent).task.id).sort();
    expect(idsOf(await received(readyQueue))).toEqual([video.id]);
    expect(idsOf(await received(failureQueue))).toEqual([failed.id, late.id].sort());
  }, 60_000);

  test("an entry EventBridge refuses stays queued and comes back (at least once)", async () => {
    const queueUrl = await createLocalEventBridgeQueue(h.aws);
    const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    await h.register({ taskId: t.id });
    await h.run();
    const refusing = eventBridgeForwarder(
      async (entries) => entries.map(() => false),
      "default",
      DEFAULT_EVENT_SOURCE,
    );
    const batch = await h.aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
      }),
    );
    expect(batch.Messages?.length ?? 0).toBeGreaterThan(0);
    const result = await refusing({
      Records: (batch.Messages ?? []).map((m) => ({
        messageId: m.MessageId ?? "",
        receiptHandle: m.ReceiptHandle ?? "",
        body: m.Body ?? "",
        attributes: {} as never,
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: "",
        awsRegion: "us-east-1",
      })),
    });
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      (batch.Messages ?? []).map((m) => m.MessageId).sort(),
    );
  }, 60_000);
});
