import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { functionLog, functionMetrics } from "./config/observability.js";
import { webhookConfig } from "./config/webhook-config.js";
import { createWebhookHandler, webhookDeps } from "./webhook-handler.js";

// The Lambda entry: configuration read and adapters built once per cold start. Queue URLs are
// only parameters: requests go to the configured (regional) endpoint.
const config = webhookConfig(process.env);
export const handler = createWebhookHandler(
  webhookDeps(
    config,
    { dynamo: new DynamoDBClient({}), sqs: new SQSClient({ useQueueUrlAsEndpoint: false }) },
    { logger: functionLog, metrics: functionMetrics },
  ),
);
