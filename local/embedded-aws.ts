import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import dynalite from "dynalite";
import { type FauxqsServer, startFauxqs } from "fauxqs";
import { createTaskTableInput } from "../functions/adapters/task-table.js";

/** Fixed credentials for the stand-ins; they check the signature format, not the secret. */
export const LOCAL_AWS_ENV = {
  AWS_REGION: "us-east-1",
  AWS_ACCESS_KEY_ID: "local",
  AWS_SECRET_ACCESS_KEY: "local",
} as const;

export interface EmbeddedAws {
  dynamoEndpoint: string;
  snsEndpoint: string;
  tableName: string;
  topicArn: string;
  fauxqs: FauxqsServer;
  /** Environment that points the AWS SDK at the stand-ins, and the handlers at the table and topic. */
  env: Record<string, string>;
  /** SDK clients on the stand-ins, closed by `close()`. */
  dynamo: DynamoDBClient;
  sns: SNSClient;
  sqs: SQSClient;
  /** fauxqs speaks S3 too (path-style): the results bucket lives there. */
  s3: S3Client;
  close(): Promise<void>;
}

/**
 * dynalite (DynamoDB) and fauxqs (SNS, SQS) in this process on 127.0.0.1, with the task table
 * created from the same definition the stack deploys, and the notifications topic.
 */
export async function startEmbeddedAws(
  opts: {
    dataDir?: string;
    tableName?: string;
    topicName?: string;
    dynamoPort?: number;
    snsPort?: number;
  } = {},
): Promise<EmbeddedAws> {
  const dyn: Server = dynalite({ path: opts.dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dyn.once("error", reject);
    dyn.listen(opts.dynamoPort ?? 0, "127.0.0.1", () => resolve());
  });
  let fauxqs: FauxqsServer;
  try {
    fauxqs = await startFauxqs({ port: opts.snsPort ?? 0, host: "127.0.0.1", logger: false });
  } catch (err) {
    await new Promise((r) => dyn.close(r));
    throw err;
  }
  const dynamoEndpoint = `http://127.0.0.1:${(dyn.address() as AddressInfo).port}`;
  const snsEndpoint = `http://127.0.0.1:${fauxqs.port}`;
  const tableName = opts.tableName ?? "tasks";
  const credentials = {
    accessKeyId: LOCAL_AWS_ENV.AWS_ACCESS_KEY_ID,
    secretAccessKey: LOCAL_AWS_ENV.AWS_SECRET_ACCESS_KEY,
  };
  const dynamo = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials,
  });
  const sns = new SNSClient({ endpoint: snsEndpoint, region: LOCAL_AWS_ENV.AWS_REGION, credentials });
  // fauxqs queue URLs name a host of their own; requests go to the stand-in regardless.
  const sqs = new SQSClient({
    endpoint: snsEndpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials,
    useQueueUrlAsEndpoint: false,
  });
  const s3 = new S3Client({
    endpoint: snsEndpoint,
    region: LOCAL_AWS_ENV.AWS_REGION,
    credentials,
    forcePathStyle: true,
  });
  try {
    await dynamo.send(new CreateTableCommand(createTaskTableInput(tableName)));
  } catch (err) {
    // With --data the table survives restarts.
    if ((err as { name?: string }).name !== "ResourceInUseException") throw err;
  }
  const topic = await sns.send(new CreateTopicCommand({ Name: opts.topicName ?? "task-events" }));
  const env = {
    ...LOCAL_AWS_ENV,
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_SNS: snsEndpoint,
    AWS_ENDPOINT_URL_SQS: snsEndpoint,
    AWS_ENDPOINT_URL_S3: snsEndpoint,
    TABLE_NAME: tableName,
    TOPIC_ARN: topic.TopicArn as string,
  };
  return {
    dynamoEndpoint,
    snsEndpoint,
    tableName,
    topicArn: topic.TopicArn as string,
    fauxqs,
    env,
    dynamo,
    sns,
    sqs,
    s3,
    async close() {
      dynamo.destroy();
      sns.destroy();
      sqs.destroy();
      s3.destroy();
      await fauxqs.stop();
      await new Promise((r) => dyn.close(r));
    },
  };
}
