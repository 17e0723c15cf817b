import { App, Stack } from "aws-cdk-lib";
import { STAGE_CONFIGS, type Stage, type StageConfig } from "../../infra/config.js";

/** A bare stack in an app that skips Lambda bundling (the full synth tests bundle for real). */
export function bareStack(): Stack {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  return new Stack(app, "Test", { env: { account: "123456789012", region: "eu-west-1" } });
}

export function stageConfig(stage: Stage, overrides: Partial<StageConfig> = {}): StageConfig {
  return { ...STAGE_CONFIGS[stage], ...overrides };
}
