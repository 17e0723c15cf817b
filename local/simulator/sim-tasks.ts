import { randomBytes } from "node:crypto";
import { remoteWordsOf, statusForRemote, type TaskKind } from "../../functions/core/task-kinds.js";

/** One step of a scripted timeline: the task reports `status` from `afterMs` after creation on. */
export interface TimelineStep {
  status: string;
  afterMs: number;
}

export interface SimTaskSpec {
  kind: TaskKind;
  id?: string;
  /** Default: `processing` until 20 s, then `ready` (index: validating → … → ready). */
  timeline?: TimelineStep[];
  modelName?: string;
  filename?: string;
  /** The video's URL as TwelveLabs echoes it (`input_url`), e.g. a presigned one; default none. */
  inputUrl?: string;
  durationSec?: number;
  errorMessage?: string;
  /** Creation time (epoch ms on the simulator clock); default now. */
  createdAt?: number;
  /** embed-v2 only: embeddings returned once ready, to exercise large bodies. */
  embeddingCount?: number;
  embeddingDim?: number;
  /** Deleted at TwelveLabs this long after creation: status calls deny it, lists omit it. */
  deleteAfterMs?: number;
  /** The index it lives in (indexing tasks, indexed assets); default a new id. */
  indexId?: string;
  /** analyze: characters of generated text in a ready task's `result.data` (large bodies). */
  resultChars?: number;
  /** analyze-batch: items in the batch, and how many of them fail or are canceled (default 3, 0, 0). */
  items?: { total?: number; failed?: number; canceled?: number };
  /** bedrock: the invocation's region and account (default us-east-1, 123456789012). */
  region?: string;
  account?: string;
  /** bedrock: the model (default TwelveLabs' Marengo on Bedrock) and where the output goes. */
  modelArn?: string;
  outputUri?: string;
}

export interface SimTask
  extends Required<
    Omit<
      SimTaskSpec,
      | "errorMessage"
      | "deleteAfterMs"
      | "indexId"
      | "resultChars"
      | "inputUrl"
      | "items"
      | "region"
      | "account"
      | "modelArn"
      | "outputUri"
    >
  > {
  items: { total: number; failed: number; canceled: number };
  region: string;
  account: string;
  modelArn: string;
  outputUri: string;
  resultChars: number;
  errorMessage?: string;
  inputUrl?: string;
  /** When it was deleted (epoch ms on the simulator clock), if it was. */
  deletedAt?: number;
  indexId: string;
  videoId: string;
}

export function newObjectId(): string {
  return randomBytes(12).toString("hex");
}

/** The word a kind's service uses for a notifier status (`ready` is `completed` for batches, `Completed` on Bedrock). */
export function wordFor(kind: TaskKind, status: "ready" | "failed"): string {
  return remoteWordsOf(kind).find((w) => statusForRemote(kind, w) === status) ?? status;
}

/** Each kind's unfinished statuses in order (in its service's words), then `ready` after 20 s (see the kind table). */
export function defaultTimeline(kind: TaskKind): TimelineStep[] {
  const unfinished = remoteWordsOf(kind).filter((w) => {
    const s = statusForRemote(kind, w);
    return s !== "ready" && s !== "failed" && w !== "canceling";
  });
  // Index tasks start at `validating` (an upload through the API is already past `uploading`).
  const steps = kind === "index" ? unfinished.filter((s) => s !== "uploading") : unfinished;
  return [
    ...steps.map((status, i) => ({ status, afterMs: i * 2_000 })),
    { status: wordFor(kind, "ready"), afterMs: 20_000 },
  ];
}

