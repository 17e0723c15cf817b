import { holdForArchive, isHeld } from "./archive-handover.js";
import { checkThroughLists, type ListStats, listGroupOf, planListCheck } from "./batched-check.js";
import { mapBounded } from "./bounded-concurrency.js";
import { CallBudget } from "./call-budget.js";
import { type DiscoveryMark, type DiscoveryStore, discover } from "./discovery.js";
import { publishRoute } from "./event-routes.js";
import { OpenTaskReads } from "./open-task-reads.js";
import { OpenTasks } from "./open-tasks.js";
import {
  type ArchiveQueue,
  type EventPublisher,
  PermanentPublishError,
  type TaskStore,
  type TwelveLabsPort,
} from "./ports.js";
import type { TaskSnapshot } from "./snapshot.js";
import { newTask, type Task } from "./task.js";
import type { TaskKind } from "./task-kinds.js";
import { applyTransitionPatch, type CheckResult, decide, type LifecycleSettings } from "./task-lifecycle.js";
import {
  TwelveLabsAuthError,
  TwelveLabsIdRejectedError,
  TwelveLabsNotFoundError,
  TwelveLabsRateLimitedError,
} from "./twelvelabs-errors.js";

export interface PollerDeps {
  store: TaskStore;
  twelvelabs: TwelveLabsPort;
  publisher: EventPublisher;
  now: () => number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  /** What the lists held on earlier passes, per kind (kept across invocations by the handler), for the cost model. */
  listStats?: Map<string, ListStats>;
  /** Told about each task whose check or publish failed; the run goes on. */
  onTaskError?: (taskId: string, stage: "check" | "write" | "publish" | "discover", error: unknown) => void;
  /** Marks and discovered tasks, for watching the account (settings.watchKinds). */
  discovery?: DiscoveryStore;
  /** Where archive jobs go (a stage that keeps results); without it a held event goes out naming no result. */
  archive?: ArchiveQueue;
  /** Whether watching the account takes a task a list named (e.g. only some models); absent: all. */
  takeDiscovered?: (snap: TaskSnapshot) => boolean;
  /** The open tasks and the looks that changed nothing (kept across invocations by the handler; open-tasks.ts). */
  memory?: OpenTasks;
  /** When TwelveLabs' webhooks last arrived, per kind (its kinds' polling slows to a safety net). */
  webhookArrivals?: () => Promise<Partial<Record<TaskKind, number>>>;
  /** The calls made in the last minute (kept across invocations by the handler; call-budget.ts). */
  budget?: CallBudget;
}

export interface PollerSettings extends LifecycleSettings {
  /** Checks in flight at once. */
  concurrency: number;
  /** Due tasks checked per pass at most (the oldest first; the rest stay due). */
  maxTasksPerPass: number;
  /** Items per index page. */
  pageSize: number;
  /** Passes in one invocation, `passIntervalMs` apart (lets delays sit well under the schedule's minute). */
  passes: number;
  passIntervalMs: number;
  /** Due tasks of one kind from which a batched check through the list endpoints is considered (0: never). */
  batchMinDue: number;
  /** How long before its registration a task may have been created (bounds the lists' creation window). */
  batchLookbackMs: number;
  /** Outbox events a pass tries to publish at most, so an SNS outage cannot starve the checks. */
  maxOutboxPerPass: number;
  /** Kinds whose new tasks are discovered through the list endpoints (watching the account); empty: off. */
  watchKinds: readonly TaskKind[];
  /** The deadline a discovered task gets. */
  defaultDeadlineSeconds: number;
  /** TwelveLabs calls a minute at most, over any sliding minute (absent or 0: no budget; call-budget.ts). */
  callsPerMinute?: number;
}

