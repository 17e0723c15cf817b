import type { TaskMetadata } from "./snapshot.js";

/** How often tasks are checked. Durations in ms. */
export interface ScheduleSettings {
  /** Shortest gap between two checks of one task. */
  minIntervalMs: number;
  /** Longest gap, however old the task. */
  maxIntervalMs: number;
  /** Growth of the gap per unchanged check. */
  backoffFactor: number;
  /** ± share of the gap, so tasks registered together spread out. */
  jitter: number;
  /** Expected processing time per second of video, and a fixed overhead. */
  expectedMsPerVideoSecond: number;
  expectedOverheadMs: number;
  /** Before the expected end, wait this share of the time left (1 jumps straight to it). */
  towardExpectedEnd: number;
}

export const DEFAULT_SCHEDULE: ScheduleSettings = {
  minIntervalMs: 5_000,
  // A minute at most: bench/call-efficiency.ts shows the calls/delay trade-off of this schedule.
  maxIntervalMs: 60_000,
  backoffFactor: 1.5,
  jitter: 0.2,
  expectedMsPerVideoSecond: 500,
  expectedOverheadMs: 10_000,
  towardExpectedEnd: 0.5,
};

export interface ScheduleInput {
  registeredAt: number;
  checks: number;
  deadlineAt: number;
  metadata: TaskMetadata;
}

/**
 * When to check an unfinished task next: back off from the minimum toward the cap as checks go by,
 * but aim at the moment the video's duration says it should be done, and never past the deadline.
 * `random` is in [0, 1).
 */
export function nextDueAt(
  task: ScheduleInput,
  now: number,
  random: number,
  s: ScheduleSettings = DEFAULT_SCHEDULE,
): number {
  let gap = Math.min(s.maxIntervalMs, s.minIntervalMs * s.backoffFactor ** Math.max(0, task.checks - 1));
  const duration = task.metadata.durationSec;
  if (duration !== undefined && duration > 0) {
    const expectedDoneAt = task.registeredAt + s.expectedOverheadMs + duration * s.expectedMsPerVideoSecond;
    // Before the expected end, close in on it (the estimate can be early or late); just after it, look often.
    if (now < expectedDoneAt) {
      gap = Math.min(
        s.maxIntervalMs,
        Math.max(s.minIntervalMs, (expectedDoneAt - now) * s.towardExpectedEnd),
      );
    } else if (now - expectedDoneAt < 4 * s.minIntervalMs) gap = s.minIntervalMs;
  }
  const jittered = gap * (1 - s.jitter + 2 * s.jitter * random);
  const at = now + Math.max(s.minIntervalMs * (1 - s.jitter), jittered);
  return Math.round(Math.min(at, Math.max(task.deadlineAt, now)));
}

/** After a failed check: exponential backoff with jitter, or exactly what a rate limit asked. */
export function retryDueAt(
  now: number,
  errorCount: number,
  random: number,
  retryAfterMs: number | undefined,
  s: ScheduleSettings = DEFAULT_SCHEDULE,
): number {
  if (retryAfterMs !== undefined) return now + retryAfterMs + Math.round(random * s.minIntervalMs);
  const gap = Math.min(s.maxIntervalMs, s.minIntervalMs * 2 ** Math.max(0, errorCount - 1));
  return Math.round(now + gap * (0.5 + random / 2));
}
