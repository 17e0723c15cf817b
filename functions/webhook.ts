import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SQSClient } from "@aws-sdk/client-sqs";
import { logger, metrics } from "./config/observability.js";
import { webhookConfig } from "./config/webhook-config.js";
import { createWebhookHandler, webhookDeps } from "./webhook-handler.js";

// The Lambda entry: configuration read and adapters built once per cold start. Queue URLs are
// only parameters: requests go to the configured (regional) endpoint.
const config = webhookConfig(process.env);
export const handler = createWebhookHandler(
  webhookDeps(
    config,
    { dynamo: new DynamoDBClient({}), sqs: new SQSClient({ useQueueUrlAsEndpoint: false }) },
    {
      logger: {
        info: (message, extra) => logger.info(message, extra ?? {}),
        warn: (message, extra) => logger.warn(message, extra ?? {}),
        error: (message, extra) => logger.error(message, extra ?? {}),
      },
      metrics: {
        add: (name, unit, value, dimensions) => {
          if (!dimensions) return metrics.addMetric(name, unit, value);
          const single = metrics.singleMetric();
          for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
          single.addMetric(name, unit, value);
        },
        flush: () => metrics.publishStoredMetrics(),
      },
    },
  ),
);