export interface RunSummary {
  passes: number;
  dueRead: number;
  tasksChecked: number;
  unchanged: number;
  transitions: number;
  eventsPublished: number;
  publishFailures: number;
  /** Events the publisher can never accept, moved out of the outbox onto their task. */
  eventsSetAside: number;
  outboxRepublished: number;
  /** Events found waiting in the outbox at the start of each pass (most of any pass). */
  outboxBacklog: number;
  /** Archive jobs handed to the archive queue. */
  archivesQueued: number;
  /**
   * From each announced change at TwelveLabs (event.task.changedAt) to SNS accepting its event, ms;
   * the first 100 of the run (one metric value each).
   */
  notificationDelaysMs: number[];
  /** Events accepted by the publisher, by event type. */
  publishedByType: Record<string, number>;
  /** Passes whose outbox drain stopped early (its limit, or the publisher failing): the rest waits. */
  outboxDeferred: number;
  /** Tasks found by watching the account, and the list calls discovery made. */
  discovered: number;
  discoveryCalls: number;
  /** List calls made by batched checks, and the tasks those lists answered for. */
  listCalls: number;
  checkedThroughLists: number;
  /** Writes lost to a concurrent run (optimistic concurrency): harmless, counted. */
  conflicts: number;
  checkErrors: number;
  rateLimited: number;
  /** How late the most overdue task read this run was, in ms. */
  oldestDueLagMs: number;
  /** Due checks left for a later pass because the minute's call budget was spent (oldest went first). */
  deferredByBudget: number;
  authFailed: boolean;
  /** The run ended before its last pass because nothing was due before its end. */
  stoppedIdle: boolean;
  durationMs: number;
}

/** Raised after a run that could not go on (its table or topic failed); carries what the run did, for logs and metrics. */
export class PollerRunFailure extends Error {
  override readonly name: string = "PollerRunFailure";
  constructor(
    readonly summary: RunSummary,
    cause: unknown,
    message = "The poller run stopped on an unexpected error; tasks stay due",
  ) {
    super(message, { cause });
  }
}

/** Raised after a run that stopped on an authentication error. */
export class PollerAuthFailure extends PollerRunFailure {
  override readonly name = "PollerAuthFailure";
  constructor(summary: RunSummary, cause: unknown) {
    super(summary, cause, "TwelveLabs rejected the API key: the run stopped; tasks stay due");
  }
}

/**
 * One poller invocation: republish the outbox, read what is due across shards, check it at
 * TwelveLabs, write transitions with their events, publish them. `endAt` (epoch ms) is when the
 * invocation must be done; work not started by then stays due for the next run.
 */
export async function runPoller(deps: PollerDeps, s: PollerSettings, endAt: number): Promise<RunSummary> {
  const started = deps.now();
  const sum: RunSummary = {
    passes: 0,
    dueRead: 0,
    tasksChecked: 0,
    unchanged: 0,
    transitions: 0,
    eventsPublished: 0,
    publishFailures: 0,
    eventsSetAside: 0,
    outboxRepublished: 0,
    outboxBacklog: 0,
    archivesQueued: 0,
    outboxDeferred: 0,
    notificationDelaysMs: [],
    publishedByType: {},
    discovered: 0,
    discoveryCalls: 0,
    listCalls: 0,
    checkedThroughLists: 0,
    conflicts: 0,
    checkErrors: 0,
    rateLimited: 0,
    oldestDueLagMs: 0,
    deferredByBudget: 0,
    authFailed: false,
    stoppedIdle: false,
    durationMs: 0,
  };
  let authError: unknown;

  const memory = deps.memory ?? new OpenTasks();
  const budget = deps.budget ?? new CallBudget(s.callsPerMinute ?? 0);
  try {
    const marks = deps.discovery ? await deps.discovery.syncMarks(s.watchKinds, deps.now()) : [];
    if (deps.webhookArrivals) {
      // Unreadable: poll as usual (webhooks only ever make polling sparser, never needed).
      const arrivals = await deps.webhookArrivals().catch((err) => {
        deps.onTaskError?.("(webhook arrivals)", "check", err);
        return {};
      });
      memory.feedFrom(arrivals, deps.now());
    }
    const reads = new OpenTaskReads(deps, memory, {
      pageSize: s.pageSize,
      spreadMs: s.schedule.maxIntervalMs,
      endAt,
    });
    await reads.whole();
    for (let pass = 0; pass < s.passes; pass++) {
      const passStart = deps.now();
      if (passStart >= endAt) break;
      sum.passes += 1;
      await drainOutbox(deps, s, sum, endAt);
      await discoverNew(deps, s, sum, marks, budget, endAt);
      await reads.changed();
      const readAt = deps.now();
      const due = memory.due(readAt).slice(0, s.maxTasksPerPass);
      sum.dueRead += due.length;
      const oldest = due[0]?.dueAt;
      if (oldest !== undefined) sum.oldestDueLagMs = Math.max(sum.oldestDueLagMs, readAt - oldest);
      const onAuth = (err: unknown) => {
        authError = err;
      };
      const lists = await checkKindsThroughLists(deps, s, sum, memory, budget, due, endAt, onAuth);
      const watching = lists.watching;
      // The oldest due first across every kind, as many as the minute's budget allows; the rest wait.
      const waiting = lists.perTask.sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0));
      const perTask = budget.take(waiting, deps.now());
      sum.deferredByBudget += waiting.length - perTask.length;
      await mapBounded(perTask, s.concurrency, async (task) => {
        if (authError !== undefined || deps.now() >= endAt) return;
        const result = await check(deps, task, sum, endAt, onAuth);
        if (result === undefined) return;
        await writeAndPublish(deps, s, sum, memory, task, result);
      });
      if (authError !== undefined) break;
      const nextPassAt = passStart + s.passIntervalMs;
      if (pass + 1 < s.passes) {
        if (nextPassAt >= endAt) break;
        // Idle: nothing comes due before this invocation ends, so do not sleep through it (cost).
        // Watching the account or a running list, a pass is never idle: news may come at any moment.
        const idle = () => {
          const nextDue = memory.earliestDue();
          return marks.length === 0 && !watching && (nextDue === undefined || nextDue >= endAt);
        };
        // Before stopping, what was registered during this pass (its stream wake-up found the lease held).
        if (idle()) await reads.changed();
        if (idle()) {
          sum.stoppedIdle = true;
          break;
        }
        await reads.pause(Math.min(nextPassAt, endAt));
      }
    }
  } catch (err) {
    sum.durationMs = deps.now() - started;
    throw new PollerRunFailure(sum, err);
  }
  sum.durationMs = deps.now() - started;
  if (authError !== undefined) {
    sum.authFailed = true;
    throw new PollerAuthFailure(sum, authError);
  }
  return sum;
}

