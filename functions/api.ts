import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { apiDeps, createApiHandler } from "./api-handler.js";
import { apiConfig } from "./config/api-config.js";
import { logger } from "./config/observability.js";

// The Lambda entry: configuration read and adapters built once per cold start. Queue URLs are
// only parameters: requests go to the configured (regional) endpoint.
const log = {
  info: (message: string, extra?: Record<string, unknown>) => logger.info(message, extra ?? {}),
  error: (message: string, extra?: Record<string, unknown>) => logger.error(message, extra ?? {}),
};
const config = apiConfig(process.env);
export const handler = createApiHandler(
  apiDeps(
    config,
    {
      dynamo: new DynamoDBClient({}),
      sns: new SNSClient({}),
      sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
      // Only presigns reads of stored results: no request is made to S3.
      // Path-style for a custom endpoint (LocalStack, moto, fauxqs), virtual-hosted on AWS.
      s3: new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }),
    },
    log,
  ),
  log,
);
