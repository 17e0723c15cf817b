import { ChangeMessageVisibilityCommand, SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";

/**
 * One of the stack's queues as its function (and whoever feeds it) uses it: send a body, push a
 * failed message's next receive out (the retry wait), move a message to a dead-letter queue. The
 * webhook, Step Functions and archive queues add what is theirs on top.
 */
export class SqsQueue {
  constructor(
    protected readonly sqs: SQSClient,
    protected readonly queueUrl: string,
  ) {}

  protected async send(
    body: string,
    opts: {
      delaySeconds?: number;
      attributes?: Record<string, { DataType: string; StringValue: string }>;
    } = {},
  ): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: body,
        ...(opts.delaySeconds !== undefined ? { DelaySeconds: opts.delaySeconds } : {}),
        ...(opts.attributes ? { MessageAttributes: opts.attributes } : {}),
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
