import type { ArchiveState } from "./archive.js";
import type { TaskEvent } from "./events.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "./snapshot.js";
import type { Waiter } from "./step-functions-callback.js";
import type { SetAsideEvent, Task } from "./task.js";
import type { TaskKind, TaskStatus } from "./task-kinds.js";
import type { TransitionPatch } from "./task-lifecycle.js";
import type { WebhookAttempt } from "./webhook-delivery.js";

export interface CallOptions {
  /** The index a task lives in, for kinds addressed inside an index (`indexed-asset`). */
  indexId?: string;
  /** The invocation's ARN, for Bedrock's async invocations (their address). */
  invocationArn?: string;
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

/** How an event is routed beside the topic's own subscribers. */
export interface PublishRoute {
  /** The task has an enabled callback: the webhook queue's filter lets the event through. */
  webhook: boolean;
  /** A final event of a task with Step Functions tokens waiting: the callback queue's filter lets it through. */
  stepFunctions?: boolean;
}

/**
 * Where events go (SNS in AWS, fauxqs locally). Resolves once the message was accepted; rejects with
 * PermanentPublishError when this very event can never be accepted (its content), anything else
 * when a retry may succeed.
 */
export interface EventPublisher {
  publish(event: TaskEvent, route?: PublishRoute): Promise<void>;
}

/**
 * The publisher refused this event for what it holds (text SNS cannot carry, an attribute it
 * rejects): retrying it would fail forever at the head of the outbox, so it is set aside.
 */
export class PermanentPublishError extends Error {
  override readonly name = "PermanentPublishError";
}

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  cursor?: string;
}

/** What the caller saw of an outbox: the event is its last one; the task has ended (its expiry waits). */
export interface ClearHint {
  last: boolean;
  ending: boolean;
}

export interface DueRange {
  from?: number;
  to?: number;
}

export interface ListFilter {
  status?: TaskStatus;
  kind?: TaskKind;
  /** Tasks carrying every one of these tags (`tag.<key>=<value>`). */
  tags?: Record<string, string>;
}

