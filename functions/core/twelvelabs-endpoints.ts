import { KIND_TABLE, type TaskKind } from "./task-kinds.js";

/*
 * TwelveLabs' API v1.3 as the notifier uses it: the client calls these paths, the events link to
 * them, the simulator serves them and the benchmarks count calls by them. The paths themselves are
 * in the kind table (task-kinds.ts).
 */

export const TWELVELABS_BASE_URL = "https://api.twelvelabs.io/v1.3";

export interface KindEndpoints {
  /** Where one task's status is read (a template with `{task_id}`, and `{index_id}` for indexed assets). */
  status: string;
  /** Where its result is fetched. */
  result: string;
  /** The list of tasks of this kind. */
  list: string;
}

export const TWELVELABS_ENDPOINTS: Readonly<Record<TaskKind, KindEndpoints>> = Object.fromEntries(
  Object.entries(KIND_TABLE).map(([kind, spec]) => [kind, spec.endpoints]),
) as Record<TaskKind, KindEndpoints>;

/** A template with the task id (and the index id, where the path has one) filled in, encoded. */
export function endpointPath(template: string, taskId: string, indexId?: string): string {
  return template
    .replace("{task_id}", encodeURIComponent(taskId))
    .replace("{index_id}", encodeURIComponent(indexId ?? ""));
}
