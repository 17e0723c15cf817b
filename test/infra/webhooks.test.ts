import { Match, Template } from "aws-cdk-lib/assertions";
import { AttributeType, Table } from "aws-cdk-lib/aws-dynamodb";
import { Topic } from "aws-cdk-lib/aws-sns";
import { expect, test } from "vitest";
import { WEBHOOK_FILTER_POLICY } from "../../functions/adapters/sns-publisher.js";
import { WEBHOOK_ATTEMPT_TIMEOUT_MS, WEBHOOK_MAX_RECEIVES } from "../../functions/core/webhook-delivery.js";
import { Webhooks } from "../../infra/constructs/webhooks.js";
import { bareStack, stageConfig } from "../support/cdk.js";

/** The construct alone, in a bare stack, with a plain table and topic. */
function build(overrides: Parameters<typeof stageConfig>[1] = {}) {
  const stack = bareStack();
  const table = new Table(stack, "Table", { partitionKey: { name: "pk", type: AttributeType.STRING } });
  const topic = new Topic(stack, "Topic");
  const hooks = new Webhooks(stack, "Webhooks", {
    config: stageConfig("dev", overrides),
    table,
    topic,
    removalPolicy: stageConfig("dev").removalPolicy,
  });
  return { stack, hooks, t: Template.fromStack(stack) };
}

test("the queue: encrypted, TLS only, redrive to a DLQ after the last attempt, visibility beyond the function's timeout", () => {
  const { t, stack, hooks } = build();
  t.resourceCountIs("AWS::SQS::Queue", 2);
  const queue = t.findResources("AWS::SQS::Queue", {
    Properties: { RedrivePolicy: Match.anyValue() },
  });
  const props = (Object.values(queue)[0] as { Properties: Record<string, unknown> }).Properties;
  expect(props.SqsManagedSseEnabled).toBe(true);
  // The function dead-letters after the last counted attempt; the redrive is the backstop.
  expect((props.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(WEBHOOK_MAX_RECEIVES);
  expect(props.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  const fnTimeout = stack.resolve(
    (hooks.function.fn.node.defaultChild as { timeout?: number }).timeout,
  ) as number;
  expect(fnTimeout * 1000).toBeGreaterThan(2 * WEBHOOK_ATTEMPT_TIMEOUT_MS);
  expect(props.VisibilityTimeout).toBe(fnTimeout * 6);
  // Both queues refuse plain HTTP.
  t.resourcePropertiesCountIs(
    "AWS::SQS::QueuePolicy",
    {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    },
    2,
  );
});

test("the topic subscription: raw delivery, filtered to events of tasks with a callback; SNS may send to the queue", () => {
  const { t } = build();
  t.hasResourceProperties("AWS::SNS::Subscription", {
    Protocol: "sqs",
    RawMessageDelivery: true,
    FilterPolicy: WEBHOOK_FILTER_POLICY,
  });
  t.hasResourceProperties("AWS::SQS::QueuePolicy", {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({
          Action: "sqs:SendMessage",
          Principal: { Service: "sns.amazonaws.com" },
          Effect: "Allow",
        }),
      ]),
    },
  });
});

test("the function: fed by the queue with partial batch failures, its grants and settings", () => {
  const { t } = build();
  t.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
    BatchSize: 10,
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    ScalingConfig: { MaximumConcurrency: 5 },
  });
  t.hasResourceProperties("AWS::Lambda::Function", {
    Runtime: "nodejs24.x",
    Environment: {
      Variables: Match.objectLike({
        WEBHOOK_QUEUE_URL: Match.anyValue(),
        WEBHOOK_SECRET_NAME: Match.anyValue(),
        CALLBACK_HEADER_KEY_SECRET_NAME: Match.anyValue(),
        WEBHOOK_SECRET_OVERLAP_SECONDS: String(24 * 3600),
      }),
    },
  });
  const statements = Object.values(t.findResources("AWS::IAM::Policy")).flatMap(
    (p) =>
      (
        p as {
          Properties: {
            PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
          };
        }
      ).Properties.PolicyDocument.Statement,
  );
  const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  expect(actions.filter((a) => a.startsWith("dynamodb:")).sort()).toEqual([
    "dynamodb:GetItem",
    "dynamodb:UpdateItem",
  ]);
  expect(actions).toEqual(
    expect.arrayContaining(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"]),
  );
  // SendMessage only to the dead-letter queue (after a message's last attempt), never to the queue.
  const senders = statements.filter((s) => [s.Action].flat().includes("sqs:SendMessage"));
  expect(senders).toHaveLength(1);
  expect(JSON.stringify(senders[0]?.Resource)).toMatch(/WebhooksFailed/);
  expect(JSON.stringify(senders[0]?.Resource)).not.toMatch(/WebhooksQueue/);
  expect(actions).not.toContain("sns:Publish");
  // Two secrets (signing secret, header key), in one statement or two (minimizePolicies merges them).
  const secretResources = statements
    .filter((s) => [s.Action].flat().includes("secretsmanager:GetSecretValue"))
    .flatMap((s) => [s.Resource].flat());
  expect(secretResources).toHaveLength(2);
});

test("the secrets: a generated signing secret ({current}) and header key; an existing signing secret imported by name", () => {
  const { t } = build();
  t.resourceCountIs("AWS::SecretsManager::Secret", 2);
  t.hasResourceProperties("AWS::SecretsManager::Secret", {
    GenerateSecretString: Match.objectLike({
      GenerateStringKey: "current",
      PasswordLength: 48,
      ExcludePunctuation: true,
    }),
  });
  const imported = build({
    webhooks: { ...stageConfig("dev").webhooks, existingSecretName: "team/webhook-secret" },
  });
  imported.t.resourceCountIs("AWS::SecretsManager::Secret", 1);
  expect(imported.hooks.signingSecret.secretName).toBe("team/webhook-secret");
});
