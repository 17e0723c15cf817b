import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { CfnSubscription } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  METRIC_NAMESPACE,
  metricDimensions,
  type PollerMetric,
} from "../../functions/config/metric-names.js";
import { NotificationTopic } from "./notification-topic.js";

export interface AlarmsProps {
  stage: string;
  poller: IFunction;
  api: RestApi;
  deadLetterQueue: IQueue;
  webhooks: IFunction;
  webhookDeadLetterQueue: IQueue;
  /** Events EventBridge did not take after every retry. */
  eventBridgeDeadLetterQueue?: IQueue;
  /** The Step Functions callback function and its dead-letter queue. */
  stepFunctions?: IFunction;
  stepFunctionsDeadLetterQueue?: IQueue;
  /** The archiver and its dead-letter queue. */
  archiver?: IFunction;
  archiveDeadLetterQueue?: IQueue;
  alarmEmail?: string;
  maxQuietPeriod: Duration;
  removalPolicy: RemovalPolicy;
}

/** Alarms on what needs a person, sent to an operations topic (and the stage's alarm email). */
export class Alarms extends Construct {
  readonly topic: NotificationTopic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.topic = new NotificationTopic(this, "Operations", {
      displayName: `TwelveLabs notifier ops (${props.stage})`,
      removalPolicy: props.removalPolicy,
      servicePublishers: ["cloudwatch.amazonaws.com"],
    });
    if (props.alarmEmail) {
      new CfnSubscription(this, "AlarmEmail", {
        topicArn: this.topic.topic.topicArn,
        protocol: "email",
        endpoint: props.alarmEmail,
      });
    }
    const custom = (metricName: PollerMetric, period: Duration) =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: metricDimensions(props.stage),
        statistic: "Sum",
        period,
      });
    const five = Duration.minutes(5);

    this.add(
      "PollerErrors",
      "The poller failed (see its logs)",
      props.poller.metricErrors({ period: five, statistic: "Sum" }),
      1,
      1,
    );
    this.add(
      "NoSuccessfulRun",
      `No poller run succeeded for ${props.maxQuietPeriod.toMinutes()} minutes`,
      custom("SuccessfulRun", props.maxQuietPeriod),
      1,
      1,
      ComparisonOperator.LESS_THAN_THRESHOLD,
      TreatMissingData.BREACHING,
    );
    this.add(
      "OutboxNotDraining",
      "Events stay unpublished for 15 minutes",
      custom("OutboxBacklog", five),
      1,
      3,
    );
    this.add(
      "EventsSetAside",
      "An event could never be published (its content) and was set aside on its task (GET /tasks/{id}: setAsideEvents)",
      custom("EventsSetAside", five),
      1,
      1,
    );
    this.add(
      "TwelveLabsAuthFailures",
      "TwelveLabs rejects the API key (or the secret is unset)",
      custom("TwelveLabsAuthFailures", five),
      1,
      1,
    );
    this.add(
      "Api5xx",
      "The API answers 5xx",
      props.api.metricServerError({ period: five, statistic: "Sum" }),
      1,
      1,
    );
    const waiting = (id: string, description: string, queue: IQueue | undefined) => {
      if (queue)
        this.add(
          id,
          description,
          queue.metricApproximateNumberOfMessagesVisible({ period: five, statistic: "Maximum" }),
          1,
          1,
        );
    };
    const failing = (id: string, description: string, fn: IFunction | undefined) => {
      if (fn) this.add(id, description, fn.metricErrors({ period: five, statistic: "Sum" }), 1, 1);
    };
    waiting("FailedRunsQueued", "Failed poller invocations are waiting in the DLQ", props.deadLetterQueue);
    waiting(
      "WebhooksDeadLettered",
      "Webhook deliveries failed every attempt and wait in the webhook DLQ",
      props.webhookDeadLetterQueue,
    );
    waiting(
      "EventBridgeDeadLettered",
      "Task events EventBridge did not accept after every retry wait in the EventBridge dead-letter queue",
      props.eventBridgeDeadLetterQueue,
    );
    failing("WebhookErrors", "The webhook function failed (see its logs)", props.webhooks);
    waiting(
      "StepFunctionsCallbacksDeadLettered",
      "A Step Functions task token got no callback after every retry (GET /tasks/{id}: callback.waiters)",
      props.stepFunctionsDeadLetterQueue,
    );
    waiting(
      "ArchiveJobsDeadLettered",
      "Archive jobs crashed the archiver on every receive (their ready events go out without a result after 6 hours)",
      props.archiveDeadLetterQueue,
    );
    failing("ArchiverErrors", "The archiver failed (see its logs)", props.archiver);
    failing(
      "StepFunctionsCallbackErrors",
      "The Step Functions callback function failed (see its logs)",
      props.stepFunctions,
    );
  }

  private add(
    id: string,
    description: string,
    metric: Metric,
    threshold: number,
    evaluationPeriods: number,
    comparison = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    missing = TreatMissingData.NOT_BREACHING,
  ): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold,
      evaluationPeriods,
      comparisonOperator: comparison,
      treatMissingData: missing,
    });
    alarm.addAlarmAction(new SnsAction(this.topic.topic));
    this.alarms.push(alarm);
  }
}
