import { randomUUID } from "node:crypto";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { BedrockAsyncClient } from "./adapters/bedrock-async-client.js";
import { DynamoDbDiscoveryStore } from "./adapters/dynamodb-discovery-store.js";
import { DynamoDbRunLease } from "./adapters/dynamodb-run-lease.js";
import { DynamoDbTaskStore } from "./adapters/dynamodb-task-store.js";
import { DynamoDbTwelveLabsWebhookLog } from "./adapters/dynamodb-tl-webhook-log.js";
import { JobSources } from "./adapters/job-sources.js";
import { apiKeyProvider } from "./adapters/secrets-manager-api-key.js";
import { SnsPublisher } from "./adapters/sns-publisher.js";
import { SqsArchiveQueue } from "./adapters/sqs-archive-queue.js";
import { TwelveLabsClient } from "./adapters/twelvelabs-client.js";
import { errorSummary } from "./config/error-summary.js";
import type { FunctionLog, MetricsSinkOf } from "./config/function-log.js";
import { POLLER_METRICS, type PollerMetric, type RunCallCounts, runMetrics } from "./config/metric-names.js";
import type { PollerConfig } from "./config/poller-config.js";
import type { ListStats } from "./core/batched-check.js";
import { modelMatches } from "./core/bedrock-arn.js";
import { CallBudget } from "./core/call-budget.js";
import type { DiscoveryStore } from "./core/discovery.js";
import { OpenTasks } from "./core/open-tasks.js";
import {
  PollerAuthFailure,
  PollerRunFailure,
  type PollerSettings,
  type RunSummary,
  runPoller,
} from "./core/poll-run.js";
import type { ArchiveQueue, EventPublisher, RunLease, TaskStore, TwelveLabsPort } from "./core/ports.js";
import type { TaskSnapshot } from "./core/snapshot.js";
import type { TaskKind } from "./core/task-kinds.js";

export type PollerLog = FunctionLog;
export type MetricsSink = MetricsSinkOf<PollerMetric, (typeof POLLER_METRICS)[PollerMetric]>;