/** Persistence of watched tasks. Writes are conditional on `task.version`; `false` means someone else wrote first. */
export interface TaskStore {
  /** Stores a new task; when the id exists already, returns the stored one with `created: false`. */
  register(task: Task): Promise<{ created: boolean; task: Task }>;
  /**
   * Makes a discovered task a registered one with the settings of `adopted` (tags, deadline,
   * callback), conditional on the version read; `false` when someone wrote first.
   */
  adopt(task: Task, adopted: Task): Promise<boolean>;
  /**
   * Adds a Step Functions waiter (pushing out the waiters `drop` names, recorded at `at`),
   * conditional on the version read and bumping it, so a run that read the task before cannot
   * publish its final event without this waiter; `false` when someone wrote first.
   */
  addWaiter(task: Task, waiter: Waiter, drop: readonly string[], at: number): Promise<boolean>;
  /** Records that a held ready event's archive job was queued (once per registration); `false` if it was already, or is no more. */
  markArchiveQueued(taskId: string, registeredAt: number, eventId: string, at: number): Promise<boolean>;
  /** Counts a failed store of a pending archive (`false` when it is no longer pending). */
  recordArchiveAttempt(
    taskId: string,
    registeredAt: number,
    eventId: string,
    attempts: number,
    error: string,
  ): Promise<boolean>;
  /**
   * Ends a pending archive: the held ready event becomes `event` (naming the result or why there
   * is none) in the outbox, ready to publish; once per registration. The task as written, or
   * undefined when it had ended already.
   */
  resolveArchive(
    taskId: string,
    registeredAt: number,
    event: TaskEvent,
    outcome: ArchiveOutcome,
  ): Promise<Task | undefined>;
  get(taskId: string): Promise<Task | undefined>;
  /**
   * Writes `next`'s settings (tags, deadline and the next check it moves, callback, archive) over
   * `current`, conditional on the version read; `false` when someone wrote first.
   */
  updateSettings(current: Task, next: Task): Promise<boolean>;
  list(filter: ListFilter, limit: number, cursor?: string): Promise<Page<Task>>;
  /**
   * Stops watching (`at`: when); `false` when the id is unknown. Throws EventsPendingError while the
   * task has events awaiting publication: deleting never drops an announcement. The deletion is
   * remembered for a while: watching the account does not find the task again, a registration may.
   */
  remove(taskId: string, at: number): Promise<boolean>;
  /**
   * Open tasks of one shard whose `dueAt` lies in `range` (bounds inclusive, either may be absent:
   * all open tasks), earliest first.
   */
  queryDue(shard: string, range: DueRange, limit: number, cursor?: string): Promise<Page<Task>>;
  /** Tasks of one shard with events awaiting publication. */
  queryOutbox(shard: string, limit: number, cursor?: string): Promise<Page<Task>>;
  /** The status change and its outbox events in one conditional write. */
  applyTransition(task: Task, patch: TransitionPatch): Promise<boolean>;
  /**
   * Removes one published event (no-op when already gone); settles the outbox once it is empty. The
   * hint (what the caller last saw) lets the usual case take one write; a wrong hint costs one more.
   */
  clearOutboxEntry(taskId: string, eventId: string, hint?: ClearHint): Promise<void>;
  /** With the outbox empty: leave the outbox index and let the task expire (idempotent). */
  settleOutbox(taskId: string): Promise<void>;
  /**
   * Moves an event the publisher can never accept out of the outbox into the task's set-aside list
   * (shown on the task), then settles the outbox like a clear. No-op when the entry is gone already.
   */
  setAsideOutboxEntry(taskId: string, entry: SetAsideEvent): Promise<void>;
  /**
   * Makes an open task due now (a TwelveLabs webhook named it), bumping its version so a poller's
   * memory takes the new due time; `false` when the task is unknown or has ended.
   */
  nudge(taskId: string, at: number): Promise<boolean>;
  readonly shards: number;
}

/** What TwelveLabs' own webhooks left behind: events seen (replays) and when each kind last heard one. */
export interface TwelveLabsWebhookLog {
  /** Whether an event id was recorded before (a replay or a retry). */
  seen(eventId: string): Promise<boolean>;
  /** Records an event id once it was acted on (its insert also wakes the poller). */
  record(eventId: string, at: number): Promise<void>;
  /** When the last verified event of each kind arrived (epoch ms). */
  arrivals(): Promise<Partial<Record<TaskKind, number>>>;
  /** Notes that an event of `kind` arrived (at most one write a minute per kind). */
  noteArrival(kind: TaskKind, at: number): Promise<void>;
}

export interface Subscription {
  /** The subscription's id within this stack's topic (the last part of its ARN). */
  id: string;
  protocol: string;
  endpoint: string;
  pendingConfirmation: boolean;
  filterPolicy?: Record<string, unknown>;
  /** SQS and HTTPS: the event JSON itself rather than SNS's envelope. */
  rawDelivery?: boolean;
}

