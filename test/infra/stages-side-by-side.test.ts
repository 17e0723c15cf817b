import { App, type Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, test } from "vitest";
import { METRIC_NAMESPACE } from "../../functions/config/metric-names.js";
import { ACCOUNT_STACK_ID, TaskNotifierAccountStack } from "../../infra/account-stack.js";
import { STAGES, type Stage } from "../../infra/config.js";
import { restApiName } from "../../infra/constructs/api.js";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";
import { appContext, stageConfig } from "../support/cdk.js";

/*
 * dev, staging and prod synthesised side by side in one app, as they are deployed into one account
 * and region: each reads its own numbers, owns nothing region-wide, and has an alarm destination.
 */
const env = { account: "123456789012", region: "eu-west-1" };
function sideBySide(overrides: Partial<Record<Stage, { alarmEmail?: string }>> = {}) {
  const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
  const account = new TaskNotifierAccountStack(app, ACCOUNT_STACK_ID, { env });
  const stacks = Object.fromEntries(
    STAGES.map((stage) => [
      stage,
      new TaskNotifierStack(app, `TaskNotifier-${stage}`, {
        config: stageConfig(stage, overrides[stage]),
        env,
      }),
    ]),
  ) as unknown as Record<Stage, Stack>;
  return { account, stacks, t: (stage: Stage) => Template.fromStack(stacks[stage]) };
}
const all = sideBySide();

type Dimension = { Name: string; Value: unknown };
type AlarmProps = { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };

/** The dashboard body as text, CloudFormation tokens left as a placeholder. */
function dashboardBody(stack: Stack): string {
  const t = Template.fromStack(stack);
  const [dash] = Object.values(t.findResources("AWS::CloudWatch::Dashboard")) as Array<{
    Properties: { DashboardBody: { "Fn::Join": [string, unknown[]] } | string };
  }>;
  const body = dash?.Properties.DashboardBody;
  if (typeof body === "string") return body;
  return (body?.["Fn::Join"][1] ?? []).map((p) => (typeof p === "string" ? p : "TOKEN")).join("");
}

