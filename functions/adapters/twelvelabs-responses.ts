import * as v from "valibot";
import type { TaskPage, TaskSnapshot } from "../core/snapshot.js";
import type { TaskKind } from "../core/task-kinds.js";
import { cleanText, urlWithoutSecrets } from "../core/text-rules.js";
import { parseAsyncInvoke } from "./bedrock-responses.js";
import { clean, fail, snapshotOf } from "./snapshot-builder.js";

/** A video's URL as it may be stored and published: never its query (a presigned URL's signature and token). */
function publicUrl(raw: string | null | undefined): string | undefined {
  return raw ? urlWithoutSecrets(raw) : undefined;
}

/*
 * Validation of TwelveLabs response bodies (shapes from openapi-1.3.yaml). Objects are loose because
 * the API adds fields over time; the fields we use are typed strictly, and a wrong type is an
 * invalid response rather than a guess.
 */

const optNumber = v.nullish(v.pipe(v.number(), v.finite()));
// Text TwelveLabs sends travels on to SNS, SQS and DynamoDB: repaired where ill-formed (core/text-rules.ts).
const optString = v.nullish(v.pipe(v.string(), v.transform(cleanText)));
const isoDate = v.nullish(
  v.pipe(
    v.string(),
    v.check((s) => !Number.isNaN(Date.parse(s)), "not a date-time"),
  ),
);
const taskId = v.pipe(v.string(), v.minLength(1), v.maxLength(256));

const embedMetadata = v.looseObject({
  duration: optNumber,
  input_filename: optString,
  input_url: optString,
  video_clip_length: optNumber,
  clip_length: optNumber,
});

/** v1 `/embed/tasks/{id}/status` and v1/v2 list items (MediaEmbeddingTask). */
const mediaEmbeddingTask = v.looseObject({
  _id: taskId,
  status: v.string(),
  model_name: optString,
  created_at: isoDate,
  updated_at: isoDate,
  video_embedding: v.nullish(v.looseObject({ metadata: v.nullish(embedMetadata) })),
  audio_embedding: v.nullish(v.looseObject({ metadata: v.nullish(embedMetadata) })),
  // v2 items carry `metadata` at the top level instead.
  metadata: v.nullish(embedMetadata),
  error: v.nullish(v.looseObject({ message: optString })),
});

/** v2 `/embed-v2/tasks/{id}` (EmbeddingTaskResponse); `data` is stripped before parsing. */
const embedV2Task = v.looseObject({
  _id: taskId,
  status: v.string(),
  created_at: isoDate,
  updated_at: isoDate,
  metadata: v.nullish(embedMetadata),
  error: v.nullish(v.looseObject({ message: optString })),
});

const indexMetadata = v.looseObject({
  duration: optNumber,
  filename: optString,
  width: optNumber,
  height: optNumber,
});

/** `/tasks/{id}` and `/tasks` items (videoIndexingTask). */
const indexTask = v.looseObject({
  _id: taskId,
  status: v.string(),
  index_id: optString,
  video_id: optString,
  created_at: isoDate,
  updated_at: isoDate,
  system_metadata: v.nullish(indexMetadata),
  // Documentation examples show `metadata`; accept either.
  metadata: v.nullish(indexMetadata),
  error: v.nullish(v.looseObject({ message: optString })),
});

/** `/analyze/tasks/{task_id}` (AnalyzeTaskResponse in twelvelabs-js 1.3.4): the id is `task_id`; `result` is skipped before parsing. */
const analyzeTask = v.looseObject({
  task_id: taskId,
  status: v.string(),
  created_at: isoDate,
  completed_at: isoDate,
  error: v.nullish(v.looseObject({ message: optString })),
});

/** `/assets/{asset_id}` and `/assets` items (Asset). */
const asset = v.looseObject({
  _id: taskId,
  status: v.string(),
  filename: optString,
  file_type: optString,
  created_at: isoDate,
});

/** `/indexes/{index-id}/indexed-assets/{id}` and its list's items (indexedAsset). */
const indexedAsset = v.looseObject({
  _id: taskId,
  status: v.string(),
  created_at: isoDate,
  updated_at: isoDate,
  indexed_at: isoDate,
  system_metadata: v.nullish(
    v.looseObject({ duration: optNumber, filename: optString, width: optNumber, height: optNumber }),
  ),
});

const pageInfo = v.looseObject({
  page: v.pipe(v.number(), v.integer(), v.minValue(0)),
  total_page: v.pipe(v.number(), v.integer(), v.minValue(0)),
  total_results: v.nullish(v.pipe(v.number(), v.integer(), v.minValue(0))),
  limit_per_page: v.nullish(v.number()),
});

