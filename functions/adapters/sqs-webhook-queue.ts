import type { TaskEvent } from "../core/events.js";
import type { WebhookQueue } from "../core/ports.js";
import { jsonForAws } from "../core/text-rules.js";
import { SqsQueue } from "./sqs-queue.js";

/** The message attribute that marks a redelivery asked for through the API. */
export const REDELIVERY_ATTRIBUTE = "redelivery";

/**
 * The webhook queue: the API puts redeliveries on it (the same body SNS delivers, raw), the webhook
 * function pushes a failed message's next receive out by the retry wait.
 */
export class SqsWebhookQueue extends SqsQueue implements WebhookQueue {
  async redeliver(event: TaskEvent): Promise<void> {
    // U+FFFE/U+FFFF escaped (SQS refuses them raw): the same event, parsed.
    await this.send(jsonForAws(event), {
      attributes: { [REDELIVERY_ATTRIBUTE]: { DataType: "String", StringValue: "true" } },
    });
  }
}
