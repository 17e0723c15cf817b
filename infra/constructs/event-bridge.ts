import { Duration, type RemovalPolicy, Stack } from "aws-cdk-lib";
import { EventBus, type IEventBus } from "aws-cdk-lib/aws-events";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { CfnPipe } from "aws-cdk-lib/aws-pipes";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { SqsSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { EVENTBRIDGE_DETAIL_TYPE, eventBusName } from "../../functions/core/eventbridge-entry.js";
import { deadLetterQueue } from "./dead-letter-queue.js";

export interface EventBridgeProps {
  stage: string;
  topic: ITopic;
  /** A bus the stage names (`default` included); otherwise the stack creates one for the stage. */
  busName?: string;
  /** The events' `source` (checked by the stack: reverse-DNS, not `aws.`). */
  source: string;
  removalPolicy: RemovalPolicy;
}

/** Receives before the pipe's queue dead-letters a message (the pipe retries a failed PutEvents that often). */
export const EVENTBRIDGE_MAX_RECEIVES = 10;

/**
 * Every task event also on EventBridge, hung off the topic like every destination: SNS -> an SQS
 * queue (raw delivery, no filter: every event) -> an EventBridge Pipe -> the stage's bus, with
 * `detail-type` "TwelveLabs Task State Change", the stage's `source`, and the event JSON as `detail`.
 * No function runs: the pipe reads the queue and calls PutEvents. At least once, like SNS: a failed
 * PutEvents leaves the message in the queue, retried, and after EVENTBRIDGE_MAX_RECEIVES receives
 * it waits in a dead-letter queue (alarmed). An event is a few KB, far below EventBridge's 256 KB
 * entry limit (results themselves are never carried: links name them).
 */
export class EventBridgeDelivery extends Construct {
  readonly bus: IEventBus;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly pipe: CfnPipe;

  constructor(scope: Construct, id: string, props: EventBridgeProps) {
    super(scope, id);
    this.bus = props.busName
      ? EventBus.fromEventBusName(this, "Bus", props.busName)
      : new EventBus(this, "Bus", {
          eventBusName: eventBusName(props.stage),
          description: `TwelveLabs task events (${props.stage})`,
        });
    if (this.bus instanceof EventBus) this.bus.applyRemovalPolicy(props.removalPolicy);
    this.deadLetterQueue = deadLetterQueue(this, "Failed", "the EventBridge pipe's queue");
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(60),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: EVENTBRIDGE_MAX_RECEIVES },
    });
    // Raw delivery: the queue holds the event JSON itself (the `default` of the JSON structure).
    props.topic.addSubscription(new SqsSubscription(this.queue, { rawMessageDelivery: true }));

    const role = new Role(this, "PipeRole", {
      assumedBy: new ServicePrincipal("pipes.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
      description: `Reads the EventBridge queue and puts task events on the bus (${props.stage})`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        resources: [this.queue.queueArn],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({ actions: ["events:PutEvents"], resources: [this.bus.eventBusArn] }),
    );

    this.pipe = new CfnPipe(this, "Pipe", {
      description: `TwelveLabs task events to EventBridge (${props.stage})`,
      roleArn: role.roleArn,
      source: this.queue.queueArn,
      sourceParameters: { sqsQueueParameters: { batchSize: 10, maximumBatchingWindowInSeconds: 0 } },
      target: this.bus.eventBusArn,
      targetParameters: {
        // The body is the event JSON (Pipes parses a JSON body), so it becomes the detail as is.
        inputTemplate: "<$.body>",
        eventBridgeEventBusParameters: { detailType: EVENTBRIDGE_DETAIL_TYPE, source: props.source },
      },
    });
    this.pipe.node.addDependency(role);
  }
}
