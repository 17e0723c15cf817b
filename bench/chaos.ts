import { DynamoDbTaskStore } from "../functions/adapters/dynamodb-task-store.js";
import { TwelveLabsClient } from "../functions/adapters/twelvelabs-client.js";
import type { TaskEvent } from "../functions/core/events.js";
import { OpenTasks } from "../functions/core/open-tasks.js";
import { type PollerSettings, runPoller } from "../functions/core/poll-run.js";
import type { CallOptions, EventPublisher, TaskStore, TwelveLabsPort } from "../functions/core/ports.js";
import type { ListTasksQuery } from "../functions/core/snapshot.js";
import { newTask, type Task } from "../functions/core/task.js";
import type { TaskKind } from "../functions/core/task-kinds.js";
import type { TransitionPatch } from "../functions/core/task-lifecycle.js";
import { startEmbeddedAws } from "../local/embedded-aws.js";
import { seededRandom } from "../local/simulator/sim-faults.js";
import { TwelveLabsSimulator } from "../local/simulator/simulator-server.js";
import { BENCH_LIFECYCLE } from "./call-efficiency.js";

export interface ChaosOptions {
  tasks: number;
  seed: number;
  /** Give up (and count what is left as lost) after this long. */
  maxSeconds: number;
  /** Share of runs that crash right after a transition write (default 0.05). */
  crashRate?: number;
  log?: (line: string) => void;
}

export interface ChaosReport {
  tasks: number;
  runs: number;
  crashedRuns: number;
  calls: number;
  faults: Record<string, number>;
  publishFailures: number;
  /** Must be 0: tasks that ended at TwelveLabs (or were deleted) and were never announced. */
  lost: number;
  /** Must be 0: announcements that contradict how the task ended. */
  wrong: number;
  /** Target <= 1%: tasks announced more than once (same event id, at-least-once delivery). */
  duplicates: number;
  /** Must be 0: calls that reached TwelveLabs while a Retry-After it had sent was still running. */
  callsBeforeRetryAfter: number;
  seconds: number;
}

/** A crash: the process is gone; nothing after it happens in this run. */
class Crash extends Error {
  override readonly name = "Crash";
}

const RETRY_AFTER_SEC = 1;
/** A request already on its way when the 429 left the server is no violation: loopback slack. */
const IN_FLIGHT_SLACK_MS = 100;

