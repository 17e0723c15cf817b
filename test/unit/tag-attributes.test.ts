import { App } from "aws-cdk-lib";
import { expect, test } from "vitest";
import { publishInput } from "../../functions/adapters/sns-publisher.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { ConfigError } from "../../functions/config/env-config.js";
import { pollerConfig } from "../../functions/config/poller-config.js";
import { buildEvent } from "../../functions/core/events.js";
import { MAX_TAG_ATTRIBUTES } from "../../functions/core/tag-attributes.js";
import { newTask } from "../../functions/core/task.js";
import { STAGE_CONFIGS } from "../../infra/config.js";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";
import { appContext } from "../support/cdk.js";

const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

test("the most tag attributes allowed still fit in SNS's 10 message attributes, both callback routes included", () => {
  const tags = Object.fromEntries(keys(MAX_TAG_ATTRIBUTES).map((k) => [k, "v"]));
  const task = { ...newTask({ taskId: "t", kind: "embed", tags }, 0, 60), status: "ready" as const };
  const input = publishInput(
    "arn:aws:sns:us-east-1:1:t",
    buildEvent(task, "processing", 0, { stage: "dev", twelvelabsBaseUrl: "https://x" }),
    keys(MAX_TAG_ATTRIBUTES),
    { webhook: true, stepFunctions: true },
  );
  expect(Object.keys(input.MessageAttributes)).toHaveLength(10);
  expect(input.MessageAttributes.callbacks?.StringValue).toBe("webhook,stepfunctions");
});

test("one more is refused when a function starts, naming the variable", () => {
  const env = {
    TABLE_NAME: "t",
    TOPIC_ARN: "a",
    STAGE: "dev",
    TWELVELABS_API_KEY: "k",
    TAG_ATTRIBUTES: keys(6).join(","),
    ADMIN_API_KEY_ID: "admin-key-id",
  };
  expect(() => pollerConfig(env)).toThrow(ConfigError);
  expect(() => apiConfig(env)).toThrow(/TAG_ATTRIBUTES: at most 5 tag attributes/);
  expect(() => pollerConfig({ ...env, TAG_ATTRIBUTES: "team,9lives" })).toThrow(
    /"9lives" must start with a letter/,
  );
});

test("and at synth, before anything is deployed", () => {
  const app = new App({ context: appContext({ "aws:cdk:bundling-stacks": [] }) });
  expect(
    () =>
      new TaskNotifierStack(app, "TaskNotifier-dev", {
        config: { ...STAGE_CONFIGS.dev, tagAttributes: keys(6) },
      }),
  ).toThrow(/Stage dev: tagAttributes \(infra\/config.ts, or the construct's props\): at most 5/);
});
