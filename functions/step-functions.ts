import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SFNClient } from "@aws-sdk/client-sfn";
import { SQSClient } from "@aws-sdk/client-sqs";
import { functionLog, functionMetrics } from "./config/observability.js";
import { stepFunctionsConfig } from "./config/step-functions-config.js";
import { createStepFunctionsHandler, stepFunctionsDeps } from "./step-functions-handler.js";

// The Lambda entry: configuration read and adapters built once per cold start.
const config = stepFunctionsConfig(process.env);
export const handler = createStepFunctionsHandler(
  stepFunctionsDeps(
    config,
    {
      dynamo: new DynamoDBClient({}),
      sqs: new SQSClient({ useQueueUrlAsEndpoint: false }),
      sfn: new SFNClient({}),
    },
    { logger: functionLog, metrics: functionMetrics },
  ),
);
