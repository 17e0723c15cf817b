import { regionOfArn } from "./bedrock-arn.js";
import type { CallOptions, TwelveLabsPort } from "./ports.js";
import type { ListTasksQuery, TaskSnapshot } from "./snapshot.js";
import type { Task } from "./task.js";
import { kindSpec, pageLimitOf, type RemoteStatus, statusesOf, type TaskKind } from "./task-kinds.js";
import { TwelveLabsAuthError } from "./twelvelabs-errors.js";

/*
 * Batched checks through the list endpoints, under one rule:
 *
 *   A task's status changes only on a TwelveLabs response that names that task with that status.
 *
 * An item of a list names its task and its status, so it is evidence like the task's own status
 * call. The absence of a task from a list is evidence of nothing: lists may be stale, paged while
 * they change, filtered in ways the spec leaves open (status filter forms, window bounds, the
 * same-day reading of `created_at`), and tasks get deleted. So every due task that no list named
 * is handed back for a check of its own, in the same pass. Nothing here infers a status.
 */

/** TwelveLabs' page size (each kind's is in the kind table: Bedrock lists 1,000 a page). */
export const PAGE_LIMIT = 50;
/** Widening of every creation window, so inclusive/exclusive bounds and whole-second rounding never matter. */
export const WINDOW_MARGIN_MS = 2_000;
/** The running list looks this far past `now` (clock skew between us and TwelveLabs). */
const FUTURE_SLACK_MS = 60_000;

/** What earlier list calls showed, per kind, for the cost model (kept while the function is warm). */
export interface ListStats {
  /** Tasks the running list held last time. */
  running?: number;
  /** Tasks per minute of creation time the last window list held. */
  perMinute?: number;
}

/**
 * The one status that every unfinished task of a kind reports, when there is one (the kind table's
 * `runningStatus`: `processing` for the embed kinds). Index tasks have five unfinished statuses, and
 * a list of several statuses depends on a filter form the spec leaves open (`status=a,b` or
 * repeated), so none is listed that way.
 */
export function runningStatus(kind: TaskKind): RemoteStatus | undefined {
  return kindSpec(kind).runningStatus as RemoteStatus | undefined;
}

/**
 * Membership (issue 19): the running list is read every pass for every open task of a kind that has
 * one, due or not, while each page it costs watches at least this many of them (below that, a page
 * a pass costs more than the tasks' own thinned checks).
 */
export const MEMBERSHIP_TASKS_PER_PAGE = 4;

export interface ListPlan {
  /** The running list watches every open task of the group (not only the due ones). */
  membership?: boolean;
  /** Look the due tasks up by id, a page of ids per call (kinds whose list takes ids). */
  ids?: boolean;
  /** List the running tasks (names every due task still running, learns creation times). */
  running: boolean;
  /** List every task created in the narrow window of the due tasks whose creation time is known. */
  window: boolean;
  estimatedCalls: number;
  perTaskCalls: number;
}

const pagesOf = (n: number, limit: number) => Math.max(1, Math.ceil(n / limit));

export function createdAtOf(t: Task): number | undefined {
  const at = t.metadata.createdAt === undefined ? Number.NaN : Date.parse(t.metadata.createdAt);
  return Number.isNaN(at) ? undefined : at;
}

function windowOf(tasks: readonly Task[]): { from: number; to: number } | undefined {
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const t of tasks) {
    const at = createdAtOf(t);
    if (at === undefined) continue;
    from = Math.min(from, at);
    to = Math.max(to, at);
  }
  return from <= to ? { from: from - WINDOW_MARGIN_MS, to: to + WINDOW_MARGIN_MS } : undefined;
}

/** Estimated pages of a window list over these tasks' creation times. */
function windowPages(tasks: readonly Task[], stats: ListStats | undefined, limit: number): number {
  const w = windowOf(tasks);
  if (!w) return 0;
  const known = tasks.filter((t) => createdAtOf(t) !== undefined).length;
  const density = stats?.perMinute;
  return pagesOf(
    density === undefined ? known : Math.max(known, (density * (w.to - w.from)) / 60_000),
    limit,
  );
}

/**
 * The cost model. Three ways to check the due tasks of one kind, in TwelveLabs calls:
 * - per task: one call each;
 * - running list, then a window list for the known tasks that left it, then per task for the rest;
 * - window list over the known tasks, then per task for the unknown ones.
 * Estimates come from the last lists' sizes; the cheapest wins, per task on a tie.
 */
