import type { TaskKind } from "./task-kinds.js";

export const SUBSCRIBABLE_EVENTS = ["ready", "failed", "timed_out", "not_found", "status_changed"] as const;
export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];
export const DEFAULT_EVENTS: readonly SubscribableEvent[] = ["ready", "failed", "timed_out", "not_found"];

export interface SubscriptionFilters {
  events?: readonly SubscribableEvent[];
  kinds?: readonly TaskKind[];
  tags?: Record<string, string>;
}

/**
 * The SNS filter policy (on message attributes) for a subscription's filters; matches what
 * sns-publisher.ts puts in `eventType`, `kind` and `tag.<key>`.
 */
export function filterPolicyFor(filters: SubscriptionFilters): Record<string, string[]> {
  const events = filters.events && filters.events.length > 0 ? filters.events : DEFAULT_EVENTS;
  const policy: Record<string, string[]> = { eventType: [...new Set(events)].map((e) => `task.${e}`) };
  if (filters.kinds && filters.kinds.length > 0) policy.kind = [...new Set(filters.kinds)];
  for (const [key, value] of Object.entries(filters.tags ?? {})) policy[`tag.${key}`] = [value];
  return policy;
}
