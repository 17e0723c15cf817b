import type { ArchiveState } from "./archive.js";
import type { TaskEvent } from "./events.js";
import type { TaskMetadata } from "./snapshot.js";
import type { DroppedWaiter, Waiter } from "./step-functions-callback.js";
import type { TaskKind, TaskStatus } from "./task-kinds.js";
import type { WebhookAttempt } from "./webhook-delivery.js";

export interface HistoryEntry {
  status: TaskStatus;
  /** epoch ms */
  at: number;
}

/** A watched task as the notifier stores it. Times are epoch milliseconds. */
export interface Task {
  taskId: string;
  kind: TaskKind;
  status: TaskStatus;
  history: HistoryEntry[];
  modelName?: string;
  metadata: TaskMetadata;
  errorMessage?: string;
  registeredAt: number;
  lastCheckedAt?: number;
  /** When the next check is due; absent once terminal. */
  dueAt?: number;
  checks: number;
  deadlineAt: number;
  tags: Record<string, string>;
  /** The index an `indexed-asset` lives in (its address at TwelveLabs). */
  indexId?: string;
  /** A Bedrock async invocation's ARN (its address: region, account, id). */
  invocationArn?: string;
  /** Found by watching the account rather than registered (absent: registered). */
  source?: "discovered";
  callbackUrl?: string;
  /** Headers sent with each webhook, sealed (adapters/header-box.ts); never shown, never logged. */
  callbackHeaders?: string;
  /** Their names, which the API shows. */
  callbackHeaderNames?: string[];
  /** Set when the receiver answered 410 Gone: no more deliveries until a redelivery. */
  callbackDisabledAt?: number;
  /** The newest webhook attempts (at most WEBHOOK_ATTEMPT_LOG_MAX), oldest first. */
  webhookAttempts?: WebhookAttempt[];
  /** Consecutive checks that TwelveLabs denied the id. */
  notFoundCount: number;
  /** Consecutive checks that failed (transient or invalid answers), for backoff. */
  errorCount: number;
  finishedAt?: number;
  /** Optimistic concurrency: every write increments it and is conditional on the value read. */
  version: number;
  /** Events written with a transition and not yet accepted by the publisher. */
  outbox: TaskEvent[];
  /** Events the publisher can never accept (their content), set aside so the others go on. */
  setAside?: SetAsideEvent[];
  /** Step Functions tokens waiting on the task (`.waitForTaskToken`), by waiter id; at most WAITERS_MAX. */
  waiters?: Record<string, Waiter>;
  /** Waiters pushed out by newer ones (the newest DROPPED_WAITERS_MAX). */
  droppedWaiters?: DroppedWaiter[];
  /**
   * The event that ended the task (written with the transition), so a token registered after the
   * end gets the same event as those that waited.
   */
  finalEvent?: TaskEvent;
  /** Keep the result in the stage's bucket when the task is ready (its ready event waits for it). */
  archive?: boolean;
  /** Where that stands, from the ready transition on. */
  archiveState?: ArchiveState;
}

/** An event set aside: which, why, and when (epoch ms). */
export interface SetAsideEvent {
  eventId: string;
  type: TaskEvent["type"];
  reason: string;
  at: number;
}

export interface NewTaskInput {
  taskId: string;
  kind: TaskKind;
  deadlineSeconds?: number;
  tags?: Record<string, string>;
  indexId?: string;
  invocationArn?: string;
  callbackUrl?: string;
  /** Sealed headers and their names (the API seals them; core never sees their values). */
  callbackHeaders?: { sealed: string; names: string[] };
  /** A Step Functions waiter, its token sealed by the API. */
  waiter?: Waiter;
  archive?: boolean;
}

/** A freshly registered task: due at once so the next pass checks it within seconds. */
export function newTask(input: NewTaskInput, now: number, defaultDeadlineSeconds: number): Task {
  const task: Task = {
    taskId: input.taskId,
    kind: input.kind,
    status: "registered",
    history: [],
    metadata: {},
    registeredAt: now,
    dueAt: now,
    checks: 0,
    deadlineAt: now + (input.deadlineSeconds ?? defaultDeadlineSeconds) * 1000,
    tags: { ...(input.tags ?? {}) },
    notFoundCount: 0,
    errorCount: 0,
    version: 1,
    outbox: [],
  };
  if (input.indexId) task.indexId = input.indexId;
  if (input.invocationArn) task.invocationArn = input.invocationArn;
  if (input.callbackUrl) task.callbackUrl = input.callbackUrl;
  if (input.callbackUrl && input.callbackHeaders) {
    task.callbackHeaders = input.callbackHeaders.sealed;
    task.callbackHeaderNames = input.callbackHeaders.names;
  }
  if (input.waiter) task.waiters = { [input.waiter.id]: input.waiter };
  if (input.archive) task.archive = true;
  return task;
}
