import { SFNClient } from "@aws-sdk/client-sfn";
import { STEP_FUNCTIONS_FILTER_POLICY } from "../functions/adapters/sns-publisher.js";
import { stepFunctionsConfig } from "../functions/config/step-functions-config.js";
import type { StepFunctionsPort } from "../functions/core/ports.js";
import {
  type CallbackCall,
  createStepFunctionsHandler,
  stepFunctionsDeps,
} from "../functions/step-functions-handler.js";
import type { EmbeddedAws } from "./embedded-aws.js";
import { createLocalCallbackQueue, startQueueLoop } from "./webhook-loop.js";

/*
 * The stack's Step Functions callback path, locally: a queue subscribed to the topic with the same
 * filter, its DLQ, and the real handler on it. With AWS_ENDPOINT_URL_SFN set (a LocalStack, moto's
 * server) the real SDK client answers the tokens there, signed like any AWS call; otherwise an
 * in-process stand-in accepts every call and one line is printed per call (never the token).
 */

export const LOCAL_STEP_FUNCTIONS_QUEUE = "local-stepfunctions";
export const LOCAL_STEP_FUNCTIONS_DLQ = "local-stepfunctions-failed";

export async function createLocalStepFunctionsQueue(
  aws: EmbeddedAws,
  name = LOCAL_STEP_FUNCTIONS_QUEUE,
): Promise<{ queueUrl: string; dlqUrl: string }> {
  const dlq = name === LOCAL_STEP_FUNCTIONS_QUEUE ? LOCAL_STEP_FUNCTIONS_DLQ : `${name}-failed`;
  return createLocalCallbackQueue(aws, name, dlq, STEP_FUNCTIONS_FILTER_POLICY);
}

/** Accepts every call (no Step Functions here): the printed line is the record of it. */
const acceptingStandIn: StepFunctionsPort = {
  success: async () => undefined,
  failure: async () => undefined,
  heartbeat: async () => undefined,
};

const ACTION_NAMES = {
  success: "SendTaskSuccess",
  failure: "SendTaskFailure",
  heartbeat: "SendTaskHeartbeat",
};

/** One printed line per call: never the token, only the waiter id derived from it. */
export function callLine(call: CallbackCall, sent: boolean): string {
  const failure = call.failure ? ` error=${call.failure}` : "";
  const error = call.error ? ` (${call.error})` : "";
  const where = sent ? "" : " (stand-in; set AWS_ENDPOINT_URL_SFN to send)";
  return `[stepfunctions] ${ACTION_NAMES[call.action]} task ${call.taskId} waiter ${call.waiterId}${failure} -> ${call.outcome}${error}${where}`;
}

/** The handler on the local queue, against AWS_ENDPOINT_URL_SFN when set, else the stand-in. */
export function startStepFunctions(
  aws: EmbeddedAws,
  env: NodeJS.ProcessEnv,
  print: (line: string) => void,
): () => Promise<void> {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const config = stepFunctionsConfig(env);
  const sent = Boolean(env.AWS_ENDPOINT_URL_SFN);
  const handler = createStepFunctionsHandler(
    stepFunctionsDeps(
      config,
      { dynamo: aws.dynamo, sqs: aws.sqs, sfn: sent ? new SFNClient({}) : acceptingStandIn },
      { logger: quiet, onCall: (call) => print(callLine(call, sent)) },
    ),
  );
  return startQueueLoop(aws, config.queueUrl, handler, print, "stepfunctions");
}
