import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { DynamoDbTaskStore } from "./adapters/dynamodb-task-store.js";
import { SnsSubscriptions } from "./adapters/sns-subscriptions.js";
import type { ApiConfig } from "./config/api-config.js";
import { errorSummary } from "./config/error-summary.js";
import { type ApiDeps, route } from "./http/routes.js";

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
  aws: { dynamo: DynamoDBClient; sns: SNSClient },
  log: ApiLog,
): ApiDeps {
  return {
    store: new DynamoDbTaskStore(aws.dynamo, config.tableName, config.shards),
    subscriptions: new SnsSubscriptions(aws.sns, config.topicArn),
    now: Date.now,
    defaultDeadlineSeconds: config.defaultDeadlineSeconds,
    tagAttributes: config.tagAttributes,
    allowLoopbackHttp: config.allowLoopbackHttp,
    adminApiKeyId: config.adminApiKeyId,
    subscriptionLimits: config.subscriptionLimits,
    twelvelabsBaseUrl: config.twelvelabsBaseUrl,
    onInternalError: (err) => log.error("api request failed", { error: errorSummary(err) }),
  };
}
