import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoDbWaiterLog } from "./adapters/dynamodb-waiter-log.js";
import { type HeaderBox, headerBoxFrom } from "./adapters/header-box.js";
import { secretReader } from "./adapters/secret-reader.js";
import { SfnCallbacks } from "./adapters/sfn-callbacks.js";
import { HEARTBEAT_KEY, SqsCallbackQueue } from "./adapters/sqs-callback-queue.js";
import type { FunctionLog, MetricsSinkOf } from "./config/function-log.js";
import type {
  STEP_FUNCTIONS_CALL_ACTIONS,
  STEP_FUNCTIONS_CALL_OUTCOMES,
  STEP_FUNCTIONS_METRICS,
  StepFunctionsMetric,
} from "./config/metric-names.js";
import type { StepFunctionsConfig } from "./config/step-functions-config.js";
import type { TaskEvent } from "./core/events.js";
import type {
  CallbackQueue,
  HeartbeatMessage,
  StepFunctionsPort,
  WaiterLog,
  WaiterTarget,
} from "./core/ports.js";
import {
  CALLBACK_MAX_ATTEMPTS,
  classifyCall,
  endsWaiters,
  type FinalCallback,
  finalCallback,
  heartbeatPeriodSeconds,
  tokenBinding,
  type Waiter,
} from "./core/step-functions-callback.js";
import { retryDelaySeconds } from "./core/webhook-delivery.js";
import { eventFromBody, handleRecords, toDeadLetter } from "./queue-records.js";

/** One call to Step Functions as local mode prints it and tests observe it (never the token). */
export interface CallbackCall {
  action: (typeof STEP_FUNCTIONS_CALL_ACTIONS)[number];
  taskId: string;
  waiterId: string;
  outcome: (typeof STEP_FUNCTIONS_CALL_OUTCOMES)[number];
  /** Step Functions' error name (never its message: it may quote the token). */
  error?: string;
  /** SendTaskFailure's `error`. */
  failure?: string;
}

export interface StepFunctionsHandlerDeps {
  log: WaiterLog;
  queue: CallbackQueue;
  sfn: StepFunctionsPort;
  /** Opens sealed tokens (the header key). */
  tokenBox: () => Promise<HeaderBox>;
  retryIn(receiptHandle: string, seconds: number): Promise<void>;
  deadLetter?(record: SQSRecord): Promise<void>;
  logger: FunctionLog;
  metrics?: MetricsSinkOf<StepFunctionsMetric, (typeof STEP_FUNCTIONS_METRICS)[StepFunctionsMetric]>;
  onCall?: (call: CallbackCall) => void;
  now?: () => number;
  random?: () => number;
  concurrency?: number;
}

export type StepFunctionsHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * The Step Functions callback function. Its queue holds final events (from the topic, through a
 * filter on the `callbacks` attribute, or from the API for a token that came after the end) and
 * heartbeats. Each waiting token of a final event gets SendTaskSuccess or SendTaskFailure once it
 * is accepted; a token Step Functions refuses is recorded and never retried, and never holds up the
 * others; throttling and outages come back through the message's visibility on the webhook
 * schedule. One failing record never fails the others.
 */
export function createStepFunctionsHandler(deps: StepFunctionsHandlerDeps): StepFunctionsHandler {
  const now = deps.now ?? Date.now;
  return async (sqsEvent) => {
    const receivedAt = now();
    const res = await handleRecords(sqsEvent.Records, deps, "step functions callback", (record) =>
      handleRecord(deps, record, now, receivedAt),
    );
    deps.metrics?.flush();
    return res;
  };
}

