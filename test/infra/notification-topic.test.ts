import { RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { expect, test } from "vitest";
import { NotificationTopic } from "../../infra/constructs/notification-topic.js";
import { bareStack } from "../support/cdk.js";

test("KMS-encrypted, TLS only, initial subscriptions with filter policies", () => {
  const stack = bareStack();
  new NotificationTopic(stack, "Events", {
    displayName: "tasks",
    removalPolicy: RemovalPolicy.DESTROY,
    initialSubscriptions: [
      { protocol: "email", endpoint: "ops@example.com" },
      { protocol: "sms", endpoint: "+15551234567", events: ["failed"] },
      { protocol: "https", endpoint: "https://hooks.example.com/sns", events: ["ready"] },
    ],
  });
  const t = Template.fromStack(stack);
  t.hasResourceProperties("AWS::KMS::Key", { EnableKeyRotation: true });
  t.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
  t.hasResourceProperties("AWS::SNS::TopicPolicy", {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
      ]),
    },
  });
  t.resourceCountIs("AWS::SNS::Subscription", 3);
  t.hasResourceProperties("AWS::SNS::Subscription", {
    Protocol: "email",
    Endpoint: "ops@example.com",
    FilterPolicyScope: "MessageAttributes",
    FilterPolicy: { eventType: ["task.ready", "task.failed", "task.timed_out", "task.not_found"] },
  });
  t.hasResourceProperties("AWS::SNS::Subscription", {
    Protocol: "sms",
    FilterPolicy: { eventType: ["task.failed"] },
  });
  t.hasResourceProperties("AWS::SNS::Subscription", {
    Protocol: "https",
    FilterPolicy: { eventType: ["task.ready"] },
  });
});

test("a service publisher (CloudWatch) may use the key and publish", () => {
  const stack = bareStack();
  new NotificationTopic(stack, "Ops", {
    displayName: "ops",
    removalPolicy: RemovalPolicy.DESTROY,
    servicePublishers: ["cloudwatch.amazonaws.com"],
  });
  const t = Template.fromStack(stack);
  t.hasResourceProperties("AWS::KMS::Key", {
    KeyPolicy: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
        }),
      ]),
    },
  });
  expect(Object.keys(t.findResources("AWS::SNS::Subscription"))).toHaveLength(0);
});

test("initial subscriptions inside AWS: a function the topic may invoke (granted), a queue raw (its owner grants), bad ARNs refused at synth", () => {
  const stack = bareStack();
  const fn = "arn:aws:lambda:eu-west-1:123456789012:function:continue-pipeline";
  const queue = "arn:aws:sqs:eu-west-1:123456789012:pipeline";
  new NotificationTopic(stack, "Events", {
    displayName: "tasks",
    removalPolicy: RemovalPolicy.DESTROY,
    initialSubscriptions: [
      { protocol: "lambda", endpoint: fn, events: ["ready"] },
      { protocol: "sqs", endpoint: queue, rawDelivery: true },
    ],
  });
  const t = Template.fromStack(stack);
  t.hasResourceProperties("AWS::SNS::Subscription", { Protocol: "lambda", Endpoint: fn });
  t.hasResourceProperties("AWS::SNS::Subscription", {
    Protocol: "sqs",
    Endpoint: queue,
    RawMessageDelivery: true,
  });
  t.hasResourceProperties("AWS::Lambda::Permission", {
    Action: "lambda:InvokeFunction",
    FunctionName: fn,
    Principal: "sns.amazonaws.com",
    SourceArn: { Ref: Match.stringLikeRegexp("EventsTopic") },
  });
  // No queue policy: it would replace the whole policy of a queue the stack does not own.
  t.resourceCountIs("AWS::SQS::QueuePolicy", 0);
  for (const bad of [
    { protocol: "sqs" as const, endpoint: "pipeline" },
    { protocol: "lambda" as const, endpoint: queue },
    { protocol: "email" as const, endpoint: "ops@example.com", rawDelivery: true },
  ])
    expect(
      () =>
        new NotificationTopic(bareStack(), "Events", {
          displayName: "tasks",
          removalPolicy: RemovalPolicy.DESTROY,
          initialSubscriptions: [bad],
        }),
    ).toThrow(/initialSubscriptions\[0\]/);
});