/**
 * `npm run chaos`: the real poll run, the real TwelveLabs client over HTTP and the real DynamoDB
 * adapter (on dynalite) under every fault at once, until every task has ended. Faults: 10% 5xx,
 * 5% 429 with Retry-After, 2% responses slower than the client's timeout, 1% malformed bodies,
 * lists up to 2 s stale, 5% of tasks deleted while processing, 5% of publishes failing, and in 5%
 * of runs a crash right after a transition was written and before its event was published.
 */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const random = seededRandom(o.seed);
  const sim = new TwelveLabsSimulator({ seed: o.seed, modes: { listStalenessMs: 2_000 } });
  const url = await sim.start();
  const aws = await startEmbeddedAws();
  const client = new TwelveLabsClient({
    baseUrl: url,
    apiKey: async () => sim.apiKey,
    headersTimeoutMs: 1_000,
    bodyTimeoutMs: 1_000,
    baseBackoffMs: 50,
    maxRateLimitWaitMs: 5_000,
    // The circuit would pause every call for 30 s under 10% errors; chaos wants the retries seen.
    failureThreshold: 1_000,
  });
  const shards = 4;
  const realStore = new DynamoDbTaskStore(aws.dynamo, aws.tableName, shards);

  // Expected outcome per task, and what was announced.
  const expected = new Map<string, string>();
  const kinds: TaskKind[] = ["embed", "embed-v2", "index"];
  for (let i = 0; i < o.tasks; i++) {
    const kind = kinds[i % 3] as TaskKind;
    const r = random();
    const fate = r < 0.05 ? "not_found" : r < 0.15 ? "failed" : "ready";
    const ends = 1_000 + Math.floor(random() * 15_000);
    const running = kind === "index" ? "indexing" : "processing";
    const t = sim.addTask({
      kind,
      timeline:
        fate === "not_found"
          ? [{ status: running, afterMs: 0 }]
          : [
              { status: running, afterMs: 0 },
              { status: fate, afterMs: ends },
            ],
      ...(fate === "not_found" ? { deleteAfterMs: ends } : {}),
    });
    expected.set(t.id, `task.${fate}`);
    await realStore.register(newTask({ taskId: t.id, kind }, Date.now(), 3600));
  }
  // Faults start once every task is registered.
  sim.addFault({ type: "5xx", rate: 0.1 });
  sim.addFault({ type: "429", rate: 0.05, retryAfterSec: RETRY_AFTER_SEC });
  sim.addFault({ type: "slow", rate: 0.02, delayMs: 3_000 });
  sim.addFault({ type: "invalid-json", rate: 0.01 });

  const announced = new Map<string, TaskEvent[]>();
  let publishFailures = 0;
  let crashed = false;
  let crashAfterWrites = Number.POSITIVE_INFINITY;
  const guard = () => {
    if (crashed) throw new Crash("the run crashed");
  };
  const publisher: EventPublisher = {
    async publish(e) {
      guard();
      if (random() < 0.05) {
        publishFailures += 1;
        throw new Error("SNS publish failed (injected)");
      }
      announced.set(e.task.id, [...(announced.get(e.task.id) ?? []), e]);
    },
  };
  const store: TaskStore = new Proxy(realStore, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (prop === "applyTransition") {
        return async (task: Task, patch: TransitionPatch) => {
          guard();
          const ok = await target.applyTransition(task, patch);
          if (ok && --crashAfterWrites <= 0) {
            crashed = true; // written; the publish that would follow never happens in this run
            throw new Crash("crash after the transition write");
          }
          return ok;
        };
      }
      return async (...args: unknown[]) => {
        guard();
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  }) as TaskStore;
  const twelvelabs: TwelveLabsPort = {
    getTask: async (kind: TaskKind, id: string, opts?: CallOptions) => {
      guard();
      return client.getTask(kind, id, opts);
    },
    listTasks: async (kind: TaskKind, q: ListTasksQuery, opts?: CallOptions) => {
      guard();
      return client.listTasks(kind, q, opts);
    },
  };

  const settings: PollerSettings = {
    ...BENCH_LIFECYCLE,
    schedule: { ...BENCH_LIFECYCLE.schedule, minIntervalMs: 1_000, maxIntervalMs: 3_000 },
    concurrency: 16,
    maxTasksPerPass: 10_000,
    pageSize: 200,
    passes: 4,
    passIntervalMs: 1_000,
    batchMinDue: 2,
    batchLookbackMs: 3600_000,
    maxOutboxPerPass: 500,
    watchKinds: [],
    defaultDeadlineSeconds: 24 * 3600,
  };
  const listStats = new Map();
  // A crashed run is a lost instance: the next run starts with no memory.
  let memory = new OpenTasks();
  let runs = 0;
  let crashedRuns = 0;
  const open = async () => {
    let n = 0;
    for (const id of expected.keys()) {
      const t = await realStore.get(id);
      if (t && (t.dueAt !== undefined || t.outbox.length > 0)) n += 1;
    }
    return n;
  };
  for (;;) {
    runs += 1;
    crashed = false;
    // The second run always crashes, so even a short chaos run takes the crash path once.
    const crashRun = runs === 2 || random() < (o.crashRate ?? 0.05);
    crashAfterWrites = crashRun ? 1 + Math.floor(random() * 20) : Number.POSITIVE_INFINITY;
    try {
      await runPoller(
        {
          store,
          twelvelabs,
          publisher,
          now: Date.now,
          random,
          sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
          listStats,
          memory,
        },
        settings,
        Date.now() + 5_000,
      );
    } catch {
      // A run that failed (a crash, or the table answering a crashed proxy) ends; the next one goes on.
    }
    if (crashed) {
      crashedRuns += 1;
      memory = new OpenTasks();
    }
    const left = await open();
    if (runs % 5 === 0) log(`run ${runs}: ${left} tasks still open, ${sim.calls.length} calls so far`);
    if (left === 0 || Date.now() - started > o.maxSeconds * 1000) break;
  }

  let lost = 0;
  let wrong = 0;
  let duplicates = 0;
  for (const [id, type] of expected) {
    const got = announced.get(id) ?? [];
    if (got.length === 0) lost += 1;
    if (got.some((e) => e.type !== type)) wrong += 1;
    if (got.length > 1) duplicates += 1;
  }
  // Every call that arrived while an earlier 429's Retry-After was running.
  let callsBeforeRetryAfter = 0;
  const limited = sim.calls.filter((c) => c.status === 429).map((c) => c.receivedAt);
  for (const c of sim.calls) {
    if (
      limited.some((t) => c.receivedAt > t + IN_FLIGHT_SLACK_MS && c.receivedAt < t + RETRY_AFTER_SEC * 1000)
    )
      callsBeforeRetryAfter += 1;
  }
  const faults: Record<string, number> = {};
  for (const c of sim.calls) if (c.fault) faults[c.fault] = (faults[c.fault] ?? 0) + 1;
  const report: ChaosReport = {
    tasks: o.tasks,
    runs,
    crashedRuns,
    calls: sim.calls.length,
    faults,
    publishFailures,
    lost,
    wrong,
    duplicates,
    callsBeforeRetryAfter,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  await client.close();
  await sim.close();
  await aws.close();
  return report;
}
