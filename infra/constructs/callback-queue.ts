import { Duration } from "aws-cdk-lib";
import { type ITopic, SubscriptionFilter } from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { CALLBACKS_ATTRIBUTE } from "../../functions/core/shared-names.js";
import { WEBHOOK_MAX_RECEIVES } from "../../functions/core/webhook-delivery.js";
import { deadLetterQueue } from "./dead-letter-queue.js";

/**
 * The queue of one kind of per-task callback (webhooks, Step Functions): subscribed to the topic
 * raw, filtered on the `callbacks` attribute; encrypted, TLS only, kept two weeks (the retry
 * schedule spans about 18 hours); visibility six times the function's timeout, as AWS advises for
 * SQS event sources. The function counts attempts itself and moves a message to the DLQ after the
 * last; the redrive is a backstop for a message that fails every receive.
 */
export function callbackQueue(
  scope: Construct,
  props: { topic: ITopic; allow: readonly string[]; functionTimeout: Duration; whose: string },
): { queue: Queue; deadLetterQueue: Queue } {
  const dlq = deadLetterQueue(scope, "Failed", props.whose);
  const queue = new Queue(scope, "Queue", {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
    visibilityTimeout: Duration.seconds(props.functionTimeout.toSeconds() * 6),
    deadLetterQueue: { queue: dlq, maxReceiveCount: WEBHOOK_MAX_RECEIVES },
  });
  props.topic.addSubscription(
    new SqsSubscription(queue, {
      rawMessageDelivery: true,
      filterPolicy: {
        [CALLBACKS_ATTRIBUTE]: SubscriptionFilter.stringFilter({ allowlist: [...props.allow] }),
      },
    }),
  );
  return { queue, deadLetterQueue: dlq };
}
