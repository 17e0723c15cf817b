import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { logger, metrics } from "./config/observability.js";
import { pollerConfig } from "./config/poller-config.js";
import { createPollerHandler, pollerDeps } from "./poller-handler.js";

// The Lambda entry: configuration read and adapters built once per cold start.
const config = pollerConfig(process.env);
const aws = { dynamo: new DynamoDBClient({}), sns: new SNSClient({}) };
export const handler = createPollerHandler(
  pollerDeps(config, aws, {
    log: {
      info: (message, extra) => logger.info(message, extra ?? {}),
      warn: (message, extra) => logger.warn(message, extra ?? {}),
      error: (message, extra) => logger.error(message, extra ?? {}),
    },
    metrics: {
      add: (name, unit, value, dimensions) => {
        if (!dimensions) return metrics.addMetric(name, unit, value);
        // Another dimension set: its own EMF document, written at once.
        const single = metrics.singleMetric();
        for (const [k, v] of Object.entries(dimensions)) single.addDimension(k, v);
        single.addMetric(name, unit, value);
      },
      flush: () => metrics.publishStoredMetrics(),
    },
  }),
  config,
);
export type { PollerResult } from "./poller-handler.js";
