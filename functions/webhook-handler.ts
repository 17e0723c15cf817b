import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoDbWebhookLog } from "./adapters/dynamodb-webhook-log.js";
import { type HeaderBox, headerBoxFrom } from "./adapters/header-box.js";
import { secretReader } from "./adapters/secret-reader.js";
import { REDELIVERY_ATTRIBUTE, SqsWebhookQueue } from "./adapters/sqs-webhook-queue.js";
import { guardedAgent } from "./adapters/ssrf-guard.js";
import { sendWebhook } from "./adapters/webhook-sender.js";
import { errorSummary } from "./config/error-summary.js";
import type { FunctionLog } from "./config/function-log.js";
import type { WEBHOOK_METRICS, WebhookMetric } from "./config/metric-names.js";
import type { WebhookConfig } from "./config/webhook-config.js";
import type { TaskEvent } from "./core/events.js";
import { headerBinding, type WebhookLog } from "./core/ports.js";
import {
  attemptsMade,
  decideAttempt,
  infrastructureRetrySeconds,
  type SendResult,
  WEBHOOK_MAX_ATTEMPTS,
  type WebhookAttempt,
} from "./core/webhook-delivery.js";
import { parseWebhookSecret, signingSecrets } from "./core/webhook-secrets.js";
import { webhookHeaders } from "./core/webhook-signature.js";
import { eventFromBody, handleRecords, receiveCountOf, toDeadLetter } from "./queue-records.js";

export interface WebhookLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface WebhookMetricsSink {
  add(
    name: WebhookMetric,
    unit: (typeof WEBHOOK_METRICS)[WebhookMetric],
    value: number,
    dims?: Record<string, string>,
  ): void;
  flush(): void;
}

export interface WebhookHandlerDeps {
  log: WebhookLog;
  /** Pushes a failed message's next receive out (SQS ChangeMessageVisibility). */
  retryIn(receiptHandle: string, seconds: number): Promise<void>;
  /**
   * Puts a message that failed its last attempt on the dead-letter queue (the function then deletes
   * it from the queue). Without it, the queue's redrive does it after WEBHOOK_MAX_RECEIVES receives.
   */
  deadLetter?(record: SQSRecord): Promise<void>;
  send(url: string, headers: Record<string, string>, body: string): Promise<SendResult>;
  /** The secrets that sign now (two during a rotation's overlap). */
  signingSecrets(): Promise<string[]>;
  /** Opens sealed callback headers; absent when no key is configured. */
  headerBox?: () => Promise<HeaderBox>;
  logger: FunctionLog;
  metrics?: WebhookMetricsSink;
  /** Told about each attempt (local mode prints a `[webhook]` line). */
  onAttempt?: (url: string, attempt: WebhookAttempt) => void;
  now?: () => number;
  random?: () => number;
  concurrency?: number;
}

export type WebhookHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * The webhook function: each SQS record is one event to POST to its task's callback, signed.
 * Records that must be tried again are reported as batch item failures after their visibility
 * was pushed out to the retry wait; after the last attempt the queue's redrive moves them to the
 * DLQ. One failing record never fails the others.
 */
export function createWebhookHandler(deps: WebhookHandlerDeps): WebhookHandler {
  const now = deps.now ?? Date.now;
  return async (sqsEvent) => {
    const failures: SQSBatchResponse["batchItemFailures"] = [];
    const receivedAt = now();
    let secrets: string[];
    try {
      secrets = await deps.signingSecrets();
    } catch (err) {
      // Nothing can be signed: every record comes back later, no attempt spent (the receiver was
      // never called); the waits grow with each receive, up to 15 minutes.
      deps.logger.error("webhook signing secret unavailable", { error: errorSummary(err) });
      for (const r of sqsEvent.Records) {
        await deps
          .retryIn(r.receiptHandle, infrastructureRetrySeconds(receiveCountOf(r)))
          .catch(() => undefined);
        failures.push({ itemIdentifier: r.messageId });
      }
      return { batchItemFailures: failures };
    }
    // Our own failures (DynamoDB, SQS, a secret) spend no attempt unless one was logged.
    const res = await handleRecords(sqsEvent.Records, deps, "webhook delivery", (record) =>
      deliver(deps, record, secrets, now, receivedAt),
    );
    deps.metrics?.flush();
    return res;
  };
}

