/** The kinds of TwelveLabs task the notifier watches, and the statuses each one can report. */
export const TASK_KINDS = ["embed", "embed-v2", "index"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const EMBED_STATUSES = ["processing", "ready", "failed"] as const;
export const INDEX_STATUSES = [
  "uploading",
  "validating",
  "pending",
  "queued",
  "indexing",
  "ready",
  "failed",
] as const;

/** A status exactly as TwelveLabs reports it. */
export type RemoteStatus = (typeof EMBED_STATUSES)[number] | (typeof INDEX_STATUSES)[number];
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

export function isTaskKind(value: unknown): value is TaskKind {
  return typeof value === "string" && (TASK_KINDS as readonly string[]).includes(value);
}

export function statusesOf(kind: TaskKind): readonly RemoteStatus[] {
  return kind === "index" ? INDEX_STATUSES : EMBED_STATUSES;
}

/** Whether TwelveLabs may report `status` for a task of `kind`; anything else is an invalid response. */
export function isRemoteStatusOf(kind: TaskKind, status: unknown): status is RemoteStatus {
  return typeof status === "string" && (statusesOf(kind) as readonly string[]).includes(status);
}

export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export const ALL_TASK_STATUSES: readonly TaskStatus[] = [
  "registered",
  ...INDEX_STATUSES,
  "processing",
  "timed_out",
  "not_found",
];