/** `true` when the record is done with. */
async function handleRecord(
  deps: StepFunctionsHandlerDeps,
  record: SQSRecord,
  now: () => number,
  receivedAt: number,
): Promise<boolean> {
  const heartbeat = heartbeatFromBody(record.body);
  if (heartbeat) return handleHeartbeat(deps, heartbeat, now);
  const event = eventFromBody(record.body);
  const callback = event && finalCallback(event);
  if (!event || !callback) {
    deps.logger.error("callback queue message is neither a final event nor a heartbeat; dropped", {
      messageId: record.messageId,
    });
    return true;
  }
  const target = await deps.log.read(event.task.id);
  if (!target || target.registeredAt !== Date.parse(event.task.registeredAt)) {
    deps.logger.info("callback skipped: the task is no longer registered", { eventId: event.id });
    return true;
  }
  const waiting = Object.values(target.waiters).filter((w) => w.state === "waiting");
  if (waiting.length === 0) return true;
  const box = await deps.tokenBox();
  let retryAfter: number | undefined;
  let gaveUp = false;
  for (const waiter of waiting) {
    const result = await finalCall(deps, box, event, target, waiter, callback, now);
    if (result.retryInSeconds !== undefined) {
      const wait = retryDelaySeconds(
        waiter.attempts + 1,
        undefined,
        deps.random,
        (now() - receivedAt) / 1000,
      );
      retryAfter = Math.min(retryAfter ?? wait, wait);
    }
    if (result.gaveUp) gaveUp = true;
  }
  if (retryAfter !== undefined) {
    await deps.retryIn(record.receiptHandle, retryAfter);
    return false;
  }
  if (gaveUp) {
    deps.logger.error("step functions callback gave up on a token; to the dead-letter queue", {
      eventId: event.id,
    });
    return toDeadLetter(deps, record);
  }
  return true;
}

/** One waiter's final callback, its outcome recorded on the task. */
async function finalCall(
  deps: StepFunctionsHandlerDeps,
  box: HeaderBox,
  event: TaskEvent,
  target: WaiterTarget,
  waiter: Waiter,
  callback: FinalCallback,
  now: () => number,
): Promise<{ retryInSeconds?: true; gaveUp?: true }> {
  const taskId = event.task.id;
  const token = openToken(box, taskId, target.registeredAt, waiter);
  let err: unknown;
  try {
    if (callback.type === "success") await deps.sfn.success(token, callback.output);
    else await deps.sfn.failure(token, callback.error, callback.cause);
  } catch (e) {
    err = e;
  }
  const c = classifyCall(err);
  const call: CallbackCall = { action: callback.type, taskId, waiterId: waiter.id, outcome: c.outcome };
  if (callback.type === "failure") call.failure = callback.error;
  const attempts = c.outcome === "retry" ? waiter.attempts + 1 : waiter.attempts;
  const last = c.outcome === "retry" && attempts >= CALLBACK_MAX_ATTEMPTS;
  if (c.outcome !== "accepted") call.error = c.error;
  if (last) call.outcome = "gave_up";
  // Reported before it is recorded: the call was made whatever happens to the record.
  report(deps, call);
  const at = now();
  if (c.outcome === "accepted") {
    await deps.log.update(taskId, target.registeredAt, waiter.id, {
      state: callback.type === "success" ? "succeeded" : "failed",
      attempts,
      endedAt: at,
    });
    return {};
  }
  if (c.outcome === "rejected") {
    await deps.log.update(taskId, target.registeredAt, waiter.id, {
      state: "rejected",
      attempts,
      lastError: c.error,
      endedAt: at,
    });
    return {};
  }
  await deps.log.update(taskId, target.registeredAt, waiter.id, {
    state: last ? "gave_up" : "waiting",
    attempts,
    lastError: c.error,
    ...(last ? { endedAt: at } : {}),
  });
  return last ? { gaveUp: true } : { retryInSeconds: true };
}

/**
 * A heartbeat: sent while the waiter waits and its task runs, then the next one queued. The chain
 * ends when the task ends (the final callback takes over), the waiter ends, or the task is gone.
 */
