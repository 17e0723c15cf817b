import { App, RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { expect, test } from "vitest";
import { STAGE_CONFIGS } from "../../infra/config.js";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";

test("six alarms, all to the operations topic, with the alarm email subscribed", () => {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new TaskNotifierStack(app, "TaskNotifier-dev", {
    config: { ...STAGE_CONFIGS.dev, alarmEmail: "oncall@example.com", removalPolicy: RemovalPolicy.DESTROY },
  });
  const t = Template.fromStack(stack);
  const alarms = Object.values(t.findResources("AWS::CloudWatch::Alarm")) as Array<{
    Properties: {
      AlarmActions: unknown[];
      MetricName?: string;
      Namespace?: string;
      TreatMissingData: string;
    };
  }>;
  expect(alarms).toHaveLength(6);
  for (const a of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
  const names = alarms.map((a) => a.Properties.MetricName).sort();
  expect(names).toEqual(
    [
      "5XXError",
      "ApproximateNumberOfMessagesVisible",
      "Errors",
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
    Dimensions: [{ Name: "service", Value: "twelvelabs-task-notifier" }],
  });
  t.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "email", Endpoint: "oncall@example.com" });
  t.hasResourceProperties("AWS::KMS::Key", {
    KeyPolicy: {
      Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: "cloudwatch.amazonaws.com" } })]),
    },
  });
});
