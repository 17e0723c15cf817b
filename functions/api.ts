import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import { DynamoDbTaskStore } from "./adapters/dynamodb-task-store.js";
import { SnsSubscriptions } from "./adapters/sns-subscriptions.js";
import { apiConfig } from "./config/api-config.js";
import { errorSummary } from "./config/error-summary.js";
import { logger } from "./config/observability.js";
import { type ApiDeps, route } from "./http/routes.js";

// Composition root: configuration and adapters are built once per cold start.
const config = apiConfig(process.env);
const sns = new SNSClient({});
const deps: ApiDeps = {
  store: new DynamoDbTaskStore(new DynamoDBClient({}), config.tableName, config.shards),
  subscriptions: new SnsSubscriptions(sns, config.topicArn),
  now: Date.now,
  defaultDeadlineSeconds: config.defaultDeadlineSeconds,
  tagAttributes: config.tagAttributes,
  allowLoopbackHttp: config.allowLoopbackHttp,
  onInternalError: (err) => logger.error("api request failed", { error: errorSummary(err) }),
};

/** API Gateway REST API, Lambda proxy integration. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const res = await route(deps, event);
  logger.info("api request", { method: event.httpMethod, resource: event.resource, status: res.statusCode });
  return res;
}
