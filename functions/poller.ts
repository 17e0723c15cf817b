import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { functionLog, functionMetrics } from "./config/observability.js";
import { pollerConfig } from "./config/poller-config.js";
import { createPollerHandler, pollerDeps } from "./poller-handler.js";

// The Lambda entry: configuration read and adapters built once per cold start.
const config = pollerConfig(process.env);
// SQS only for archive jobs (a stage that keeps results); queue URLs are only parameters.
const aws = {
  dynamo: new DynamoDBClient({}),
  sns: new SNSClient({}),
  sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
};
export const handler = createPollerHandler(
  pollerDeps(config, aws, { log: functionLog, metrics: functionMetrics }),
  config,
);
export type { PollerResult } from "./poller-handler.js";
