/*
 * The names the stack (infra/) and the functions share: the task table's keys and indexes, and the
 * SNS message attribute the stack's queues filter on. Plain data, no imports, so the CDK construct
 * loads no runtime code (no AWS SDK) to know them.
 */

/**
 * The one definition of the task table: key schema, the two sparse indexes and the TTL attribute.
 * The CDK stack, local mode and the tests all build the table from this.
 */
export const TASK_TABLE = {
  partitionKey: "pk",
  dueIndex: { name: "due", partitionKey: "dueShard", sortKey: "dueAt" },
  outboxIndex: { name: "outbox", partitionKey: "outboxShard", sortKey: "outboxAt" },
  /** Listings by kind and status, newest first; keys only, so only a status change writes to it. */
  listIndex: { name: "byKindStatus", partitionKey: "kindStatus", sortKey: "registeredAt" },
  /** Listings by tag: one small item per tag of a task (`TAG#<taskId>#<key>`), keys only. */
  tagIndex: { name: "byTag", partitionKey: "tagKey", sortKey: "registeredAt" },
  ttlAttribute: "expiresAt",
} as const;

/**
 * The message attribute the callback queues' subscriptions filter on: which of the task's own
 * callbacks an event goes to (`webhook`, `stepfunctions`, or both as `webhook,stepfunctions`); absent
 * when none. One attribute for both keeps a message within SNS's 10 (5 of them tags).
 */
export const CALLBACKS_ATTRIBUTE = "callbacks";
/** The filter policy of the webhook queue's subscription. */
export const WEBHOOK_FILTER_POLICY = { [CALLBACKS_ATTRIBUTE]: ["webhook", "webhook,stepfunctions"] };
/** The filter policy of the Step Functions callback queue's subscription. */
export const STEP_FUNCTIONS_FILTER_POLICY = {
  [CALLBACKS_ATTRIBUTE]: ["stepfunctions", "webhook,stepfunctions"],
};

/** Items recording TwelveLabs webhook events (`TLEVENT#<event id>`): their insert wakes the poller. */
export const TL_EVENT_PREFIX = "TLEVENT#";
