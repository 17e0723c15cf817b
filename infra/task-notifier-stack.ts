import { Annotations, CfnOutput, Fn, Stack, type StackProps } from "aws-cdk-lib";
import type { Grant, IGrantable } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import { DISCOVERABLE_KINDS, unwatchableKinds } from "../functions/core/discovery.js";
import { eventSourceProblem } from "../functions/core/eventbridge-entry.js";
import { tagAttributesProblem } from "../functions/core/tag-attributes.js";
import type { StageConfig } from "./config.js";
import { Alarms } from "./constructs/alarms.js";
import { NotifierApi } from "./constructs/api.js";
import { ApiKeySecret } from "./constructs/api-key-secret.js";
import { NotifierDashboard } from "./constructs/dashboard.js";
import { EventBridgeDelivery } from "./constructs/event-bridge.js";
import { NotificationTopic } from "./constructs/notification-topic.js";
import { Poller } from "./constructs/poller.js";
import { ResultsArchive } from "./constructs/results-archive.js";
import { StepFunctionsCallbacks } from "./constructs/step-functions-callbacks.js";
import { TaskTable } from "./constructs/task-table.js";
import { Webhooks } from "./constructs/webhooks.js";

export interface TaskNotifierStackProps extends StackProps {
  config: StageConfig;
}

/** One environment of the notifier. The stack only composes; each construct owns a capability. */
export class TaskNotifierStack extends Stack {
  /** The API: its task routes also under /iam for SigV4 callers (grantRegister). */
  readonly api: NotifierApi;

