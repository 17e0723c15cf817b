import type { TaskEvent } from "./events.js";

/*
 * How a task event travels on EventBridge, in one place: the stack's pipe (SNS -> SQS -> EventBridge
 * Pipe -> bus) writes exactly this, and local mode's forwarder builds it with this function.
 */

/** The `detail-type` of every event the notifier puts on EventBridge, in the style of AWS's own job services. */
export const EVENTBRIDGE_DETAIL_TYPE = "TwelveLabs Task State Change";

/** The default `source`: reverse-DNS, never starting with `aws.` (reserved for AWS services). */
export const DEFAULT_EVENT_SOURCE = "io.github.twelvelabs-task-notifier";

/** A bus name of this stage's own (when the stage names none). */
export function eventBusName(stage: string): string {
  return `twelvelabs-task-notifier-${stage}`;
}

/**
 * Why a `source` cannot be used, or undefined: 1-256 characters of a reverse-DNS name (letters,
 * digits, `.`, `-`, `_`, at least two labels), not starting with `aws.` (EventBridge reserves it).
 */
export function eventSourceProblem(source: string): string | undefined {
  if (source.length < 1 || source.length > 256) return "must be 1-256 characters";
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9][A-Za-z0-9_-]*)+$/.test(source))
    return "must be a reverse-DNS name such as com.example.notifier (letters, digits, - and _, labels joined by .)";
  if (/^aws\./i.test(source)) return 'must not start with "aws." (reserved for AWS services)';
  return undefined;
}

/** The PutEvents entry of one event: `Detail` is the event JSON, the same body SNS carries. */
export function eventBridgeEntry(
  event: TaskEvent,
  busName: string,
  source: string,
): { EventBusName: string; Source: string; DetailType: string; Detail: string } {
  // No Time: like the pipe, the entry takes the time EventBridge receives it; the event's own
  // occurredAt is in the detail.
  return {
    EventBusName: busName,
    Source: source,
    DetailType: EVENTBRIDGE_DETAIL_TYPE,
    Detail: JSON.stringify(event),
  };
}
