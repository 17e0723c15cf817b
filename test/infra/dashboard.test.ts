import { Duration } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Alarm, Metric } from "aws-cdk-lib/aws-cloudwatch";
import { Queue } from "aws-cdk-lib/aws-sqs";
import { expect, test } from "vitest";
import {
  METRIC_NAMESPACE,
  POLLER_METRICS,
  STEP_FUNCTIONS_METRICS,
  WEBHOOK_METRICS,
} from "../../functions/config/metric-names.js";
import { EVENT_TYPES } from "../../functions/core/events.js";
import { ATTEMPT_OUTCOMES } from "../../functions/core/webhook-delivery.js";
import { NotifierDashboard } from "../../infra/constructs/dashboard.js";
import { bareStack, stubPollerAndApi } from "../support/cdk.js";

/** The dashboard alone in a bare stack; its body as text (the template's Fn::Join, tokens left out). */
function body(): string {
  const stack = bareStack();
  const { poller, api } = stubPollerAndApi(stack);
  const alarm = new Alarm(stack, "A", {
    metric: new Metric({ namespace: "X", metricName: "Y", period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
  });
  new NotifierDashboard(stack, "Dashboard", {
    stage: "dev",
    poller,
    api,
    webhookDeadLetterQueue: new Queue(stack, "WebhookDlq"),
    stepFunctionsDeadLetterQueue: new Queue(stack, "SfnDlq"),
    archive: {
      queue: new Queue(stack, "Archive"),
      deadLetterQueue: new Queue(stack, "ArchiveDlq"),
      archiver: poller,
    },
    alarms: [alarm],
  });
  const t = Template.fromStack(stack);
  const [dash] = Object.values(t.findResources("AWS::CloudWatch::Dashboard")) as Array<{
    Properties: { DashboardBody: { "Fn::Join": [string, unknown[]] } };
  }>;
  return (dash?.Properties.DashboardBody["Fn::Join"][1] ?? []).filter((p) => typeof p === "string").join("");
}

test("every custom metric on the dashboard is one the poller, the webhook or the callback function emits, in its namespace", () => {
  const text = body();
  const named = [...text.matchAll(new RegExp(`\\["${METRIC_NAMESPACE}","(\\w+)"`, "g"))].map((m) => m[1]);
  expect(named.length).toBeGreaterThan(5);
  for (const name of named)
    expect([
      ...Object.keys(POLLER_METRICS),
      ...Object.keys(WEBHOOK_METRICS),
      ...Object.keys(STEP_FUNCTIONS_METRICS),
    ]).toContain(name);
  for (const wanted of [
    "NotificationDelay",
    "TwelveLabsCalls",
    "TwelveLabsRateLimited",
    "OutboxBacklog",
    "OldestDueLag",
    "RunDuration",
    "StepFunctionsCalls",
  ])
    expect(named).toContain(wanted);
});

test("events by type, API traffic and errors, the alarms", () => {
  const text = body();
  for (const type of EVENT_TYPES) expect(text).toContain(`"eventType","${type}"`);
  for (const m of ["Count", "Latency", "4XXError", "5XXError"])
    expect(text).toContain(`"AWS/ApiGateway","${m}"`);
  expect(text).toContain('"type":"alarm"');
  expect(text).toContain('"stat":"p95"');
});

test("webhook attempts by every outcome the function reports, and the webhook DLQ", () => {
  const text = body();
  for (const outcome of ATTEMPT_OUTCOMES) expect(text).toContain(`"outcome","${outcome}"`);
  expect(text).toContain('"WebhookAttemptDuration"');
  expect(text).toContain('"AWS/SQS","ApproximateNumberOfMessagesVisible"');
});
