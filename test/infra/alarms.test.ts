import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { expect, test } from "vitest";
import { METRIC_NAMESPACE, POLLER_METRICS, SERVICE_NAME } from "../../functions/config/metric-names.js";
import { Alarms } from "../../infra/constructs/alarms.js";
import { bareStack, stubPollerAndApi } from "../support/cdk.js";

/** The construct alone, in a bare stack, with the smallest real dependencies it alarms on. */
function build(alarmEmail?: string) {
  const stack = bareStack();
  const { poller, api } = stubPollerAndApi(stack);
  new Alarms(stack, "Alarms", {
    stage: "dev",
    poller,
    api,
    deadLetterQueue: new Queue(stack, "Dlq"),
    webhooks: poller,
    webhookDeadLetterQueue: new Queue(stack, "WebhookDlq"),
    alarmEmail,
    maxQuietPeriod: Duration.minutes(10),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return Template.fromStack(stack);
}

test("nine alarms, all to the operations topic, with the alarm email subscribed", () => {
  const t = build("oncall@example.com");
  const alarms = Object.values(t.findResources("AWS::CloudWatch::Alarm")) as Array<{
    Properties: { AlarmActions: unknown[]; MetricName?: string; Namespace?: string };
  }>;
  expect(alarms).toHaveLength(9);
  for (const a of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
  expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(
    [
      "5XXError",
      "ApproximateNumberOfMessagesVisible",
      "ApproximateNumberOfMessagesVisible",
      "Errors",
      "Errors",
      "EventsSetAside",
      "OutboxBacklog",
      "SuccessfulRun",
      "TwelveLabsAuthFailures",
    ].sort(),
  );
  t.hasResourceProperties("AWS::CloudWatch::Alarm", {
    MetricName: "SuccessfulRun",
    Namespace: "TwelveLabsTaskNotifier",
    ComparisonOperator: "LessThanThreshold",
    TreatMissingData: "breaching",
    Dimensions: [
      { Name: "service", Value: "twelvelabs-task-notifier" },
      { Name: "stage", Value: "dev" },
    ],
  });
  t.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@example.com" });
  t.hasResourceProperties("AWS::KMS::Key", {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: "cloudwatch.amazonaws.com" } })]),
    },
  });
});

test("every custom metric an alarm reads is one the poller emits, in its namespace and service", () => {
  const t = build();
  const custom = (
    Object.values(t.findResources("AWS::CloudWatch::Alarm")) as Array<{
      Properties: { MetricName?: string; Namespace?: string; Dimensions?: Array<{ Value: string }> };
    }>
  ).filter((a) => a.Properties.Namespace === METRIC_NAMESPACE);
  expect(custom.length).toBeGreaterThan(0);
  for (const a of custom) {
    expect(Object.keys(POLLER_METRICS)).toContain(a.Properties.MetricName);
    expect(a.Properties.Dimensions?.[0]?.Value).toBe(SERVICE_NAME);
  }
  // No alarm email configured: no email subscription.
  expect(Object.keys(t.findResources("AWS::SNS::Subscription"))).toHaveLength(0);
});
