import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { AttributeType, Table } from "aws-cdk-lib/aws-dynamodb";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { expect, test } from "vitest";
import {
  STEP_FUNCTIONS_FILTER_POLICY,
  WEBHOOK_FILTER_POLICY,
} from "../../functions/adapters/sns-publisher.js";
import { WEBHOOK_MAX_RECEIVES } from "../../functions/core/webhook-delivery.js";
import {
  StepFunctionsCallbacks,
  TASK_RESPONSE_ACTIONS,
} from "../../infra/constructs/step-functions-callbacks.js";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";
import { appContext, bareStack, stageConfig } from "../support/cdk.js";

function build(overrides: Parameters<typeof stageConfig>[1] = {}) {
  const stack = bareStack();
  const table = new Table(stack, "Table", { partitionKey: { name: "pk", type: AttributeType.STRING } });
  const topic = new Topic(stack, "Topic");
  const tokenKey = new Secret(stack, "Key");
  new StepFunctionsCallbacks(stack, "StepFunctions", {
    config: stageConfig("dev", overrides),
    table,
    topic,
    tokenKey,
  });
  return Template.fromStack(stack);
}

const responseStatements = (t: Template) =>
  Object.values(t.findResources("AWS::IAM::Policy"))
    .flatMap(
      (p) =>
        (
          p as {
            Properties: { PolicyDocument: { Statement: Array<{ Action: unknown; Resource: unknown }> } };
          }
        ).Properties.PolicyDocument.Statement,
    )
    .filter((s) => JSON.stringify(s.Action).includes("states:"));

test("final events of tasks with waiting tokens reach the callback queue (raw, filtered), never the webhook's", () => {
  const t = build();
  t.hasResourceProperties("AWS::SNS::Subscription", {
    Protocol: "sqs",
    RawMessageDelivery: true,
    FilterPolicy: STEP_FUNCTIONS_FILTER_POLICY,
  });
  // The two filters share only the combined value: an event with one callback reaches one queue.
  expect(
    STEP_FUNCTIONS_FILTER_POLICY.callbacks.filter((v) => WEBHOOK_FILTER_POLICY.callbacks.includes(v)),
  ).toEqual(["webhook,stepfunctions"]);
  const queues = t.findResources("AWS::SQS::Queue", { Properties: { RedrivePolicy: Match.anyValue() } });
  const props = (Object.values(queues)[0] as { Properties: Record<string, unknown> }).Properties;
  expect(props.SqsManagedSseEnabled).toBe(true);
  expect((props.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(WEBHOOK_MAX_RECEIVES);
  t.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
    FunctionResponseTypes: ["ReportBatchItemFailures"],
    BatchSize: 10,
  });
});

test("the callback actions on the listed state machines only; on any when the stage lists none", () => {
  const arns = ["arn:aws:states:us-east-1:123456789012:stateMachine:embed-pipeline"];
  expect(responseStatements(build({ stepFunctions: { stateMachineArns: arns, maxConcurrency: 5 } }))).toEqual(
    [expect.objectContaining({ Action: [...TASK_RESPONSE_ACTIONS].sort(), Resource: arns[0] })],
  );
  expect(responseStatements(build())).toEqual([
    expect.objectContaining({ Action: [...TASK_RESPONSE_ACTIONS].sort(), Resource: "*" }),
  ]);
});

test("in the stack: the API queues heartbeats and late callbacks, the queue is internal, two alarms, an output", () => {
  const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
  const stack = new TaskNotifierStack(app, "TaskNotifier-dev", { config: stageConfig("dev") });
  const t = Template.fromStack(stack);
  const fns = Object.values(t.findResources("AWS::Lambda::Function")) as Array<{
    Properties: { Environment?: { Variables: Record<string, unknown> } };
  }>;
  const apiEnv = fns
    .map((f) => f.Properties.Environment?.Variables ?? {})
    .find((v) => "ADMIN_API_KEY_ID" in v);
  expect(apiEnv?.STEP_FUNCTIONS_QUEUE_URL).toBeDefined();
  expect(JSON.stringify(apiEnv?.INTERNAL_SUBSCRIPTION_ENDPOINTS)).toContain("StepFunctionsQueue");
  const alarms = Object.keys(t.findResources("AWS::CloudWatch::Alarm"));
  expect(alarms.some((id) => id.includes("StepFunctionsCallbacksDeadLettered"))).toBe(true);
  expect(alarms.some((id) => id.includes("StepFunctionsCallbackErrors"))).toBe(true);
  t.hasOutput("StepFunctionsDeadLetterQueueUrl", {});
});
