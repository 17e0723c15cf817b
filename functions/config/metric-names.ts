import type { RunSummary } from "../core/poll-run.js";

/*
 * What the functions emit and the alarms (and dashboards) read, in one place. No Powertools import
 * here, so the CDK app can use the names without loading the runtime libraries.
 */

export const SERVICE_NAME = "twelvelabs-task-notifier";
export const METRIC_NAMESPACE = "TwelveLabsTaskNotifier";

/**
 * The dimensions every custom metric carries: stages that share an account and region must not
 * read each other's numbers (dev's placeholder key raising prod's alarm, a dead prod poller hidden
 * by dev's runs). The functions emit them; the alarms and the dashboard read exactly these.
 */
export function metricDimensions(stage: string): { service: string; stage: string } {
  return { service: SERVICE_NAME, stage };
}

/** Every metric the poller emits, with its unit. */
export const POLLER_METRICS = {
  TasksChecked: "Count",
  Transitions: "Count",
  EventsPublished: "Count",
  PublishFailures: "Count",
  /** Events the publisher can never accept, set aside on their task (alarmed). */
  EventsSetAside: "Count",
  OutboxBacklog: "Count",
  TwelveLabsCalls: "Count",
  TwelveLabsRateLimited: "Count",
  TwelveLabsAuthFailures: "Count",
  RunDuration: "Milliseconds",
  OldestDueLag: "Milliseconds",
  SuccessfulRun: "Count",
  /** From the change at TwelveLabs to SNS accepting the event (one value per event). */
  NotificationDelay: "Milliseconds",
  /** Events accepted by SNS, with the dimension `eventType`. */
  EventsPublishedByType: "Count",
  /** Tasks found by watching the account. */
  TasksDiscovered: "Count",
} as const;
export type PollerMetric = keyof typeof POLLER_METRICS;

/** Calls made by the TwelveLabs client during the run. */
export interface RunCallCounts {
  attempts: number;
  rateLimited: number;
}

/** One metric value; `dimensions` beside the service's own. */
export type MetricValue = [PollerMetric, number, Record<string, string>?];

/** The one mapping from a run's summary to its metrics. */
export function runMetrics(
  s: RunSummary,
  calls: RunCallCounts,
  outcome: "succeeded" | "auth_failed" | "failed",
): MetricValue[] {
  const out: MetricValue[] = [
    ["TasksChecked", s.tasksChecked],
    ["TasksDiscovered", s.discovered],
    ["Transitions", s.transitions],
    ["EventsPublished", s.eventsPublished],
    ["PublishFailures", s.publishFailures],
    ["EventsSetAside", s.eventsSetAside],
    ["OutboxBacklog", s.outboxBacklog],
    ["TwelveLabsCalls", calls.attempts],
    ["TwelveLabsRateLimited", calls.rateLimited],
    ["RunDuration", s.durationMs],
    ["OldestDueLag", s.oldestDueLagMs],
    ["SuccessfulRun", outcome === "succeeded" ? 1 : 0],
  ];
  if (outcome === "auth_failed") out.push(["TwelveLabsAuthFailures", 1]);
  for (const ms of s.notificationDelaysMs) out.push(["NotificationDelay", ms]);
  for (const [eventType, n] of Object.entries(s.publishedByType))
    out.push(["EventsPublishedByType", n, { eventType }]);
  return out;
}

/** Every metric the webhook function emits, with its unit. */
export const WEBHOOK_METRICS = {
  /** One per attempt, with the dimension `outcome` (delivered, retrying, gave_up, disabled, refused). */
  WebhookAttempts: "Count",
  /** How long an attempt took, connection included. */
  WebhookAttemptDuration: "Milliseconds",
} as const;
export type WebhookMetric = keyof typeof WEBHOOK_METRICS;

/** Every metric the Step Functions callback function emits, with its unit. */
export const STEP_FUNCTIONS_METRICS = {
  /**
   * One per call, with the dimensions `action` (success, failure, heartbeat) and `outcome`
   * (accepted, rejected, retry, gave_up).
   */
  StepFunctionsCalls: "Count",
} as const;
export type StepFunctionsMetric = keyof typeof STEP_FUNCTIONS_METRICS;
/** StepFunctionsCalls' dimensions: the call, and what came of it. */
export const STEP_FUNCTIONS_CALL_ACTIONS = ["success", "failure", "heartbeat"] as const;
export const STEP_FUNCTIONS_CALL_OUTCOMES = ["accepted", "rejected", "retry", "gave_up"] as const;
