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

/** SNS's limits on a filter policy: attribute keys, and combinations of values across keys. */
export const MAX_FILTER_KEYS = 5;
export const MAX_FILTER_COMBINATIONS = 150;

/** Why SNS would refuse this filter policy (too many keys or combinations), or undefined. */
export function filterPolicyProblem(policy: Record<string, string[]>): string | undefined {
  const keys = Object.keys(policy);
  if (keys.length > MAX_FILTER_KEYS)
    return `a subscription filter can match on at most ${MAX_FILTER_KEYS} attributes (SNS's limit); this one needs ${keys.length} (${keys.join(", ")}): filter on fewer tags, or drop kinds`;
  const combinations = Object.values(policy).reduce((n, values) => n * Math.max(values.length, 1), 1);
  if (combinations > MAX_FILTER_COMBINATIONS)
    return `a subscription filter may combine at most ${MAX_FILTER_COMBINATIONS} values (SNS's limit); this one combines ${combinations}: list fewer events or kinds`;
  return undefined;
}

/** Which attributes of two filter policies differ, in words (for a 409 that says what to change). */
export function describePolicyDifference(
  existing: Record<string, unknown>,
  wanted: Record<string, unknown>,
): string {
  const names: Record<string, string> = { eventType: "events", kind: "kinds" };
  const differ = [...new Set([...Object.keys(existing), ...Object.keys(wanted)])]
    .filter((k) => JSON.stringify(existing[k] ?? null) !== JSON.stringify(wanted[k] ?? null))
    .map((k) => names[k] ?? k.replace(/^tag\./, "tag "));
  return differ.length > 0 ? `it differs in ${differ.join(", ")}` : "it differs";
}

/** Two filter policies that match the same messages: the same keys, each with the same set of values. */
export function samePolicy(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const norm = (p: Record<string, unknown>) =>
    JSON.stringify(
      Object.keys(p)
        .sort()
        .map((k) => [k, Array.isArray(p[k]) ? [...(p[k] as unknown[])].map(String).sort() : p[k]]),
    );
  return norm(a) === norm(b);
}
