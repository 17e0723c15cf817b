import type { CallOptions, TwelveLabsPort } from "../core/ports.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "../core/snapshot.js";
import { sourceOf, type TaskKind } from "../core/task-kinds.js";
import { TwelveLabsRequestError } from "../core/twelvelabs-errors.js";

/**
 * The one port the poller checks through, routing each kind to who runs its jobs (the kind table's
 * `source`): TwelveLabs' API, or Amazon Bedrock for async invocations.
 */
export class JobSources implements TwelveLabsPort {
  constructor(
    private readonly twelvelabs: TwelveLabsPort,
    private readonly bedrock?: TwelveLabsPort,
  ) {}

  private of(kind: TaskKind): TwelveLabsPort {
    if (sourceOf(kind) === "twelvelabs") return this.twelvelabs;
    if (this.bedrock) return this.bedrock;
    throw new TwelveLabsRequestError("Bedrock checks are not configured in this deployment", 501);
  }

  getTask(kind: TaskKind, taskId: string, opts?: CallOptions): Promise<TaskSnapshot> {
    return this.of(kind).getTask(kind, taskId, opts);
  }

  listTasks(kind: TaskKind, query: ListTasksQuery, opts?: CallOptions): Promise<TaskPage> {
    return this.of(kind).listTasks(kind, query, opts);
  }
}
