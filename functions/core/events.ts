import type { EventResult } from "./archive.js";
import { regionOfArn } from "./bedrock-arn.js";
import { publishableMetadata, type TaskMetadata } from "./snapshot.js";
import type { Task } from "./task.js";
import { sourceOf, type TaskKind, type TaskStatus } from "./task-kinds.js";
import { endpointPath, TWELVELABS_ENDPOINTS } from "./twelvelabs-endpoints.js";

export const EVENT_TYPES = [
  "task.ready",
  "task.failed",
  "task.timed_out",
  "task.not_found",
  "task.status_changed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The one event body every channel carries (see DESIGN.md, "Statuses and events"). */
export interface TaskEvent {
  /** Stable: the same transition always yields the same id, so receivers can dedupe. */
  id: string;
  type: EventType;
  occurredAt: string;
  stage: string;
  task: {
    id: string;
    kind: TaskKind;
    status: TaskStatus;
    previousStatus: TaskStatus;
    registeredAt: string;
    /**
     * When the status changed at TwelveLabs: its `updated_at` where the response gives one; else
     * the previous check (the change came after it); for our own statuses, when we decided them.
     * The notification delay is measured from here.
     */
    changedAt?: string;
    finishedAt?: string;
    modelName?: string;
    metadata: TaskMetadata;
    tags: Record<string, string>;
    /** The index of an `indexed-asset`. */
    indexId?: string;
    /** The ARN of a Bedrock async invocation. */
    invocationArn?: string;
    error?: string;
    /** An archived task's stored result (ready events only): where it is, or why it is not. */
    result?: EventResult;
  };
  links: { status: string; result: string };
}

export function eventTypeFor(status: TaskStatus): EventType {
  switch (status) {
    case "ready":
      return "task.ready";
    case "failed":
      return "task.failed";
    case "timed_out":
      return "task.timed_out";
    case "not_found":
      return "task.not_found";
    default:
      return "task.status_changed";
  }
}

/**
 * Where a task's status is read and its result fetched: TwelveLabs' API, or for a Bedrock
 * invocation the bedrock-runtime endpoint of its region (`{task_id}` stands for the ARN there).
 */
export function taskLinks(
  baseUrl: string,
  task: Pick<Task, "kind" | "taskId" | "indexId" | "invocationArn">,
): { status: string; result: string } {
  const e = TWELVELABS_ENDPOINTS[task.kind];
  const region = regionOfArn(task.invocationArn);
  const base =
    sourceOf(task.kind) === "bedrock"
      ? `https://bedrock-runtime.${region ?? "us-east-1"}.amazonaws.com`
      : baseUrl.replace(/\/+$/, "");
  const id = task.invocationArn ?? task.taskId;
  return {
    status: base + endpointPath(e.status, id, task.indexId),
    result: base + endpointPath(e.result, id, task.indexId),
  };
}

export interface EventContext {
  stage: string;
  twelvelabsBaseUrl: string;
}

/**
 * The event announcing that `task` (already updated) moved from `previousStatus`. The id is derived
 * from the task id and the version that records the transition, so a retry never mints a new id.
 */
export function buildEvent(
  task: Task,
  previousStatus: TaskStatus,
  at: number,
  ctx: EventContext,
  changedAt?: number,
): TaskEvent {
  const type = eventTypeFor(task.status);
  const body: TaskEvent["task"] = {
    id: task.taskId,
    kind: task.kind,
    status: task.status,
    previousStatus,
    registeredAt: new Date(task.registeredAt).toISOString(),
    metadata: publishableMetadata(task.metadata),
    tags: task.tags,
  };
  if (changedAt !== undefined && Number.isFinite(changedAt))
    body.changedAt = new Date(changedAt).toISOString();
  if (task.finishedAt !== undefined) body.finishedAt = new Date(task.finishedAt).toISOString();
  if (task.modelName) body.modelName = task.modelName;
  if (task.indexId) body.indexId = task.indexId;
  if (task.invocationArn) body.invocationArn = task.invocationArn;
  if (task.errorMessage) body.error = task.errorMessage;
  // A job that writes its own output (Bedrock) names it in its ready event.
  if (task.status === "ready" && task.metadata.outputUri) body.result = { uri: task.metadata.outputUri };
  return {
    // Stable for a transition, distinct across registrations of the same id (delete, register again).
    id: `${task.taskId}.r${task.registeredAt.toString(36)}.v${task.version}.${task.status}`,
    type,
    occurredAt: new Date(at).toISOString(),
    stage: ctx.stage,
    task: body,
    links: taskLinks(ctx.twelvelabsBaseUrl, task),
  };
}
