import { SubscribeCommand } from "@aws-sdk/client-sns";
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { SQSEvent, SQSRecord } from "aws-lambda";
import { WEBHOOK_FILTER_POLICY } from "../functions/adapters/sns-publisher.js";
import { WEBHOOK_MAX_RECEIVES } from "../functions/core/webhook-delivery.js";
import type { WebhookHandler } from "../functions/webhook-handler.js";
import type { EmbeddedAws } from "./embedded-aws.js";

export const LOCAL_WEBHOOK_QUEUE = "local-webhooks";
export const LOCAL_WEBHOOK_DLQ = "local-webhooks-failed";

/**
 * The deployed webhook path, locally: a queue subscribed to the topic with the same raw delivery
 * and filter policy, its dead-letter queue after the same number of receives, and the webhook
 * handler fed the queue's messages as Lambda's SQS event source does (partial batch failures:
 * only the messages the handler did not report are deleted).
 */
export async function createLocalWebhookQueue(
  aws: EmbeddedAws,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  return createLocalCallbackQueue(aws, LOCAL_WEBHOOK_QUEUE, LOCAL_WEBHOOK_DLQ, WEBHOOK_FILTER_POLICY);
}

/** A callback queue as the stack makes one: its DLQ after the same receives, subscribed raw with `filterPolicy`. */
export async function createLocalCallbackQueue(
  aws: EmbeddedAws,
  name: string,
  dlqName: string,
  filterPolicy: Record<string, string[]>,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = aws.fauxqs.createQueue(dlqName);
  const queue = aws.fauxqs.createQueue(name, {
    attributes: {
      VisibilityTimeout: "60",
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: dlq.queueArn,
        maxReceiveCount: WEBHOOK_MAX_RECEIVES,
      }),
    },
  });
  await aws.sns.send(
    new SubscribeCommand({
      TopicArn: aws.topicArn,
      Protocol: "sqs",
      Endpoint: queue.queueArn,
      Attributes: { RawMessageDelivery: "true", FilterPolicy: JSON.stringify(filterPolicy) },
    }),
  );
  return { queueUrl: queue.queueUrl, dlqUrl: dlq.queueUrl };
}

/**
 * Feeds a queue to a handler until stopped, as Lambda's SQS event source does (the webhook queue,
 * local mode's EventBridge queue); errors are printed under `label`. Returns the stop function.
 */
export function startQueueLoop(
  aws: EmbeddedAws,
  queueUrl: string,
  handler: WebhookHandler,
  print: (line: string) => void,
  label = "webhook",
): () => Promise<void> {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        await pollOnce(aws, queueUrl, handler);
      } catch (err) {
        print(`[${label}] ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/** One receive, one handler call, the successes deleted; the number of messages received. */
export async function pollOnce(aws: EmbeddedAws, queueUrl: string, handler: WebhookHandler): Promise<number> {
  const res = await aws.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ["All"],
      MessageAttributeNames: ["All"],
    }),
  );
  const messages = res.Messages ?? [];
  if (messages.length === 0) return 0;
  const event: SQSEvent = { Records: messages.map((m) => toRecord(m, queueUrl)) };
  const { batchItemFailures } = await handler(event);
  const failed = new Set(batchItemFailures.map((f) => f.itemIdentifier));
  const done = messages.filter((m) => !failed.has(m.MessageId ?? ""));
  if (done.length > 0) {
    await aws.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
      }),
    );
  }
  return messages.length;
}

/** An SQS message as Lambda's event source hands it over. */
function toRecord(m: Message, queueUrl: string): SQSRecord {
  const attrs = m.Attributes ?? {};
  return {
    messageId: m.MessageId ?? "",
    receiptHandle: m.ReceiptHandle ?? "",
    body: m.Body ?? "",
    attributes: {
      ApproximateReceiveCount: attrs.ApproximateReceiveCount ?? "1",
      SentTimestamp: attrs.SentTimestamp ?? String(Date.now()),
      SenderId: attrs.SenderId ?? "local",
      ApproximateFirstReceiveTimestamp: attrs.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(m.MessageAttributes ?? {}).map(([k, v]) => [
        k,
        {
          stringValue: v.StringValue,
          dataType: v.DataType ?? "String",
          stringListValues: [],
          binaryListValues: [],
        },
      ]),
    ),
    md5OfBody: m.MD5OfBody ?? "",
    eventSource: "aws:sqs",
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split("/").pop() ?? ""}`,
    awsRegion: "us-east-1",
  };
}
