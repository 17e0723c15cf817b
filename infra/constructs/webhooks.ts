import { Duration, type RemovalPolicy, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC_NAMESPACE } from "../../functions/config/metric-names.js";
import { CALLBACKS_ATTRIBUTE, WEBHOOK_FILTER_POLICY } from "../../functions/core/shared-names.js";
import { WEBHOOK_ATTEMPT_TIMEOUT_MS } from "../../functions/core/webhook-delivery.js";
import type { StageConfig } from "../config.js";
import { callbackQueue } from "./callback-queue.js";
import { NotifierFunction } from "./notifier-function.js";

export interface WebhooksProps {
  config: StageConfig;
  table: ITable;
  topic: ITopic;
  removalPolicy: RemovalPolicy;
}

/** Records per invocation: ten deliveries in parallel, each at most 15 s. */
const BATCH_SIZE = 10;

/**
 * Signed per-task webhooks: the topic's events of tasks with a callback (a filter policy on the
 * `webhook` attribute) reach a queue; a function POSTs each, signed with the signing secret, and
 * reports failures per record; the queue's visibility is the retry schedule, its redrive the
 * last stop (a DLQ with an alarm). Also the secret that seals per-task callback headers.
 */
export class Webhooks extends Construct {
  readonly function: NotifierFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly signingSecret: ISecret;
  readonly headerKey: Secret;

  constructor(scope: Construct, id: string, props: WebhooksProps) {
    super(scope, id);
    const c = props.config;
    this.signingSecret = c.webhooks.existingSecretName
      ? Secret.fromSecretNameV2(this, "ImportedSigningSecret", c.webhooks.existingSecretName)
      : this.newSigningSecret(props.removalPolicy);
    this.headerKey = new Secret(this, "HeaderKey", {
      description: "Key that seals per-task webhook headers (callbackHeaders) in the task table",
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(this.headerKey).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "Headers stored sealed with this key would no longer open after a rotation; it never leaves the functions.",
    });

    const functionTimeout = Duration.millis(WEBHOOK_ATTEMPT_TIMEOUT_MS * 2 + 10_000);
    ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = callbackQueue(this, {
      topic: props.topic,
      allow: WEBHOOK_FILTER_POLICY[CALLBACKS_ATTRIBUTE],
      functionTimeout,
      whose: "webhook deliveries",
    }));
    this.function = new NotifierFunction(this, "Function", {
      entry: "webhook.ts",
      description: "POSTs signed task events to the callbackUrl they were registered with",
      timeout: functionTimeout,
      memorySize: 256,
      logRetentionDays: c.logRetentionDays,
      removalPolicy: props.removalPolicy,
      logLevel: c.logLevel,
      environment: {
        STAGE: c.stage,
        WEBHOOK_QUEUE_URL: this.queue.queueUrl,
        WEBHOOK_DLQ_URL: this.deadLetterQueue.queueUrl,
        WEBHOOK_SECRET_OVERLAP_SECONDS: String(c.webhooks.secretOverlap.toSeconds()),
        WEBHOOK_CONCURRENCY: String(BATCH_SIZE),
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
    })
      // Reads the callback, appends attempts, keeps sent events, disables after a 410: no more.
      .bindTable(props.table, c.shards, ["GetItem", "UpdateItem"])
      .bindSecret(this.signingSecret, "WEBHOOK_SECRET_NAME")
      .bindSecret(this.headerKey, "CALLBACK_HEADER_KEY_SECRET_NAME");
    // After the last attempt the function puts the message on the DLQ itself.
    this.deadLetterQueue.grantSendMessages(this.function.fn);
    this.function.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: Math.max(2, c.webhooks.maxConcurrency),
      }),
    );
  }

  private newSigningSecret(removalPolicy: RemovalPolicy): Secret {
    const secret = new Secret(this, "SigningSecret", {
      description:
        'Standard Webhooks signing secret of the task notifier: {"current": "<base64>"}; receivers use whsec_<base64>. Rotate with npm run webhook-secret -- rotate',
      // 48 letters and digits are valid base64 (36 bytes): the secret is whsec_ followed by them.
      generateSecretString: {
        secretStringTemplate: "{}",
        generateStringKey: "current",
        excludePunctuation: true,
        passwordLength: 48,
      },
      removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "Receivers hold this secret too: it is rotated on purpose with npm run webhook-secret -- rotate, both secrets signing during the overlap.",
    });
    return secret;
  }
}