export function createSimTask(spec: SimTaskSpec, now: number): SimTask {
  const timeline = [...(spec.timeline ?? defaultTimeline(spec.kind))].sort((a, b) => a.afterMs - b.afterMs);
  if (timeline.length === 0) throw new Error("a timeline needs at least one step");
  const createdAt = spec.createdAt ?? now;
  const task: SimTask = {
    kind: spec.kind,
    id: spec.id ?? newObjectId(),
    timeline,
    modelName: spec.modelName ?? "marengo3.0",
    filename: spec.filename ?? "01.mp4",
    inputUrl: spec.inputUrl,
    durationSec: spec.durationSec ?? 18,
    errorMessage: spec.errorMessage,
    createdAt,
    embeddingCount: spec.embeddingCount ?? 2,
    embeddingDim: spec.embeddingDim ?? 4,
    indexId: spec.indexId ?? newObjectId(),
    resultChars: spec.resultChars ?? 200,
    videoId: newObjectId(),
    items: {
      total: spec.items?.total ?? 3,
      failed: spec.items?.failed ?? 0,
      canceled: spec.items?.canceled ?? 0,
    },
    region: spec.region ?? "us-east-1",
    account: spec.account ?? "123456789012",
    modelArn:
      spec.modelArn ?? "arn:aws:bedrock:us-east-1::foundation-model/twelvelabs.marengo-embed-2-7-v1:0",
    outputUri: spec.outputUri ?? "s3://my-embeddings/marengo/",
  };
  if (spec.deleteAfterMs !== undefined) task.deletedAt = createdAt + spec.deleteAfterMs;
  return task;
}

/** Whether the task exists at TwelveLabs at `at`: created, and not deleted yet. */
export function existsAt(task: SimTask, at: number): boolean {
  return task.createdAt <= at && (task.deletedAt === undefined || at < task.deletedAt);
}

