import { App, Stack } from "aws-cdk-lib";
import { RestApi } from "aws-cdk-lib/aws-apigateway";
import { Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { STAGE_CONFIGS, type Stage, type StageConfig } from "../../infra/config.js";

/** A bare stack in an app that skips Lambda bundling (the full synth tests bundle for real). */
export function bareStack(): Stack {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
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
