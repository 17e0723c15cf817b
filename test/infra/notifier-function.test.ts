import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AttributeType, TableV2 } from "aws-cdk-lib/aws-dynamodb";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { expect, test } from "vitest";
import { NotifierFunction } from "../../infra/constructs/notifier-function.js";
import { bareStack } from "../support/cdk.js";

function build(bind: (f: NotifierFunction, deps: { table: TableV2; topic: Topic; secret: Secret }) => void) {
  const stack = bareStack();
  const deps = {
    table: new TableV2(stack, "Table", { partitionKey: { name: "pk", type: AttributeType.STRING } }),
    topic: new Topic(stack, "Topic"),
    secret: new Secret(stack, "Secret"),
  };
  const f = new NotifierFunction(stack, "Fn", {
    entry: "api.ts",
    description: "test",
    timeout: Duration.seconds(10),
    logRetentionDays: 7,
    removalPolicy: RemovalPolicy.DESTROY,
    logLevel: "INFO",
    environment: { STAGE: "dev", EXTRA: "kept" },
  });
  bind(f, deps);
  return Template.fromStack(stack);
}

const statements = (t: Template) =>
  (
    Object.values(t.findResources("AWS::IAM::Policy")) as Array<{
      Properties: { PolicyDocument: { Statement: Array<{ Action: string | string[] }> } };
    }>
  ).flatMap((p) =>
    p.Properties.PolicyDocument.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
  );

test("house defaults: ARM64, Node.js 24, its own log group; the given environment is kept beside the defaults", () => {
  const t = build(() => {});
  t.hasResourceProperties("AWS::Lambda::Function", {
    Runtime: "nodejs24.x",
    Architectures: ["arm64"],
    Handler: "index.handler",
    MemorySize: 512,
    Environment: {
      Variables: Match.objectLike({
        STAGE: "dev",
        EXTRA: "kept",
        POWERTOOLS_SERVICE_NAME: "twelvelabs-task-notifier",
      }),
    },
    LoggingConfig: Match.objectLike({ LogGroup: Match.anyValue() }),
  });
  t.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 7 });
  expect(statements(t)).toEqual([]);
});

test("each bind adds its grant and its environment variable together", () => {
  const t = build((f, d) =>
    f.bindTable(d.table, 4, ["Query", "UpdateItem"]).bindTopicPublisher(d.topic).bindSecret(d.secret),
  );
  t.hasResourceProperties("AWS::Lambda::Function", {
    Environment: {
      Variables: Match.objectLike({
        TABLE_NAME: Match.anyValue(),
        SHARDS: "4",
        TOPIC_ARN: Match.anyValue(),
        TWELVELABS_SECRET_NAME: Match.anyValue(),
      }),
    },
  });
  expect(statements(t)).toEqual(
    expect.arrayContaining(["dynamodb:UpdateItem", "sns:Publish", "secretsmanager:GetSecretValue"]),
  );
  // Only the table actions named: no Scan, no batch writes, no table administration.
  expect(
    statements(t)
      .filter((a) => a.startsWith("dynamodb:"))
      .sort(),
  ).toEqual(["dynamodb:Query", "dynamodb:UpdateItem"]);
  const onlySecret = build((f, d) => f.bindSecret(d.secret));
  expect(statements(onlySecret).every((a) => a.startsWith("secretsmanager:"))).toBe(true);
});