/** The status the task reports at `now`, and when it last changed. */
export function statusAt(task: SimTask, now: number): { status: string; changedAt: number } {
  const elapsed = now - task.createdAt;
  let current = task.timeline[0] as TimelineStep;
  for (const step of task.timeline) if (step.afterMs <= elapsed) current = step;
  return { status: current.status, changedAt: task.createdAt + Math.max(0, current.afterMs) };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** `GET /embed/tasks/{id}/status` (retrieveVideoEmbeddingTaskStatusResponse). */
export function embedStatusBody(task: SimTask, now: number): Record<string, unknown> {
  return {
    _id: task.id,
    status: statusAt(task, now).status,
    model_name: task.modelName,
    video_embedding: { metadata: embedV1Metadata(task) },
  };
}

function embedV1Metadata(task: SimTask) {
  return {
    input_filename: task.filename,
    ...(task.inputUrl ? { input_url: task.inputUrl } : {}),
    video_clip_length: 6,
    video_embedding_scope: ["clip", "video"],
    duration: task.durationSec,
  };
}

/**
 * `GET /embed/tasks/{id}` (retrieve video embeddings) of a ready task, as chunks of JSON text: one
 * chunk per segment, so a result of any size is served without building it whole. Segments and
 * their floats are deterministic per task id (`embeddingCount` x `embeddingDim`).
 */
export function* embedV1ResultChunks(task: SimTask): Generator<string> {
  const seed = [...task.id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_003, 7);
  const head = { _id: task.id, model_name: task.modelName, status: "ready" };
  yield `${JSON.stringify(head).slice(0, -1)},"video_embedding":{"metadata":${JSON.stringify(embedV1Metadata(task))},"segments":[`;
  for (let i = 0; i < task.embeddingCount; i++) {
    const float = Array.from({ length: task.embeddingDim }, (_, j) =>
      Number(Math.sin(seed + i * 31 + j).toFixed(9)),
    );
    const segment = {
      start_offset_sec: i * 6,
      end_offset_sec: i * 6 + 6,
      embedding_scope: "clip",
      embedding_option: "visual-text",
      float,
    };
    yield (i === 0 ? "" : ",") + JSON.stringify(segment);
  }
  yield "]}}";
}

/** An item of `GET /embed/tasks` and `GET /embed-v2/tasks` (MediaEmbeddingTask). */
export function mediaEmbeddingTaskBody(task: SimTask, now: number): Record<string, unknown> {
  const { status, changedAt } = statusAt(task, now);
  return {
    _id: task.id,
    model_name: task.modelName,
    status,
    created_at: iso(task.createdAt),
    updated_at: iso(changedAt),
    video_embedding: { metadata: embedV1Metadata(task) },
  };
}

/** `GET /embed-v2/tasks/{id}` (EmbeddingTaskResponse; no extra properties allowed). */
export function embedV2TaskBody(task: SimTask, now: number): Record<string, unknown> {
  const { status, changedAt } = statusAt(task, now);
  const data =
    status === "ready"
      ? Array.from({ length: task.embeddingCount }, (_, i) => ({
          embedding: Array.from({ length: task.embeddingDim }, (_, j) => Math.sin(i * 31 + j)),
          embedding_option: "visual",
          embedding_scope: "clip",
          start_sec: i * 6,
          end_sec: i * 6 + 6,
        }))
      : null;
  return {
    _id: task.id,
    status,
    created_at: iso(task.createdAt),
    updated_at: iso(changedAt),
    data,
    metadata: {
      input_type: "video",
      input_filename: task.filename,
      clip_length: 6,
      embedding_scopes: ["clip"],
      embedding_options: ["visual"],
      duration: task.durationSec,
    },
    // TwelveLabs' documentation gives a failed embed-v2 task `error.message` (spec/twelvelabs/API-NOTES.md);
    // the OpenAPI file does not list it yet.
    ...(status === "failed" && task.errorMessage ? { error: { message: task.errorMessage } } : {}),
  };
}

/** `GET /tasks/{id}` and items of `GET /tasks` (videoIndexingTask). */
export function indexTaskBody(task: SimTask, now: number): Record<string, unknown> {
  const { status, changedAt } = statusAt(task, now);
  return {
    _id: task.id,
    video_id: task.videoId,
    index_id: task.indexId,
    status,
    created_at: iso(task.createdAt),
    updated_at: iso(changedAt),
    system_metadata: { duration: task.durationSec, filename: task.filename, height: 480, width: 854 },
  };
}

/** `GET /analyze/tasks/{task_id}` and its list's items (AnalyzeTaskResponse of twelvelabs-js 1.3.4). */
export function analyzeTaskBody(task: SimTask, now: number): Record<string, unknown> {
  const { status, changedAt } = statusAt(task, now);
  const done = status === "ready" || status === "failed";
  return {
    task_id: task.id,
    status,
    created_at: iso(task.createdAt),
    ...(done ? { completed_at: iso(changedAt) } : {}),
    ...(status === "ready"
      ? {
          result: {
            generation_id: `gen-${task.id}`,
            data: "The video shows ".padEnd(task.resultChars, "a talk about embeddings. "),
            finish_reason: "stop",
            usage: { output_tokens: Math.ceil(task.resultChars / 4), input_tokens: 1200 },
          },
        }
      : {}),
    ...(status === "failed" ? { error: { message: task.errorMessage ?? "The analysis failed." } } : {}),
  };
}

/** `GET /assets/{asset_id}` and `GET /assets` items (Asset). */
export function assetBody(task: SimTask, now: number): Record<string, unknown> {
  return {
    _id: task.id,
    method: "direct",
    status: statusAt(task, now).status,
    filename: task.filename,
    file_type: "video/mp4",
    created_at: iso(task.createdAt),
  };
}

/** `GET /indexes/{index-id}/indexed-assets/{id}` and its list's items (indexedAsset). */
export function indexedAssetBody(task: SimTask, now: number): Record<string, unknown> {
  const { status, changedAt } = statusAt(task, now);
  return {
    _id: task.id,
    created_at: iso(task.createdAt),
    updated_at: iso(changedAt),
    ...(status === "ready" ? { indexed_at: iso(changedAt) } : {}),
    status,
    system_metadata: { duration: task.durationSec, filename: task.filename, height: 480, width: 854 },
  };
}

/** `GET /analyze/batches/{batch_id}` and its list's items (AnalyzeBatchStatusResponse of twelvelabs-js 1.3.4). */
export function analyzeBatchBody(task: SimTask, now: number): Record<string, unknown> {
  const { status, changedAt } = statusAt(task, now);
  const { total, failed, canceled } = task.items;
  const ended = status === "completed" || status === "canceled" || status === "expired";
  const counts = ended
    ? { queued: 0, processing: 0, ready: total - failed - canceled, failed, canceled }
    : status === "pending"
      ? { queued: total, processing: 0, ready: 0, failed: 0, canceled: 0 }
      : { queued: 0, processing: total, ready: 0, failed: 0, canceled: 0 };
  const endedField = ended ? { [`${status}_at`]: iso(changedAt) } : {};
  return {
    batch_id: task.id,
    analysis_mode: "general",
    model_name: "pegasus1.5",
    status,
    total_items: total,
    queued_items: counts.queued,
    processing_items: counts.processing,
    ready_items: counts.ready,
    failed_items: counts.failed,
    canceled_items: counts.canceled,
    created_at: iso(task.createdAt),
    expires_at: iso(task.createdAt + 24 * 3600_000),
    ...endedField,
  };
}

/** `GET /analyze/batches/{batch_id}/results`: one BatchResultItem per line (the SDK reads it as a stream). */
export function* analyzeBatchResultLines(task: SimTask, now: number): Generator<string> {
  const { status } = statusAt(task, now);
  const ended = status === "completed" || status === "canceled" || status === "expired";
  const { total, failed, canceled } = task.items;
  for (let i = 0; i < total; i++) {
    const state = !ended
      ? "processing"
      : i < failed
        ? "failed"
        : i < failed + canceled
          ? "canceled"
          : "ready";
    const item: Record<string, unknown> = {
      task_id: `${task.id.slice(0, 16)}${String(i).padStart(8, "0")}`,
      status: state,
    };
    if (state === "ready")
      item.data = {
        generation_id: `gen-${i}`,
        data: `Summary of item ${i}.`,
        finish_reason: "stop",
        usage: { output_tokens: 6, input_tokens: 1200 },
      };
    if (state === "failed")
      item.error = { code: "video_unreadable", message: "The video could not be read." };
    yield `${JSON.stringify(item)}\n`;
  }
}

/** Bedrock's GetAsyncInvokeResponse / AsyncInvokeSummary (JSON as bedrock-runtime's REST API sends it). */
export function asyncInvokeBody(task: SimTask, now: number): Record<string, unknown> {
  const { status, changedAt } = statusAt(task, now);
  const ended = status === "Completed" || status === "Failed";
  return {
    invocationArn: invocationArnOf(task),
    modelArn: task.modelArn,
    clientRequestToken: `token-${task.id}`,
    status,
    submitTime: iso(task.createdAt),
    lastModifiedTime: iso(changedAt),
    ...(ended ? { endTime: iso(changedAt) } : {}),
    outputDataConfig: { s3OutputDataConfig: { s3Uri: task.outputUri } },
    ...(status === "Failed"
      ? { failureMessage: task.errorMessage ?? "The model could not read the video." }
      : {}),
  };
}

export function invocationArnOf(task: SimTask): string {
  return `arn:aws:bedrock:${task.region}:${task.account}:async-invoke/${task.id}`;
}

/** The body of one task of each kind, single and listed (the embed kinds list another shape). */
export const SIM_BODIES: Record<
  TaskKind,
  {
    one: (t: SimTask, now: number) => Record<string, unknown>;
    item: (t: SimTask, now: number) => Record<string, unknown>;
  }
> = {
  embed: { one: embedStatusBody, item: mediaEmbeddingTaskBody },
  "embed-v2": { one: embedV2TaskBody, item: mediaEmbeddingTaskBody },
  index: { one: indexTaskBody, item: indexTaskBody },
  analyze: { one: analyzeTaskBody, item: analyzeTaskBody },
  asset: { one: assetBody, item: assetBody },
  "indexed-asset": { one: indexedAssetBody, item: indexedAssetBody },
  "analyze-batch": { one: analyzeBatchBody, item: analyzeBatchBody },
  bedrock: { one: asyncInvokeBody, item: asyncInvokeBody },
};
