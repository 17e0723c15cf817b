import { readFileSync } from "node:fs";
import { App, Stack } from "aws-cdk-lib";
import { RestApi } from "aws-cdk-lib/aws-apigateway";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { STAGE_CONFIGS, type Stage, type StageConfig } from "../../infra/config.js";

/**
 * cdk.json's context (its feature flags), so that tests synthesise what `cdk synth` and `cdk deploy`
 * do, plus `extra` (e.g. skipping Lambda bundling).
 */
export function appContext(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")) as {
    context: Record<string, unknown>;
  };
  return { ...cdkJson.context, ...extra };
}

/** A bare stack in an app that skips Lambda bundling (the full synth tests bundle for real). */
export function bareStack(): Stack {
  const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
  return new Stack(app, "Test", { env: { account: "123456789012", region: "eu-west-1" } });
}

export function stageConfig(stage: Stage, overrides: Partial<StageConfig> = {}): StageConfig {
  return { ...STAGE_CONFIGS[stage], ...overrides };
}

/** The smallest real poller function and API a construct that watches them can be built against. */
export function stubPollerAndApi(stack: Stack): { poller: LambdaFunction; api: RestApi } {
  const poller = new LambdaFunction(stack, "Poller", {
    runtime: Runtime.NODEJS_24_X,
    handler: "index.handler",
    code: Code.fromInline("export const handler = async () => ({});"),
  });
  const api = new RestApi(stack, "Api");
  api.root.addMethod("GET");
  return { poller, api };
}