export function planListCheck(
  kind: TaskKind,
  due: readonly Task[],
  stats: ListStats | undefined,
  minDue: number,
  /** Every open task of the group (membership); absent: only the due ones are considered. */
  open: readonly Task[] = due,
): ListPlan {
  const perTaskCalls = due.length;
  const none: ListPlan = { running: false, window: false, estimatedCalls: perTaskCalls, perTaskCalls };
  const listCheck = kindSpec(kind).listCheck;
  if (minDue <= 0 || listCheck === "none") return none;
  const limit = pageLimitOf(kind);
  const pages = (n: number) => pagesOf(n, limit);
  if (runningStatus(kind) !== undefined && open.length >= minDue) {
    // Every open task named each pass: by the running list (then a window over those that left it),
    // or, when every creation time is known and it costs no more, by one window list over them all.
    const runningPages = pages(stats?.running ?? open.length);
    const allKnown = open.every((t) => createdAtOf(t) !== undefined);
    const windowAll = allKnown ? windowPages(open, stats, limit) : Number.POSITIVE_INFINITY;
    const cost = Math.min(runningPages, windowAll);
    if (cost * MEMBERSHIP_TASKS_PER_PAGE <= open.length || cost < perTaskCalls)
      return {
        membership: true,
        running: windowAll > runningPages,
        window: true,
        estimatedCalls: cost,
        perTaskCalls,
      };
  }
  if (due.length < minDue) return none;
  if (listCheck === "ids") {
    const calls = pages(due.length);
    return calls < perTaskCalls
      ? { ids: true, running: false, window: false, estimatedCalls: calls, perTaskCalls }
      : none;
  }
  const known = due.filter((t) => createdAtOf(t) !== undefined);
  const unknown = due.length - known.length;
  const windowOnly = known.length > 0 ? windowPages(known, stats, limit) + unknown : Number.POSITIVE_INFINITY;
  // After the running list, those that left it fit one window page (a pass is short).
  const runningThenWindow =
    runningStatus(kind) === undefined
      ? Number.POSITIVE_INFINITY
      : pages(stats?.running ?? 0) + (known.length > 0 ? 1 : 0);
  const best = Math.min(windowOnly, runningThenWindow);
  if (best >= perTaskCalls) return none;
  if (runningThenWindow <= windowOnly)
    return { running: true, window: known.length > 0, estimatedCalls: best, perTaskCalls };
  return { running: false, window: true, estimatedCalls: best, perTaskCalls };
}

export interface BatchOutcome {
  /** Snapshots from list items, by task id: only tasks a list named. */
  named: Map<string, TaskSnapshot>;
  /** Due tasks no list named, and (membership) those that left the running list: each gets its own status call. */
  toConfirm: Task[];
  /** Membership: the ids the running list named, when it was read to its end (absent otherwise). */
  runningNamed?: Set<string>;
  calls: number;
  /** A list call failed (not for lack of time): what was named stands, the rest is checked per task. */
  error?: unknown;
}

export interface ListCheckContext {
  now: () => number;
  /** How long before its registration a task may have been created (bounds the running list's window). */
  lookbackMs: number;
  /** No list call starts at or after this time, and none outlives it. */
  deadlineAt: number;
  /** Updated as each list answers, so a run cut short still leaves the next one a better estimate. */
  stats: ListStats;
  /** Where the lists are read (Bedrock's are regional); absent: the source's own. */
  region?: string;
  /** Membership: every open task of the group, and those the last complete running list named. */
  open?: readonly Task[];
  wasRunning?: ReadonlySet<string>;
}