/** One discovery scan per watched kind; a failing scan only delays discovery (its mark stays). */
async function discoverNew(
  deps: PollerDeps,
  s: PollerSettings,
  sum: RunSummary,
  marks: DiscoveryMark[],
  budget: CallBudget,
  endAt: number,
): Promise<void> {
  if (!deps.discovery) return;
  for (const mark of marks) {
    if (deps.now() >= endAt) return;
    const r = await discover(
      deps.twelvelabs,
      deps.discovery,
      mark,
      (snap) =>
        deps.takeDiscovered && !deps.takeDiscovered(snap)
          ? undefined
          : {
              ...newTask(
                {
                  taskId: snap.id,
                  kind: snap.kind,
                  ...(snap.invocationArn ? { invocationArn: snap.invocationArn } : {}),
                },
                deps.now(),
                s.defaultDeadlineSeconds,
              ),
              source: "discovered",
            },
      { now: deps.now, deadlineAt: endAt },
    );
    sum.discovered += r.discovered;
    sum.discoveryCalls += r.calls;
    budget.spend(deps.now(), r.calls);
    if (r.error !== undefined) deps.onTaskError?.(`discovery:${mark.kind}`, "discover", r.error);
  }
}

/**
 * Republishes events left in the outbox by earlier runs (a publish failed, or a crash came between
 * the write and the publish). Bounded per pass, and it stops at the second publish failure in a row,
 * so an SNS outage delays announcements without starving the checks of due tasks.
 */
async function drainOutbox(
  deps: PollerDeps,
  s: PollerSettings,
  sum: RunSummary,
  endAt: number,
): Promise<void> {
  const shards = Array.from({ length: deps.store.shards }, (_, i) => String(i));
  const pending: Task[] = [];
  let events = 0;
  await Promise.all(
    shards.map(async (shard) => {
      let cursor: string | undefined;
      do {
        const page = await deps.store.queryOutbox(shard, s.pageSize, cursor);
        pending.push(...page.items);
        // Held ready events wait for their result (the archiver's work), not for the publisher.
        for (const t of page.items) events += t.outbox.filter((e) => !isHeld(t, e)).length;
        cursor = page.cursor;
      } while (cursor && events < s.maxOutboxPerPass && deps.now() < endAt);
    }),
  );
  sum.outboxBacklog = Math.max(sum.outboxBacklog, events);
  let budget = s.maxOutboxPerPass;
  let failuresInARow = 0;
  let stopped = false;
  await mapBounded(pending, s.concurrency, async (task) => {
    // In the index with nothing left to publish: a clear was cut short between its two updates.
    if (task.outbox.length === 0) {
      await deps.store
        .settleOutbox(task.taskId)
        .catch((err) => deps.onTaskError?.(task.taskId, "write", err));
      return;
    }
    // A task's events go out in the order of its transitions: a later one waits for an earlier one.
    for (const event of task.outbox) {
      if (stopped || budget <= 0 || deps.now() >= endAt) {
        stopped = true;
        return;
      }
      budget -= 1;
      const outcome = await publishAndClear(deps, sum, task, event);
      if (outcome === "published") {
        sum.outboxRepublished += 1;
        failuresInARow = 0;
      } else if (outcome === "failed") {
        failuresInARow += 1;
        if (failuresInARow >= 2) stopped = true;
        return;
      }
      // Set aside: this event can never go out; the task's next one (and everyone else's) goes on.
    }
  });
  if (stopped) sum.outboxDeferred += 1;
}

