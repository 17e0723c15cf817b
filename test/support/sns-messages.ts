import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { TaskEvent } from "../../functions/core/events.js";

export interface DeliveredMessage {
  event: TaskEvent;
  /** The whole `MessageStructure: "json"` document as published (default/email/sms). */
  structure: { default: string; email?: string; sms?: string };
  subject: string | null;
  attributes: Record<string, string>;
}

/**
 * Reads every message from an SQS queue subscribed to the topic (SNS envelope, not raw).
 * Real SNS hands SQS only the `default` body of a `MessageStructure: "json"` publish; fauxqs
 * delivers the whole structure, so both forms are accepted and the structure kept for assertions.
 */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<DeliveredMessage[]> {
  const out: DeliveredMessage[] = [];
  for (;;) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 30,
      }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) return out;
    for (const m of messages) {
      const envelope = JSON.parse(m.Body ?? "{}") as {
        Message: string;
        Subject: string | null;
        MessageAttributes?: Record<string, { Value: string }>;
      };
      const inner = JSON.parse(envelope.Message) as Record<string, unknown>;
      const structure = (
        typeof inner.default === "string" ? inner : { default: envelope.Message }
      ) as DeliveredMessage["structure"];
      out.push({
        event: JSON.parse(structure.default) as TaskEvent,
        structure,
        subject: envelope.Subject,
        attributes: Object.fromEntries(
          Object.entries(envelope.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
        ),
      });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}
