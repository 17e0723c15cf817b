import type { ListTasksQuery, TaskPage, TaskSnapshot } from "./snapshot.js";
import type { TaskKind } from "./task-kinds.js";

/** TwelveLabs as the core sees it. Implementations throw the classes in twelvelabs-errors.ts. */
export interface TwelveLabsPort {
  getTask(kind: TaskKind, taskId: string): Promise<TaskSnapshot>;
  listTasks(kind: TaskKind, query: ListTasksQuery): Promise<TaskPage>;
}