export interface PollerHandlerDeps {
  store: TaskStore;
  publisher: EventPublisher;
  twelvelabs: TwelveLabsPort;
  /** The TwelveLabs client's cumulative call counts; a run's figures are the difference. */
  callCounts: () => RunCallCounts;
  /** Absent where runs cannot overlap anyway (reserved concurrency 1, local mode). */
  lease?: RunLease;
  /** Before each run: brings the store's view of the table up to date (its shard layout). */
  prepare?: () => Promise<unknown>;
  /** Marks and discovered tasks (watching the account). */
  discovery?: DiscoveryStore;
  /** Archive jobs of archived tasks turning ready (a stage that keeps results). */
  archive?: ArchiveQueue;
  /** Which tasks a list named watching the account takes (Bedrock: the watched models). */
  takeDiscovered?: (snap: TaskSnapshot) => boolean;
  /** When TwelveLabs' webhooks last arrived, per kind. */
  webhookArrivals?: () => Promise<Partial<Record<TaskKind, number>>>;
  log: PollerLog;
  metrics: MetricsSink;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface PollerHandlerConfig {
  settings: PollerSettings;
  /** Kept free at the end of an invocation (ms). */
  safetyMarginMs: number;
}

export type PollerResult = RunSummary | { skipped: "another run holds the lease" };
export type PollerHandler = (
  event: unknown,
  context?: Pick<Context, "getRemainingTimeInMillis">,
) => Promise<PollerResult>;

/**
 * The poller's Lambda handler around the core run: the lease, the run's deadline from the
 * invocation's remaining time, and its summary as one log line and metrics on every path.
 * Invoked by the schedule, or by the table's stream when a task is registered; the payload is ignored.
 */
export function createPollerHandler(deps: PollerHandlerDeps, config: PollerHandlerConfig): PollerHandler {
  const now = deps.now ?? Date.now;
  // What the list endpoints held on the last passes: the cost model's estimate, kept while warm.
  const listStats = new Map<string, ListStats>();
  // The open tasks and the looks that changed nothing (not written), kept while warm.
  const memory = new OpenTasks();
  // The calls of the last minute, across invocations (the rate limit is TwelveLabs', per minute).
  const budget = new CallBudget(config.settings.callsPerMinute ?? 0);

  const emit = (
    summary: RunSummary,
    before: RunCallCounts,
    outcome: "succeeded" | "auth_failed" | "failed",
  ) => {
    const after = deps.callCounts();
    const calls = {
      attempts: after.attempts - before.attempts,
      rateLimited: after.rateLimited - before.rateLimited,
    };
    for (const [name, value, dims] of runMetrics(summary, calls, outcome))
      deps.metrics.add(name, POLLER_METRICS[name], value, dims);
    deps.metrics.flush();
  };

  const run = async (endAt: number): Promise<RunSummary> => {
    const before = deps.callCounts();
    try {
      await deps.prepare?.();
      const summary = await runPoller(
        {
          store: deps.store,
          twelvelabs: deps.twelvelabs,
          publisher: deps.publisher,
          now,
          random: deps.random ?? Math.random,
          sleep: deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
          listStats,
          memory,
          budget,
          discovery: deps.discovery,
          ...(deps.archive ? { archive: deps.archive } : {}),
          ...(deps.takeDiscovered ? { takeDiscovered: deps.takeDiscovered } : {}),
          ...(deps.webhookArrivals ? { webhookArrivals: deps.webhookArrivals } : {}),
          onTaskError: (taskId, stage, err) =>
            deps.log.warn("task step failed", { taskId, stage, error: errorSummary(err) }),
        },
        config.settings,
        endAt,
      );
      emit(summary, before, "succeeded");
      deps.log.info("poller run", { summary });
      return summary;
    } catch (err) {
      if (err instanceof PollerAuthFailure) {
        emit(err.summary, before, "auth_failed");
        deps.log.error("poller run stopped: TwelveLabs authentication failed", {
          summary: err.summary,
          error: errorSummary(err.cause),
        });
      } else if (err instanceof PollerRunFailure) {
        emit(err.summary, before, "failed");
        deps.log.error("poller run failed", { summary: err.summary, error: errorSummary(err.cause) });
      } else {
        deps.log.error("poller run failed", { error: errorSummary(err) });
      }
      throw err;
    }
  };

  return async (_event, context) => {
    const remaining = context?.getRemainingTimeInMillis() ?? 60_000;
    const startedAt = now();
    const endAt = startedAt + remaining - config.safetyMarginMs;
    const owner = randomUUID();
    if (deps.lease && !(await deps.lease.tryAcquire(owner, startedAt, startedAt + remaining))) {
      deps.log.info("poller run skipped: another run holds the lease");
      return { skipped: "another run holds the lease" };
    }
    try {
      return await run(endAt);
    } finally {
      await deps.lease?.release(owner);
    }
  };
}

/**
 * The real adapters for a configuration, on the given AWS clients: what the Lambda entry runs, and
 * what the tests run against the local stand-ins (dynalite, fauxqs) without environment variables.
 */
export function pollerDeps(
  config: PollerConfig,
  aws: { dynamo: DynamoDBClient; sns: SNSClient; sqs?: SQSClient },
  observe: { log: PollerLog; metrics: MetricsSink },
): PollerHandlerDeps {
  const twelvelabs = new TwelveLabsClient({
    baseUrl: config.twelvelabsBaseUrl,
    apiKey: apiKeyProvider({ secretName: config.apiKeySecretName, apiKey: config.apiKey }),
    maxConcurrency: config.settings.concurrency,
  });
  // Bedrock's async invocations, signed with the function's role, in the regions the stage allows.
  const bedrock =
    config.bedrock.regions.length > 0
      ? new BedrockAsyncClient({
          homeRegion: config.bedrock.homeRegion ?? (config.bedrock.regions[0] as string),
          regions: config.bedrock.regions,
          maxConcurrency: config.settings.concurrency,
          ...(config.bedrock.endpoint ? { endpoint: config.bedrock.endpoint } : {}),
          ...(config.bedrock.credentials ? { credentials: config.bedrock.credentials } : {}),
        })
      : undefined;
  const models = config.bedrock.discoverModels;
  const store = new DynamoDbTaskStore(aws.dynamo, config.tableName, config.shards);
  const tlWebhooks = new DynamoDbTwelveLabsWebhookLog(aws.dynamo, config.tableName);
  return {
    store,
    prepare: () => store.syncShardLayout(),
    discovery: new DynamoDbDiscoveryStore(aws.dynamo, config.tableName, store),
    webhookArrivals: () => tlWebhooks.arrivals(),
    publisher: new SnsPublisher(aws.sns, config.topicArn, config.tagAttributes),
    twelvelabs: new JobSources(twelvelabs, bedrock),
    callCounts: () => sumCounts(twelvelabs.stats(), bedrock?.stats()),
    takeDiscovered: (snap) => snap.kind !== "bedrock" || modelMatches(snap.metadata.modelArn, models),
    lease: config.useLease ? new DynamoDbRunLease(aws.dynamo, config.tableName, "poller") : undefined,
    ...(config.archiveQueueUrl && aws.sqs
      ? { archive: new SqsArchiveQueue(aws.sqs, config.archiveQueueUrl) }
      : {}),
    ...observe,
  };
}

function sumCounts(a: RunCallCounts, b: RunCallCounts | undefined): RunCallCounts {
  return b === undefined
    ? a
    : { attempts: a.attempts + b.attempts, rateLimited: a.rateLimited + b.rateLimited };
}
