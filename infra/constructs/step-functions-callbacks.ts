import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC_NAMESPACE } from "../../functions/config/metric-names.js";
import { CALLBACKS_ATTRIBUTE, STEP_FUNCTIONS_FILTER_POLICY } from "../../functions/core/shared-names.js";
import type { StageConfig } from "../config.js";
import { callbackQueue } from "./callback-queue.js";
import { NotifierFunction } from "./notifier-function.js";

export interface StepFunctionsCallbacksProps {
  config: StageConfig;
  table: ITable;
  topic: ITopic;
  /** The key tokens are sealed with (the webhook header key). */
  tokenKey: ISecret;
}

const BATCH_SIZE = 10;

/** The actions a callback needs; CDK's StateMachine.grantTaskResponse grants the same on a state machine. */
export const TASK_RESPONSE_ACTIONS = [
  "states:SendTaskSuccess",
  "states:SendTaskFailure",
  "states:SendTaskHeartbeat",
];

/**
 * Step Functions callbacks, the webhook path's sibling: final events of tasks with waiting tokens
 * (a filter on the `callbacks` attribute) reach a queue, which also carries heartbeats and the final
 * event of a token registered after its task ended; a function sends SendTaskSuccess, SendTaskFailure
 * and SendTaskHeartbeat, retrying throttling and outages through the message's visibility.
 */
export class StepFunctionsCallbacks extends Construct {
  readonly function: NotifierFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: StepFunctionsCallbacksProps) {
    super(scope, id);
    const c = props.config;
    const functionTimeout = Duration.seconds(60);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = callbackQueue(this, {
      topic: props.topic,
      allow: STEP_FUNCTIONS_FILTER_POLICY[CALLBACKS_ATTRIBUTE],
      functionTimeout,
      whose: "Step Functions callbacks",
    }));
    this.function = new NotifierFunction(this, "Function", {
      entry: "step-functions.ts",
      description:
        "Sends Step Functions task tokens their callback when their TwelveLabs task ends, and heartbeats",
      timeout: functionTimeout,
      memorySize: 256,
      logRetentionDays: c.logRetentionDays,
      removalPolicy: c.removalPolicy,
      logLevel: c.logLevel,
      environment: {
        STAGE: c.stage,
        STEP_FUNCTIONS_QUEUE_URL: this.queue.queueUrl,
        STEP_FUNCTIONS_DLQ_URL: this.deadLetterQueue.queueUrl,
        STEP_FUNCTIONS_CONCURRENCY: String(BATCH_SIZE),
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
    })
      // Reads waiters and records their ends: no more.
      .bindTable(props.table, c.shards, ["GetItem", "UpdateItem"])
      .bindSecret(props.tokenKey, "CALLBACK_HEADER_KEY_SECRET_NAME");
    // Heartbeats queue the next one; the last failure goes to the DLQ.
    this.queue.grantSendMessages(this.function.fn);
    this.deadLetterQueue.grantSendMessages(this.function.fn);
    const arns = c.stepFunctions.stateMachineArns ?? [];
    this.function.fn.addToRolePolicy(
      new PolicyStatement({ actions: TASK_RESPONSE_ACTIONS, resources: arns.length > 0 ? arns : ["*"] }),
    );
    if (arns.length === 0)
      Validations.of(this.function.fn).acknowledge({
        id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
        reason: `Stage ${c.stage} lists no state machines (stepFunctions.stateMachineArns in infra/config.ts): task tokens of any state machine in ${Stack.of(this).account} may be answered.`,
      });
    this.function.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: Math.max(2, c.stepFunctions.maxConcurrency),
      }),
    );
  }
}
