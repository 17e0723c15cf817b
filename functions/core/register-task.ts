import { ConflictError } from "./domain-errors.js";
import type { TaskStore } from "./ports.js";
import { type NewTaskInput, newTask, type Task } from "./task.js";
import type { TaskKind } from "./task-kinds.js";

export interface RegisterRequest {
  taskId: string;
  kind?: TaskKind;
  deadlineSeconds?: number;
  tags?: Record<string, string>;
  indexId?: string;
  callbackUrl?: string;
  /** Sealed by the caller (the API); `matches` tells whether a stored task holds the same headers. */
  callbackHeaders?: { sealed: string; names: string[]; matches(stored: Task): boolean };
}

export interface RegisterOutcome {
  created: boolean;
  task: Task;
}

/**
 * Registers a task, idempotently: the same id again returns the stored task; the same id with a
 * setting that contradicts the stored one (only settings the caller gave are compared) is a conflict.
 */
export async function registerTask(
  store: TaskStore,
  req: RegisterRequest,
  now: number,
  defaultDeadlineSeconds: number,
): Promise<RegisterOutcome> {
  const input: NewTaskInput = { taskId: req.taskId, kind: req.kind ?? "embed" };
  if (req.deadlineSeconds !== undefined) input.deadlineSeconds = req.deadlineSeconds;
  if (req.tags) input.tags = req.tags;
  if (req.indexId) input.indexId = req.indexId;
  if (req.callbackUrl) input.callbackUrl = req.callbackUrl;
  if (req.callbackHeaders)
    input.callbackHeaders = { sealed: req.callbackHeaders.sealed, names: req.callbackHeaders.names };
  const result = await store.register(newTask(input, now, defaultDeadlineSeconds));
  if (!result.created) {
    const conflict = conflictingSetting(result.task, req);
    if (conflict)
      throw new ConflictError(`task ${req.taskId} is already registered with a different ${conflict}`);
  }
  return result;
}

function conflictingSetting(stored: Task, req: RegisterRequest): string | undefined {
  if (req.kind !== undefined && req.kind !== stored.kind) return "kind";
  if (
    req.deadlineSeconds !== undefined &&
    Math.round((stored.deadlineAt - stored.registeredAt) / 1000) !== req.deadlineSeconds
  ) {
    return "deadlineSeconds";
  }
  if (req.tags !== undefined && !sameRecord(req.tags, stored.tags)) return "tags";
  if (req.indexId !== undefined && req.indexId !== stored.indexId) return "indexId";
  if (req.callbackUrl !== undefined && req.callbackUrl !== stored.callbackUrl) return "callbackUrl";
  if (req.callbackHeaders !== undefined && !req.callbackHeaders.matches(stored)) return "callbackHeaders";
  return undefined;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}