  constructor(scope: Construct, id: string, props: TaskNotifierStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const c = props.config;
    // Refused here, at synth, rather than by every publish failing once deployed.
    const tagProblem = tagAttributesProblem(c.tagAttributes);
    if (tagProblem) throw new Error(`Stage ${c.stage}: tagAttributes in infra/config.ts: ${tagProblem}`);
    // A warning, not an error: a stage may route alarms elsewhere (OperationsTopicArn output).
    if (!c.alarmEmail)
      Annotations.of(this).addWarningV2(
        "twelvelabs-task-notifier:alarmsReachNoOne",
        `Stage ${c.stage}: its alarms reach no one: set alarmEmail for the stage in infra/config.ts, or subscribe to the OperationsTopicArn output.`,
      );
    const unwatchable = unwatchableKinds(c.watchAccount);
    if (unwatchable.length > 0)
      throw new Error(
        `Stage ${c.stage}: watchAccount in infra/config.ts: ${unwatchable.join(", ")} cannot be watched (watchable: ${DISCOVERABLE_KINDS.join(", ")})`,
      );
    const sourceProblem = eventSourceProblem(c.eventBridge.source);
    if (sourceProblem)
      throw new Error(`Stage ${c.stage}: eventBridge.source in infra/config.ts ${sourceProblem}`);
    const removalPolicy = c.removalPolicy;

    const table = new TaskTable(this, "Tasks", { removalPolicy, pointInTimeRecovery: c.pointInTimeRecovery })
      .table;
    const events = new NotificationTopic(this, "Events", {
      displayName: `TwelveLabs tasks (${c.stage})`,
      removalPolicy,
      initialSubscriptions: c.initialSubscriptions,
    });
    const secret = new ApiKeySecret(this, "TwelveLabsKey", {
      existingSecretName: c.existingApiKeySecretName,
      removalPolicy,
    }).secret;
    const poller = new Poller(this, "Poller", {
      config: c,
      table,
      topic: events.topic,
      secret,
      removalPolicy,
    });
    const api = new NotifierApi(this, "Api", { config: c, table, topic: events.topic, removalPolicy });
    this.api = api;
    const webhooks = new Webhooks(this, "Webhooks", { config: c, table, topic: events.topic, removalPolicy });
    // Registration seals callbackHeaders; POST /tasks/{id}/redeliver puts an event on the webhook queue.
    api.function
      .bindSecret(webhooks.headerKey, "CALLBACK_HEADER_KEY_SECRET_NAME")
      .bindQueueSender(webhooks.queue, "WEBHOOK_QUEUE_URL");
    // Tokens are sealed with the header key; the API queues heartbeats and late final callbacks.
    const stepFunctions = new StepFunctionsCallbacks(this, "StepFunctions", {
      config: c,
      table,
      topic: events.topic,
      tokenKey: webhooks.headerKey,
    });
    api.function.bindQueueSender(stepFunctions.queue, "STEP_FUNCTIONS_QUEUE_URL");
    // Results kept in S3: the poller hands archive jobs over; the API presigns reads.
    const archive = new ResultsArchive(this, "Results", {
      config: c,
      table,
      topic: events.topic,
      key: events.key,
      secret,
    });
    poller.function.bindQueueSender(archive.queue, "ARCHIVE_QUEUE_URL");
    archive.grantPresignedReads(api.function, c.stage, c.archive.default);
    const eventBridge = new EventBridgeDelivery(this, "EventBridge", {
      stage: c.stage,
      topic: events.topic,
      busName: c.eventBridge.busName,
      source: c.eventBridge.source,
      removalPolicy,
    });
    // The stack's own queues on the topic: the API neither lists nor deletes them.
    api.function.fn.addEnvironment(
      "INTERNAL_SUBSCRIPTION_ENDPOINTS",
      Fn.join(",", [webhooks.queue.queueArn, stepFunctions.queue.queueArn, eventBridge.queue.queueArn]),
    );
    const alarms = new Alarms(this, "Alarms", {
      stage: c.stage,
      poller: poller.function.fn,
      api: api.api,
      deadLetterQueue: poller.deadLetterQueue,
      webhooks: webhooks.function.fn,
      webhookDeadLetterQueue: webhooks.deadLetterQueue,
      eventBridgeDeadLetterQueue: eventBridge.deadLetterQueue,
      stepFunctions: stepFunctions.function.fn,
      stepFunctionsDeadLetterQueue: stepFunctions.deadLetterQueue,
      archiver: archive.function.fn,
      archiveDeadLetterQueue: archive.deadLetterQueue,
      alarmEmail: c.alarmEmail,
      maxQuietPeriod: c.maxQuietPeriod,
      removalPolicy,
    });

    const dashboard = new NotifierDashboard(this, "Dashboard", {
      stage: c.stage,
      poller: poller.function.fn,
      api: api.api,
      webhookDeadLetterQueue: webhooks.deadLetterQueue,
      stepFunctionsDeadLetterQueue: stepFunctions.deadLetterQueue,
      archive: {
        queue: archive.queue,
        deadLetterQueue: archive.deadLetterQueue,
        archiver: archive.function.fn,
      },
      alarms: alarms.alarms,
    }).dashboard;

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    // Without a trailing slash, like local mode's base URL: $NOTIFIER/tasks in both.
    output(
      "ApiUrl",
      Fn.join("", [
        "https://",
        api.api.restApiId,
        ".execute-api.",
        this.region,
        ".",
        this.urlSuffix,
        "/",
        api.api.deploymentStage.stageName,
      ]),
      "Base URL of the notifier API (export NOTIFIER=<this>; routes are $NOTIFIER/tasks, $NOTIFIER/subscriptions)",
    );
    output(
      "IamInvokeArn",
      api.api.arnForExecuteApi("*", "/iam/tasks/*", api.api.deploymentStage.stageName),
      "For callers inside AWS without an API key: allow execute-api:Invoke on this (and on the same ARN without /*) and call $NOTIFIER/iam/tasks signed with SigV4",
    );
    output(
      "ClientApiKeyId",
      api.apiKey.keyId,
      "The client API key's id (task routes): aws apigateway get-api-key --include-value --api-key <id>",
    );
    output(
      "AdminApiKeyId",
      api.adminKey.keyId,
      "The admin API key's id (every route, subscriptions too): aws apigateway get-api-key --include-value --api-key <id>",
    );
    output(
      "TopicArn",
      events.topic.topicArn,
      "SNS topic of task events (subscriptions, SNS HTTPS receivers check it)",
    );
    output(
      "OperationsTopicArn",
      alarms.topic.topic.topicArn,
      "SNS topic the stage's alarms notify (alarmEmail subscribes to it; add your own subscriptions)",
    );
    output(
      "TwelveLabsKeySecretName",
      secret.secretName,
      "Secrets Manager secret holding the TwelveLabs API key: put your key here",
    );
    output(
      "WebhookSecretName",
      webhooks.signingSecret.secretName,
      "Webhook signing secret; receivers use whsec_ + its current value (README: Webhooks)",
    );
    output(
      "WebhookDeadLetterQueueUrl",
      webhooks.deadLetterQueue.queueUrl,
      "Webhook deliveries that failed every attempt",
    );
    output(
      "StepFunctionsDeadLetterQueueUrl",
      stepFunctions.deadLetterQueue.queueUrl,
      "Step Functions callbacks that failed every attempt (the task's callback.waiters say which)",
    );
    output(
      "ResultsBucketName",
      archive.bucket.bucketName,
      `S3 bucket of archived results (keys ${c.stage}/<kind>/<taskId>/<registeredAt>.json; GET /tasks/{id}/result redirects there)`,
    );
    output(
      "EventBusName",
      eventBridge.bus.eventBusName,
      `EventBridge bus every task event goes to (detail-type "TwelveLabs Task State Change", source ${c.eventBridge.source})`,
    );
    output("TableName", table.tableName, "DynamoDB table of watched tasks");
    output(
      "DashboardName",
      dashboard.dashboardName,
      "CloudWatch > Dashboards: the poller, TwelveLabs calls, events, delays, the API and the alarms",
    );
  }

  /** Lets `grantee` (a role, a function) call the task routes with IAM (SigV4), without an API key. */
  grantRegister(grantee: IGrantable): Grant {
    return this.api.grantRegister(grantee);
  }
}
