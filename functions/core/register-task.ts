import { ConflictError } from "./domain-errors.js";
import type { TaskStore } from "./ports.js";
import { type Waiter, withWaiter } from "./step-functions-callback.js";
import { type NewTaskInput, newTask, type Task } from "./task.js";
import type { TaskKind } from "./task-kinds.js";

export interface RegisterRequest {
  taskId: string;
  kind?: TaskKind;
  deadlineSeconds?: number;
  tags?: Record<string, string>;
  indexId?: string;
  /** A Bedrock invocation's ARN (kind bedrock). */
  invocationArn?: string;
  callbackUrl?: string;
  /** Sealed by the caller (the API); `matches` tells whether a stored task holds the same headers. */
  callbackHeaders?: {
    names: string[];
    /** Sealed for the registration they are stored with (bound to its time). */
    sealFor(registeredAt: number): string;
    matches(stored: Task): boolean;
  };
  /** Keep the result in the stage's bucket (given by the caller, or the stage's default). */
  archive?: boolean;
  /** The caller gave `archive` (only then is it compared with a stored task's). */
  archiveGiven?: boolean;
  /** A Step Functions waiter (its token sealed for the registration it lands on); never a conflict. */
  waiter?: { id: string; make(registeredAt: number): Waiter };
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
  if (req.invocationArn) input.invocationArn = req.invocationArn;
  if (req.callbackUrl) input.callbackUrl = req.callbackUrl;
  if (req.callbackHeaders)
    input.callbackHeaders = { sealed: req.callbackHeaders.sealFor(now), names: req.callbackHeaders.names };
  if (req.waiter) input.waiter = req.waiter.make(now);
  if (req.archive) input.archive = true;
  const result = await store.register(newTask(input, now, defaultDeadlineSeconds));
  if (result.created) return result;
  let outcome: RegisterOutcome = result;
  if (result.task.source === "discovered") {
    outcome = await adoptDiscovered(store, result.task, req, input, defaultDeadlineSeconds);
  } else {
    const conflict = conflictingSetting(result.task, req);
    if (conflict) throw conflictError(req.taskId, conflict);
  }
  return req.waiter ? addWaiter(store, outcome.task, req.waiter, now) : outcome;
}

/**
 * Adds a waiter to a known task, however far along it is: several executions may wait on one task,
 * and a token registered again is the waiter it added before. Retried when the poller wrote between.
 */
async function addWaiter(
  store: TaskStore,
  found: Task,
  req: NonNullable<RegisterRequest["waiter"]>,
  now: number,
): Promise<RegisterOutcome> {
  let current: Task | undefined = found;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    const waiters = current.waiters ?? {};
    if (waiters[req.id]) return { created: false, task: current };
    const waiter = req.make(current.registeredAt);
    const { drop } = withWaiter(waiters, waiter);
    if (await store.addWaiter(current, waiter, drop, now)) {
      const next: Task = {
        ...current,
        waiters: { ...waiters, [waiter.id]: waiter },
        version: current.version + 1,
      };
      for (const id of drop) delete next.waiters?.[id];
      if (drop.length > 0)
        next.droppedWaiters = [
          ...(current.droppedWaiters ?? []),
          ...drop.map((id) => ({ id, droppedAt: now })),
        ];
      return { created: false, task: next };
    }
    current = await store.get(current.taskId);
  }
  throw new ConflictError(`task ${found.taskId} changed while its taskToken was being added; try again`);
}

/**
 * A registration of a task found by watching the account: it keeps its kind and history and takes
 * the registration's tags, deadline and callback (the deadline counted from when it was found).
 */
async function adoptDiscovered(
  store: TaskStore,
  found: Task,
  req: RegisterRequest,
  input: NewTaskInput,
  defaultDeadlineSeconds: number,
): Promise<RegisterOutcome> {
  let current: Task | undefined = found;
  for (let attempt = 0; attempt < 5 && current; attempt++) {
    if (current.source !== "discovered") break; // registered meanwhile: compare as usual below
    if (req.kind !== undefined && req.kind !== current.kind)
      throw new ConflictError(`task ${req.taskId} is watched as kind ${current.kind}, not ${req.kind}`);
    // Settings as of when the task was found; headers sealed for that registration.
    const headers = req.callbackHeaders && {
      sealed: req.callbackHeaders.sealFor(current.registeredAt),
      names: req.callbackHeaders.names,
    };
    const settings = newTask(
      { ...input, kind: current.kind, callbackHeaders: headers },
      current.registeredAt,
      defaultDeadlineSeconds,
    );
    const adopted: Task = { ...current, tags: settings.tags, deadlineAt: settings.deadlineAt };
    if (settings.archive) adopted.archive = true;
    delete adopted.source;
    if (settings.callbackUrl !== undefined) adopted.callbackUrl = settings.callbackUrl;
    if (settings.callbackHeaders !== undefined) {
      adopted.callbackHeaders = settings.callbackHeaders;
      adopted.callbackHeaderNames = settings.callbackHeaderNames;
    }
    if (await store.adopt(current, adopted))
      return { created: false, task: { ...adopted, version: current.version + 1 } };
    current = await store.get(req.taskId); // the poller wrote in between: read again, try again
  }
  if (!current) throw new ConflictError(`task ${req.taskId} changed while being registered; try again`);
  const conflict = conflictingSetting(current, req);
  if (conflict) throw conflictError(req.taskId, conflict);
  return { created: false, task: current };
}

/** A setting of a registration that contradicts the stored one, with the stored value where it may be shown. */
interface Conflict {
  setting: string;
  stored?: string;
}

/** A 409 that says which setting differs and how to change it. */
function conflictError(taskId: string, c: Conflict): ConflictError {
  const stored = c.stored === undefined ? "" : ` (stored: ${c.stored})`;
  return new ConflictError(
    `task ${taskId} is already registered with a different ${c.setting}${stored}: send the stored ${c.setting} (or leave it out) to get the task, or to change it DELETE /tasks/${taskId} and register it again`,
  );
}

function conflictingSetting(stored: Task, req: RegisterRequest): Conflict | undefined {
  if (req.kind !== undefined && req.kind !== stored.kind) return { setting: "kind", stored: stored.kind };
  const deadlineSeconds = Math.round((stored.deadlineAt - stored.registeredAt) / 1000);
  if (req.deadlineSeconds !== undefined && deadlineSeconds !== req.deadlineSeconds)
    return { setting: "deadlineSeconds", stored: String(deadlineSeconds) };
  if (req.tags !== undefined && !sameRecord(req.tags, stored.tags)) return { setting: "tags" };
  if (req.indexId !== undefined && req.indexId !== stored.indexId)
    return { setting: "indexId", stored: stored.indexId ?? "none" };
  if (req.invocationArn !== undefined && req.invocationArn !== stored.invocationArn)
    return { setting: "invocationArn", stored: stored.invocationArn ?? "none" };
  if (req.callbackUrl !== undefined && req.callbackUrl !== stored.callbackUrl)
    return { setting: "callbackUrl" };
  if (req.archiveGiven && (req.archive ?? false) !== (stored.archive ?? false))
    return { setting: "archive", stored: String(stored.archive ?? false) };
  // Values never shown: the names only.
  if (req.callbackHeaders !== undefined && !req.callbackHeaders.matches(stored))
    return { setting: "callbackHeaders" };
  return undefined;
}

/** Same keys, same values (tags, callback headers). */
export function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}