async function check(
  deps: PollerDeps,
  task: Task,
  sum: RunSummary,
  endAt: number,
  onAuth: (err: unknown) => void,
): Promise<CheckResult | undefined> {
  sum.tasksChecked += 1;
  try {
    const snapshot = await deps.twelvelabs.getTask(task.kind, task.taskId, {
      deadlineAt: endAt,
      indexId: task.indexId,
      invocationArn: task.invocationArn,
    });
    return { outcome: "snapshot", snapshot };
  } catch (err) {
    if (err instanceof TwelveLabsAuthError) {
      onAuth(err);
      return undefined;
    }
    if (err instanceof TwelveLabsNotFoundError) return { outcome: "not_found" };
    if (err instanceof TwelveLabsIdRejectedError) return { outcome: "rejected", reason: err.message };
    sum.checkErrors += 1;
    deps.onTaskError?.(task.taskId, "check", err);
    if (err instanceof TwelveLabsRateLimitedError) {
      sum.rateLimited += 1;
      return { outcome: "error", retryAfterMs: err.retryAfterMs };
    }
    return { outcome: "error" };
  }
}

/**
 * Batched checks: for each list group (a kind, or a kind in a region) whose tasks are cheaper to
 * check through the list endpoints (planListCheck), list them and act on what the list items say.
 * Where the kind has a running list it watches every open task of the group, due or not
 * (membership), and those that left it are asked about in the same pass. Returns the tasks no list
 * named, which get their own status call in this pass (see batched-check.ts for the rule), and
 * whether a running list is watching (a pass is then never idle).
 */
async function checkKindsThroughLists(
  deps: PollerDeps,
  s: PollerSettings,
  sum: RunSummary,
  memory: OpenTasks,
  budget: CallBudget,
  due: Task[],
  endAt: number,
  onAuth: (err: unknown) => void,
): Promise<{ perTask: Task[]; watching: boolean }> {
  const dueIds = new Set(due.map((t) => t.taskId));
  const groups = new Map<string, { kind: TaskKind; region?: string; open: Task[]; due: Task[] }>();
  for (const t of memory.tasks.values()) {
    const { key, kind, region } = listGroupOf(t);
    let group = groups.get(key);
    if (!group) {
      group = { kind, ...(region ? { region } : {}), open: [], due: [] };
      groups.set(key, group);
    }
    group.open.push(t);
  }
  const perTask: Task[] = [];
  for (const t of due) {
    // Made due by a newer write (a TwelveLabs webhook): its own status call, fresher than any list.
    if (memory.nudged.has(t.taskId)) perTask.push(t);
    else groups.get(listGroupOf(t).key)?.due.push(t);
  }
  let watching = false;
  for (const [key, { kind, region, open, due: groupDue }] of groups) {
    let stats = deps.listStats?.get(key);
    if (!stats) {
      stats = {};
      deps.listStats?.set(key, stats);
    }
    const plan = planListCheck(kind, groupDue, stats, s.batchMinDue, open);
    if (!plan.running && !plan.window && !plan.ids) {
      perTask.push(...groupDue);
      continue;
    }
    if (plan.membership) {
      watching = true;
      // A long running list is read less often than every pass, within the minute's budget; its
      // tasks are watched by it meanwhile (those a webhook nudged were taken out above).
      if (!budget.mayLook(key, plan.estimatedCalls, s.passIntervalMs, deps.now())) continue;
    }
    let outcome: Awaited<ReturnType<typeof checkThroughLists>>;
    try {
      outcome = await checkThroughLists(deps.twelvelabs, kind, groupDue, plan, {
        now: deps.now,
        lookbackMs: s.batchLookbackMs,
        deadlineAt: endAt,
        stats,
        ...(region ? { region } : {}),
        open,
        wasRunning: memory.running.get(key) ?? new Set(),
      });
    } catch (err) {
      // Only an authentication error comes through: the run stops, the tasks stay due.
      onAuth(err);
      return { perTask: [], watching };
    }
    if (outcome.error !== undefined) deps.onTaskError?.(`(${key} list)`, "check", outcome.error);
    if (outcome.runningNamed) memory.running.set(key, outcome.runningNamed);
    // A look: the list, and the checks of what it did not name (spent with the per-task checks below).
    budget.looked(key, deps.now(), outcome.calls, outcome.calls + outcome.toConfirm.length);
    sum.listCalls += outcome.calls;
    sum.checkedThroughLists += outcome.named.size;
    sum.tasksChecked += outcome.named.size;
    const named = open.filter((t) => outcome.named.has(t.taskId));
    await mapBounded(named, s.concurrency, (task) =>
      writeAndPublish(
        deps,
        s,
        sum,
        memory,
        task,
        { outcome: "snapshot", snapshot: outcome.named.get(task.taskId) as TaskSnapshot },
        s.passIntervalMs,
      ),
    );
    perTask.push(...outcome.toConfirm.filter((t) => dueIds.has(t.taskId) || memory.tasks.has(t.taskId)));
  }
  return { perTask, watching };
}

