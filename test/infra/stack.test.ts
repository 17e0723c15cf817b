import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { resolveStage, type STAGES } from "../../infra/config.js";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";
import { appContext, stageConfig } from "../support/cdk.js";

function synth(stage: (typeof STAGES)[number], overrides = {}) {
  const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
  const stack = new TaskNotifierStack(app, `TaskNotifier-${stage}`, {
    config: stageConfig(stage, overrides),
    env: { account: "123456789012", region: "eu-west-1" },
  });
  return { stack, t: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown };
function actionsOf(t: Template, roleLogicalIdPrefix: string): string[] {
  const policies = t.findResources("AWS::IAM::Policy");
  const out: string[] = [];
  for (const [id, p] of Object.entries(policies) as Array<
    [string, { Properties: { PolicyDocument: { Statement: Statement[] } } }]
  >) {
    if (!id.startsWith(roleLogicalIdPrefix)) continue;
    for (const s of p.Properties.PolicyDocument.Statement)
      out.push(...(Array.isArray(s.Action) ? s.Action : [s.Action]));
  }
  return out;
}

describe("stage resolution", () => {
  test("default dev; unknown stages fail with the allowed list", () => {
    expect(resolveStage(undefined).stage).toBe("dev");
    expect(resolveStage("prod").stage).toBe("prod");
    expect(() => resolveStage("qa")).toThrow(/Unknown stage "qa".*dev\|staging\|prod/);
  });
});

describe("TaskNotifierStack", () => {
  test("prod keeps its data and is protected; dev cleans up", () => {
    const prod = synth("prod");
    expect(prod.stack.terminationProtection).toBe(true);
    prod.t.hasResource("AWS::DynamoDB::GlobalTable", { DeletionPolicy: "Retain" });
    const dev = synth("dev");
    expect(dev.stack.terminationProtection).toBe(false);
    dev.t.hasResource("AWS::DynamoDB::GlobalTable", { DeletionPolicy: "Delete" });
    dev.t.hasResource("AWS::Logs::LogGroup", { DeletionPolicy: "Delete" });
  });

  test("only the poller publishes, only the api subscribes", () => {
    const { t } = synth("dev");
    const poller = actionsOf(t, "PollerFunction");
    const api = actionsOf(t, "ApiFunction");
    expect(poller).toContain("sns:Publish");
    expect(poller).not.toContain("sns:Subscribe");
    expect(poller).toContain("secretsmanager:GetSecretValue");
    expect(api).toEqual(
      expect.arrayContaining(["sns:Subscribe", "sns:Unsubscribe", "sns:ListSubscriptionsByTopic"]),
    );
    expect(api).not.toContain("sns:Publish");
  });

  test("secrets: the poller reads the TwelveLabs key; the api the header key and TwelveLabs' webhook secret; the webhook function the signing secret and the header key", () => {
    const { stack, t } = synth("dev");
    const secretsOf = (prefix: string) => {
      const out: string[] = [];
      for (const [id, p] of Object.entries(t.findResources("AWS::IAM::Policy")) as Array<
        [string, { Properties: { PolicyDocument: { Statement: Statement[] } } }]
      >) {
        if (!id.startsWith(prefix)) continue;
        for (const st of p.Properties.PolicyDocument.Statement) {
          const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
          // One statement per secret, or one for several (cdk.json's minimizePolicies merges them).
          if (actions.includes("secretsmanager:GetSecretValue"))
            for (const r of [st.Resource].flat())
              out.push(JSON.stringify(stack.resolve(r)).replace(/[^A-Za-z]/g, ""));
        }
      }
      return out.sort();
    };
    const poller = secretsOf("PollerFunction");
    const api = secretsOf("ApiFunction");
    const hooks = secretsOf("WebhooksFunction");
    expect(poller).toHaveLength(1);
    expect(poller[0]).toContain("TwelveLabsKey");
    expect(api).toHaveLength(2);
    expect(api.join(" ")).toContain("WebhooksHeaderKey");
    expect(api.join(" ")).toContain("TwelveLabsWebhookSecret");
    expect(api.join(" ")).not.toContain("TwelveLabsKey");
    expect(hooks).toHaveLength(2);
    expect(hooks.join(" ")).toContain("WebhooksSigningSecret");
    expect(hooks.join(" ")).toContain("WebhooksHeaderKey");
    expect(hooks.join(" ")).not.toContain("TwelveLabsKey");
  });

  test("least privilege: the poller never scans; each function gets only the table actions its code uses", () => {
    const { t } = synth("dev");
    const table = (actions: string[]) =>
      actions
        .filter((a) => a.startsWith("dynamodb:") && !/Stream|GetRecords|GetShardIterator/.test(a))
        .sort();
    expect(table(actionsOf(t, "PollerFunction"))).toEqual(
      [
        "dynamodb:DeleteItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:UpdateItem",
      ].sort(),
    );
    expect(table(actionsOf(t, "ApiFunction"))).toEqual(
      ["dynamodb:BatchGetItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"].sort(),
    );
    // Both topics sign what they deliver with SHA256 (signature version 2).
    const topics = Object.values(t.findResources("AWS::SNS::Topic")) as Array<{
      Properties: { SignatureVersion?: string };
    }>;
    expect(topics.length).toBeGreaterThanOrEqual(2);
    for (const topic of topics) expect(topic.Properties.SignatureVersion).toBe("2");
  });

  test("a dashboard, its name an output", () => {
    const { t } = synth("dev");
    t.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    expect(Object.keys(t.findOutputs("DashboardName"))).toHaveLength(1);
  });

  test("functions get the secret's name, never its value", () => {
    const { t } = synth("dev");
    const fns = t.findResources("AWS::Lambda::Function");
    const text = JSON.stringify(fns);
    expect(text).toContain("TWELVELABS_SECRET_NAME");
    expect(text).not.toContain("REPLACE_WITH_YOUR_TWELVELABS_API_KEY");
    expect(text).not.toContain('TWELVELABS_API_KEY"');
  });

  test("existing secrets (the TwelveLabs key, the webhook signing secret) can be imported by name", () => {
    const created = synth("staging").t;
    created.resourceCountIs("AWS::SecretsManager::Secret", 4);
    const { t } = synth("staging", {
      existingApiKeySecretName: "twelvelabs/prod-key",
      webhooks: { ...stageConfig("staging").webhooks, existingSecretName: "notifier/webhook-signing" },
    });
    // Only the header key is still created: it seals data this stack stores.
    // Left: the header key and the TwelveLabs webhook secret (its value comes from TwelveLabs' dashboard).
    t.resourceCountIs("AWS::SecretsManager::Secret", 2);
    t.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            Resource: Match.anyValue(),
          }),
        ]),
      },
    });
  });

  test("outputs: API URL, key ids, both topics, table name, secret names, the webhook DLQ", () => {
    const { t } = synth("dev");
    for (const name of [
      "ApiUrl",
      "ClientApiKeyId",
      "AdminApiKeyId",
      "OperationsTopicArn",
      "TopicArn",
      "TableName",
      "TwelveLabsKeySecretName",
      "WebhookSecretName",
      "WebhookDeadLetterQueueUrl",
      "TwelveLabsWebhookUrl",
      "TwelveLabsWebhookSecretName",
    ])
      t.hasOutput(name, {});
    // The API reads the TwelveLabs webhook secret by name (never its value in the template).
    t.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ TWELVELABS_WEBHOOK_SECRET_NAME: Match.anyValue() }) },
    });
    t.hasResourceProperties("AWS::SecretsManager::Secret", {
      Description: Match.stringLikeRegexp("TwelveLabs webhook endpoint"),
    });
  });
});
