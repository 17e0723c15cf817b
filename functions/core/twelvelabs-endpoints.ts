import type { TaskKind } from "./task-kinds.js";

/*
 * TwelveLabs' API v1.3 as the notifier uses it, in one place: the client calls these paths, the
 * events link to them, the simulator serves them and the benchmarks count calls by them.
 */

export const TWELVELABS_BASE_URL = "https://api.twelvelabs.io/v1.3";

export interface KindEndpoints {
  /** Where one task's status is read (a template with `{task_id}`). */
  status: string;
  /** Where its result is fetched. */
  result: string;
  /** The list of tasks of this kind. */
  list: string;
}

export const TWELVELABS_ENDPOINTS: Readonly<Record<TaskKind, KindEndpoints>> = {
  embed: { status: "/embed/tasks/{task_id}/status", result: "/embed/tasks/{task_id}", list: "/embed/tasks" },
  "embed-v2": {
    status: "/embed-v2/tasks/{task_id}",
    result: "/embed-v2/tasks/{task_id}",
    list: "/embed-v2/tasks",
  },
  index: { status: "/tasks/{task_id}", result: "/tasks/{task_id}", list: "/tasks" },
};

/** A template with the task id filled in (encoded). */
export function endpointPath(template: string, taskId: string): string {
  return template.replace("{task_id}", encodeURIComponent(taskId));
}
