import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { archiverDeps, createArchiverHandler } from "./archiver-handler.js";
import { archiverConfig } from "./config/archiver-config.js";
import { functionLog } from "./config/observability.js";

// The Lambda entry: configuration read and adapters built once per cold start.
const config = archiverConfig(process.env);
export const handler = createArchiverHandler(
  archiverDeps(
    config,
    {
      dynamo: new DynamoDBClient({}),
      sns: new SNSClient({}),
      sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
      // Path-style for a custom endpoint (LocalStack, moto, fauxqs), virtual-hosted on AWS.
      s3: new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }),
    },
    { logger: functionLog },
  ),
);
