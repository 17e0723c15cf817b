import type { RemoteStatus, TaskKind } from "./task-kinds.js";
import { urlWithoutSecrets } from "./text-rules.js";

/** What TwelveLabs knows of a video, normalised across the kinds. Every field is optional. */
export interface TaskMetadata {
  durationSec?: number;
  filename?: string;
  inputUrl?: string;
  clipLengthSec?: number;
  indexId?: string;
  videoId?: string;
  width?: number;
  height?: number;
  /** When TwelveLabs created the task (ISO-8601), once seen in a response that carries it. */
  createdAt?: string;
  /** Asset uploads: the file's MIME type. */
  fileType?: string;
  /** Analysis: when it completed (ISO-8601). */
  completedAt?: string;
  /** The service's own status word where the kind maps it (`completed`, `expired`, `InProgress`). */
  remoteStatus?: string;
  /** Analysis batches: items by outcome (`completed` is `ready` only when all are ready). */
  items?: BatchItemCounts;
  /** Bedrock: the model the invocation runs. */
  modelArn?: string;
  /** Bedrock: where the invocation writes its output (`s3://…`). */
  outputUri?: string;
}

export interface BatchItemCounts {
  total: number;
  queued: number;
  processing: number;
  ready: number;
  failed: number;
  canceled: number;
}

/** One observation of a task at TwelveLabs, already validated. */
export interface TaskSnapshot {
  id: string;
  kind: TaskKind;
  status: RemoteStatus;
  terminal: boolean;
  modelName?: string;
  metadata: TaskMetadata;
  /** ISO-8601 when TwelveLabs gave it. */
  createdAt?: string;
  updatedAt?: string;
  errorMessage?: string;
  /** Bedrock: the invocation's ARN (its address, kept by discovery). */
  invocationArn?: string;
}

export interface TaskPage {
  tasks: TaskSnapshot[];
  page: number;
  totalPages: number;
  totalResults: number;
}

export interface ListTasksQuery {
  /** One status, or none for every status (a list of several would depend on a filter form the spec leaves open). */
  status?: RemoteStatus;
  /**
   * Creation window, ISO-8601. Index lists take only the lower bound (`created_at`); items outside
   * the window may still come back and are evidence like any other item.
   */
  createdAfter?: string;
  createdBefore?: string;
  /** Oldest first (index lists only; the embed lists are newest first). */
  oldestFirst?: boolean;
  /** Only these ids (lists that look ids up, `listCheck: "ids"`). */
  ids?: string[];
  /** The index the list belongs to (kinds addressed inside an index). */
  indexId?: string;
  /** The region to list in (Bedrock: lists are regional; default the stage's). */
  region?: string;
  page?: number;
  /** 1..50 (Bedrock: 1..1000) */
  pageLimit?: number;
}

/**
 * Metadata as it may be shown and published. Responses are stripped on arrival (the adapter); this
 * also covers tasks stored before that, whose inputUrl may still carry a presigned query.
 */
export function publishableMetadata(m: TaskMetadata): TaskMetadata {
  if (m.inputUrl === undefined) return m;
  const { inputUrl, ...rest } = m;
  const safe = urlWithoutSecrets(inputUrl);
  return safe === undefined ? rest : { ...rest, inputUrl: safe };
}
