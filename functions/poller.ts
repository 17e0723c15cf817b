import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { functionLog, functionMetrics } from "./config/observability.js";
import { pollerConfig } from "./config/poller-config.js";
import { createPollerHandler, pollerDeps } from "./poller-handler.js";

// The Lambda entry: configuration read and adapters built once per cold start.
const config = pollerConfig(process.env);
const aws = { dynamo: new DynamoDBClient({}), sns: new SNSClient({}) };
export const handler = createPollerHandler(
  pollerDeps(config, aws, { log: functionLog, metrics: functionMetrics }),
  config,
);
export type { PollerResult } from "./poller-handler.js";
