import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import type { ArchiveJob, ArchiveQueue } from "../core/ports.js";

/** The archive queue as the poller sends to it: one message per archived task turning ready. */
export class SqsArchiveQueue implements ArchiveQueue {
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(job: ArchiveJob): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(job) }),
    );
  }
}
