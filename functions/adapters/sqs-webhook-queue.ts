import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import type { TaskEvent } from "../core/events.js";
import type { WebhookQueue } from "../core/ports.js";
import { jsonForAws } from "../core/text-rules.js";

/** The message attribute that marks a redelivery asked for through the API. */
export const REDELIVERY_ATTRIBUTE = "redelivery";

/**
 * The webhook queue as the functions use it: the API puts redeliveries on it (the same body SNS
 * delivers, raw), the webhook function pushes a failed message's next receive out by the retry wait.
 */
export class SqsWebhookQueue implements WebhookQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async redeliver(event: TaskEvent): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        // U+FFFE/U+FFFF escaped (SQS refuses them raw): the same event, parsed.
        MessageBody: jsonForAws(event),
        MessageAttributes: { [REDELIVERY_ATTRIBUTE]: { DataType: "String", StringValue: "true" } },
      }),
    );
  }

  /** A message that failed its last attempt, onto the dead-letter queue as it was (body and attributes). */
  async deadLetter(deadLetterQueueUrl: string, record: SQSRecord): Promise<void> {
    const attributes: Record<string, { DataType: string; StringValue: string }> = {};
    for (const [name, a] of Object.entries(record.messageAttributes ?? {}))
      if (a.stringValue !== undefined)
        attributes[name] = { DataType: a.dataType ?? "String", StringValue: a.stringValue };
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MessageBody: record.body,
        MessageAttributes: attributes,
      }),
    );
  }

  /** The message comes back after `seconds` (SQS's visibility timeout, at most 12 h). */
  async retryIn(receiptHandle: string, seconds: number): Promise<void> {
    await this.sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: receiptHandle,
        VisibilityTimeout: seconds,
      }),
    );
  }
}
