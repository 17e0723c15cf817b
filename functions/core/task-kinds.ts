/*
 * The kinds of asynchronous TwelveLabs work the notifier watches, in ONE table. A kind is one entry
 * here (its statuses in lifecycle order, how a list may name its tasks, where it lives at
 * TwelveLabs) plus its response schema in adapters/twelvelabs-responses.ts; everything else (the
 * API's `kind` values, subscriptions' `kinds` filter, listings, events' links, the client, the
 * poller's checks) reads this table.
 */

/** How the list endpoint of a kind can name due tasks (every way only ever names, never infers). */
export type ListCheck =
  /** Lists filter by status and by a creation window with both bounds. */
  | "window"
  /** Lists take only a lower creation bound and sort oldest first (the indexing tasks' list). */
  | "window-oldest-first"
  /** Lists look up many ids in one call (`asset_ids`). */
  | "ids"
  /** No list can name a given task cheaply: a status call per task. */
  | "none";

export interface KindSpec {
  /** Every status TwelveLabs reports for this kind, in lifecycle order (`ready`, `failed` last). */
  statuses: readonly string[];
  /** The one status every unfinished task reports, when there is one (listed to name running tasks). */
  runningStatus?: string;
  listCheck: ListCheck;
  /** Addressed inside an index: registration must carry `indexId`. */
  needsIndexId: boolean;
  /** Where a task lives: status read, result fetched, list (templates with `{task_id}`, `{index_id}`). */
  endpoints: { status: string; result: string; list: string };
  /** A top-level field of a single-task response that can be large and is never buffered (skipped). */
  largeField?: string;
  /**
   * Who runs the job: TwelveLabs' API (default) or Amazon Bedrock (async invocations, checked with
   * the AWS SDK under the poller's role, addressed by `invocationArn`).
   */
  source?: "twelvelabs" | "bedrock";
  /**
   * The words the service itself reports, in lifecycle order, and the notifier status each becomes,
   * where they differ from `statuses` (the response parser applies it; see each kind's comment).
   */
  remoteStatuses?: Readonly<Record<string, string>>;
  /** Items per list page (TwelveLabs: 50; Bedrock's ListAsyncInvokes: 1,000). */
  pageLimit?: number;
  /** The job writes its result to the user's own storage and names it: nothing to archive. */
  ownOutput?: boolean;
  /** TwelveLabs' own webhooks name this kind's tasks in events `<prefix>.ready|failed` (core/twelvelabs-webhook.ts). */
  webhookPrefix?: string;
}

export const KIND_TABLE = {
  embed: {
    statuses: ["processing", "ready", "failed"],
    runningStatus: "processing",
    listCheck: "window",
    needsIndexId: false,
    endpoints: {
      status: "/embed/tasks/{task_id}/status",
      result: "/embed/tasks/{task_id}",
      list: "/embed/tasks",
    },
  },
  "embed-v2": {
    statuses: ["processing", "ready", "failed"],
    runningStatus: "processing",
    listCheck: "window",
    needsIndexId: false,
    endpoints: {
      status: "/embed-v2/tasks/{task_id}",
      result: "/embed-v2/tasks/{task_id}",
      list: "/embed-v2/tasks",
    },
    largeField: "data",
  },
  index: {
    statuses: ["uploading", "validating", "pending", "queued", "indexing", "ready", "failed"],
    listCheck: "window-oldest-first",
    needsIndexId: false,
    endpoints: { status: "/tasks/{task_id}", result: "/tasks/{task_id}", list: "/tasks" },
    webhookPrefix: "index.task",
  },
  analyze: {
    statuses: ["queued", "pending", "processing", "ready", "failed"],
    // Its list has no creation window and three unfinished statuses: checked per task.
    listCheck: "none",
    needsIndexId: false,
    endpoints: {
      status: "/analyze/tasks/{task_id}",
      result: "/analyze/tasks/{task_id}",
      list: "/analyze/tasks",
    },
    largeField: "result",
    webhookPrefix: "analyze.task",
  },
  asset: {
    statuses: ["processing", "ready", "failed"],
    listCheck: "ids",
    needsIndexId: false,
    endpoints: { status: "/assets/{task_id}", result: "/assets/{task_id}", list: "/assets" },
  },
  "indexed-asset": {
    statuses: ["pending", "queued", "indexing", "ready", "failed"],
    // Lists are per index: checked per task (correct under every reading, a call each).
    listCheck: "none",
    needsIndexId: true,
    endpoints: {
      status: "/indexes/{index_id}/indexed-assets/{task_id}",
      result: "/indexes/{index_id}/indexed-assets/{task_id}",
      list: "/indexes/{index_id}/indexed-assets",
    },
  },
  "analyze-batch": {
    statuses: ["pending", "processing", "canceling", "ready", "failed"],
    // At most 5 active batches per account: a call each costs less than any list.
    listCheck: "none",
    needsIndexId: false,
    endpoints: {
      status: "/analyze/batches/{task_id}",
      result: "/analyze/batches/{task_id}/results",
      list: "/analyze/batches",
    },
    // `completed` is `ready` only when every item is ready: a failed or canceled item makes it
    // `failed` (the counts travel in the event), so a subscriber to failures sees it. A canceled or
    // expired batch is `failed` too; TwelveLabs' own word stays in `metadata.remoteStatus`.
    remoteStatuses: {
      pending: "pending",
      processing: "processing",
      canceling: "canceling",
      completed: "ready",
      canceled: "failed",
      expired: "failed",
    },
  },
  bedrock: {
    statuses: ["processing", "ready", "failed"],
    runningStatus: "processing",
    // ListAsyncInvokes filters by status and by submit time with both bounds.
    listCheck: "window",
    needsIndexId: false,
    // Paths of bedrock-runtime's REST API (`{task_id}` stands for the invocation ARN).
    endpoints: {
      status: "/async-invoke/{task_id}",
      result: "/async-invoke/{task_id}",
      list: "/async-invoke",
    },
    source: "bedrock",
    remoteStatuses: { InProgress: "processing", Completed: "ready", Failed: "failed" },
    pageLimit: 1000,
    ownOutput: true,
  },
} as const satisfies Record<string, KindSpec>;

