import { randomBytes } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import { DynamoDbTaskStore } from "../../functions/adapters/dynamodb-task-store.js";
import { apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { startEmbeddedAws } from "../../local/embedded-aws.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "./api-events.js";

/**
 * The real api handler (createApiHandler with the real adapters of apiDeps) on dynalite and fauxqs,
 * configured by an environment object as the Lambda's would be, without touching process.env.
 */
export async function startApiHarness(extraEnv: Record<string, string> = {}) {
  const aws = await startEmbeddedAws();
  // As deployed: a header key to seal callbackHeaders, a webhook queue for redeliveries.
  const webhookQueueUrl = aws.fauxqs.createQueue("api-harness-webhooks").queueUrl;
  const stepFunctionsQueueUrl = aws.fauxqs.createQueue("api-harness-stepfunctions").queueUrl;
  const config = apiConfig({
    CALLBACK_HEADER_KEY: randomBytes(32).toString("hex"),
    WEBHOOK_QUEUE_URL: webhookQueueUrl,
    STEP_FUNCTIONS_QUEUE_URL: stepFunctionsQueueUrl,
    ...aws.env,
    STAGE: "test",
    SHARDS: "4",
    TAG_ATTRIBUTES: "team,project",
    ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID,
    SUBSCRIPTION_PROTOCOLS: "email,sms,https",
    ...extraEnv,
  });
  const quiet = { info() {}, error() {} };
  const handler = createApiHandler(apiDeps(config, aws, quiet), quiet);
  const { dynamo } = aws;
  const store = new DynamoDbTaskStore(dynamo, aws.tableName, 4);
  return {
    aws,
    /** The webhook queue POST /tasks/{id}/redeliver sends to. */
    webhookQueueUrl,
    /** The Step Functions callback queue (heartbeats, late final events); "" in extraEnv turns it off. */
    stepFunctionsQueueUrl,
    store,
    dynamo,
    async call(method: string, path: string, opts: Parameters<typeof apiEvent>[2] = {}) {
      const res: APIGatewayProxyResult = await handler(apiEvent(method, path, opts));
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field.
      const body: any = res.body ? JSON.parse(res.body) : undefined;
      return { status: res.statusCode, body, headers: res.headers ?? {} };
    },
    async close() {
      await aws.close();
    },
  };
}

export type ApiHarness = Awaited<ReturnType<typeof startApiHarness>>;
