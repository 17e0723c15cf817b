import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as v from "valibot";
import { expect, test } from "vitest";
import { EmbedPipelineStack, NOTIFIER_FAILURES } from "../../examples/step-functions/embed-pipeline-stack.js";
import { registerBody } from "../../functions/http/schemas.js";

/*
 * The Step Functions example synthesises, and the request its waiting state sends is one the
 * notifier's own schema accepts, with the token and the failure names the notifier uses.
 */
function synth() {
  const app = new App();
  const stack = new EmbedPipelineStack(app, "TwelveLabsEmbedPipeline", {
    env: { account: "123456789012", region: "us-east-1" },
    notifierRestApiId: "a1b2c3d4e5",
    notifierKeySecretName: "notifier/client-key",
    twelvelabsKeySecretName: "TaskNotifier-dev-TwelveLabsKey",
  });
  return Template.fromStack(stack);
}

/** The definition string with its CloudFormation references replaced by a placeholder. */
function definitionOf(t: Template) {
  const sm = Object.values(t.findResources("AWS::StepFunctions::StateMachine"))[0] as {
    Properties: { DefinitionString: { "Fn::Join": [string, unknown[]] } };
  };
  const parts = sm.Properties.DefinitionString["Fn::Join"][1];
  const pseudo: Record<string, string> = { "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com" };
  const text = parts
    .map((p) => (typeof p === "string" ? p : (pseudo[(p as { Ref?: string }).Ref ?? ""] ?? "REF")))
    .join("");
  return JSON.parse(text) as { StartAt: string; States: Record<string, Record<string, unknown>> };
}

test("a Standard workflow: start the embedding, read the key, register with the token and wait, go on", () => {
  const t = synth();
  t.hasResourceProperties("AWS::StepFunctions::StateMachine", { StateMachineType: "STANDARD" });
  const def = definitionOf(t);
  expect(def.StartAt).toBe("StartEmbedding");
  const s = def.States;
  expect(s.StartEmbedding?.Resource).toBe("arn:aws:states:::http:invoke");
  expect(s.GetNotifierKey?.Resource).toBe("arn:aws:states:::aws-sdk:secretsmanager:getSecretValue");
  const wait = s.WaitForEmbedding as Record<string, unknown> & { Parameters: Record<string, unknown> };
  expect(wait.Resource).toBe("arn:aws:states:::apigateway:invoke.waitForTaskToken");
  expect(wait.HeartbeatSeconds).toBe(900);
  expect(wait.Parameters).toMatchObject({ Method: "POST", Path: "/tasks", Stage: "v1", AuthType: "NO_AUTH" });
  expect(wait.Parameters.Headers).toEqual({
    "x-api-key.$": "States.Array($.notifierKey.value)",
    "content-type": ["application/json"],
  });
  expect(wait.Catch).toEqual([
    expect.objectContaining({ ErrorEquals: NOTIFIER_FAILURES, Next: "EmbeddingFailed" }),
  ]);

  // The body, with what the execution fills in, is a registration the notifier accepts.
  const body = wait.Parameters.RequestBody as Record<string, unknown>;
  expect(body["taskToken.$"]).toBe("$$.Task.Token");
  const filled: Record<string, unknown> = {
    ...body,
    taskId: "64f8d2c7e4a1b37f8a9c5d12",
    taskToken: "AQB8AAAA",
  };
  delete filled["taskId.$"];
  delete filled["taskToken.$"];
  expect(v.safeParse(registerBody(false), filled).issues).toBeUndefined();
  // The notifier heartbeats every third of the state's own HeartbeatSeconds.
  expect(filled.heartbeatSeconds).toBe(wait.HeartbeatSeconds);
});

test("its README explains every state", () => {
  const readme = readFileSync(new URL("../../examples/step-functions/README.md", import.meta.url), "utf8");
  for (const state of Object.keys(definitionOf(synth()).States)) expect(readme).toContain(`\`${state}\``);
});
