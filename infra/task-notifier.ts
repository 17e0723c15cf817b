import { Annotations, Fn, SecretValue, Validations } from "aws-cdk-lib";
import type { IApiKey, RestApi } from "aws-cdk-lib/aws-apigateway";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import type { Grant, IGrantable } from "aws-cdk-lib/aws-iam";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { UNSET_TL_WEBHOOK_SECRET } from "../functions/adapters/secret-placeholder.js";
import { definedOnly } from "../functions/core/defined-only.js";
import { DISCOVERABLE_KINDS, unwatchableKinds } from "../functions/core/discovery.js";
import { eventSourceProblem } from "../functions/core/eventbridge-entry.js";
import { tagAttributesProblem } from "../functions/core/tag-attributes.js";
import { STAGE_CONFIGS, STAGES, type Stage, type StageConfig } from "./config.js";
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

/**
 * Every setting of a stage (infra/config.ts), each optional: `stage` names the environment
 * (`dev`, `staging` and `prod` start from their settings in infra/config.ts; any other name from
 * `prod`'s, which keep data when the stack goes), and any setting given replaces that default.
 */
export type TaskNotifierProps = Partial<Omit<StageConfig, "stage">> & { stage?: string };

const STAGE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** A stage's settings: its defaults (by name) with what was given over them. */
export function notifierConfig(props: TaskNotifierProps = {}): StageConfig {
  const stage = props.stage ?? "dev";
  if (!STAGE_NAME.test(stage))
    throw new Error(`stage "${stage}": 1-32 lowercase letters, digits or hyphens, starting with a letter`);
  const base = (STAGES as readonly string[]).includes(stage)
    ? STAGE_CONFIGS[stage as Stage]
    : STAGE_CONFIGS.prod;
  return { ...base, ...definedOnly(props), stage };
}

/**
 * The whole notifier for one environment, as a construct to put in any stack: the task table, the
 * poller, the API (keys, and IAM under /iam), the topic, webhooks, Step Functions callbacks,
 * EventBridge, the results bucket, alarms and the dashboard. The resources are exposed read-only;
 * `grantRegister` lets a role register and read tasks without an API key.
 */
export class TaskNotifier extends Construct {
  readonly config: StageConfig;
  readonly table: ITable;
  /** Task events (SNS): subscribe to it, or filter on its message attributes. */
  readonly topic: ITopic;
  readonly restApi: RestApi;
  readonly apiKey: IApiKey;
  readonly adminKey: IApiKey;
  /** The TwelveLabs API key's secret: put your key here. */
  readonly twelveLabsKeySecret: ISecret;
  /** The secret of TwelveLabs' webhook endpoint (POST /twelvelabs/webhooks), a placeholder until set. */
  readonly twelveLabsWebhookSecret: ISecret;
  readonly webhookSigningSecret: ISecret;
  readonly webhookDeadLetterQueue: IQueue;
  readonly stepFunctionsDeadLetterQueue: IQueue;
  readonly eventBus: IEventBus;
  readonly resultsBucket: IBucket;
  /** Where the alarms go (alarmEmail subscribes to it). */
  readonly operationsTopic: ITopic;
  readonly dashboardName: string;
  /** The API construct (its function, `grantRegister`). */
  readonly api: NotifierApi;

  constructor(scope: Construct, id: string, props: TaskNotifierProps = {}) {
    super(scope, id);
    const c = notifierConfig(props);
    this.config = c;
    // Refused here, at synth, rather than by every publish failing once deployed.
    const tagProblem = tagAttributesProblem(c.tagAttributes);
    if (tagProblem)
      throw new Error(
        `Stage ${c.stage}: tagAttributes (infra/config.ts, or the construct's props): ${tagProblem}`,
      );
    // A warning, not an error: a stage may route alarms elsewhere (OperationsTopicArn output).
    if (!c.alarmEmail)
      Annotations.of(this).addWarningV2(
        "twelvelabs-task-notifier:alarmsReachNoOne",
        `Stage ${c.stage}: its alarms reach no one: set alarmEmail for the stage (infra/config.ts, or the construct's props), or subscribe to the OperationsTopicArn output.`,
      );
    const unwatchable = unwatchableKinds(c.watchAccount);
    if (unwatchable.length > 0)
      throw new Error(
        `Stage ${c.stage}: watchAccount (infra/config.ts, or the construct's props): ${unwatchable.join(", ")} cannot be watched (watchable: ${DISCOVERABLE_KINDS.join(", ")})`,
      );
    const sourceProblem = eventSourceProblem(c.eventBridge.source);
    if (sourceProblem)
      throw new Error(
        `Stage ${c.stage}: eventBridge.source (infra/config.ts, or the construct's props) ${sourceProblem}`,
      );
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
    // TwelveLabs' own webhooks: the endpoint's secret (from TwelveLabs' dashboard) is put in after
    // deployment; until then the route answers 503 and polling goes on as usual.
    const tlWebhookSecret = new Secret(this, "TwelveLabsWebhookSecret", {
      description:
        "Secret of the TwelveLabs webhook endpoint (Playground dashboard, Reveal Secret). Set it with: aws secretsmanager put-secret-value --secret-id <this secret> --secret-string <secret>",
      // A fixed placeholder, not a credential: the real secret is put in after deployment.
      secretStringValue: SecretValue.unsafePlainText(UNSET_TL_WEBHOOK_SECRET),
      removalPolicy,
    });
    Validations.of(tlWebhookSecret).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason: "TwelveLabs issues the webhook secret in its dashboard; it is rotated there, not by a Lambda.",
    });
    api.function.bindSecret(tlWebhookSecret, "TWELVELABS_WEBHOOK_SECRET_NAME");
    if (c.watchAccount.length > 0)
      api.function.fn.addEnvironment("WATCH_ACCOUNT_KINDS", c.watchAccount.join(","));
    this.twelveLabsWebhookSecret = tlWebhookSecret;
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

    this.table = table;
    this.topic = events.topic;
    this.restApi = api.api;
    this.apiKey = api.apiKey;
    this.adminKey = api.adminKey;
    this.twelveLabsKeySecret = secret;
    this.webhookSigningSecret = webhooks.signingSecret;
    this.webhookDeadLetterQueue = webhooks.deadLetterQueue;
    this.stepFunctionsDeadLetterQueue = stepFunctions.deadLetterQueue;
    this.eventBus = eventBridge.bus;
    this.resultsBucket = archive.bucket;
    this.operationsTopic = alarms.topic.topic;
    this.dashboardName = dashboard.dashboardName;
  }

  /** Lets `grantee` (a role, a function) call the task routes with IAM (SigV4), without an API key. */
  grantRegister(grantee: IGrantable): Grant {
    return this.api.grantRegister(grantee);
  }
}
