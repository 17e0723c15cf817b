/*
 * Step Functions callbacks (`.waitForTaskToken`): who waits on a task, what each waiter is sent when
 * the task ends, and what Step Functions' answers mean. Pure: the callback function
 * (functions/step-functions-handler.ts) applies the decisions with the waiter log and the queue.
 */
import { createHash } from "node:crypto";
import type { TaskEvent } from "./events.js";
import type { TaskStatus } from "./task-kinds.js";

/** Waiters kept on one task: an eleventh pushes the oldest out (recorded on the task). */
export const WAITERS_MAX = 10;
/** Dropped waiters remembered on the task (the newest). */
export const DROPPED_WAITERS_MAX = 10;
/** Step Functions' own bounds of a task token. */
export const TASK_TOKEN_MAX_LENGTH = 2048;
/** heartbeatSeconds accepted: at least 10 (a heartbeat every 3 s), at most a year like a token. */
export const HEARTBEAT_MIN_SECONDS = 10;
export const HEARTBEAT_MAX_SECONDS = 31_536_000;
/** SQS's longest DelaySeconds: a heartbeat further away hops through messages this far apart. */
export const MAX_MESSAGE_DELAY_S = 900;
/** Step Functions' limit on SendTaskSuccess `output` (and on `cause`, 32 KB). */
export const OUTPUT_MAX_BYTES = 256 * 1024;
export const CAUSE_MAX_CHARS = 32_768;

export const WAITER_STATES = ["waiting", "succeeded", "failed", "rejected", "dropped", "gave_up"] as const;
/**
 * `succeeded` / `failed`: Step Functions accepted SendTaskSuccess / SendTaskFailure. `rejected`: it
 * refused the token (TaskTimedOut, InvalidToken, TaskDoesNotExist), never retried. `dropped`: an
 * eleventh waiter pushed it out. `gave_up`: every retry failed (throttling, outages, permissions).
 */
export type WaiterState = (typeof WAITER_STATES)[number];

/** One `.waitForTaskToken` waiting on a task, as stored on the task item. Times are epoch ms. */
export interface Waiter {
  /** Derived from the token (never the token): the same token registered twice is one waiter. */
  id: string;
  /** The token, sealed like callback headers (adapters/header-box.ts); never shown, logged or published. */
  sealedToken: string;
  addedAt: number;
  heartbeatSeconds?: number;
  state: WaiterState;
  /** Calls that Step Functions did not accept (throttling, 5xx, network, permissions). */
  attempts: number;
  /** The error name of the last refused or failed call (never its message: it may quote the token). */
  lastError?: string;
  endedAt?: number;
}

/** A waiter an eleventh pushed out, as the task remembers it. */
export interface DroppedWaiter {
  id: string;
  droppedAt: number;
}

/** The waiter id of a token: 16 hex digits of its SHA-256 (no way back to the token). */
export function waiterId(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex").slice(0, 16);
}

/** What a token is bound to when sealed: the task, its registration and the waiter. */
export function tokenBinding(taskId: string, registeredAt: number, id: string): string {
  return `${taskId}.${registeredAt}.sfn.${id}`;
}

/**
 * The waiters after adding `waiter`: unchanged when its token waits already; otherwise added, and
 * when that makes more than WAITERS_MAX, the oldest pushed out (ended ones before waiting ones).
 */
export function withWaiter(
  waiters: Readonly<Record<string, Waiter>>,
  waiter: Waiter,
): { added: boolean; drop: string[] } {
  if (waiters[waiter.id]) return { added: false, drop: [] };
  const all = Object.values(waiters);
  const excess = all.length + 1 - WAITERS_MAX;
  if (excess <= 0) return { added: true, drop: [] };
  const oldestFirst = [...all].sort(
    (a, b) => Number(a.state === "waiting") - Number(b.state === "waiting") || a.addedAt - b.addedAt,
  );
  return { added: true, drop: oldestFirst.slice(0, excess).map((w) => w.id) };
}

export function waitingIds(waiters: Readonly<Record<string, Waiter>> | undefined): string[] {
  return Object.values(waiters ?? {})
    .filter((w) => w.state === "waiting")
    .map((w) => w.id);
}

/** Statuses that end a task: each sends its waiters their final callback. */
const FINAL: ReadonlySet<string> = new Set(["ready", "failed", "timed_out", "not_found"]);
export function endsWaiters(status: TaskStatus | string): boolean {
  return FINAL.has(status);
}