/** Runs a plan from planListCheck. Throws only on an authentication error (the run must stop). */
export async function checkThroughLists(
  twelvelabs: TwelveLabsPort,
  kind: TaskKind,
  due: readonly Task[],
  plan: ListPlan,
  ctx: ListCheckContext,
): Promise<BatchOutcome> {
  const membership = plan.membership === true && ctx.open !== undefined;
  const candidates = membership ? (ctx.open as readonly Task[]) : due;
  const byId = new Map(candidates.map((t) => [t.taskId, t]));
  const named = new Map<string, TaskSnapshot>();
  const out: BatchOutcome = { named, toConfirm: [], calls: 0 };
  // What needs an answer this pass: the due tasks, then (membership) those that left the running list.
  let toCheck: readonly Task[] = due;
  const unnamed = () => toCheck.filter((t) => !named.has(t.taskId));
  const dueIds = new Set(due.map((t) => t.taskId));
  /** Membership over a complete list: those named running before and not now may have ended: ask, never infer. */
  const leavers = () =>
    candidates.filter((t) => !named.has(t.taskId) && !dueIds.has(t.taskId) && ctx.wasRunning?.has(t.taskId));
  // The list phase as a whole stays cheaper than checking every due task (membership: than its plan).
  const budget = membership ? Math.max(due.length, plan.estimatedCalls + 1) : due.length;
  const callOpts: CallOptions = { deadlineAt: ctx.deadlineAt };
  const limit = pageLimitOf(kind);
  const where = ctx.region === undefined ? {} : { region: ctx.region };

  /**
   * Reads a list page by page while reading on costs fewer calls than checking what it may still
   * name, and while the list phase as a whole stays cheaper than checking every due task.
   */
  const read = async (
    query: ListTasksQuery,
    candidates: readonly Task[],
    stopAfterCreated?: number,
  ): Promise<{ total: number; complete: boolean }> => {
    let total = 0;
    for (let page = 1; ; page++) {
      if (ctx.now() >= ctx.deadlineAt) return { total, complete: false };
      const res = await twelvelabs.listTasks(kind, { ...query, ...where, page, pageLimit: limit }, callOpts);
      out.calls += 1;
      total = res.totalResults;
      for (const snap of res.tasks) {
        const task = byId.get(snap.id);
        if (task && !named.has(snap.id) && sameAddress(task, snap))
          named.set(snap.id, notBackwards(task, snap));
      }
      const left = candidates.filter((t) => !named.has(t.taskId)).length;
      const pagesLeft = res.totalPages - page;
      if (pagesLeft <= 0) return { total, complete: true };
      // Membership reads on whatever is due: the list is how every open task is watched.
      if (left === 0 || pagesLeft >= left || out.calls + pagesLeft >= budget)
        return { total, complete: false };
      const last = res.tasks.at(-1)?.createdAt;
      if (stopAfterCreated !== undefined && last !== undefined && Date.parse(last) > stopAfterCreated)
        return { total, complete: false };
    }
  };

  try {
    if (plan.ids) {
      // Each item of the answer names its task with a status; ids it leaves out are checked alone.
      for (let i = 0; i < due.length && ctx.now() < ctx.deadlineAt; i += limit) {
        const ids = due.slice(i, i + limit).map((t) => t.taskId);
        const res = await twelvelabs.listTasks(kind, { ids, ...where, page: 1, pageLimit: limit }, callOpts);
        out.calls += 1;
        for (const snap of res.tasks) {
          const task = byId.get(snap.id);
          if (task && !named.has(snap.id) && sameAddress(task, snap))
            named.set(snap.id, notBackwards(task, snap));
        }
      }
    }
    const status = runningStatus(kind);
    if (plan.running && status !== undefined) {
      let earliestOpen = Number.POSITIVE_INFINITY;
      for (const t of candidates)
        earliestOpen = Math.min(earliestOpen, createdAtOf(t) ?? t.registeredAt - ctx.lookbackMs);
      const r = await read(
        {
          status,
          createdAfter: iso(earliestOpen - WINDOW_MARGIN_MS),
          createdBefore: iso(ctx.now() + FUTURE_SLACK_MS),
        },
        candidates,
      );
      ctx.stats.running = r.total;
      if (membership && r.complete) {
        out.runningNamed = new Set(named.keys());
        toCheck = [...due, ...leavers()];
      }
    }
    // Membership through the window alone: one window list names every open task of known creation time.
    const windowMembership = membership && !plan.running;
    if (plan.window) {
      const left = (windowMembership ? candidates : unnamed()).filter(
        (t) => !named.has(t.taskId) && createdAtOf(t) !== undefined,
      );
      const w = windowOf(left);
      // A window costs its pages (estimated from what the last one held); each task left costs a
      // call of its own, which also answers fresher: the window only when it costs fewer calls.
      if (w && left.length > 1 && windowPages(left, ctx.stats, limit) < left.length) {
        // Index lists take only a lower bound: oldest first, stop once past the window.
        const lowerOnly = kindSpec(kind).listCheck === "window-oldest-first";
        const { total, complete } = await read(
          { createdAfter: iso(w.from), createdBefore: iso(w.to), oldestFirst: lowerOnly },
          left,
          lowerOnly ? w.to : undefined,
        );
        if (windowMembership && complete) {
          out.runningNamed = new Set([...named].filter(([, snap]) => !snap.terminal).map(([id]) => id));
          toCheck = [...due, ...leavers()];
        }
        const spanMin = ((lowerOnly ? ctx.now() : w.to) - w.from) / 60_000;
        if (spanMin > 0) ctx.stats.perMinute = total / spanMin;
      }
    }
  } catch (err) {
    if (err instanceof TwelveLabsAuthError) throw err;
    out.error = err;
  }
  out.toConfirm = unnamed();
  return out;
}

/**
 * Which list can name a task: its kind's, and for a regional source (Bedrock) its kind's in the
 * region of its address. Tasks of one group are checked through the same lists.
 */
export function listGroupOf(t: Task): { key: string; kind: TaskKind; region?: string } {
  const region = regionOfArn(t.invocationArn);
  return region === undefined
    ? { key: t.kind, kind: t.kind }
    : { key: `${t.kind}@${region}`, kind: t.kind, region };
}

/** An item whose address (a Bedrock invocation's ARN) is not the task's names another job: no evidence. */
function sameAddress(task: Task, snap: TaskSnapshot): boolean {
  return snap.invocationArn === undefined || snap.invocationArn === task.invocationArn;
}

/**
 * A stale list can name a task with a status it has already left (an index task seen `indexing`
 * listed `queued` again). Such an item still proves the task exists and has not finished, but it
 * must not move the status backwards: the task keeps its status.
 */
function notBackwards(task: Task, snap: TaskSnapshot): TaskSnapshot {
  if (snap.terminal) return snap;
  const order = statusesOf(task.kind) as readonly string[];
  const current = order.indexOf(task.status);
  if (current > order.indexOf(snap.status)) return { ...snap, status: task.status as RemoteStatus };
  return snap;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