async function handleHeartbeat(
  deps: StepFunctionsHandlerDeps,
  hb: HeartbeatMessage,
  now: () => number,
): Promise<boolean> {
  if (hb.dueAt > now() + 1000) {
    // Further away than SQS delays a message: one more hop.
    await deps.queue.sendHeartbeat(hb, now());
    return true;
  }
  const target = await deps.log.read(hb.taskId);
  const waiter = target?.waiters[hb.waiterId];
  if (
    !target ||
    target.registeredAt !== hb.registeredAt ||
    !waiter ||
    waiter.state !== "waiting" ||
    waiter.heartbeatSeconds === undefined ||
    endsWaiters(target.status)
  )
    return true;
  const token = openToken(await deps.tokenBox(), hb.taskId, hb.registeredAt, waiter);
  let err: unknown;
  try {
    await deps.sfn.heartbeat(token);
  } catch (e) {
    err = e;
  }
  const c = classifyCall(err);
  const call: CallbackCall = {
    action: "heartbeat",
    taskId: hb.taskId,
    waiterId: waiter.id,
    outcome: c.outcome,
  };
  if (c.outcome !== "accepted") call.error = c.error;
  report(deps, call);
  if (c.outcome === "rejected") {
    // The execution stopped waiting (timed out, closed): no final callback either.
    await deps.log.update(hb.taskId, hb.registeredAt, waiter.id, {
      state: "rejected",
      attempts: waiter.attempts,
      lastError: c.error,
      endedAt: now(),
    });
    return true;
  }
  // A failed heartbeat is not retried on its own: the next one comes a third of the interval later.
  await deps.queue.sendHeartbeat(
    { ...hb, dueAt: now() + heartbeatPeriodSeconds(waiter.heartbeatSeconds) * 1000 },
    now(),
  );
  return true;
}

function openToken(box: HeaderBox, taskId: string, registeredAt: number, waiter: Waiter): string {
  const opened = box.open(waiter.sealedToken, tokenBinding(taskId, registeredAt, waiter.id));
  if (typeof opened.t !== "string") throw new Error("a sealed task token holds no token");
  return opened.t;
}

function report(deps: StepFunctionsHandlerDeps, call: CallbackCall): void {
  deps.onCall?.(call);
  deps.metrics?.add("StepFunctionsCalls", "Count", 1, { action: call.action, outcome: call.outcome });
  const fields = { taskId: call.taskId, waiterId: call.waiterId, outcome: call.outcome, error: call.error };
  if (call.outcome === "accepted" || call.outcome === "retry")
    deps.logger.info(`step functions ${call.action}`, fields);
  else deps.logger.warn(`step functions ${call.action} ${call.outcome}`, fields);
}

/** A heartbeat message, checked field by field (anything else is not one). */
export function heartbeatFromBody(body: string): HeartbeatMessage | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const hb = (parsed as Record<string, unknown> | null)?.[HEARTBEAT_KEY] as
    | Partial<HeartbeatMessage>
    | undefined;
  if (
    !hb ||
    typeof hb !== "object" ||
    typeof hb.taskId !== "string" ||
    typeof hb.waiterId !== "string" ||
    typeof hb.registeredAt !== "number" ||
    typeof hb.dueAt !== "number"
  )
    return undefined;
  return { taskId: hb.taskId, registeredAt: hb.registeredAt, waiterId: hb.waiterId, dueAt: hb.dueAt };
}

/** The real adapters for a configuration, on the given AWS clients (the Lambda's, or local mode's). */
export function stepFunctionsDeps(
  config: StepFunctionsConfig,
  aws: { dynamo: DynamoDBClient; sqs: SQSClient; sfn: SFNClient | StepFunctionsPort },
  extra: Pick<StepFunctionsHandlerDeps, "logger" | "metrics" | "onCall">,
): StepFunctionsHandlerDeps {
  const queue = new SqsCallbackQueue(aws.sqs, config.queueUrl);
  const deps: StepFunctionsHandlerDeps = {
    ...extra,
    log: new DynamoDbWaiterLog(aws.dynamo, config.tableName),
    queue,
    sfn: "send" in aws.sfn ? new SfnCallbacks(aws.sfn) : aws.sfn,
    tokenBox: headerBoxFrom(secretReader({ name: config.headerKeySecretName, value: config.headerKey })),
    retryIn: (receipt, seconds) => queue.retryIn(receipt, seconds),
    concurrency: config.concurrency,
  };
  if (config.deadLetterQueueUrl) {
    const dlq = config.deadLetterQueueUrl;
    deps.deadLetter = (record) => queue.deadLetter(dlq, record);
  }
  return deps;
}
