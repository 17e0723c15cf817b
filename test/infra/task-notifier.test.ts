import { App, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { describe, expect, test } from "vitest";
import { STAGE_CONFIGS } from "../../infra/config.js";
import { notifierConfig, TaskNotifier } from "../../infra/task-notifier.js";
import { appContext } from "../support/cdk.js";

/* The construct users put in their own stacks: its defaults, its overrides, what it exposes. */
describe("TaskNotifier", () => {
  test("settings: a known stage's, any other name prod's (data kept); each prop given replaces its default", () => {
    expect(notifierConfig({ stage: "dev" }).removalPolicy).toBe(RemovalPolicy.DESTROY);
    const media = notifierConfig({ stage: "media", retentionDays: 3, watchAccount: ["embed"] });
    expect(media).toMatchObject({ stage: "media", retentionDays: 3, watchAccount: ["embed"] });
    expect(media.removalPolicy).toBe(STAGE_CONFIGS.prod.removalPolicy);
    expect(notifierConfig().stage).toBe("dev");
    expect(() => notifierConfig({ stage: "Prod Env" })).toThrow(/lowercase letters/);
  });

  test("in any stack: exposes the table, topic, API, keys, bus and bucket; grantRegister gives execute-api:Invoke on /iam/tasks only", () => {
    const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
    const stack = new Stack(app, "UserStack", { env: { account: "123456789012", region: "eu-west-1" } });
    const n = new TaskNotifier(stack, "Notifier", { stage: "media" });
    const role = new Role(stack, "Caller", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    n.grantRegister(role);
    for (const exposed of [
      n.table,
      n.topic,
      n.restApi,
      n.apiKey,
      n.adminKey,
      n.eventBus,
      n.resultsBucket,
      n.operationsTopic,
    ])
      expect(exposed).toBeDefined();
    const t = Template.fromStack(stack);
    t.resourceCountIs("AWS::DynamoDB::GlobalTable", 1);
    const policies = JSON.stringify(t.findResources("AWS::IAM::Policy"));
    expect(policies).toContain("/iam/tasks");
    // The user's stack holds no outputs of ours: they choose what to export.
    expect(t.toJSON().Outputs ?? {}).toEqual({});
  }, 30_000);
});