describe("stages that share an account and region", () => {
  test.each(STAGES)("%s: every alarm on a custom metric reads its own stage only", (stage) => {
    const alarms = Object.values(all.t(stage).findResources("AWS::CloudWatch::Alarm")) as Array<{
      Properties: AlarmProps;
    }>;
    const custom = alarms.filter((a) => a.Properties.Namespace === METRIC_NAMESPACE);
    expect(custom.map((a) => a.Properties.MetricName).sort()).toEqual([
      "EventsSetAside",
      "OutboxBacklog",
      "SuccessfulRun",
      "TwelveLabsAuthFailures",
    ]);
    for (const a of custom) expect(a.Properties.Dimensions).toContainEqual({ Name: "stage", Value: stage });
  });

  test.each(STAGES)("%s: every custom metric on the dashboard carries the stage's dimension", (stage) => {
    const body = dashboardBody(all.stacks[stage]);
    const metrics = [...body.matchAll(new RegExp(`\\["${METRIC_NAMESPACE}","(\\w+)"([^\\]]*)\\]`, "g"))];
    expect(metrics.length).toBeGreaterThan(10);
    for (const m of metrics) expect(`${m[1]}${m[2]}`).toContain(`"stage","${stage}"`);
    for (const other of STAGES.filter((s) => s !== stage)) expect(body).not.toContain(`"stage","${other}"`);
  });

  test("each stage's REST API has its own name, and its Api5xx alarm and dashboard read that name", () => {
    const names = STAGES.map((stage) => {
      const t = all.t(stage);
      const apis = Object.values(t.findResources("AWS::ApiGateway::RestApi")) as Array<{
        Properties: { Name: string };
      }>;
      expect(apis).toHaveLength(1);
      const name = apis[0]?.Properties.Name ?? "";
      expect(name).toBe(restApiName(stage));
      t.hasResourceProperties("AWS::CloudWatch::Alarm", {
        MetricName: "5XXError",
        Dimensions: Match.arrayWith([{ Name: "ApiName", Value: name }]),
      });
      expect(dashboardBody(all.stacks[stage])).toContain(`"ApiName","${name}"`);
      return name;
    });
    expect(new Set(names).size).toBe(STAGES.length);
  });

  test("no stage stack holds the region-wide API Gateway account setting; the account stack does, kept on delete", () => {
    for (const stage of STAGES) {
      all.t(stage).resourceCountIs("AWS::ApiGateway::Account", 0);
      // No logging role of its own either: execution logs use the account's role.
      expect(JSON.stringify(all.t(stage).toJSON())).not.toContain("AmazonAPIGatewayPushToCloudWatchLogs");
    }
    const account = Template.fromStack(all.account);
    account.resourceCountIs("AWS::ApiGateway::Account", 1);
    account.hasResource("AWS::ApiGateway::Account", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
    account.hasResource("AWS::IAM::Role", { DeletionPolicy: "Retain" });
    expect(all.account.terminationProtection).toBe(true);
  });

  test("alarms: the operations topic is an output; a stage without alarmEmail warns at synthesis, one with it subscribes", () => {
    const withEmail = sideBySide({ prod: { alarmEmail: "oncall@example.com" } });
    for (const stage of STAGES) {
      const t = withEmail.t(stage);
      t.hasOutput("OperationsTopicArn", {
        Value: Match.anyValue(),
        Description: Match.stringLikeRegexp("alarms"),
      });
      const warnings = Annotations.fromStack(withEmail.stacks[stage]).findWarning(
        "*",
        Match.stringLikeRegexp("alarms reach no one"),
      );
      if (stage === "prod") {
        expect(warnings).toHaveLength(0);
        t.hasResourceProperties("AWS::SNS::Subscription", {
          Protocol: "email",
          Endpoint: "oncall@example.com",
        });
      } else {
        expect(warnings).toHaveLength(1);
        expect(String(warnings[0]?.entry.data)).toContain(`Stage ${stage}`);
      }
    }
  });

  test("no stage reserves poller concurrency by default (new accounts have a limit of 100 or lower)", () => {
    for (const stage of STAGES) {
      const fns = Object.values(all.t(stage).findResources("AWS::Lambda::Function")) as Array<{
        Properties: { ReservedConcurrentExecutions?: number };
      }>;
      for (const f of fns) expect(f.Properties.ReservedConcurrentExecutions).toBeUndefined();
    }
  });

  test("sns:Unsubscribe and sns:GetSubscriptionAttributes are granted on * (they have no resource type), in a statement of their own", () => {
    const t = all.t("dev");
    const statements = Object.values(t.findResources("AWS::IAM::Policy")).flatMap(
      (p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } };
          }
        ).Properties.PolicyDocument.Statement,
    );
    const unsubscribe = statements.filter((s) => JSON.stringify(s.Action).includes("sns:Unsubscribe"));
    expect(unsubscribe).toEqual([
      expect.objectContaining({
        Action: ["sns:GetSubscriptionAttributes", "sns:Unsubscribe"],
        Resource: "*",
      }),
    ]);
  });

  test("outputs say what they hold: each has a description, no duplicate endpoint output", () => {
    const outputs = all.t("prod").toJSON().Outputs as Record<string, { Description?: string }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        "AdminApiKeyId",
        "ApiUrl",
        "ClientApiKeyId",
        "DashboardName",
        "EventBusName",
        "IamInvokeArn",
        "OperationsTopicArn",
        "ResultsBucketName",
        "StepFunctionsDeadLetterQueueUrl",
        "TableName",
        "TopicArn",
        "TwelveLabsKeySecretName",
        "TwelveLabsWebhookSecretName",
        "TwelveLabsWebhookUrl",
        "WebhookDeadLetterQueueUrl",
        "WebhookSecretName",
      ].sort(),
    );
    for (const [name, o] of Object.entries(outputs)) expect(o.Description, name).toMatch(/\w{4,}/);
  });
});
