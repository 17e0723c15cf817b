import { DynamoDbTaskStore } from "../../functions/adapters/dynamodb-task-store.js";
import type { RunSummary } from "../../functions/core/poll-run.js";
import { type NewTaskInput, newTask, type Task } from "../../functions/core/task.js";
import { type EmbeddedAws, startEmbeddedAws } from "../../local/embedded-aws.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { drainQueue } from "./sns-messages.js";

export const SHARDS = 4;

/**
 * The real poller handler wired to dynalite, fauxqs and the simulator through its environment,
 * exactly as the Lambda runtime would start it. Check intervals are zero so every unfinished task
 * is due again on the next run.
 */
export async function startPollerHarness(extraEnv: Record<string, string> = {}) {
  const sim = new TwelveLabsSimulator();
  const simUrl = await sim.start();
  const aws: EmbeddedAws = await startEmbeddedAws();
  Object.assign(process.env, aws.env, {
    STAGE: "test",
    TWELVELABS_BASE_URL: simUrl,
    TWELVELABS_API_KEY: sim.apiKey,
    SHARDS: String(SHARDS),
    CHECK_MIN_INTERVAL_MS: "0",
    CHECK_MAX_INTERVAL_MS: "0",
    SAFETY_MARGIN_MS: "1000",
    // One pass per run unless a test asks for more: each h.run() is one look at the due tasks.
    PASSES_PER_RUN: "1",
    POWERTOOLS_METRICS_DISABLED: "true",
    // Overlapping runs must be safe without the lease; poller-lease.test.ts covers the lease.
    POLLER_LEASE: "false",
    // Per-task checks unless a test turns batching on (poller-batch.test.ts).
    BATCH_MIN_DUE: "0",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    ...extraEnv,
  });
  const mod = await import("../../functions/poller.js");
  const { sqs, dynamo } = aws;
  const store = new DynamoDbTaskStore(dynamo, aws.tableName, SHARDS);

  return {
    sim,
    aws,
    sqs,
    dynamo,
    store,
    async run(remainingMs = 30_000): Promise<RunSummary> {
      const result = await mod.handler({}, { getRemainingTimeInMillis: () => remainingMs });
      if ("skipped" in result) throw new Error(`run skipped: ${result.skipped}`);
      return result;
    },
    /** The handler's raw result, skipped runs included. */
    invoke(remainingMs = 30_000) {
      return mod.handler({}, { getRemainingTimeInMillis: () => remainingMs });
    },
    async register(input: Partial<NewTaskInput> & { taskId: string }, now = Date.now()): Promise<Task> {
      const task = newTask({ kind: "embed", ...input }, now, 24 * 3600);
      await store.register(task);
      return task;
    },
    /** An SQS queue subscribed to the topic, optionally with a filter policy. */
    queue(name: string, filterPolicy?: object): string {
      const q = aws.fauxqs.createQueue(name);
      aws.fauxqs.subscribe({
        topic: "task-events",
        queue: name,
        attributes: filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : undefined,
      });
      return q.queueUrl;
    },
    drain(queueUrl: string) {
      return drainQueue(sqs, queueUrl);
    },
    async close() {
      await aws.close();
      await sim.close();
    },
  };
}

export type PollerHarness = Awaited<ReturnType<typeof startPollerHarness>>;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