/** One record; `true` when it is done with (delivered, disabled, refused or not deliverable). */
async function deliver(
  deps: WebhookHandlerDeps,
  record: SQSRecord,
  secrets: string[],
  now: () => number,
  receivedAt: number,
) {
  const event = eventFromBody(record.body);
  if (!event) {
    deps.logger.error("webhook queue message is not a task event; dropped", { messageId: record.messageId });
    return true;
  }
  const target = await deps.log.target(event.task.id);
  const registeredAt = Date.parse(event.task.registeredAt);
  if (!target || target.registeredAt !== registeredAt) {
    // Deleted (or deleted and registered again): this registration's callback is no more.
    deps.logger.info("webhook skipped: the task is no longer registered", { eventId: event.id });
    return true;
  }
  const redelivery = record.messageAttributes?.[REDELIVERY_ATTRIBUTE]?.stringValue === "true";
  if (target.disabledAt !== undefined && !redelivery) {
    deps.logger.info("webhook skipped: the callback answered 410 Gone earlier", { eventId: event.id });
    return true;
  }
  // Attempts that reached the receiver, from the log: SQS's receive count also counts our own outages.
  const attemptNo = attemptsMade(target.attempts, record.messageId) + 1;
  if (attemptNo > WEBHOOK_MAX_ATTEMPTS) {
    // Its last attempt was made, but moving it to the DLQ failed then: move it now, never a ninth call.
    deps.logger.error("webhook already made its last attempt; to the dead-letter queue", {
      eventId: event.id,
    });
    return toDeadLetter(deps, record);
  }
  let custom: Record<string, string> = {};
  if (target.sealedHeaders !== undefined && deps.headerBox) {
    // Reading the key failing throws (an infrastructure failure: retried, no attempt logged); a value
    // that does not open with it is the task's own problem, logged.
    const box = await deps.headerBox();
    try {
      custom = box.open(target.sealedHeaders, headerBinding(event.task.id, registeredAt));
    } catch (err) {
      const logged = target.attempts.some(
        (a) => a.messageId === record.messageId && a.error === "headers_unreadable",
      );
      return headersUnreadable(deps, record, event, registeredAt, attemptNo, redelivery, logged, now, err);
    }
  }
  const body = JSON.stringify(event);
  const signed = webhookHeaders(secrets, event.id, Math.floor(now() / 1000), body);
  // Our headers last: a custom header can never replace the signature or the id.
  const result = await deps.send(target.url, { ...custom, ...signed }, body);
  const decision = decideAttempt(result, attemptNo, deps.random, (now() - receivedAt) / 1000);
  const attempt: WebhookAttempt = {
    at: now(),
    eventId: event.id,
    attempt: attemptNo,
    outcome: decision.outcome,
    durationMs: result.durationMs,
    messageId: record.messageId,
  };
  if (result.status !== undefined) attempt.status = result.status;
  if (result.error !== undefined) attempt.error = result.error;
  if (decision.outcome === "retrying") attempt.nextAttemptAt = attempt.at + decision.delaySeconds * 1000;
  if (redelivery) attempt.redelivery = true;
  deps.onAttempt?.(target.url, attempt);
  deps.metrics?.add("WebhookAttempts", "Count", 1, { outcome: decision.outcome });
  deps.metrics?.add("WebhookAttemptDuration", "Milliseconds", result.durationMs);
  await deps.log.record(event.task.id, registeredAt, attempt, attemptNo === 1 ? event : undefined);
  const logged = {
    eventId: event.id,
    attempt: attemptNo,
    outcome: decision.outcome,
    status: result.status,
    error: result.error,
  };
  switch (decision.outcome) {
    case "delivered":
      // A redelivery that got through re-enables a callback a 410 had disabled.
      if (redelivery && target.disabledAt !== undefined)
        await deps.log.setDisabled(event.task.id, registeredAt, undefined);
      deps.logger.info("webhook delivered", logged);
      return true;
    case "disabled":
      await deps.log.setDisabled(event.task.id, registeredAt, attempt.at);
      deps.logger.warn("webhook receiver answered 410 Gone: callback disabled", logged);
      return true;
    case "refused":
      deps.logger.warn("webhook refused: the callback's address is not allowed", logged);
      return true;
    case "retrying":
      await deps.retryIn(record.receiptHandle, decision.delaySeconds);
      deps.logger.info("webhook attempt failed; retrying", { ...logged, inSeconds: decision.delaySeconds });
      return false;
    case "gave_up":
      deps.logger.error("webhook failed its last attempt; to the dead-letter queue", logged);
      return toDeadLetter(deps, record);
  }
}

