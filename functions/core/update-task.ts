import { ArchiveNotApplicableError, ConflictError } from "./domain-errors.js";
import type { TaskStore } from "./ports.js";
import type { Task } from "./task.js";
import { isTerminal, writesOwnOutput } from "./task-kinds.js";

/*
 * PATCH /tasks/{taskId}: a registered task's settings changed in place (instead of delete and
 * register again, which would drop its history). Tags change at any time; the deadline, the
 * callback and archiving only while the task runs (after its end there is nothing left for them
 * to act on). Never its status: only TwelveLabs' answers change that.
 */

export interface TaskChanges {
  tags?: Record<string, string>;
  /** Counted from registration, as at registration. */
  deadlineSeconds?: number;
  /** A new callback URL, or null to remove the callback (its headers with it). */
  callbackUrl?: string | null;
  /** Sealed for the task's registration by the caller; null removes them. */
  callbackHeaders?: { sealFor(registeredAt: number): string; names: string[] } | null;
  archive?: boolean;
}

/** The task with the changes applied (pure); a ConflictError when a change cannot apply to it. */
export function withChanges(task: Task, c: TaskChanges, now: number): Task {
  const ended = isTerminal(task.status);
  const late = (what: string) =>
    new ConflictError(`task ${task.taskId} has ended (${task.status}): its ${what} can no longer change`);
  const next: Task = { ...task };
  if (c.tags !== undefined) next.tags = { ...c.tags };
  if (c.deadlineSeconds !== undefined) {
    if (ended) throw late("deadline");
    next.deadlineAt = task.registeredAt + c.deadlineSeconds * 1000;
    // A deadline moved before the next check is checked at once (and ends timed_out if it has passed).
    if (next.dueAt !== undefined) next.dueAt = Math.min(next.dueAt, Math.max(now, next.deadlineAt));
  }
  if (c.callbackUrl !== undefined || c.callbackHeaders !== undefined) {
    if (ended) throw late("callback");
    if (c.callbackUrl === null) {
      delete next.callbackUrl;
      delete next.callbackHeaders;
      delete next.callbackHeaderNames;
      delete next.callbackDisabledAt;
    } else {
      if (c.callbackUrl !== undefined && c.callbackUrl !== task.callbackUrl) {
        next.callbackUrl = c.callbackUrl;
        // A new receiver starts afresh: a 410 Gone of the old one does not silence it.
        delete next.callbackDisabledAt;
      }
      if (c.callbackHeaders === null) {
        delete next.callbackHeaders;
        delete next.callbackHeaderNames;
      } else if (c.callbackHeaders !== undefined) {
        if (next.callbackUrl === undefined) throw new ConflictError("callbackHeaders need a callbackUrl");
        next.callbackHeaders = c.callbackHeaders.sealFor(task.registeredAt);
        next.callbackHeaderNames = c.callbackHeaders.names;
      }
    }
  }
  if (c.archive !== undefined && c.archive !== (task.archive ?? false)) {
    if (c.archive && writesOwnOutput(task.kind)) throw ownOutputError();
    if (ended) throw late("archive setting");
    if (c.archive) next.archive = true;
    else delete next.archive;
  }
  return next;
}

/** Archiving refused for a job that writes its own output (registration and PATCH say the same). */
export function ownOutputError(): ArchiveNotApplicableError {
  return new ArchiveNotApplicableError(
    "a Bedrock invocation writes its output to your S3 (its ready event names it in task.result.uri): leave archive off",
  );
}

/** Applies the changes, retrying when the poller wrote in between; undefined when the task is gone. */
export async function updateTask(
  store: TaskStore,
  taskId: string,
  changes: TaskChanges,
  now: number,
): Promise<Task | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await store.get(taskId);
    if (!current) return undefined;
    const next = withChanges(current, changes, now);
    if (await store.updateSettings(current, next)) return { ...next, version: current.version + 1 };
  }
  throw new ConflictError(`task ${taskId} kept changing: try again`);
}
