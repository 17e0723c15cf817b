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
  /** When TwelveLabs created the task (ISO-8601), once seen in a response that carries it. */
  createdAt?: string;
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
  /** One status; several only for `index` tasks (`/tasks` takes repeated `status` filters). */
  status: RemoteStatus | readonly RemoteStatus[];
  /** Creation window, ISO-8601. */
  createdAfter?: string;
  createdBefore?: string;
  page?: number;
  /** 1..50 */
  pageLimit?: number;
}
