import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { EVENTBRIDGE_DETAIL_TYPE, eventSourceProblem } from "../../functions/core/eventbridge-entry.js";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";
import { appContext, stageConfig } from "../support/cdk.js";

/*
 * Every task event also on EventBridge: SNS -> SQS (raw, unfiltered) -> an EventBridge Pipe -> the
 * stage's bus, with the detail-type and source documented in the README. The whole stage stack,
 * synthesised as deployed.
 */
function synth(stage: "dev" | "prod", eventBridge?: { busName?: string; source: string }) {
  const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
  const stack = new TaskNotifierStack(app, `TaskNotifier-${stage}`, {
    config: stageConfig(stage, eventBridge ? { eventBridge } : {}),
    env: { account: "123456789012", region: "eu-west-1" },
  });
  return { stack, t: Template.fromStack(stack) };
}

describe("EventBridge delivery", () => {
  test("a bus per stage, fed by a pipe from a queue every event reaches, detail = the event JSON", () => {
    const { t } = synth("dev");
    t.hasResourceProperties("AWS::Events::EventBus", { Name: "twelvelabs-task-notifier-dev" });
    // The queue is subscribed raw and unfiltered: every event, as the JSON SNS carries.
    const subs = Object.values(t.findResources("AWS::SNS::Subscription")) as Array<{
      Properties: {
        Protocol: string;
        RawMessageDelivery?: boolean;
        FilterPolicy?: unknown;
        Endpoint: unknown;
      };
    }>;
    const toEventBridge = subs.filter((s) =>
      JSON.stringify(s.Properties.Endpoint).includes("EventBridgeQueue"),
    );
    expect(toEventBridge).toHaveLength(1);
    expect(toEventBridge[0]?.Properties).toMatchObject({ Protocol: "sqs", RawMessageDelivery: true });
    expect(toEventBridge[0]?.Properties.FilterPolicy).toBeUndefined();
    t.hasResourceProperties("AWS::Pipes::Pipe", {
      Source: { "Fn::GetAtt": [Match.stringLikeRegexp("EventBridgeQueue"), "Arn"] },
      Target: { "Fn::GetAtt": [Match.stringLikeRegexp("EventBridgeBus"), "Arn"] },
      TargetParameters: {
        InputTemplate: "<$.body>",
        EventBridgeEventBusParameters: {
          DetailType: EVENTBRIDGE_DETAIL_TYPE,
          Source: "io.github.twelvelabs-task-notifier",
        },
      },
    });
    // A dead-letter queue after the retries, alarmed; the bus is an output.
    t.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: Match.objectLike({ maxReceiveCount: 10 }),
    });
    t.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      AlarmDescription: Match.stringLikeRegexp("EventBridge"),
    });
    t.hasOutput("EventBusName", { Description: Match.stringLikeRegexp("TwelveLabs Task State Change") });
  });

  test("the pipe's role: consume its queue, put events on its bus, nothing else", () => {
    const { stack, t } = synth("dev");
    const policies = Object.entries(t.findResources("AWS::IAM::Policy")).filter(([id]) =>
      id.startsWith("EventBridgePipeRole"),
    ) as Array<
      [
        string,
        { Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } } },
      ]
    >;
    const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual([
      "events:PutEvents",
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
    ]);
    for (const s of statements) expect(JSON.stringify(stack.resolve(s.Resource))).not.toBe('"*"');
    t.hasResourceProperties("AWS::IAM::Role", {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: "pipes.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
          }),
        ],
      },
    });
  });

  test("a bus the stage names (the default bus included) is used, not created; the source is the stage's", () => {
    const { t } = synth("prod", { busName: "default", source: "com.example.video" });
    t.resourceCountIs("AWS::Events::EventBus", 0);
    t.hasResourceProperties("AWS::Pipes::Pipe", {
      Target: "arn:aws:events:eu-west-1:123456789012:event-bus/default",
      TargetParameters: Match.objectLike({
        EventBridgeEventBusParameters: { DetailType: EVENTBRIDGE_DETAIL_TYPE, Source: "com.example.video" },
      }),
    });
  });

  test("a source EventBridge would refuse (aws.*, not reverse-DNS) fails synthesis with the rule", () => {
    expect(eventSourceProblem("aws.twelvelabs")).toMatch(/aws\./);
    expect(eventSourceProblem("notifier")).toMatch(/reverse-DNS/);
    expect(eventSourceProblem("com.example.notifier")).toBeUndefined();
    expect(() => synth("dev", { source: "aws.notifier" })).toThrow(
      /eventBridge\.source .*must not start with "aws\."/,
    );
  });
});
