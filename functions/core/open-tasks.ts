import type { TaskStore } from "./ports.js";
import type { Task } from "./task.js";
import type { TaskKind } from "./task-kinds.js";
import type { CheckPatch } from "./task-lifecycle.js";

/*
 * Writes follow changes (issue 19). The table holds what changed (registration, transitions,
 * settings); the poller's own memory holds the looks that changed nothing and when to look next, so
 * an unchanged check writes nothing. The memory is kept while the function is warm and rebuilt from
 * the table at the start of every run (one read of the open tasks), so losing it costs looks, never
 * a status: a task the memory does not know is looked at by the table's `dueAt`, spread out when that
 * time is long past (a cold start must not check every open task at once).
 */

/**
 * How far behind its last read the per-pass read of new and nudged tasks looks (index lag, clock
 * skew). An item later than that is still read by the next run's full read, within the minute.
 */
export const DELTA_SLACK_MS = 5_000;

/**
 * While TwelveLabs' webhooks arrive for a kind, its tasks are looked at only this often (a safety
 * net for an event that never comes); a webhook makes its task due at once.
 */
export const WEBHOOK_SAFETY_NET_MS = 10 * 60_000;
/** While webhooks feed a kind, a running poller looks for nudged tasks this often between passes. */
export const NUDGE_LOOK_MS = 1_000;
/** A kind counts as fed by webhooks until this long after its last event; then it is polled as usual. */
export const WEBHOOK_QUIET_AFTER_MS = 30 * 60_000;

export class OpenTasks {
  /** Kinds fed by TwelveLabs' webhooks (an event arrived within WEBHOOK_QUIET_AFTER_MS). */
  private fed = new Set<TaskKind>();

  /** Every open task of the stage, as last written plus the unchanged looks since (same version). */
  readonly tasks = new Map<string, Task>();
  /** Per list group: the ids its last complete running list named (membership: who was running). */
  readonly running = new Map<string, Set<string>>();
  /**
   * Tasks a newer write made due sooner than the memory had them (a TwelveLabs webhook, a deadline
   * moved): each gets its own status call, which answers fresher than any list.
   */
  readonly nudged = new Set<string>();

  /**
   * Takes a task as the table holds it. The memory's copy wins while it is as new (same version:
   * only unchanged looks since); a newer write (a nudge, a PATCH, another run) wins, keeping the
   * earlier of the two next looks. A task the memory never saw whose look is long overdue is spread
   * over `spreadMs` (a cold start), unless it was never checked (a registration is looked at now).
   */
  merge(stored: Task, now: number, spreadMs: number, random: () => number): void {
    const id = stored.taskId;
    const mine = this.tasks.get(id);
    if (stored.dueAt === undefined) {
      this.forget(id);
      return;
    }
    if (mine && mine.version >= stored.version) return;
    let task = { ...stored };
    if (mine?.dueAt !== undefined) {
      // A newer write (a nudge, a PATCH, another run): the earlier look wins; one made sooner gets its own call.
      if (stored.dueAt < mine.dueAt) this.nudged.add(id);
      task.dueAt = Math.min(stored.dueAt, mine.dueAt);
    } else if (stored.checks === 0 && stored.version === 1) {
      // A registration untouched since: looked at now, or (a kind fed by webhooks) when its event comes.
      task = this.thin(task, stored.registeredAt);
    } else if (stored.dueAt < now - spreadMs) {
      // Unknown to this memory and long overdue (a cold start): spread, not all at once.
      task.dueAt = Math.min(Math.round(now + random() * spreadMs), Math.max(stored.deadlineAt, now));
    } else if (this.fed.has(stored.kind) && stored.dueAt <= now) {
      // Written lately and due now, of a kind fed by webhooks: most likely a nudge.
      this.nudged.add(id);
    }
    this.tasks.set(id, task);
  }

  /** Which kinds are fed by webhooks now, from when each last heard one. */
  feedFrom(arrivals: Partial<Record<TaskKind, number>>, now: number): void {
    this.fed = new Set(
      (Object.entries(arrivals) as Array<[TaskKind, number]>)
        .filter(([, at]) => now - at < WEBHOOK_QUIET_AFTER_MS)
        .map(([kind]) => kind),
    );
  }

  fedByWebhooks(): boolean {
    return this.fed.size > 0;
  }

  /** A task of a kind fed by webhooks is looked at again only as a safety net. */
  private thin(task: Task, lookedAt: number): Task {
    if (!this.fed.has(task.kind) || task.dueAt === undefined) return task;
    const net = Math.min(lookedAt + WEBHOOK_SAFETY_NET_MS, Math.max(task.deadlineAt, lookedAt));
    return { ...task, dueAt: Math.max(task.dueAt, net) };
  }

  /** After a full read of the open tasks: forgets those the table no longer holds open. */
  keepOnly(ids: ReadonlySet<string>): void {
    for (const id of this.tasks.keys()) if (!ids.has(id)) this.tasks.delete(id);
    for (const set of this.running.values()) for (const id of set) if (!ids.has(id)) set.delete(id);
  }

  /** A look that changed nothing: remembered, not written. */
  looked(task: Task, patch: CheckPatch): void {
    this.nudged.delete(task.taskId);
    if (!this.tasks.has(task.taskId)) return;
    this.tasks.set(task.taskId, this.thin({ ...task, ...patch }, patch.lastCheckedAt));
  }

  /** A written transition: the task as written (gone from memory once it has ended). */
  wrote(after: Task): void {
    this.nudged.delete(after.taskId);
    if (after.dueAt === undefined) this.forget(after.taskId);
    else this.tasks.set(after.taskId, this.thin(after, after.lastCheckedAt ?? after.registeredAt));
  }

  forget(taskId: string): void {
    this.tasks.delete(taskId);
    this.nudged.delete(taskId);
    for (const set of this.running.values()) set.delete(taskId);
  }

  /** Someone else wrote first: read the task again (gone if it ended or was removed). */
  async refresh(store: TaskStore, taskId: string, now: number): Promise<void> {
    const fresh = await store.get(taskId);
    if (!fresh || fresh.dueAt === undefined) this.forget(taskId);
    else this.merge(fresh, now, 0, () => 0);
  }

  /** The open tasks whose next look is due at `now`, oldest first. */
  due(now: number): Task[] {
    return [...this.tasks.values()]
      .filter((t) => t.dueAt !== undefined && t.dueAt <= now)
      .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0));
  }

  /** Whether a task a newer write made due sooner is due by `now`. */
  nudgedDue(now: number): boolean {
    for (const id of this.nudged)
      if ((this.tasks.get(id)?.dueAt ?? Number.POSITIVE_INFINITY) <= now) return true;
    return false;
  }

  earliestDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.tasks.values())
      if (t.dueAt !== undefined && (min === undefined || t.dueAt < min)) min = t.dueAt;
    return min;
  }
}