function fromEmbedItem(kind: "embed" | "embed-v2", raw: unknown, what: string): TaskSnapshot {
  const r = v.safeParse(mediaEmbeddingTask, raw);
  if (!r.success) fail(what, r.issues);
  const o = r.output;
  const m = o.video_embedding?.metadata ?? o.audio_embedding?.metadata ?? o.metadata ?? {};
  return snapshotOf(kind, o._id, o.status, {
    modelName: o.model_name ?? undefined,
    createdAt: o.created_at ?? undefined,
    updatedAt: o.updated_at ?? undefined,
    errorMessage: o.error?.message ?? undefined,
    metadata: clean({
      durationSec: m.duration,
      filename: m.input_filename,
      inputUrl: publicUrl(m.input_url),
      clipLengthSec: m.video_clip_length ?? m.clip_length,
    }),
  });
}

export function parseEmbedStatus(raw: unknown): TaskSnapshot {
  return fromEmbedItem("embed", raw, "embedding task status");
}

export function parseEmbedV2Task(raw: unknown): TaskSnapshot {
  const r = v.safeParse(embedV2Task, raw);
  if (!r.success) fail("embed-v2 task", r.issues);
  const o = r.output;
  const m = o.metadata ?? {};
  return snapshotOf("embed-v2", o._id, o.status, {
    createdAt: o.created_at ?? undefined,
    updatedAt: o.updated_at ?? undefined,
    errorMessage: o.error?.message ?? undefined,
    metadata: clean({
      durationSec: m.duration,
      filename: m.input_filename,
      inputUrl: publicUrl(m.input_url),
      clipLengthSec: m.clip_length,
    }),
  });
}

export function parseIndexTask(raw: unknown): TaskSnapshot {
  const r = v.safeParse(indexTask, raw);
  if (!r.success) fail("indexing task", r.issues);
  const o = r.output;
  const m = o.system_metadata ?? o.metadata ?? {};
  return snapshotOf("index", o._id, o.status, {
    createdAt: o.created_at ?? undefined,
    updatedAt: o.updated_at ?? undefined,
    errorMessage: o.error?.message ?? undefined,
    metadata: clean({
      durationSec: m.duration,
      filename: m.filename,
      width: m.width,
      height: m.height,
      indexId: o.index_id,
      videoId: o.video_id,
    }),
  });
}

export function parseAnalyzeTask(raw: unknown): TaskSnapshot {
  const r = v.safeParse(analyzeTask, raw);
  if (!r.success) fail("analysis task", r.issues);
  const o = r.output;
  return snapshotOf("analyze", o.task_id, o.status, {
    createdAt: o.created_at ?? undefined,
    updatedAt: o.completed_at ?? undefined,
    errorMessage: o.error?.message ?? undefined,
    metadata: clean({ completedAt: o.completed_at }),
  });
}

export function parseAsset(raw: unknown): TaskSnapshot {
  const r = v.safeParse(asset, raw);
  if (!r.success) fail("asset", r.issues);
  const o = r.output;
  return snapshotOf("asset", o._id, o.status, {
    createdAt: o.created_at ?? undefined,
    metadata: clean({ filename: o.filename, fileType: o.file_type }),
  });
}

export function parseIndexedAsset(raw: unknown): TaskSnapshot {
  const r = v.safeParse(indexedAsset, raw);
  if (!r.success) fail("indexed asset", r.issues);
  const o = r.output;
  const m = o.system_metadata ?? {};
  return snapshotOf("indexed-asset", o._id, o.status, {
    createdAt: o.created_at ?? undefined,
    updatedAt: o.updated_at ?? o.indexed_at ?? undefined,
    metadata: clean({ durationSec: m.duration, filename: m.filename, width: m.width, height: m.height }),
  });
}

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** `GET /analyze/batches/{batch_id}` and its list's items (AnalyzeBatchStatusResponse, twelvelabs-js 1.3.4). */
const analyzeBatch = v.looseObject({
  batch_id: taskId,
  status: v.string(),
  model_name: optString,
  total_items: count,
  queued_items: v.nullish(count),
  processing_items: v.nullish(count),
  ready_items: count,
  failed_items: count,
  canceled_items: count,
  created_at: isoDate,
  completed_at: isoDate,
  canceled_at: isoDate,
  expired_at: isoDate,
});

/**
 * An analysis batch. `completed` says only that nothing is left to run: it is `ready` when every
 * item is ready, and `failed` (naming the counts) when any item failed or was canceled, so a
 * subscriber to failures hears of it. `canceled` and `expired` are `failed` (kind table).
 */
