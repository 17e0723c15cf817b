import { nextDueAt, retryDueAt, type ScheduleSettings } from "./due-schedule.js";
import { buildEvent, type EventContext, type TaskEvent } from "./events.js";
import type { TaskSnapshot } from "./snapshot.js";
import { endsWaiters } from "./step-functions-callback.js";
import type { HistoryEntry, Task } from "./task.js";
import { isTerminal, type TaskStatus } from "./task-kinds.js";

/** What one check of a task at TwelveLabs came back with. */
export type CheckResult =
  | { outcome: "snapshot"; snapshot: TaskSnapshot }
  | { outcome: "not_found" }
  /** TwelveLabs rejected the id itself as malformed: it cannot exist, so the task ends now. */
  | { outcome: "rejected"; reason: string }
  | { outcome: "error"; retryAfterMs?: number };

export interface LifecycleSettings extends EventContext {
  schedule: ScheduleSettings;
  /** Publish `task.status_changed` for intermediate changes (always recorded in history). */
  publishStatusChanges: boolean;
  /** How long a finished task stays in the table before TTL removes it. */
  retentionSeconds: number;
  /** Consecutive denials before a task is declared `not_found`. */
  notFoundConfirmations: number;
}

/** Fields that change on every check, whether or not the status moved. */
export interface CheckPatch {
  lastCheckedAt: number;
  checks: number;
  notFoundCount: number;
  errorCount: number;
  dueAt: number;
  modelName?: string;
  metadata?: Task["metadata"];
}

export interface TransitionPatch {
  status: TaskStatus;
  historyEntry: HistoryEntry;
  lastCheckedAt: number;
  checks: number;
  notFoundCount: number;
  errorCount: number;
  /** Absent when the new status is terminal (the task leaves the due index). */
  dueAt?: number;
  finishedAt?: number;
  /** epoch seconds (DynamoDB TTL), set when terminal. */
  expiresAt?: number;
  modelName?: string;
  metadata?: Task["metadata"];
  errorMessage?: string;
  /** Events to write to the outbox in the same update. */
  events: TaskEvent[];
  /** An archived task turning ready: its ready event is held until the result is stored. */
  archiveState?: Task["archiveState"];
}

export type Decision =
  | { type: "unchanged"; patch: CheckPatch }
  | { type: "transition"; patch: TransitionPatch };

/**
 * The heart of the notifier: given a task, what TwelveLabs said and the time, decide what to
 * write. Pure: no I/O, no clock, randomness passed in.
 */
export function decide(
  task: Task,
  result: CheckResult,
  now: number,
  random: number,
  s: LifecycleSettings,
  /** Seen through a batched list check: look again after this long (the next batch costs no extra call). */
  recheckInMs?: number,
): Decision {
  const checks = task.checks + 1;
  const scheduled = (input: Parameters<typeof nextDueAt>[0]) =>
    recheckInMs === undefined
      ? nextDueAt(input, now, random, s.schedule)
      : Math.min(now + recheckInMs, Math.max(task.deadlineAt, now));
  let next: TaskStatus | undefined;
  let notFoundCount = 0;
  let errorCount = 0;
  let snapshot: TaskSnapshot | undefined;

  if (result.outcome === "snapshot") {
    snapshot = result.snapshot;
    if (snapshot.status !== task.status) next = snapshot.status;
  } else if (result.outcome === "not_found") {
    notFoundCount = task.notFoundCount + 1;
    if (notFoundCount >= s.notFoundConfirmations) next = "not_found";
  } else if (result.outcome === "rejected") {
    next = "not_found";
  } else {
    errorCount = task.errorCount + 1;
  }

  // Past the deadline and still not finished: our own terminal state.
  const finishing = next !== undefined && isTerminal(next);
  if (!finishing && now >= task.deadlineAt) next = "timed_out";

  const modelName = snapshot?.modelName;
  const metadata =
    snapshot && Object.keys(snapshot.metadata).length > 0
      ? { ...task.metadata, ...snapshot.metadata }
      : undefined;

  if (next === undefined) {
    const nextAt =
      result.outcome === "error"
        ? retryDueAt(now, errorCount, random, result.retryAfterMs, s.schedule)
        : result.outcome === "not_found"
          ? now + s.schedule.minIntervalMs
          : scheduled({ ...task, checks, metadata: metadata ?? task.metadata });
    const patch: CheckPatch = {
      lastCheckedAt: now,
      checks,
      notFoundCount,
      errorCount,
      dueAt: Math.min(nextAt, Math.max(task.deadlineAt, now)),
    };
    if (modelName && modelName !== task.modelName) patch.modelName = modelName;
    if (metadata && JSON.stringify(metadata) !== JSON.stringify(task.metadata)) patch.metadata = metadata;
    return { type: "unchanged", patch };
  }

  const terminal = isTerminal(next);
  const patch: TransitionPatch = {
    status: next,
    historyEntry: { status: next, at: now },
    lastCheckedAt: now,
    checks,
    notFoundCount,
    errorCount,
    events: [],
  };
  if (modelName) patch.modelName = modelName;
  if (metadata) patch.metadata = metadata;
  if (next === "failed" && snapshot?.errorMessage) patch.errorMessage = snapshot.errorMessage;
  if (next === "timed_out")
    patch.errorMessage = `Not finished by the deadline (${new Date(task.deadlineAt).toISOString()})`;
  if (next === "not_found")
    patch.errorMessage =
      result.outcome === "rejected"
        ? result.reason
        : `TwelveLabs denied the id on ${notFoundCount} consecutive checks`;
  if (terminal) {
    patch.finishedAt = now;
    patch.expiresAt = Math.floor(now / 1000) + s.retentionSeconds;
  } else {
    patch.dueAt = scheduled({ ...task, checks, metadata: metadata ?? task.metadata });
  }

  if (terminal || s.publishStatusChanges) {
    const after = applyTransitionPatch(task, patch);
    // From TwelveLabs' updated_at where it gives one, else from the previous check (the change came after it).
    const reported = snapshot?.updatedAt === undefined ? Number.NaN : Date.parse(snapshot.updatedAt);
    const changedAt =
      result.outcome !== "snapshot"
        ? now
        : Number.isNaN(reported)
          ? (task.lastCheckedAt ?? task.registeredAt)
          : Math.min(reported, now);
    const event = buildEvent(after, task.status, now, s, changedAt);
    patch.events.push(event);
    if (next === "ready" && task.archive)
      patch.archiveState = { state: "pending", eventId: event.id, attempts: 0 };
  }
  return { type: "transition", patch };
}

/** The task as it is after a transition is written (used to build its event and by the store). */
export function applyTransitionPatch(task: Task, patch: TransitionPatch): Task {
  const out: Task = {
    ...task,
    status: patch.status,
    history: [...task.history, patch.historyEntry],
    lastCheckedAt: patch.lastCheckedAt,
    checks: patch.checks,
    notFoundCount: patch.notFoundCount,
    errorCount: patch.errorCount,
    version: task.version + 1,
    outbox: [...task.outbox, ...patch.events],
  };
  if (patch.dueAt === undefined) delete out.dueAt;
  else out.dueAt = patch.dueAt;
  if (patch.finishedAt !== undefined) out.finishedAt = patch.finishedAt;
  if (patch.modelName) out.modelName = patch.modelName;
  if (patch.metadata) out.metadata = patch.metadata;
  if (patch.errorMessage) out.errorMessage = patch.errorMessage;
  const final = patch.events.find((e) => endsWaiters(e.task.status));
  if (final) out.finalEvent = final;
  if (patch.archiveState) out.archiveState = patch.archiveState;
  return out;
}