/** The stable `error` names of SendTaskFailure, one per outcome (a Catch or Retry matches on them). */
export const FAILURE_ERRORS = {
  failed: "TwelveLabs.TaskFailed",
  timed_out: "TwelveLabs.TaskTimedOut",
  not_found: "TwelveLabs.TaskNotFound",
} as const;
/** Sent instead of a success whose event would exceed Step Functions' 256 KB output limit. */
export const OUTPUT_TOO_LARGE_ERROR = "TwelveLabs.OutputTooLarge";

export type FinalCallback =
  | { type: "success"; output: string }
  | { type: "failure"; error: string; cause: string };

/** What a waiter is sent for a final event; undefined for an event that ends nothing. */
export function finalCallback(event: TaskEvent): FinalCallback | undefined {
  const status = event.task.status;
  if (status === "ready") {
    const output = JSON.stringify(event);
    if (Buffer.byteLength(output, "utf8") <= OUTPUT_MAX_BYTES) return { type: "success", output };
    return {
      type: "failure",
      error: OUTPUT_TOO_LARGE_ERROR,
      cause: `task ${event.task.id} is ready, but its event is over Step Functions' 256 KB output limit: read it with GET /tasks/${event.task.id}`,
    };
  }
  if (status === "failed" || status === "timed_out" || status === "not_found") {
    return { type: "failure", error: FAILURE_ERRORS[status], cause: causeOf(event, status) };
  }
  return undefined;
}

function causeOf(event: TaskEvent, status: "failed" | "timed_out" | "not_found"): string {
  const id = event.task.id;
  const why =
    status === "failed"
      ? `TwelveLabs reports task ${id} (${event.task.kind}) failed${event.task.error ? `: ${event.task.error}` : ""}`
      : status === "timed_out"
        ? `task ${id} (${event.task.kind}) did not finish before its deadline (last status: ${event.task.previousStatus})`
        : `TwelveLabs does not know task ${id} (${event.task.kind})`;
  return why.slice(0, CAUSE_MAX_CHARS);
}

/** Step Functions' answers that end a waiter: the token will never be accepted. */
const TOKEN_ENDED = new Set(["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"]);

export type CallOutcome =
  | { outcome: "accepted" }
  /** The token is over (timed out, closed, unknown): recorded, never retried. */
  | { outcome: "rejected"; error: string }
  /** Throttling, 5xx, network, permissions: try again later. */
  | { outcome: "retry"; error: string };

/** What a Step Functions call's error (or its absence) means for the waiter. */
export function classifyCall(err: unknown): CallOutcome {
  if (err === undefined) return { outcome: "accepted" };
  const name = String((err as { name?: unknown } | null)?.name ?? "Error").slice(0, 64);
  if (TOKEN_ENDED.has(name)) return { outcome: "rejected", error: name };
  return { outcome: "retry", error: name };
}

/** Calls of a waiter's final callback in all before it gives up (the webhook schedule's length). */
export const CALLBACK_MAX_ATTEMPTS = 8;

/**
 * The gap between heartbeats: a third of the interval, so any window of `heartbeatSeconds` holds at
 * least two even when a heartbeat comes late by up to a third.
 */
export function heartbeatPeriodSeconds(heartbeatSeconds: number): number {
  return Math.max(1, Math.floor(heartbeatSeconds / 3));
}

/** One waiter's part of `GET /tasks/{id}`. */
export function waiterView(w: Waiter) {
  return {
    id: w.id,
    state: w.state,
    attempts: w.attempts,
    heartbeatSeconds: w.heartbeatSeconds,
    error: w.lastError,
    addedAt: new Date(w.addedAt).toISOString(),
    endedAt: w.endedAt === undefined ? undefined : new Date(w.endedAt).toISOString(),
  };
}

/** The task's `callback` as the API shows it: `waiting` while any waiter waits, else the newest's state. */
export function stepFunctionsView(
  waiters: Readonly<Record<string, Waiter>>,
  dropped: readonly DroppedWaiter[] = [],
) {
  const all = Object.values(waiters).sort((a, b) => a.addedAt - b.addedAt);
  const state: WaiterState = all.some((w) => w.state === "waiting")
    ? "waiting"
    : (all.at(-1)?.state ?? "dropped");
  return {
    type: "stepfunctions" as const,
    state,
    attempts: all.reduce((n, w) => n + w.attempts, 0),
    waiters: all.map(waiterView),
    dropped:
      dropped.length > 0
        ? dropped.map((d) => ({ id: d.id, droppedAt: new Date(d.droppedAt).toISOString() }))
        : undefined,
  };
}
