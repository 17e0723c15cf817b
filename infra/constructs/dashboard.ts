import { Duration } from "aws-cdk-lib";
import type { RestApi } from "aws-cdk-lib/aws-apigateway";
import {
  type Alarm,
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TextWidget,
} from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  METRIC_NAMESPACE,
  metricDimensions,
  type PollerMetric,
  STEP_FUNCTIONS_CALL_ACTIONS,
  STEP_FUNCTIONS_CALL_OUTCOMES,
  type StepFunctionsMetric,
  type WebhookMetric,
} from "../../functions/config/metric-names.js";
import { EVENT_TYPES } from "../../functions/core/events.js";
import { ATTEMPT_OUTCOMES } from "../../functions/core/webhook-delivery.js";

export interface NotifierDashboardProps {
  stage: string;
  poller: IFunction;
  api: RestApi;
  webhookDeadLetterQueue: IQueue;
  /** The Step Functions callback path and the results archive, when the stack has them. */
  stepFunctionsDeadLetterQueue?: IQueue;
  archive?: { queue: IQueue; deadLetterQueue: IQueue; archiver: IFunction };
  alarms: Alarm[];
}

/**
 * One CloudWatch dashboard per stage: the poller's runs and what they did, TwelveLabs' calls and
 * rate limits, events published by type, the outbox backlog, how late due tasks are read, the
 * notification delay, the API's traffic and errors, webhook attempts and their DLQ, Step Functions
 * calls, the results archive, and the alarms.
 */
export class NotifierDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: NotifierDashboardProps) {
    super(scope, id);
    const minute = Duration.minutes(1);
    const poller = (
      name: PollerMetric | WebhookMetric | StepFunctionsMetric,
      statistic = "Sum",
      label?: string,
      dimensions: Record<string, string> = {},
    ): IMetric =>
      new Metric({
        namespace: METRIC_NAMESPACE,
        metricName: name,
        dimensionsMap: { ...metricDimensions(props.stage), ...dimensions },
        statistic,
        period: minute,
        label: label ?? name,
      });
    const graph = (title: string, left: IMetric[], right: IMetric[] = []) =>
      new GraphWidget({ title, left, right, width: 8, height: 6 });

    this.dashboard = new Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# TwelveLabs task notifier (${props.stage})\nPoller runs every minute; passes every few seconds. Delays in ms.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph(
        "Poller runs",
        [
          props.poller.metricInvocations({ period: minute }),
          poller("SuccessfulRun", "Sum", "successful runs"),
        ],
        [poller("RunDuration", "Maximum", "run duration (max)")],
      ),
      graph("Tasks checked, transitions, discovered", [
        poller("TasksChecked"),
        poller("Transitions"),
        poller("TasksDiscovered"),
      ]),
      graph(
        "TwelveLabs calls and 429s",
        [poller("TwelveLabsCalls")],
        [poller("TwelveLabsRateLimited"), poller("TwelveLabsAuthFailures")],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        "Events published, by type",
        EVENT_TYPES.map((t) => poller("EventsPublishedByType", "Sum", t, { eventType: t })),
        [poller("PublishFailures"), poller("EventsSetAside", "Sum", "set aside")],
      ),
      graph("Notification delay (TwelveLabs change to SNS)", [
        poller("NotificationDelay", "p50", "p50"),
        poller("NotificationDelay", "p95", "p95"),
        poller("NotificationDelay", "Maximum", "max"),
      ]),
      graph(
        "Outbox backlog, oldest due lag",
        [poller("OutboxBacklog", "Maximum", "outbox backlog")],
        [poller("OldestDueLag", "Maximum", "oldest due lag")],
      ),
    );
    this.dashboard.addWidgets(
      graph(
        "API requests",
        [props.api.metricCount({ period: minute })],
        [props.api.metricLatency({ period: minute, statistic: "p95" })],
      ),
      graph("API errors", [
        props.api.metricClientError({ period: minute }),
        props.api.metricServerError({ period: minute }),
      ]),
      new AlarmStatusWidget({ title: "Alarms", alarms: props.alarms, width: 8, height: 6 }),
    );
    this.dashboard.addWidgets(
      graph(
        "Webhook attempts, by outcome",
        ATTEMPT_OUTCOMES.map((o) => poller("WebhookAttempts", "Sum", o, { outcome: o })),
        [poller("WebhookAttemptDuration", "p95", "attempt duration p95")],
      ),
      graph("Webhook dead-letter queue", [
        props.webhookDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: minute,
          statistic: "Maximum",
          label: "failed every attempt",
        }),
      ]),
    );
    const waiting = (q: IQueue, label: string) =>
      q.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: "Maximum", label });
    const sfnCalls = STEP_FUNCTIONS_CALL_ACTIONS.flatMap((action) =>
      STEP_FUNCTIONS_CALL_OUTCOMES.map((outcome) =>
        poller("StepFunctionsCalls", "Sum", `${action} ${outcome}`, { action, outcome }),
      ),
    );
    const row = [
      graph(
        "Step Functions calls, by action and outcome",
        sfnCalls,
        props.stepFunctionsDeadLetterQueue
          ? [waiting(props.stepFunctionsDeadLetterQueue, "dead-lettered")]
          : [],
      ),
    ];
    if (props.archive)
      row.push(
        graph(
          "Results archive: jobs waiting, dead-lettered",
          [
            waiting(props.archive.queue, "jobs waiting"),
            waiting(props.archive.deadLetterQueue, "dead-lettered"),
          ],
          [
            props.archive.queue.metricApproximateAgeOfOldestMessage({
              period: minute,
              statistic: "Maximum",
              label: "oldest job (s)",
            }),
          ],
        ),
        graph(
          "Archiver: stores and how long they take",
          [
            props.archive.archiver.metricInvocations({ period: minute }),
            props.archive.archiver.metricErrors({ period: minute }),
          ],
          [
            props.archive.archiver.metricDuration({
              period: minute,
              statistic: "p95",
              label: "duration p95",
            }),
          ],
        ),
      );
    this.dashboard.addWidgets(...row);
  }
}
