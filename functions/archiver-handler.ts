import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { DynamoDbTaskStore } from "./adapters/dynamodb-task-store.js";
import { type FetchedResult, resultFetcher } from "./adapters/result-fetcher.js";
import { S3ResultStore } from "./adapters/s3-result-store.js";
import { apiKeyProvider } from "./adapters/secrets-manager-api-key.js";
import { SnsPublisher } from "./adapters/sns-publisher.js";
import { SqsArchiveQueue } from "./adapters/sqs-archive-queue.js";
import type { ArchiverConfig } from "./config/archiver-config.js";
import { errorSummary } from "./config/error-summary.js";
import type { FunctionLog } from "./config/function-log.js";
import { nextArchiveAttempt, resultKey, type StoredResult, withResult } from "./core/archive.js";
import { publishRoute } from "./core/event-routes.js";
import type { TaskEvent } from "./core/events.js";
import type { ArchiveJob, EventPublisher, TaskStore } from "./core/ports.js";
import { handleRecords } from "./queue-records.js";

export interface ArchiverDeps {
  store: TaskStore;
  publisher: EventPublisher;
  /** GETs a result link, streamed. */
  fetch(url: string): Promise<FetchedResult>;
  /** Streams a body into the bucket under `key`. */
  put(
    key: string,
    body: FetchedResult["body"],
    contentType: string,
  ): Promise<{ bytes: number; sha256: string }>;
  bucket: string;
  stage: string;
  retryIn(receiptHandle: string, seconds: number): Promise<void>;
  logger: FunctionLog;
  /** Told about each store (local mode prints an `[archive]` line). */
  onArchive?: (
    taskId: string,
    outcome: StoredResult | { error: string },
    attempt: number,
    ms: number,
  ) => void;
  now?: () => number;
  concurrency?: number;
}

export type ArchiverHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * The archiver: each record is one archived task whose ready event is held. It streams the task's
 * result from TwelveLabs into the results bucket (never holding it whole), then in one conditional
 * write turns the held event into one naming the stored object (`task.result`), publishes it and
 * clears it from the outbox. A failed store comes back on a growing wait; after the last try, or
 * past the task's deadline, the event goes out with `task.result.error` rather than never.
 * Separate from the poller so a long upload never holds up anyone's checks.
 */
export function createArchiverHandler(deps: ArchiverDeps): ArchiverHandler {
  return (sqsEvent) =>
    handleRecords(sqsEvent.Records, { ...deps, concurrency: deps.concurrency ?? 2 }, "archive", (r) =>
      archiveOne(deps, r),
    );
}

async function archiveOne(deps: ArchiverDeps, record: SQSRecord): Promise<boolean> {
  const now = deps.now ?? Date.now;
  const job = jobFromBody(record.body);
  if (!job) {
    deps.logger.error("archive queue message is not an archive job; dropped", {
      messageId: record.messageId,
    });
    return true;
  }
  const task = await deps.store.get(job.taskId);
  const a = task?.archiveState;
  const held = task?.outbox.find((e) => e.id === job.eventId);
  if (
    !task ||
    task.registeredAt !== job.registeredAt ||
    a?.state !== "pending" ||
    a.eventId !== job.eventId ||
    !held
  ) {
    // Deleted, registered again, or archived already (a duplicate job): nothing to do.
    return true;
  }
  const key = resultKey(deps.stage, task.kind, task.taskId, task.registeredAt);
  const started = now();
  let result: StoredResult;
  try {
    const fetched = await deps.fetch(held.links.result);
    const stored = await deps.put(key, fetched.body, fetched.contentType);
    result = { uri: `s3://${deps.bucket}/${key}`, ...stored, contentType: fetched.contentType };
  } catch (err) {
    const attempts = a.attempts + 1;
    const why = errorSummary(err);
    const reason = `${(err as Error).name}: ${(err as Error).message}`.slice(0, 300);
    deps.onArchive?.(task.taskId, { error: reason }, attempts, now() - started);
    const wait = nextArchiveAttempt(attempts, now(), task.deadlineAt);
    if (wait !== undefined) {
      deps.logger.warn("archive failed; trying again", {
        taskId: task.taskId,
        attempts,
        inSeconds: wait,
        error: why,
      });
      await deps.store.recordArchiveAttempt(task.taskId, task.registeredAt, held.id, attempts, reason);
      await deps.retryIn(record.receiptHandle, wait);
      return false;
    }
    deps.logger.error("archive gave up; the ready event goes out without a result", {
      taskId: task.taskId,
      attempts,
      error: why,
    });
    return announce(
      deps,
      task,
      withResult(held, { error: `not stored after ${attempts} tries: ${reason}` }),
      {
        state: "failed",
        error: reason,
      },
    );
  }
  deps.onArchive?.(task.taskId, result, a.attempts + 1, now() - started);
  return announce(deps, task, withResult(held, result), { state: "stored", result });
}

/**
 * Resolves the held event (once per registration) and publishes it; if publishing fails the poller's
 * outbox drain publishes it on its next pass.
 */
async function announce(
  deps: ArchiverDeps,
  task: NonNullable<Awaited<ReturnType<TaskStore["get"]>>>,
  event: TaskEvent,
  outcome: Parameters<TaskStore["resolveArchive"]>[3],
): Promise<boolean> {
  // As written: a Step Functions token may have come while the result was being stored.
  const resolved = await deps.store.resolveArchive(task.taskId, task.registeredAt, event, outcome);
  if (!resolved) return true;
  try {
    await deps.publisher.publish(event, publishRoute(resolved, event));
    await deps.store.clearOutboxEntry(task.taskId, event.id);
  } catch (err) {
    deps.logger.warn("archived event not published here; the poller's outbox drain publishes it", {
      taskId: task.taskId,
      error: errorSummary(err),
    });
  }
  return true;
}

export function jobFromBody(body: string): ArchiveJob | undefined {
  try {
    const j = JSON.parse(body) as Partial<ArchiveJob>;
    if (typeof j.taskId === "string" && typeof j.registeredAt === "number" && typeof j.eventId === "string")
      return { taskId: j.taskId, registeredAt: j.registeredAt, eventId: j.eventId };
  } catch {
    // not JSON
  }
  return undefined;
}

/** The real adapters for a configuration, on the given AWS clients (the Lambda's, or local mode's). */
export function archiverDeps(
  config: ArchiverConfig,
  aws: { dynamo: DynamoDBClient; sns: SNSClient; sqs: SQSClient; s3: S3Client },
  extra: Pick<ArchiverDeps, "logger" | "onArchive">,
): ArchiverDeps {
  const results = new S3ResultStore(aws.s3, config.bucket, config.kmsKeyId);
  const queue = new SqsArchiveQueue(aws.sqs, config.queueUrl);
  const key = apiKeyProvider({ secretName: config.apiKeySecretName, apiKey: config.apiKey });
  const fetch = resultFetcher(() => key());
  return {
    ...extra,
    store: new DynamoDbTaskStore(aws.dynamo, config.tableName, config.shards),
    publisher: new SnsPublisher(aws.sns, config.topicArn, config.tagAttributes),
    fetch,
    put: (key, body, type) => results.put(key, body, type),
    bucket: config.bucket,
    stage: config.stage,
    retryIn: (receipt, seconds) => queue.retryIn(receipt, seconds),
    concurrency: config.concurrency,
  };
}
