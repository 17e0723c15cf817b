import type { RemoteStatus, TaskKind } from "./task-kinds.js";

/** What TwelveLabs knows of a video, normalised across the three kinds. Every field is optional. */
export interface TaskMetadata {
  durationSec?: number;
  filename?: string;
  inputUrl?: string;
  clipLengthSec?: number;
  indexId?: string;
  videoId?: string;
  width?: number;
  height?: number;
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
}

export interface TaskPage {
  tasks: TaskSnapshot[];
  page: number;
  totalPages: number;
  totalResults: number;
}

export interface ListTasksQuery {
  status: RemoteStatus;
  /** Creation window, ISO-8601. */
  createdAfter?: string;
  createdBefore?: string;
  page?: number;
  /** 1..50 */
  pageLimit?: number;
}
