import type { SQSBatchResponse, SQSRecord } from "aws-lambda";
import { errorSummary } from "./config/error-summary.js";
import { Semaphore } from "./core/bounded-concurrency.js";
import { EVENT_TYPES, type TaskEvent } from "./core/events.js";
import { infrastructureRetrySeconds } from "./core/webhook-delivery.js";

/*
 * What the queue-fed functions (webhooks, Step Functions callbacks; local mode's EventBridge
 * forwarder) share about SQS records: the event a body holds, how often it was received, and the
 * way onto the dead-letter queue.
 */

/**
 * Onto the DLQ: moved there by the function (`true`: done, deleted from the queue), or without a
 * DLQ of its own back at once, so the queue's redrive moves it on the next receives.
 */
export async function toDeadLetter(
  deps: {
    deadLetter?: (record: SQSRecord) => Promise<void>;
    retryIn(receiptHandle: string, seconds: number): Promise<void>;
  },
  record: SQSRecord,
): Promise<boolean> {
  if (deps.deadLetter) {
    await deps.deadLetter(record);
    return true;
  }
  await deps.retryIn(record.receiptHandle, 0);
  return false;
}

export function receiveCountOf(record: SQSRecord): number {
  return Math.max(1, Number(record.attributes?.ApproximateReceiveCount ?? "1") || 1);
}

/**
 * The event in a queue message. SNS's raw delivery of a `MessageStructure: "json"` message to SQS
 * is its `default` text, the event's JSON (as is a redelivery); local mode's fauxqs delivers the
 * whole structure, whose `default` is taken.
 */
export function eventFromBody(body: string): TaskEvent | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
    const inner = (parsed as { default?: unknown; id?: unknown } | null) ?? {};
    if (typeof inner.default === "string" && inner.id === undefined) parsed = JSON.parse(inner.default);
  } catch {
    return undefined;
  }
  const e = parsed as Partial<TaskEvent> | null;
  if (
    !e ||
    typeof e !== "object" ||
    typeof e.id !== "string" ||
    typeof e.type !== "string" ||
    !(EVENT_TYPES as readonly string[]).includes(e.type) ||
    typeof e.task !== "object" ||
    e.task === null ||
    typeof e.task.id !== "string" ||
    typeof e.task.registeredAt !== "string" ||
    !Number.isFinite(Date.parse(e.task.registeredAt))
  ) {
    return undefined;
  }
  return e as TaskEvent;
}

/**
 * Each record through `handle` (at most `concurrency` at once): `false` or a throw makes it a batch
 * item failure; a throw (our own failure: DynamoDB, SQS, a secret) first pushes the record's next
 * receive out by the infrastructure wait and is logged with `what`. One record never fails another.
 */
export async function handleRecords(
  records: readonly SQSRecord[],
  deps: {
    retryIn(receiptHandle: string, seconds: number): Promise<void>;
    logger: { error(message: string, extra?: Record<string, unknown>): void };
    concurrency?: number;
  },
  what: string,
  handle: (record: SQSRecord) => Promise<boolean>,
): Promise<SQSBatchResponse> {
  const failures: SQSBatchResponse["batchItemFailures"] = [];
  const gate = new Semaphore(deps.concurrency ?? 10);
  await Promise.all(
    records.map((record) =>
      gate.run(async () => {
        try {
          if (!(await handle(record))) failures.push({ itemIdentifier: record.messageId });
        } catch (err) {
          deps.logger.error(`${what} failed unexpectedly`, {
            messageId: record.messageId,
            error: errorSummary(err),
          });
          await deps
            .retryIn(record.receiptHandle, infrastructureRetrySeconds(receiveCountOf(record)))
            .catch(() => undefined);
          failures.push({ itemIdentifier: record.messageId });
        }
      }),
    ),
  );
  return { batchItemFailures: failures };
}
