/*
 * Results kept in S3: which tasks are archived, where their result goes, when a failed store is
 * tried again, and how the ready event names the stored result. Pure: the archiver
 * (functions/archiver-handler.ts) does the fetching and storing.
 */
import type { TaskEvent } from "./events.js";
import type { TaskKind } from "./task-kinds.js";

/** Where a task's result stands. `pending`: its ready event waits for it (held in the outbox). */
export interface ArchiveState {
  state: "pending" | "stored" | "failed";
  /** The ready event held until the result is stored (its id does not change). */
  eventId: string;
  /** When the job was handed to the archive queue (epoch ms): the drain hands it over once. */
  queuedAt?: number;
  /** Stores tried. */
  attempts: number;
  result?: StoredResult;
  error?: string;
}

/** What `task.result` of a ready event says about the stored result. */
export interface StoredResult {
  /** s3://bucket/key */
  uri: string;
  bytes: number;
  /** Hex SHA-256 of the stored bytes. */
  sha256: string;
  contentType: string;
}

/** Where a job wrote its own output (Bedrock writes to the caller's S3; nothing is copied). */
export interface OutputLocation {
  /** s3://bucket/prefix/ as the job was told (`outputDataConfig.s3OutputDataConfig.s3Uri`). */
  uri: string;
}

/** The result of an archived ready task, or why there is none; or where the job wrote it. */
export type EventResult = StoredResult | { error: string } | OutputLocation;

/**
 * The object key of a registration's result: `<stage>/<kind>/<taskId>/<registeredAt>.json`. One
 * key per registration: a retry or a second archiver writes the same bytes to the same name.
 */
export function resultKey(stage: string, kind: TaskKind, taskId: string, registeredAt: number): string {
  return `${stage}/${kind}/${taskId}/${registeredAt}.json`;
}

/** The prefix the archiver may write: the stage's. */
export function stagePrefix(stage: string): string {
  return `${stage}/`;
}

/**
 * A held event whose archive job was queued this long ago and is still pending goes out naming no
 * result: the archiver's own retries end well before (about 2 hours), so only a lost archiver gets here.
 */
export const ARCHIVE_GIVE_UP_AFTER_MS = 6 * 3_600_000;

/** Stores tried before the ready event goes out with `task.result.error` instead. */
export const ARCHIVE_MAX_ATTEMPTS = 6;
/** Waits after failed stores: 30 s, 2 min, 10 min, 30 min, 1 h. */
export const ARCHIVE_RETRY_DELAYS_S = [30, 120, 600, 1_800, 3_600] as const;

/**
 * After `attempts` failed stores: wait this long, or give up (`undefined`) once the tries are
 * spent or the next one would come after the task's deadline.
 */
export function nextArchiveAttempt(attempts: number, now: number, deadlineAt: number): number | undefined {
  if (attempts >= ARCHIVE_MAX_ATTEMPTS) return undefined;
  const wait = ARCHIVE_RETRY_DELAYS_S[Math.min(attempts, ARCHIVE_RETRY_DELAYS_S.length) - 1] ?? 30;
  if (now + wait * 1000 > deadlineAt + 3_600_000) return undefined;
  return wait;
}

/** The held ready event, naming the stored result (or why none was stored). */
export function withResult(event: TaskEvent, result: EventResult): TaskEvent {
  return { ...event, task: { ...event.task, result } };
}
