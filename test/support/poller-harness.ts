import { DynamoDbTaskStore } from "../../functions/adapters/dynamodb-task-store.js";
import { type PollerConfig, pollerConfig } from "../../functions/config/poller-config.js";
import type { RunSummary } from "../../functions/core/poll-run.js";
import { type NewTaskInput, newTask, type Task } from "../../functions/core/task.js";
import { createPollerHandler, type PollerHandler, pollerDeps } from "../../functions/poller-handler.js";
import { type EmbeddedAws, startEmbeddedAws } from "../../local/embedded-aws.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { drainQueue } from "./sns-messages.js";

export const SHARDS = 4;

const quiet = {
  log: { info() {}, warn() {}, error() {} },
  metrics: { add() {}, flush() {} },
};

/**
 * The real poller handler (createPollerHandler with the real adapters of pollerDeps) on dynalite,
 * fauxqs and the simulator, configured by an environment object as the Lambda's would be, without
 * touching process.env. Check intervals are zero so every unfinished task is due again on the next
 * run; one pass per run unless a test asks for more.
 */
export async function startPollerHarness(extraEnv: Record<string, string> = {}) {
  const sim = new TwelveLabsSimulator();
  const simUrl = await sim.start();
  const aws: EmbeddedAws = await startEmbeddedAws();
  const envFor = (more: Record<string, string>) => ({
    ...aws.env,
    STAGE: "test",
    TWELVELABS_BASE_URL: simUrl,
    TWELVELABS_API_KEY: sim.apiKey,
    // The simulator speaks Bedrock's async-invoke endpoints too.
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: sim.origin,
    BEDROCK_REGIONS: "us-east-1,eu-west-1",
    SHARDS: String(SHARDS),
    CHECK_MIN_INTERVAL_MS: "0",
    CHECK_MAX_INTERVAL_MS: "0",
    SAFETY_MARGIN_MS: "1000",
    PASSES_PER_RUN: "1",
    // Overlapping runs must be safe without the lease; the lease has tests of its own.
    POLLER_LEASE: "false",
    // Per-task checks unless a test turns batching on ("" keeps the deployed default).
    BATCH_MIN_DUE: "0",
    // Tests make thousands of calls a minute of compressed time: no call budget unless a test sets one
    // (test/unit/call-budget.test.ts proves the budget).
    TWELVELABS_CALLS_PER_MINUTE: "0",
    ...more,
  });
  /** A handler with its own settings on the same stand-ins (a separate warm instance). */
  const handlerWith = (
    more: Record<string, string> = {},
  ): { config: PollerConfig; handler: PollerHandler } => {
    const config = pollerConfig(envFor({ ...extraEnv, ...more }));
    return { config, handler: createPollerHandler(pollerDeps(config, aws, quiet), config) };
  };
  const main = handlerWith();
  const { sqs, dynamo } = aws;
  const store = new DynamoDbTaskStore(dynamo, aws.tableName, SHARDS);

  return {
    sim,
    aws,
    sqs,
    dynamo,
    store,
    config: main.config,
    handlerWith,
    async run(remainingMs = 30_000, handler: PollerHandler = main.handler): Promise<RunSummary> {
      const result = await handler({}, { getRemainingTimeInMillis: () => remainingMs });
      if ("skipped" in result) throw new Error(`run skipped: ${result.skipped}`);
      return result;
    },
    /** Runs until none of `ids` is due any more (every one ended), or `timeoutMs` passed. */
    async runUntilEnded(ids: readonly string[], handler: PollerHandler = main.handler, timeoutMs = 25_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        await this.run(5_000, handler);
        const open = await Promise.all(ids.map(async (id) => (await store.get(id))?.dueAt !== undefined));
        if (!open.some(Boolean) || Date.now() > deadline) return;
        await sleep(150);
      }
    },
    /** The handler's raw result, skipped runs included. */
    invoke(remainingMs = 30_000, handler: PollerHandler = main.handler) {
      return handler({}, { getRemainingTimeInMillis: () => remainingMs });
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
