/*
 * The notifier's API shapes as its OpenAPI document (spec/notifier-api.openapi.json) states them,
 * for the client. test/contract/notifier-client.test.ts holds the key lists below to that document,
 * so a field added to the API and not here (or the reverse) fails a test.
 */

export type TaskKind =
  | "embed"
  | "embed-v2"
  | "index"
  | "analyze"
  | "asset"
  | "indexed-asset"
  | "analyze-batch"
  | "bedrock";

/** A task's status: TwelveLabs' own (or a kind's mapped word), `registered`, or the notifier's ends. */
export type TaskStatus = string;

/** `POST /tasks` (RegisterTask). */
export interface RegisterTaskInput {
  taskId: string;
  kind?: TaskKind;
  deadlineSeconds?: number;
  tags?: Record<string, string>;
  indexId?: string;
  invocationArn?: string;
  callbackUrl?: string;
  callbackHeaders?: Record<string, string>;
  archive?: boolean;
  taskToken?: string;
  heartbeatSeconds?: number;
}

/** `PATCH /tasks/{taskId}` (UpdateTask): null removes the callback (or only its headers). */
export interface UpdateTaskInput {
  tags?: Record<string, string>;
  deadlineSeconds?: number;
  callbackUrl?: string | null;
  callbackHeaders?: Record<string, string> | null;
  archive?: boolean;
}

export const UPDATE_KEYS = Object.keys({
  tags: 1,
  deadlineSeconds: 1,
  callbackUrl: 1,
  callbackHeaders: 1,
  archive: 1,
} satisfies Record<keyof UpdateTaskInput, 1>);

/** A task as `GET /tasks/{taskId}` shows it (Task). */
export interface NotifierTask {
  taskId: string;
  kind: TaskKind;
  source?: "registered" | "discovered";
  indexId?: string;
  invocationArn?: string;
  status: TaskStatus;
  history: Array<{ status: TaskStatus; at: string }>;
  modelName?: string;
  metadata: Record<string, unknown>;
  error?: string;
  tags: Record<string, string>;
  callbackUrl?: string;
  callbackHeaderNames?: string[];
  webhook?: { disabledAt?: string; attempts: Array<Record<string, unknown>> };
  archive?: boolean;
  result?: { state: string; attempts: number; uri?: string; bytes?: number; sha256?: string; error?: string };
  callback?: Record<string, unknown>;
  setAsideEvents?: Array<{ eventId: string; type: string; reason: string; at: string }>;
  registeredAt: string;
  lastCheckedAt?: string;
  /** When the notifier looks next (absent once the task has ended): waitFor follows it. */
  dueAt?: string;
  checks: number;
  deadlineAt: string;
  finishedAt?: string;
  links: { status: string; result: string };
}

/** Every key of RegisterTaskInput and NotifierTask, exhaustively (the compiler checks both ways). */
export const REGISTER_KEYS = Object.keys({
  taskId: 1,
  kind: 1,
  deadlineSeconds: 1,
  tags: 1,
  indexId: 1,
  invocationArn: 1,
  callbackUrl: 1,
  callbackHeaders: 1,
  archive: 1,
  taskToken: 1,
  heartbeatSeconds: 1,
} satisfies Record<keyof RegisterTaskInput, 1>);

export const TASK_KEYS = Object.keys({
  taskId: 1,
  kind: 1,
  source: 1,
  indexId: 1,
  invocationArn: 1,
  status: 1,
  history: 1,
  modelName: 1,
  metadata: 1,
  error: 1,
  tags: 1,
  callbackUrl: 1,
  callbackHeaderNames: 1,
  webhook: 1,
  archive: 1,
  result: 1,
  callback: 1,
  setAsideEvents: 1,
  registeredAt: 1,
  lastCheckedAt: 1,
  dueAt: 1,
  checks: 1,
  deadlineAt: 1,
  finishedAt: 1,
  links: 1,
} satisfies Record<keyof NotifierTask, 1>);

/** One item of `POST /tasks/batch`'s answer. */
export interface BatchItemResult {
  index: number;
  result: "created" | "existing" | "error";
  task?: NotifierTask;
  status?: number;
  error?: { code: string; message: string };
}

export interface ListFilter {
  status?: TaskStatus;
  kind?: TaskKind;
  /** Tasks carrying every one of these tags (`tag.<key>=<value>`). */
  tags?: Record<string, string>;
  /** Tasks per page (the API's default 25). */
  limit?: number;
}