/** Subscriptions of the stack's own topic (SNS in AWS, fauxqs locally). */
export interface SubscriptionRegistry {
  subscribe(
    protocol: string,
    endpoint: string,
    filterPolicy: Record<string, unknown>,
    options?: { rawDelivery?: boolean },
  ): Promise<Subscription>;
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

/** Where a task's webhooks go, as the webhook function reads it. */
export interface CallbackTarget {
  registeredAt: number;
  url: string;
  sealedHeaders?: string;
  disabledAt?: number;
  /** The task's attempt log (the newest WEBHOOK_ATTEMPT_LOG_MAX), to count a message's attempts. */
  attempts: WebhookAttempt[];
}

/** The webhook side of a task: its target, its attempt log, the events it was sent (for redelivery). */
export interface WebhookLog {
  /** Undefined when the task is gone or has no callback. */
  target(taskId: string): Promise<CallbackTarget | undefined>;
  /**
   * Appends an attempt (the log keeps the newest WEBHOOK_ATTEMPT_LOG_MAX) to the registration
   * `registeredAt` only; with `event`, keeps the event for redelivery (the newest WEBHOOK_EVENTS_MAX).
   */
  record(taskId: string, registeredAt: number, attempt: WebhookAttempt, event?: TaskEvent): Promise<void>;
  /** Disables (`at`) or re-enables (undefined) the callback; `false` when the registration is gone. */
  setDisabled(taskId: string, registeredAt: number, at: number | undefined): Promise<boolean>;
  /** A kept event of the task: the one named, or the newest. */
  storedEvent(taskId: string, eventId?: string): Promise<TaskEvent | undefined>;
}

/** The webhook queue, for sending an event again (POST /tasks/{id}/redeliver). */
export interface WebhookQueue {
  redeliver(event: TaskEvent): Promise<void>;
}

/** Seals a task's callback headers for storage and opens them for a delivery (bound to the registration). */
export interface HeaderSealer {
  seal(headers: Record<string, string>, boundTo: string): string;
  open(sealed: string, boundTo: string): Record<string, string>;
}

/** What a sealed value is bound to: the task and its registration. */
export function headerBinding(taskId: string, registeredAt: number): string {
  return `${taskId}.${registeredAt}`;
}

/** A task's Step Functions waiters as the callback function reads them. */
export interface WaiterTarget {
  registeredAt: number;
  status: TaskStatus;
  waiters: Record<string, Waiter>;
  finalEvent?: TaskEvent;
}

/** The Step Functions side of a task item; none of its writes touches `version` (like the webhook log). */
export interface WaiterLog {
  /** Undefined when the task is gone. */
  read(taskId: string): Promise<WaiterTarget | undefined>;
  /**
   * Ends a waiter (`state` other than waiting) or counts a failed call (`state` waiting), only while it
   * is still waiting in registration `registeredAt`; `false` when it no longer is.
   */
  update(
    taskId: string,
    registeredAt: number,
    waiterId: string,
    patch: { state: Waiter["state"]; attempts: number; lastError?: string; endedAt?: number },
  ): Promise<boolean>;
}

/** A heartbeat due for one waiter (the callback queue carries it). */
export interface HeartbeatMessage {
  taskId: string;
  registeredAt: number;
  waiterId: string;
  /** Epoch ms; a message that arrives earlier (a hop over SQS's 15-minute delay limit) waits again. */
  dueAt: number;
}

/** The Step Functions callback queue, as the API and the callback function send to it. */
export interface CallbackQueue {
  /** A final event, for the waiters of a task that ended before they came. */
  sendFinal(event: TaskEvent): Promise<void>;
  /** The next heartbeat, delivered at `dueAt` (hops of at most 15 minutes). */
  sendHeartbeat(message: HeartbeatMessage, now: number): Promise<void>;
}

/** Step Functions' callback API; errors keep Step Functions' names (TaskTimedOut, InvalidToken, ThrottlingException…). */
export interface StepFunctionsPort {
  success(taskToken: string, output: string): Promise<void>;
  failure(taskToken: string, error: string, cause: string): Promise<void>;
  heartbeat(taskToken: string): Promise<void>;
}

/** How a pending archive ended. */
export type ArchiveOutcome = Pick<ArchiveState, "state" | "result" | "error"> & {
  state: "stored" | "failed";
};

/** One task's archive job, as the poller hands it to the archive queue. */
export interface ArchiveJob {
  taskId: string;
  registeredAt: number;
  eventId: string;
}

/** The archive queue (SQS in AWS, fauxqs locally). */
export interface ArchiveQueue {
  sendJob(job: ArchiveJob): Promise<void>;
}
