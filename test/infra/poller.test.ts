import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { describe, expect, test } from "vitest";
import { Poller } from "../../infra/constructs/poller.js";
import { TaskTable } from "../../infra/constructs/task-table.js";
import { appContext, bareStack, stageConfig } from "../support/cdk.js";

function build(
  reserve: boolean,
  pollEvery = Duration.minutes(1),
  more: Parameters<typeof stageConfig>[1] = {},
) {
  const stack = bareStack();
  const table = new TaskTable(stack, "Tasks", {
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: false,
  }).table;
  const topic = new Topic(stack, "Topic");
  const secret = new Secret(stack, "Secret");
  new Poller(stack, "Poller", {
    config: stageConfig("dev", { reservePollerConcurrency: reserve, pollEvery, ...more }),
    table,
    topic,
    secret,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return Template.fromStack(stack);
}

describe("Poller", () => {
  test("scheduled every minute, ARM64 Node.js 24, timeout below the interval", () => {
    const t = build(false);
    t.hasResourceProperties("AWS::Events::Rule", { ScheduleExpression: "rate(1 minute)", State: "ENABLED" });
    t.hasResourceProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      Timeout: 58,
      Environment: {
        Variables: Match.objectLike({
          PASSES_PER_RUN: "10",
          PASS_INTERVAL_MS: "6000",
          SAFETY_MARGIN_MS: "3000",
          STAGE: "dev",
        }),
      },
    });
  });

  test("the stage's TwelveLabs call budget reaches the poller (1,000 a minute unless set)", () => {
    build(false, Duration.minutes(1), { twelvelabsCallsPerMinute: 3_000 }).hasResourceProperties(
      "AWS::Lambda::Function",
      { Environment: { Variables: Match.objectLike({ TWELVELABS_CALLS_PER_MINUTE: "3000" }) } },
    );
    build(false).hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ TWELVELABS_CALLS_PER_MINUTE: "1000" }) },
    });
  });

  test("new task items on the table's stream wake an idle poller; a failed wake-up is dropped", () => {
    const t = build(false);
    t.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      StreamSpecification: { StreamViewType: "KEYS_ONLY" },
    });
    t.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      StartingPosition: "LATEST",
      MaximumRetryAttempts: 0,
      MaximumRecordAgeInSeconds: 60,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT"],
              dynamodb: { Keys: { pk: { S: [{ prefix: "TASK#" }] } } },
            }),
          },
          // A TwelveLabs webhook's record (written after its task was made due) wakes it too.
          {
            Pattern: JSON.stringify({
              eventName: ["INSERT"],
              dynamodb: { Keys: { pk: { S: [{ prefix: "TLEVENT#" }] } } },
            }),
          },
        ],
      },
    });
  });

  test("no overlapping runs: reserved concurrency 1 where allowed, otherwise the lease", () => {
    const reserved = build(true);
    reserved.hasResourceProperties("AWS::Lambda::Function", { ReservedConcurrentExecutions: 1 });
    const leased = build(false);
    const fns = Object.values(leased.findResources("AWS::Lambda::Function")) as Array<{
      Properties: Record<string, unknown>;
    }>;
    expect(fns[0]?.Properties.ReservedConcurrentExecutions).toBeUndefined();
    // The lease is on by default in the function (POLLER_LEASE unset means true).
    expect(JSON.stringify(fns[0]?.Properties.Environment)).not.toContain("POLLER_LEASE");
  });

  test("failed asynchronous invocations go to an encrypted DLQ, not retried late", () => {
    const t = build(false);
    t.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    t.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1209600,
    });
  });

  test("grants: table read/write, publish, read the secret; nothing else", () => {
    const t = build(false);
    const policies = Object.values(t.findResources("AWS::IAM::Policy")) as Array<{
      Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } };
    }>;
    const actions = policies.flatMap((p) =>
      p.Properties.PolicyDocument.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "sns:Publish",
        "secretsmanager:GetSecretValue",
      ]),
    );
    for (const a of actions)
      expect(a).toMatch(
        /^(dynamodb|sns:Publish|secretsmanager:(GetSecretValue|DescribeSecret)|sqs:SendMessage|sqs:GetQueue|bedrock:(GetAsyncInvoke|ListAsyncInvokes)$)/,
      );
  });
});

describe("Bedrock async invocations (stage setting bedrock)", () => {
  const statements = (t: Template) =>
    (
      Object.values(t.findResources("AWS::IAM::Policy")) as Array<{
        Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } };
      }>
    ).flatMap((p) => p.Properties.PolicyDocument.Statement);
  const fnEnv = (t: Template) =>
    (
      Object.values(t.findResources("AWS::Lambda::Function"))[0] as {
        Properties: { Environment: { Variables: Record<string, string> } };
      }
    ).Properties.Environment.Variables;

  test("listed regions: GetAsyncInvoke on the account's invocations there, ListAsyncInvokes held to them", () => {
    const t = build(false, Duration.minutes(1), {
      bedrock: { regions: ["us-east-1", "eu-west-1"], discoverModels: ["marengo"] },
    });
    const get = statements(t).find((s) => s.Action === "bedrock:GetAsyncInvoke");
    expect(JSON.stringify(get?.Resource)).toContain(":bedrock:us-east-1:");
    expect(JSON.stringify(get?.Resource)).toContain(":bedrock:eu-west-1:");
    expect(JSON.stringify(get?.Resource)).toContain(":async-invoke/*");
    const list = statements(t).find((s) => s.Action === "bedrock:ListAsyncInvokes");
    expect(list?.Condition).toEqual({ StringEquals: { "aws:RequestedRegion": ["us-east-1", "eu-west-1"] } });
    expect(fnEnv(t).BEDROCK_REGIONS).toBe("us-east-1,eu-west-1");
    expect(fnEnv(t).BEDROCK_DISCOVER_MODELS).toBe("marengo");
  });

  test("no regions: the kind is off, no Bedrock permission; a bad region name fails synth", () => {
    const t = build(false, Duration.minutes(1), { bedrock: { regions: [] } });
    expect(statements(t).some((s) => String(s.Action).startsWith("bedrock:"))).toBe(false);
    expect(fnEnv(t).BEDROCK_REGIONS).toBe("none");
    expect(() => build(false, Duration.minutes(1), { bedrock: { regions: ["mars-1"] } })).toThrow(
      /not a region name/,
    );
  });
});

describe("watching the account (stage setting watchAccount)", () => {
  const env = (t: Template) =>
    (
      Object.values(t.findResources("AWS::Lambda::Function"))[0] as {
        Properties: { Environment: { Variables: Record<string, string> } };
      }
    ).Properties.Environment.Variables;

  test("off by default; the chosen kinds and the default deadline reach the poller", () => {
    expect(env(build(false)).WATCH_ACCOUNT_KINDS).toBe("");
    const on = env(build(false, Duration.minutes(1), { watchAccount: ["embed", "asset", "analyze"] }));
    expect(on.WATCH_ACCOUNT_KINDS).toBe("embed,asset,analyze");
    expect(on.DEFAULT_DEADLINE_SECONDS).toBe(String(24 * 3600));
  });

  test("a kind that cannot be watched fails the synth, naming the setting", async () => {
    const { App } = await import("aws-cdk-lib");
    const { TaskNotifierStack } = await import("../../infra/task-notifier-stack.js");
    const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
    expect(
      () =>
        new TaskNotifierStack(app, "X", { config: stageConfig("dev", { watchAccount: ["indexed-asset"] }) }),
    ).toThrow(
      /Stage dev: watchAccount \(infra\/config.ts, or the construct's props\): indexed-asset cannot be watched/,
    );
  });
});
