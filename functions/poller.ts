import { randomUUID } from "node:crypto";
import { MetricUnit } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import { DynamoDbRunLease } from "./adapters/dynamodb-run-lease.js";
import { DynamoDbTaskStore } from "./adapters/dynamodb-task-store.js";
import { SnsPublisher } from "./adapters/sns-publisher.js";
import { TwelveLabsClient } from "./adapters/twelvelabs-client.js";
import type { ListStats } from "./core/batched-check.js";
import { PollerAuthFailure, PollerRunFailure, type RunSummary, runPoller } from "./core/poll-run.js";
import type { TaskKind } from "./core/task-kinds.js";
import { apiKeyProvider } from "./shared/api-key-provider.js";
import { errorSummary, logger, metrics } from "./shared/observability.js";
import { pollerConfig } from "./shared/poller-config.js";

// Composition root: configuration and adapters are built once per cold start.
const config = pollerConfig(process.env);
const dynamo = new DynamoDBClient({});
const store = new DynamoDbTaskStore(dynamo, config.tableName, config.shards);
const lease = config.useLease ? new DynamoDbRunLease(dynamo, config.tableName, "poller") : undefined;
const publisher = new SnsPublisher(new SNSClient({}), config.topicArn, config.tagAttributes);
const twelvelabs = new TwelveLabsClient({
  baseUrl: config.twelvelabsBaseUrl,
  apiKey: apiKeyProvider({ secretName: config.apiKeySecretName, apiKey: config.apiKey }),
  maxConcurrency: config.settings.concurrency,
});

export type PollerResult = RunSummary | { skipped: "another run holds the lease" };

// What the list endpoints held on the last passes: the cost model's estimate, kept while warm.
const listStats = new Map<TaskKind, ListStats>();

/** Scheduled by EventBridge; the payload is ignored. */
export async function handler(
  _event: unknown,
  context?: Pick<Context, "getRemainingTimeInMillis">,
): Promise<PollerResult> {
  const remaining = context?.getRemainingTimeInMillis() ?? 60_000;
  const endAt = Date.now() + remaining - config.safetyMarginMs;
  const owner = randomUUID();
  if (lease && !(await lease.tryAcquire(owner, Date.now(), Date.now() + remaining))) {
    logger.info("poller run skipped: another run holds the lease");
    return { skipped: "another run holds the lease" };
  }
  try {
    return await run(endAt);
  } finally {
    await lease?.release(owner);
  }
}

async function run(endAt: number): Promise<RunSummary> {
  const callsBefore = twelvelabs.stats();
  let summary: RunSummary;
  try {
    summary = await runPoller(
      {
        store,
        twelvelabs,
        publisher,
        now: Date.now,
        random: Math.random,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        listStats,
        onTaskError: (taskId, stage, err) =>
          logger.warn("task step failed", { taskId, stage, error: errorSummary(err) }),
      },
      config.settings,
      endAt,
    );
  } catch (err) {
    if (err instanceof PollerAuthFailure) {
      emit(err.summary, callsBefore);
      metrics.addMetric("TwelveLabsAuthFailures", MetricUnit.Count, 1);
      metrics.publishStoredMetrics();
      logger.error("poller run stopped: TwelveLabs authentication failed", {
        summary: err.summary,
        error: errorSummary(err.cause),
      });
    } else if (err instanceof PollerRunFailure) {
      emit(err.summary, callsBefore, false);
      metrics.publishStoredMetrics();
      logger.error("poller run failed", { summary: err.summary, error: errorSummary(err.cause) });
    } else {
      logger.error("poller run failed", { error: errorSummary(err) });
    }
    throw err;
  }
  emit(summary, callsBefore);
  metrics.publishStoredMetrics();
  logger.info("poller run", { summary });
  return summary;
}

function emit(s: RunSummary, before: ReturnType<TwelveLabsClient["stats"]>, succeeded = !s.authFailed): void {
  const after = twelvelabs.stats();
  metrics.addMetric("TasksChecked", MetricUnit.Count, s.tasksChecked);
  metrics.addMetric("Transitions", MetricUnit.Count, s.transitions);
  metrics.addMetric("EventsPublished", MetricUnit.Count, s.eventsPublished);
  metrics.addMetric("PublishFailures", MetricUnit.Count, s.publishFailures);
  metrics.addMetric("OutboxBacklog", MetricUnit.Count, s.outboxBacklog);
  metrics.addMetric("TwelveLabsCalls", MetricUnit.Count, after.attempts - before.attempts);
  metrics.addMetric("TwelveLabsRateLimited", MetricUnit.Count, after.rateLimited - before.rateLimited);
  metrics.addMetric("RunDuration", MetricUnit.Milliseconds, s.durationMs);
  metrics.addMetric("OldestDueLag", MetricUnit.Milliseconds, s.oldestDueLagMs);
  metrics.addMetric("SuccessfulRun", MetricUnit.Count, succeeded ? 1 : 0);
}
