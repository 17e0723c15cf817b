/*
 * What a webhook attempt's result means and when the next one comes. Pure: the webhook function
 * (functions/webhook-handler.ts) applies the decision with the queue and the attempt log.
 */

/** Waits before retry n (after attempt n fails): about 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h. */
export const WEBHOOK_RETRY_DELAYS_S = [5, 60, 300, 1_800, 7_200, 18_000, 36_000] as const;
/**
 * Attempts in all, the first included, counting only attempts that reached the receiver (or were
 * refused for its address): the notifier's own outages (secrets, DynamoDB, a header key) spend none.
 * After the last, the function moves the message to the DLQ itself.
 */
export const WEBHOOK_MAX_ATTEMPTS = WEBHOOK_RETRY_DELAYS_S.length + 1;
/**
 * Receives of one message before the queue's redrive dead-letters it whatever the function said: a
 * backstop for a message that crashes the function every time. Infrastructure retries back off up
 * to 15 minutes, so this leaves hours of outage before it.
 */
export const WEBHOOK_MAX_RECEIVES = 50;
/** Waits after a failure of the notifier's own (not an attempt): 1 min, growing with each receive, at most 15 min. */
export function infrastructureRetrySeconds(receiveCount: number): number {
  return Math.min(900, 60 * Math.max(1, receiveCount));
}
export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 15_000;
/** Bytes of a receiver's response read at most (the rest is discarded unread). */
export const WEBHOOK_RESPONSE_MAX_BYTES = 4 * 1024;
/** Attempts kept on a task (the newest). */
export const WEBHOOK_ATTEMPT_LOG_MAX = 20;
/** Events kept on a task for redelivery (the newest). */
export const WEBHOOK_EVENTS_MAX = 10;
/** SQS's longest visibility timeout, counted from the receive: no retry can be scheduled further away. */
export const MAX_RETRY_DELAY_S = 43_200;
/**
 * Kept free below that limit: the time between SQS handing the message over and the function
 * setting its visibility (a batching window, the attempt itself) counts against the 12 hours.
 */
export const VISIBILITY_MARGIN_S = 300;
/** Jitter: each wait is drawn from ±20 % of the schedule's value. */
const JITTER = 0.2;

/** Why an attempt got no HTTP status. */
export type WebhookErrorClass =
  | "timeout"
  | "connection"
  | "tls"
  | "dns"
  | "refused_address"
  | "not_https"
  | "invalid_url"
  /** The task's callback headers did not open (header key replaced or rotated out): nothing was sent. */
  | "headers_unreadable";

/** What one HTTP attempt produced. */
export interface SendResult {
  status?: number;
  error?: WebhookErrorClass;
  durationMs: number;
  /** From a 429's or 503's `Retry-After`, in seconds. */
  retryAfterSeconds?: number;
}

export const ATTEMPT_OUTCOMES = ["delivered", "retrying", "gave_up", "disabled", "refused"] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

export type Decision =
  | { outcome: "delivered" }
  /** 410 Gone: the receiver asked us to stop; the task's callback is disabled. */
  | { outcome: "disabled" }
  /** The address is not one we may call (private, loopback, metadata, not https): never retried. */
  | { outcome: "refused" }
  | { outcome: "retrying"; delaySeconds: number }
  | { outcome: "gave_up" };

/**
 * 2xx delivers; 410 disables; a refused address is final; everything else (429, 5xx, other
 * statuses, redirects, which are never followed, timeouts, connection errors) retries on the
 * schedule, never sooner than a `Retry-After`, until the last attempt.
 */
export function decideAttempt(
  result: SendResult,
  attempt: number,
  random: () => number = Math.random,
  /** Seconds since the message was received: they count against SQS's 12-hour visibility limit. */
  receivedSecondsAgo = 0,
): Decision {
  if (result.status !== undefined && result.status >= 200 && result.status < 300)
    return { outcome: "delivered" };
  if (result.status === 410) return { outcome: "disabled" };
  if (result.error === "refused_address" || result.error === "not_https" || result.error === "invalid_url")
    return { outcome: "refused" };
  if (attempt >= WEBHOOK_MAX_ATTEMPTS) return { outcome: "gave_up" };
  return {
    outcome: "retrying",
    delaySeconds: retryDelaySeconds(attempt, result.retryAfterSeconds, random, receivedSecondsAgo),
  };
}

/** The wait after attempt `attempt` (1-based) failed: the schedule with jitter, at least `Retry-After`. */
export function retryDelaySeconds(
  attempt: number,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
  receivedSecondsAgo = 0,
): number {
  const base = WEBHOOK_RETRY_DELAYS_S[
    Math.min(Math.max(attempt, 1), WEBHOOK_RETRY_DELAYS_S.length) - 1
  ] as number;
  const jittered = Math.round(base * (1 - JITTER + 2 * JITTER * random()));
  const wait = Math.max(1, jittered, Math.ceil(retryAfterSeconds ?? 0));
  return Math.max(0, Math.min(MAX_RETRY_DELAY_S - VISIBILITY_MARGIN_S - Math.ceil(receivedSecondsAgo), wait));
}

/** One attempt as the task records it and `GET /tasks/{id}` shows it. Times are epoch ms. */
export interface WebhookAttempt {
  at: number;
  eventId: string;
  /** 1 for the first attempt of a delivery (a redelivery starts again at 1). */
  attempt: number;
  outcome: AttemptOutcome;
  status?: number;
  error?: WebhookErrorClass;
  durationMs: number;
  nextAttemptAt?: number;
  redelivery?: boolean;
  /** The queue message it belongs to (not shown): attempts are counted per message from the log. */
  messageId?: string;
}

/**
 * Attempts already made for a queue message, from the task's attempt log: those that reached the
 * receiver (or were refused for its address). Entries of the notifier's own failures do not count.
 */
export function attemptsMade(log: readonly WebhookAttempt[], messageId: string): number {
  return log.filter((a) => a.messageId === messageId && a.error !== "headers_unreadable").length;
}
