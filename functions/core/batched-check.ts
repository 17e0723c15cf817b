import type { TwelveLabsPort } from "./ports.js";
import type { TaskSnapshot } from "./snapshot.js";
import type { Task } from "./task.js";
import { INDEX_STATUSES, type RemoteStatus, type TaskKind } from "./task-kinds.js";

/** Statuses a list call asks for, per kind: first the unfinished ones, then `failed`. */
export function unfinishedStatuses(kind: TaskKind): readonly RemoteStatus[] {
  return kind === "index" ? INDEX_STATUSES.filter((s) => s !== "ready" && s !== "failed") : ["processing"];
}

export const PAGE_LIMIT = 50;

export interface BatchCostEstimate {
  perTaskCalls: number;
  /** List pages (unfinished + failed) the batch is expected to read. */
  batchedCalls: number;
  mode: "batched" | "per-task";
}

/**
 * The cost model: per-task checks cost one call per due task; a batched check costs the list pages
 * of unfinished and failed tasks in the creation window (estimated from the last pass's totals,
 * one page each when unknown), plus one confirming call per task found in neither list (those have
 * finished: a cost every task pays once, whichever way it is checked). Batch when it is cheaper.
 */
export function chooseCheckMode(
  dueCount: number,
  lastTotals: { unfinished?: number; failed?: number } | undefined,
  minDue: number,
): BatchCostEstimate {
  const pages = (n: number | undefined) => Math.max(1, Math.ceil((n ?? 0) / PAGE_LIMIT));
  const batchedCalls = pages(lastTotals?.unfinished) + pages(lastTotals?.failed);
  const mode = minDue > 0 && dueCount >= minDue && batchedCalls < dueCount ? "batched" : "per-task";
  return { perTaskCalls: dueCount, batchedCalls, mode };
}

export interface BatchOutcome {
  /** Snapshots from the lists, by task id, for due tasks found in them. */
  found: Map<string, TaskSnapshot>;
  /** Due tasks not seen in the lists (finished `ready`, outside the window, or lists abandoned): check each. */
  toConfirm: Task[];
  /** Totals seen, for the next pass's estimate. */
  totals: { unfinished: number; failed: number };
  calls: number;
  /** The lists turned out longer than checking each task: the rest is left to per-task checks. */
  abandoned: boolean;
}

/**
 * Checks the due tasks of one kind through the list endpoints: unfinished first, then failed, so a
 * task that fails between the two calls is still seen (in the failed list). A task in neither list
 * is `ready` only where that is certain (see below); otherwise the caller confirms it with its own
 * call, so no race yields a wrong outcome.
 */
export async function checkThroughLists(
  twelvelabs: TwelveLabsPort,
  kind: TaskKind,
  due: readonly Task[],
  now: number,
  lookbackMs: number,
): Promise<BatchOutcome> {
  const wanted = new Set(due.map((t) => t.taskId));
  const found = new Map<string, TaskSnapshot>();
  // Tasks exist before they are registered; a bounded look back keeps the lists short.
  const createdAfter = new Date(Math.min(...due.map((t) => t.registeredAt)) - lookbackMs).toISOString();
  const createdBefore = new Date(now + 5 * 60_000).toISOString();
  const totals = { unfinished: 0, failed: 0 };
  let calls = 0;
  const pagesRead = { unfinished: 0, failed: 0 };
  const budget = due.length; // never spend more than checking each task would
  for (const which of ["unfinished", "failed"] as const) {
    const status = which === "unfinished" ? unfinishedStatuses(kind) : (["failed"] as const);
    let page = 1;
    let totalPages = 1;
    do {
      const res = await twelvelabs.listTasks(kind, {
        status: kind === "index" ? status : (status[0] as RemoteStatus),
        createdAfter,
        createdBefore,
        page,
        pageLimit: PAGE_LIMIT,
      });
      calls += 1;
      pagesRead[which] += 1;
      totals[which] = res.totalResults;
      totalPages = res.totalPages;
      for (const snap of res.tasks) if (wanted.has(snap.id) && !found.has(snap.id)) found.set(snap.id, snap);
      const pagesLeft = totalPages - page + (which === "unfinished" ? 1 : 0);
      if (calls + pagesLeft > budget) {
        // What was seen stays valid; everything else gets its own check.
        return { found, toConfirm: due.filter((t) => !found.has(t.taskId)), totals, calls, abandoned: true };
      }
      page += 1;
    } while (page <= totalPages);
  }
  // In neither list. When both lists came whole in one page each (one consistent answer each, no
  // paging race) and the task is known to have been created inside the window, it can only have
  // finished `ready`: unfinished was asked first, so a task failing in between shows as failed.
  const complete = pagesRead.unfinished === 1 && pagesRead.failed === 1;
  const windowStart = Date.parse(createdAfter);
  const toConfirm: Task[] = [];
  for (const t of due) {
    if (found.has(t.taskId)) continue;
    const created = t.metadata.createdAt === undefined ? Number.NaN : Date.parse(t.metadata.createdAt);
    if (complete && created >= windowStart) found.set(t.taskId, inferredReady(t));
    else toConfirm.push(t);
  }
  return { found, toConfirm, totals, calls, abandoned: false };
}

function inferredReady(t: Task): TaskSnapshot {
  const snap: TaskSnapshot = {
    id: t.taskId,
    kind: t.kind,
    status: "ready",
    terminal: true,
    metadata: t.metadata,
  };
  if (t.modelName) snap.modelName = t.modelName;
  return snap;
}
