import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { DynamoDbTaskStore } from "./adapters/dynamodb-task-store.js";
import { DynamoDbTwelveLabsWebhookLog } from "./adapters/dynamodb-tl-webhook-log.js";
import { DynamoDbWebhookLog } from "./adapters/dynamodb-webhook-log.js";
import { headerBoxFrom } from "./adapters/header-box.js";
import { keyOf, S3ResultStore } from "./adapters/s3-result-store.js";
import { UNSET_TL_WEBHOOK_SECRET } from "./adapters/secret-placeholder.js";
import { secretReader } from "./adapters/secret-reader.js";
import { SnsSubscriptions } from "./adapters/sns-subscriptions.js";
import { SqsCallbackQueue } from "./adapters/sqs-callback-queue.js";
import { SqsWebhookQueue } from "./adapters/sqs-webhook-queue.js";
import type { ApiConfig } from "./config/api-config.js";
import { errorSummary } from "./config/error-summary.js";
import { type ApiDeps, RESULT_URL_SECONDS, route } from "./http/routes.js";

export interface ApiLog {
  info(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** The API Gateway (REST, Lambda proxy) handler around the routes: one log line per request. */
export function createApiHandler(deps: ApiDeps, log: ApiLog): ApiHandler {
  return async (event) => {
    const res = await route(deps, event);
    log.info("api request", { method: event.httpMethod, resource: event.resource, status: res.statusCode });
    return res;
  };
}

/** The real adapters for a configuration, on the given AWS clients (the Lambda's, or the local stand-ins'). */
export function apiDeps(
  config: ApiConfig,
  aws: { dynamo: DynamoDBClient; sns: SNSClient; sqs?: SQSClient; s3?: S3Client },
  log: ApiLog,
): ApiDeps {
  const deps: ApiDeps = {
    store: new DynamoDbTaskStore(aws.dynamo, config.tableName, config.shards),
    subscriptions: new SnsSubscriptions(aws.sns, config.topicArn, config.internalSubscriptionEndpoints),
    now: Date.now,
    defaultDeadlineSeconds: config.defaultDeadlineSeconds,
    tagAttributes: config.tagAttributes,
    allowLoopbackHttp: config.allowLoopbackHttp,
    adminApiKeyId: config.adminApiKeyId,
    subscriptionLimits: config.subscriptionLimits,
    twelvelabsBaseUrl: config.twelvelabsBaseUrl,
    stage: config.stage,
    bedrockRegions: config.bedrockRegions,
    onInternalError: (err) => log.error("api request failed", { error: errorSummary(err) }),
  };
  if (config.headerKeySecretName || config.headerKey) {
    deps.headerSealer = headerBoxFrom(
      secretReader({ name: config.headerKeySecretName, value: config.headerKey }),
    );
  }
  if (config.webhookQueueUrl && aws.sqs) {
    deps.webhooks = {
      log: new DynamoDbWebhookLog(aws.dynamo, config.tableName),
      queue: new SqsWebhookQueue(aws.sqs, config.webhookQueueUrl),
    };
  }
  if (config.resultsBucket && aws.s3) {
    const results = new S3ResultStore(aws.s3, config.resultsBucket);
    const bucket = config.resultsBucket;
    deps.results = {
      archiveDefault: config.archiveDefault,
      presign: (uri) => {
        const key = keyOf(uri, bucket);
        if (key === undefined) throw new Error("a stored result names another bucket");
        return results.presign(key, RESULT_URL_SECONDS);
      },
    };
  }
  if (config.tlWebhookSecretName || config.tlWebhookSecret) {
    const read = secretReader({ name: config.tlWebhookSecretName, value: config.tlWebhookSecret });
    deps.tlWebhooks = {
      secret: async () => {
        const value = (await read()).trim();
        return value === UNSET_TL_WEBHOOK_SECRET ? undefined : value;
      },
      log: new DynamoDbTwelveLabsWebhookLog(aws.dynamo, config.tableName),
      watchKinds: config.watchKinds,
    };
  }
  if (config.stepFunctionsQueueUrl && aws.sqs)
    deps.stepFunctions = { queue: new SqsCallbackQueue(aws.sqs, config.stepFunctionsQueueUrl) };
  return deps;
}