export type TaskKind = keyof typeof KIND_TABLE;
export const TASK_KINDS = Object.keys(KIND_TABLE) as TaskKind[];

/** A status exactly as TwelveLabs reports it (for some kind). */
export type RemoteStatus = (typeof KIND_TABLE)[TaskKind]["statuses"][number];
/** Terminal states the notifier decides on its own. */
export type OwnTerminalStatus = "timed_out" | "not_found";
/** `registered`: stored, not yet seen at TwelveLabs. */
export type TaskStatus = "registered" | RemoteStatus | OwnTerminalStatus;

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set([
  "ready",
  "failed",
  "timed_out",
  "not_found",
]);

export function kindSpec(kind: TaskKind): KindSpec {
  return KIND_TABLE[kind];
}

export function isTaskKind(value: unknown): value is TaskKind {
  return typeof value === "string" && Object.hasOwn(KIND_TABLE, value);
}

/** Where a kind's jobs run (who is asked for their status). */
/** The kind whose tasks a TwelveLabs webhook event type (`index.task.ready`) names, if any. */
export function kindOfWebhookType(type: string): TaskKind | undefined {
  const prefix = type.slice(0, type.lastIndexOf("."));
  return TASK_KINDS.find((k) => (kindSpec(k) as KindSpec).webhookPrefix === prefix);
}

export function sourceOf(kind: TaskKind): "twelvelabs" | "bedrock" {
  return (KIND_TABLE[kind] as KindSpec).source ?? "twelvelabs";
}

/** Items a list page of this kind may hold. */
export function pageLimitOf(kind: TaskKind): number {
  return (KIND_TABLE[kind] as KindSpec).pageLimit ?? 50;
}

/** Whether a kind's jobs write their result to the user's storage themselves (never archived). */
export function writesOwnOutput(kind: TaskKind): boolean {
  return (KIND_TABLE[kind] as KindSpec).ownOutput === true;
}

/** The kinds whose registration carries `invocationArn` (their address). */
export function needsInvocationArn(kind: TaskKind): boolean {
  return sourceOf(kind) === "bedrock";
}

/** The service's own status words of a kind (its `statuses` where it reports those). */
export function remoteWordsOf(kind: TaskKind): readonly string[] {
  const words = (KIND_TABLE[kind] as KindSpec).remoteStatuses;
  return words ? Object.keys(words) : statusesOf(kind);
}

/** The notifier status for a word the service reported, or undefined for a word it never reports. */
export function statusForRemote(kind: TaskKind, word: string): RemoteStatus | undefined {
  const words = (KIND_TABLE[kind] as KindSpec).remoteStatuses;
  if (!words) return isRemoteStatusOf(kind, word) ? word : undefined;
  const mapped = Object.hasOwn(words, word) ? words[word] : undefined;
  return mapped !== undefined && isRemoteStatusOf(kind, mapped) ? mapped : undefined;
}

export function statusesOf(kind: TaskKind): readonly RemoteStatus[] {
  return KIND_TABLE[kind].statuses;
}

/** Whether TwelveLabs may report `status` for a task of `kind`; anything else is an invalid response. */
export function isRemoteStatusOf(kind: TaskKind, status: unknown): status is RemoteStatus {
  return typeof status === "string" && (statusesOf(kind) as readonly string[]).includes(status);
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Every status a task can have, ours included (each once). */
export const ALL_TASK_STATUSES: readonly TaskStatus[] = [
  ...new Set<TaskStatus>([
    "registered",
    ...TASK_KINDS.flatMap((k) => statusesOf(k)),
    "timed_out",
    "not_found",
  ]),
];
