import type { TaskEvent } from "./events.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "./snapshot.js";
import type { Task } from "./task.js";
import type { TaskKind, TaskStatus } from "./task-kinds.js";
import type { CheckPatch, TransitionPatch } from "./task-lifecycle.js";

export interface CallOptions {
  /**
   * Epoch ms by which the call must be over, its retries, rate-limit waits and timeouts included;
   * past it the call fails with a transient error instead of starting or waiting.
   */
  deadlineAt?: number;
}

/** TwelveLabs as the core sees it. Implementations throw the classes in twelvelabs-errors.ts. */
export interface TwelveLabsPort {
  getTask(kind: TaskKind, taskId: string, opts?: CallOptions): Promise<TaskSnapshot>;
  listTasks(kind: TaskKind, query: ListTasksQuery, opts?: CallOptions): Promise<TaskPage>;
}

/** Where events go (SNS in AWS, fauxqs locally). Resolves once the message was accepted. */
export interface EventPublisher {
  publish(event: TaskEvent): Promise<void>;
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

export interface ListFilter {
  status?: TaskStatus;
  kind?: TaskKind;
}

/** Persistence of watched tasks. Writes are conditional on `task.version`; `false` means someone else wrote first. */
export interface TaskStore {
  /** Stores a new task; when the id exists already, returns the stored one with `created: false`. */
  register(task: Task): Promise<{ created: boolean; task: Task }>;
  get(taskId: string): Promise<Task | undefined>;
  list(filter: ListFilter, limit: number, cursor?: string): Promise<Page<Task>>;
  /**
   * Stops watching; `false` when the id is unknown. Throws EventsPendingError while the task has
   * events awaiting publication: deleting never drops an announcement.
   */
  remove(taskId: string): Promise<boolean>;
  /** Tasks of one shard due at or before `now`, oldest first. */
  queryDue(shard: string, now: number, limit: number, cursor?: string): Promise<Page<Task>>;
  /** When the earliest task of one shard is due (epoch ms), if any task is watched there. */
  earliestDue(shard: string): Promise<number | undefined>;
  /** Tasks of one shard with events awaiting publication. */
  queryOutbox(shard: string, limit: number, cursor?: string): Promise<Page<Task>>;
  recordCheck(task: Task, patch: CheckPatch): Promise<boolean>;
  /** The status change and its outbox events in one conditional write. */
  applyTransition(task: Task, patch: TransitionPatch): Promise<boolean>;
  /** Removes one published event (no-op when already gone); settles the outbox once it is empty. */
  clearOutboxEntry(taskId: string, eventId: string): Promise<void>;
  /** With the outbox empty: leave the outbox index and let the task expire (idempotent). */
  settleOutbox(taskId: string): Promise<void>;
  readonly shards: number;
}

export interface Subscription {
  /** The subscription's id within this stack's topic (the last part of its ARN). */
  id: string;
  protocol: string;
  endpoint: string;
  pendingConfirmation: boolean;
  filterPolicy?: Record<string, unknown>;
}

/** Subscriptions of the stack's own topic (SNS in AWS, fauxqs locally). */
export interface SubscriptionRegistry {
  subscribe(protocol: string, endpoint: string, filterPolicy: Record<string, unknown>): Promise<Subscription>;
  list(): Promise<Subscription[]>;
  /** `false` when the id is not a subscription of this topic. */
  unsubscribe(id: string): Promise<boolean>;
}

/** Keeps poller runs from overlapping (a lease item in AWS). Overlap is safe anyway; the lease saves work. */
export interface RunLease {
  /** Takes the lease until `until` (epoch ms) unless someone else holds an unexpired one. */
  tryAcquire(owner: string, now: number, until: number): Promise<boolean>;
  release(owner: string): Promise<void>;
}