/**
 * Writes follow changes: a look that changed nothing is remembered, not written; a transition is
 * written with its events (one conditional write) and then published.
 */
async function writeAndPublish(
  deps: PollerDeps,
  s: PollerSettings,
  sum: RunSummary,
  memory: OpenTasks,
  task: Task,
  result: CheckResult,
  recheckInMs?: number,
): Promise<void> {
  const decision = decide(task, result, deps.now(), deps.random(), s, recheckInMs);
  if (decision.type === "unchanged") {
    memory.looked(task, decision.patch);
    sum.unchanged += 1;
    return;
  }
  let written: boolean;
  try {
    written = await deps.store.applyTransition(task, decision.patch);
  } catch (err) {
    deps.onTaskError?.(task.taskId, "write", err);
    return;
  }
  if (!written) {
    sum.conflicts += 1;
    // Someone else wrote first (a PATCH, a waiter, a nudge): look again from what they wrote.
    await memory
      .refresh(deps.store, task.taskId, deps.now())
      .catch((err) => deps.onTaskError?.(task.taskId, "write", err));
    return;
  }
  const after = applyTransitionPatch(task, decision.patch);
  memory.wrote(after);
  sum.transitions += 1;
  for (const event of decision.patch.events) await publishAndClear(deps, sum, after, event);
}

/**
 * Publish, then clear the outbox entry only once the publisher accepted it. An event the publisher
 * can never accept (PermanentPublishError) is set aside rather than retried at the head of the
 * outbox forever: counted, alarmed on and shown on the task.
 */
async function publishAndClear(
  deps: PollerDeps,
  sum: RunSummary,
  task: Task,
  event: Task["outbox"][number],
): Promise<"published" | "failed" | "set_aside" | "held"> {
  if (isHeld(task, event)) {
    if (await holdForArchive(deps, task, event)) sum.archivesQueued += 1;
    return "held";
  }
  const taskId = task.taskId;
  try {
    await deps.publisher.publish(event, publishRoute(task, event));
  } catch (err) {
    sum.publishFailures += 1;
    deps.onTaskError?.(taskId, "publish", err);
    if (!(err instanceof PermanentPublishError)) return "failed";
    try {
      await deps.store.setAsideOutboxEntry(taskId, {
        eventId: event.id,
        type: event.type,
        reason: err.message.slice(0, 300),
        at: deps.now(),
      });
      sum.eventsSetAside += 1;
      return "set_aside";
    } catch (writeErr) {
      // Still in the outbox: the next drain tries again (and sets it aside then).
      deps.onTaskError?.(taskId, "write", writeErr);
      return "failed";
    }
  }
  sum.eventsPublished += 1;
  sum.publishedByType[event.type] = (sum.publishedByType[event.type] ?? 0) + 1;
  const since = Date.parse(event.task.changedAt ?? event.occurredAt);
  if (Number.isFinite(since) && sum.notificationDelaysMs.length < 100)
    sum.notificationDelaysMs.push(Math.max(0, deps.now() - since));
  try {
    await deps.store.clearOutboxEntry(taskId, event.id, {
      last: task.outbox.at(-1)?.id === event.id,
      ending: task.dueAt === undefined,
    });
  } catch (err) {
    // Published but still in the outbox: the next run republishes it (at-least-once, same id).
    deps.onTaskError?.(taskId, "write", err);
  }
  return "published";
}
