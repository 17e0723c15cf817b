import { RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Topic } from "aws-cdk-lib/aws-sns";
import { describe, expect, test } from "vitest";
import { API_ROUTES } from "../../functions/http/routes.js";
import type { StageConfig } from "../../infra/config.js";
import { NotifierApi, TL_WEBHOOK_THROTTLE } from "../../infra/constructs/api.js";
import { TaskTable } from "../../infra/constructs/task-table.js";
import { bareStack, stageConfig } from "../support/cdk.js";

function build(overrides: Partial<StageConfig> = {}) {
  const stack = bareStack();
  const table = new TaskTable(stack, "Tasks", {
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: false,
  }).table;
  new NotifierApi(stack, "Api", {
    config: stageConfig("prod", overrides),
    table,
    topic: new Topic(stack, "Topic"),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return Template.fromStack(stack);
}

describe("NotifierApi", () => {
  test("every route of the function's route table is a method, all but the API's document behind a key", () => {
    const t = build();
    const methods = Object.values(t.findResources("AWS::ApiGateway::Method")) as Array<{
      Properties: { HttpMethod: string; ApiKeyRequired?: boolean };
    }>;
    // Every route once with a key, and the task routes once more under /iam.
    const clientRoutes = API_ROUTES.filter((r) => r.access === "client").length;
    expect(methods.length).toBe(API_ROUTES.length + clientRoutes);
    expect(methods.filter((m) => m.Properties.ApiKeyRequired === true)).toHaveLength(
      API_ROUTES.filter((r) => r.access !== "public").length,
    );
  });

  test("the task routes under /iam take SigV4 (AWS_IAM) instead of a key; grantRegister allows exactly them", () => {
    const stack = bareStack();
    const api = new NotifierApi(stack, "Api", {
      config: stageConfig("dev"),
      table: new TaskTable(stack, "Tasks", {
        removalPolicy: RemovalPolicy.DESTROY,
        pointInTimeRecovery: false,
      }).table,
      topic: new Topic(stack, "Topic"),
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const caller = new Role(stack, "Caller", { assumedBy: new ServicePrincipal("states.amazonaws.com") });
    api.grantRegister(caller);
    const t = Template.fromStack(stack);
    const methods = Object.values(t.findResources("AWS::ApiGateway::Method")) as Array<{
      Properties: { AuthorizationType?: string; ApiKeyRequired?: boolean };
    }>;
    const iam = methods.filter((m) => m.Properties.AuthorizationType === "AWS_IAM");
    expect(iam).toHaveLength(API_ROUTES.filter((r) => r.access === "client").length);
    for (const m of iam) expect(m.Properties.ApiKeyRequired).not.toBe(true);
    const policy = JSON.stringify(t.findResources("AWS::IAM::Policy"));
    expect(policy).toContain("execute-api:Invoke");
    expect(policy).toContain("/*/iam/tasks");
    expect(policy).not.toContain("/subscriptions");
  });

  test("usage plan with the stage's throttle and quota", () => {
    const t = build();
    t.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: { RateLimit: 50, BurstLimit: 100 },
      Quota: { Limit: 200000, Period: "DAY" },
    });
  });

  test("request validation on bodies, access logging, gateway errors in the API's error shape", () => {
    const t = build();
    t.hasResourceProperties("AWS::ApiGateway::RequestValidator", {
      ValidateRequestBody: true,
      ValidateRequestParameters: true,
    });
    t.hasResourceProperties("AWS::ApiGateway::Method", {
      HttpMethod: "POST",
      RequestValidatorId: Match.anyValue(),
      RequestModels: Match.anyValue(),
    });
    t.hasResourceProperties("AWS::ApiGateway::Stage", {
      StageName: "v1",
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.anyValue() },
      MethodSettings: Match.arrayWith([Match.objectLike({ LoggingLevel: "ERROR", ThrottlingRateLimit: 50 })]),
    });
    t.hasResourceProperties("AWS::ApiGateway::GatewayResponse", {
      ResponseType: "DEFAULT_4XX",
      ResponseTemplates: {
        "application/json": Match.stringLikeRegexp('"error":\\{"code":"request_rejected"'),
      },
    });
  });

  test("POST /twelvelabs/webhooks needs no key (TwelveLabs sends none) and has its own method throttle", () => {
    const t = build();
    t.hasResourceProperties("AWS::ApiGateway::Resource", { PathPart: "webhooks" });
    t.hasResourceProperties("AWS::ApiGateway::Stage", {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ResourcePath: "/~1twelvelabs~1webhooks",
          HttpMethod: "POST",
          ThrottlingRateLimit: TL_WEBHOOK_THROTTLE.rateLimit,
          ThrottlingBurstLimit: TL_WEBHOOK_THROTTLE.burstLimit,
        }),
      ]),
    });
  });

  test("GET /openapi.json and POST /twelvelabs/webhooks need no key; every other method needs a key or SigV4", () => {
    const t = build();
    const methods = Object.values(t.findResources("AWS::ApiGateway::Method")) as Array<{
      Properties: { HttpMethod: string; ApiKeyRequired?: boolean; ResourceId: unknown };
    }>;
    const open = methods.filter(
      (m) =>
        m.Properties.ApiKeyRequired !== true &&
        m.Properties.HttpMethod !== "OPTIONS" &&
        (m.Properties as { AuthorizationType?: string }).AuthorizationType !== "AWS_IAM",
    );
    expect(open.map((m) => m.Properties.HttpMethod).sort()).toEqual(["GET", "POST"]);
    t.hasResourceProperties("AWS::ApiGateway::Resource", { PathPart: "openapi.json" });
  });

  test("two keys in the usage plan; the function knows which one is the admin key", () => {
    const t = build();
    t.resourceCountIs("AWS::ApiGateway::ApiKey", 2);
    t.resourceCountIs("AWS::ApiGateway::UsagePlanKey", 2);
    t.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ ADMIN_API_KEY_ID: Match.anyValue() }) },
    });
  });

  test("sns:Subscribe only with the protocols the stage allows (SMS only where enabled)", () => {
    const subscribeStatement = (t: Template) =>
      (
        Object.values(t.findResources("AWS::IAM::Policy")) as Array<{
          Properties: {
            PolicyDocument: { Statement: Array<{ Action: string | string[]; Condition?: unknown }> };
          };
        }>
      )
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .find((st) => st.Action === "sns:Subscribe");
    expect(subscribeStatement(build())?.Condition).toEqual({
      StringEquals: { "sns:Protocol": ["email", "https", "sqs", "lambda"] },
    });
    const withSms = build({ subscriptions: { maxCount: 10, sms: true } });
    expect(subscribeStatement(withSms)?.Condition).toEqual({
      StringEquals: { "sns:Protocol": ["email", "https", "sqs", "lambda", "sms"] },
    });
    withSms.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          SUBSCRIPTION_PROTOCOLS: "email,https,sqs,lambda,sms",
          SUBSCRIPTION_MAX: "10",
        }),
      },
    });
  });

  test("the api function can manage subscriptions of this topic, and cannot publish", () => {
    const t = build();
    const text = JSON.stringify(t.findResources("AWS::IAM::Policy"));
    expect(text).toContain("sns:Subscribe");
    expect(text).toContain("sns:Unsubscribe");
    expect(text).toContain("sns:ListSubscriptionsByTopic");
    expect(text).not.toContain("sns:Publish");
  });
});