export function parseAnalyzeBatch(raw: unknown): TaskSnapshot {
  const r = v.safeParse(analyzeBatch, raw);
  if (!r.success) fail("analysis batch", r.issues);
  const o = r.output;
  const items = {
    total: o.total_items,
    queued: o.queued_items ?? 0,
    processing: o.processing_items ?? 0,
    ready: o.ready_items,
    failed: o.failed_items,
    canceled: o.canceled_items,
  };
  const endedAt = o.completed_at ?? o.canceled_at ?? o.expired_at ?? undefined;
  const snap = snapshotOf("analyze-batch", o.batch_id, o.status, {
    modelName: o.model_name ?? undefined,
    createdAt: o.created_at ?? undefined,
    updatedAt: endedAt,
    errorMessage: batchError(o.status, items),
    metadata: clean({ items, completedAt: o.completed_at }),
  });
  if (snap.status === "ready" && (items.failed > 0 || items.canceled > 0 || items.ready < items.total)) {
    snap.status = "failed";
    snap.errorMessage = batchError(o.status, items);
  }
  return snap;
}

function batchError(
  status: string,
  items: { total: number; ready: number; failed: number; canceled: number },
) {
  const counts = `${items.ready} of ${items.total} items ready, ${items.failed} failed, ${items.canceled} canceled`;
  if (status === "canceled") return `The batch was canceled: ${counts}`;
  if (status === "expired") return `The batch expired (24 hours after creation): ${counts}`;
  return `The batch completed with items not ready: ${counts}`;
}

/**
 * Each kind's response schema: its single-task body and its list items, as snapshots. The second
 * half of adding a kind (the first is its entry in core/task-kinds.ts).
 */
export const RESPONSE_SCHEMAS: Readonly<
  Record<TaskKind, { one: (raw: unknown) => TaskSnapshot; item: (raw: unknown) => TaskSnapshot }>
> = {
  embed: { one: parseEmbedStatus, item: (raw) => fromEmbedItem("embed", raw, "embed task list item") },
  "embed-v2": {
    one: parseEmbedV2Task,
    item: (raw) => fromEmbedItem("embed-v2", raw, "embed-v2 task list item"),
  },
  index: { one: parseIndexTask, item: parseIndexTask },
  analyze: { one: parseAnalyzeTask, item: parseAnalyzeTask },
  asset: { one: parseAsset, item: parseAsset },
  "indexed-asset": { one: parseIndexedAsset, item: parseIndexedAsset },
  "analyze-batch": { one: parseAnalyzeBatch, item: parseAnalyzeBatch },
  // Bedrock answers through the AWS SDK: bedrock-responses.ts (never through this client).
  bedrock: { one: parseAsyncInvoke, item: parseAsyncInvoke },
};

export function parseTaskOf(kind: TaskKind, raw: unknown): TaskSnapshot {
  return RESPONSE_SCHEMAS[kind].one(raw);
}

const listBody = v.looseObject({ data: v.array(v.unknown()), page_info: pageInfo });

export function parseTaskList(kind: TaskKind, raw: unknown): TaskPage {
  const r = v.safeParse(listBody, raw);
  if (!r.success) fail(`${kind} task list`, r.issues);
  const tasks = r.output.data.map((item) => RESPONSE_SCHEMAS[kind].item(item));
  return {
    tasks,
    page: r.output.page_info.page,
    totalPages: r.output.page_info.total_page,
    totalResults: r.output.page_info.total_results ?? tasks.length,
  };
}

/** Error bodies come flat (`{code, message}`) or nested (`{error: {code, message}}`); read both. */
export function errorCodeOf(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const o = raw as { code?: unknown; error?: { code?: unknown } };
  if (typeof o.code === "string") return o.code;
  if (typeof o.error === "object" && o.error !== null && typeof o.error.code === "string")
    return o.error.code;
  return undefined;
}

export function errorMessageOf(raw: unknown): string | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const o = raw as { message?: unknown; error?: { message?: unknown } };
  if (typeof o.message === "string") return o.message;
  if (typeof o.error === "object" && o.error !== null && typeof o.error.message === "string")
    return o.error.message;
  return undefined;
}

/** embed-v2 429 bodies carry the wait as `error.details.retryAfter` (seconds, a string in the spec's example). */
export function bodyRetryAfterSecOf(raw: unknown): number | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const details = (raw as { error?: { details?: { retryAfter?: unknown } } }).error?.details;
  const value = details?.retryAfter;
  const n =
    typeof value === "number"
      ? value
      : typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim())
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}