/**
 * The task's callback headers did not open (the header key was replaced, or its previous key
 * rotated out too early): nothing is sent, the attempt log says why with its own error class, and
 * the message comes back later without spending an attempt, so fixing the key lets it through.
 */
async function headersUnreadable(
  deps: WebhookHandlerDeps,
  record: SQSRecord,
  event: TaskEvent,
  registeredAt: number,
  attemptNo: number,
  redelivery: boolean,
  /** This message's failure is in the log already. */
  alreadyLogged: boolean,
  now: () => number,
  err: unknown,
): Promise<false> {
  const wait = infrastructureRetrySeconds(receiveCountOf(record));
  const attempt: WebhookAttempt = {
    at: now(),
    eventId: event.id,
    attempt: attemptNo,
    outcome: "retrying",
    error: "headers_unreadable",
    durationMs: 0,
    nextAttemptAt: now() + wait * 1000,
    messageId: record.messageId,
  };
  if (redelivery) attempt.redelivery = true;
  deps.onAttempt?.("(not sent)", attempt);
  deps.metrics?.add("WebhookAttempts", "Count", 1, { outcome: "retrying" });
  // Logged once per message, not at every retry: the log keeps only the newest entries, and the
  // attempts of the task's other messages are counted from it.
  if (!alreadyLogged) await deps.log.record(event.task.id, registeredAt, attempt);
  await deps.retryIn(record.receiptHandle, wait);
  deps.logger.error("webhook not sent: the task's callback headers do not open with the header keys", {
    eventId: event.id,
    error: errorSummary(err),
  });
  return false;
}

/** The real adapters for a configuration, on the given AWS clients (the Lambda's, or local mode's). */
export function webhookDeps(
  config: WebhookConfig,
  aws: { dynamo: DynamoDBClient; sqs: SQSClient },
  extra: Pick<WebhookHandlerDeps, "logger" | "metrics" | "onAttempt">,
): WebhookHandlerDeps {
  const queue = new SqsWebhookQueue(aws.sqs, config.queueUrl);
  const readSecret = secretReader({ name: config.signingSecretName, value: config.signingSecret });
  const agent = guardedAgent({ allowLoopback: config.allowLoopbackHttp });
  const deps: WebhookHandlerDeps = {
    ...extra,
    log: new DynamoDbWebhookLog(aws.dynamo, config.tableName),
    retryIn: (receipt, seconds) => queue.retryIn(receipt, seconds),
    ...(config.deadLetterQueueUrl
      ? { deadLetter: (record: SQSRecord) => queue.deadLetter(config.deadLetterQueueUrl as string, record) }
      : {}),
    send: (url, headers, body) =>
      sendWebhook(url, headers, body, { dispatcher: agent, requireHttps: !config.allowLoopbackHttp }),
    signingSecrets: async () =>
      signingSecrets(parseWebhookSecret(await readSecret()), Date.now(), config.secretOverlapSeconds * 1000),
    concurrency: config.concurrency,
  };
  if (config.headerKeySecretName || config.headerKey) {
    deps.headerBox = headerBoxFrom(
      secretReader({ name: config.headerKeySecretName, value: config.headerKey }),
    );
  }
  return deps;
}
