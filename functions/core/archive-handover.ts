import { ARCHIVE_GIVE_UP_AFTER_MS, withResult } from "./archive.js";
import type { TaskEvent } from "./events.js";
import type { ArchiveQueue, TaskStore } from "./ports.js";
import type { Task } from "./task.js";

/** A ready event waiting for its task's result to be stored (it stays in the outbox meanwhile). */
export function isHeld(task: Task, event: TaskEvent): boolean {
  return task.archiveState?.state === "pending" && task.archiveState.eventId === event.id;
}

/**
 * What the outbox drain does with a held event instead of publishing it: hand its archive job to
 * the archive queue once (the entry stays until the archiver resolves it, so a lost hand-over is
 * handed over again). Should the archiver never finish, or the stage keep no results, the event is
 * resolved naming why there is no result, and the next drain publishes it: late, never lost.
 * `true` when a job was handed over now.
 */
export async function holdForArchive(
  deps: {
    store: TaskStore;
    archive?: ArchiveQueue;
    now: () => number;
    onTaskError?: (taskId: string, stage: "publish", error: unknown) => void;
  },
  task: Task,
  event: TaskEvent,
): Promise<boolean> {
  const a = task.archiveState as NonNullable<Task["archiveState"]>;
  const now = deps.now();
  try {
    if (!deps.archive || (a.queuedAt !== undefined && now - a.queuedAt > ARCHIVE_GIVE_UP_AFTER_MS)) {
      const error = deps.archive
        ? "the result was not stored in time (the archiver did not finish)"
        : "this stage keeps no results (no archive queue configured)";
      await deps.store.resolveArchive(task.taskId, task.registeredAt, withResult(event, { error }), {
        state: "failed",
        error,
      });
      return false;
    }
    if (a.queuedAt !== undefined) return false;
    await deps.archive.sendJob({ taskId: task.taskId, registeredAt: task.registeredAt, eventId: event.id });
    await deps.store.markArchiveQueued(task.taskId, task.registeredAt, event.id, now);
    return true;
  } catch (err) {
    deps.onTaskError?.(task.taskId, "publish", err);
    return false;
  }
}
