import { parseAsyncInvoke } from "../../functions/adapters/bedrock-responses.js";
import { parseTaskList, parseTaskOf } from "../../functions/adapters/twelvelabs-responses.js";
import { regionOfArn } from "../../functions/core/bedrock-arn.js";
import {
  DISCOVERABLE_KINDS,
  type DiscoveryMark,
  type DiscoveryStore,
} from "../../functions/core/discovery.js";
import { EventsPendingError } from "../../functions/core/domain-errors.js";
import type { TaskEvent } from "../../functions/core/events.js";
import type { ArchiveOutcome, ClearHint, DueRange } from "../../functions/core/ports.js";
import {
  type CallOptions,
  type EventPublisher,
  type ListFilter,
  type Page,
  PermanentPublishError,
  type TaskStore,
  type TwelveLabsPort,
} from "../../functions/core/ports.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "../../functions/core/snapshot.js";
import type { Waiter } from "../../functions/core/step-functions-callback.js";
import type { SetAsideEvent, Task } from "../../functions/core/task.js";
import { kindSpec, sourceOf, type TaskKind } from "../../functions/core/task-kinds.js";
import { applyTransitionPatch, type TransitionPatch } from "../../functions/core/task-lifecycle.js";
import { TwelveLabsNotFoundError, TwelveLabsTransientError } from "../../functions/core/twelvelabs-errors.js";
import type { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";

/*
 * In-memory stand-ins for the core's ports, for unit tests of the run and for benchmarks in
 * virtual time. They keep the contracts of the real adapters (conditional writes on `version`,
 * due and outbox queries) so the run behaves as it does against DynamoDB.
 */

/** A clock that moves only when told to (or when the run sleeps). */
export class VirtualClock {
  constructor(public t = Date.parse("2026-11-29T00:00:00Z")) {}
  readonly now = () => this.t;
}

export class MemoryStore implements TaskStore {
  readonly tasks = new Map<string, Task>();
  /** Reads and writes, for cost assertions. */
  readonly meter = { reads: 0, writes: 0 };
  constructor(readonly shards = 1) {}

  async register(task: Task) {
    const existing = this.tasks.get(task.taskId);
    if (existing) return { created: false, task: structuredClone(existing) };
    this.tasks.set(task.taskId, structuredClone(task));
    this.meter.writes += 1;
    return { created: true, task };
  }
  async adopt(task: Task, adopted: Task) {
    const cur = this.tasks.get(task.taskId);
    this.meter.writes += 1;
    if (!cur || cur.version !== task.version) return false;
    this.tasks.set(task.taskId, { ...structuredClone(adopted), version: cur.version + 1 });
    return true;
  }
  async addWaiter(task: Task, waiter: Waiter, drop: readonly string[], at: number) {
    const cur = this.tasks.get(task.taskId);
    this.meter.writes += 1;
    if (!cur || cur.version !== task.version) return false;
    const waiters = { ...(cur.waiters ?? {}), [waiter.id]: structuredClone(waiter) };
    for (const id of drop) delete waiters[id];
    cur.waiters = waiters;
    if (drop.length > 0)
      cur.droppedWaiters = [...(cur.droppedWaiters ?? []), ...drop.map((id) => ({ id, droppedAt: at }))];
    cur.version += 1;
    return true;
  }
  async updateSettings(current: Task, next: Task) {
    const cur = this.tasks.get(current.taskId);
    this.meter.writes += 1;
    if (!cur || cur.version !== current.version || cur.registeredAt !== current.registeredAt) return false;
    this.tasks.set(current.taskId, { ...structuredClone(next), version: cur.version + 1 });
    return true;
  }
  private pendingArchive(id: string, registeredAt: number, eventId: string) {
    const cur = this.tasks.get(id);
    this.meter.writes += 1;
    const a = cur?.archiveState;
    return cur && cur.registeredAt === registeredAt && a?.state === "pending" && a.eventId === eventId
      ? cur
      : undefined;
  }
  async markArchiveQueued(id: string, registeredAt: number, eventId: string, at: number) {
    const cur = this.pendingArchive(id, registeredAt, eventId);
    if (!cur?.archiveState || cur.archiveState.queuedAt !== undefined) return false;
    cur.archiveState.queuedAt = at;
    return true;
  }
  async recordArchiveAttempt(
    id: string,
    registeredAt: number,
    eventId: string,
    attempts: number,
    error: string,
  ) {
    const cur = this.pendingArchive(id, registeredAt, eventId);
    if (!cur?.archiveState) return false;
    Object.assign(cur.archiveState, { attempts, error });
    return true;
  }
  async resolveArchive(id: string, registeredAt: number, event: TaskEvent, outcome: ArchiveOutcome) {
    const cur = this.pendingArchive(id, registeredAt, event.id);
    if (!cur?.archiveState) return undefined;
    Object.assign(cur.archiveState, outcome);
    cur.outbox = cur.outbox.map((e) => (e.id === event.id ? event : e));
    cur.finalEvent = event;
    cur.version += 1;
    return structuredClone(cur);
  }
  async get(id: string) {
    const t = this.tasks.get(id);
    return t && structuredClone(t);
  }
  async list(_f: ListFilter, _l: number): Promise<Page<Task>> {
    throw new Error("MemoryStore.list is not used by the poller");
  }
  async remove(id: string, _at: number) {
    if ((this.tasks.get(id)?.outbox.length ?? 0) > 0)
      throw new EventsPendingError(`task ${id} has events pending`);
    return this.tasks.delete(id);
  }
  async queryDue(_shard: string, range: DueRange, limit: number, cursor?: string): Promise<Page<Task>> {
    const from = cursor === undefined ? 0 : Number(cursor);
    const all = [...this.tasks.values()]
      .filter(
        (t) =>
          t.dueAt !== undefined &&
          (range.from === undefined || t.dueAt >= range.from) &&
          (range.to === undefined || t.dueAt <= range.to),
      )
      .sort((a, b) => (a.dueAt ?? 0) - (b.dueAt ?? 0));
    const items = all.slice(from, from + limit);
    this.meter.reads += items.length;
    const more = from + limit < all.length;
    return { items: items.map((t) => structuredClone(t)), ...(more ? { cursor: String(from + limit) } : {}) };
  }
  async queryOutbox(_shard: string, limit: number): Promise<Page<Task>> {
    const items = [...this.tasks.values()].filter((t) => t.outbox.length > 0).slice(0, limit);
    this.meter.reads += items.length;
    return { items: items.map((t) => structuredClone(t)) };
  }
  async applyTransition(task: Task, p: TransitionPatch) {
    const cur = this.tasks.get(task.taskId);
    this.meter.writes += 1;
    if (!cur || cur.version !== task.version) return false;
    this.tasks.set(task.taskId, applyTransitionPatch(cur, p));
    return true;
  }
  async clearOutboxEntry(id: string, eventId: string, hint?: ClearHint) {
    const cur = this.tasks.get(id);
    this.meter.writes += 1;
    if (!cur) return;
    const had = cur.outbox.length;
    cur.outbox = cur.outbox.filter((e) => e.id !== eventId);
    // As DynamoDB: the last entry with a right hint is one write; otherwise the clear and the settle are two.
    if (had > 0 && cur.outbox.length === 0 && !(hint?.last && had === 1)) this.meter.writes += 1;
  }
  async nudge(id: string, at: number) {
    const cur = this.tasks.get(id);
    this.meter.writes += 1;
    if (!cur || cur.dueAt === undefined) return false;
    cur.dueAt = at;
    cur.version += 1;
    return true;
  }
  async settleOutbox(_id: string) {
    this.meter.writes += 1;
  }
  async setAsideOutboxEntry(id: string, entry: SetAsideEvent) {
    const cur = this.tasks.get(id);
    this.meter.writes += 1;
    if (!cur?.outbox.some((e) => e.id === entry.eventId)) return;
    cur.outbox = cur.outbox.filter((e) => e.id !== entry.eventId);
    cur.setAside = [...(cur.setAside ?? []), entry];
  }
}

/**
 * Collects published events; `failing` makes every publish reject (an SNS outage); events of a task
 * in `refused` are refused for good (PermanentPublishError), as SNS refuses content it cannot carry.
 */
export class MemoryPublisher implements EventPublisher {
  readonly events: TaskEvent[] = [];
  readonly refused = new Set<string>();
  attempts = 0;
  failing = false;
  async publish(e: TaskEvent): Promise<void> {
    this.attempts += 1;
    if (this.failing) throw new Error("SNS unavailable");
    if (this.refused.has(e.task.id)) throw new PermanentPublishError("message attribute value is not valid");
    this.events.push(e);
  }
}

/** The simulator's answers without the network (same task logic, same response bodies, same parsers). */
export class DirectTwelveLabs implements TwelveLabsPort {
  calls = 0;
  listCalls = 0;
  constructor(
    private readonly sim: TwelveLabsSimulator,
    private readonly now: () => number = Date.now,
  ) {}
  async getTask(kind: TaskKind, id: string, opts?: CallOptions): Promise<TaskSnapshot> {
    if (opts?.deadlineAt !== undefined && this.now() >= opts.deadlineAt)
      throw new TwelveLabsTransientError("no time left in this run");
    this.calls += 1;
    if (sourceOf(kind) === "bedrock") {
      const arn = opts?.invocationArn ?? "";
      const r = this.sim.bedrockAnswer(
        `/async-invoke/${encodeURIComponent(arn)}`,
        new URLSearchParams(),
        regionOfArn(arn) ?? "us-east-1",
      );
      if (r.status !== 200) throw new TwelveLabsNotFoundError("not found");
      return parseAsyncInvoke(r.body);
    }
    const r = this.sim.taskReply(kind, id, opts?.indexId);
    if (r.status !== 200) throw new TwelveLabsNotFoundError("not found");
    return parseTaskOf(kind, r.body);
  }
  async listTasks(kind: TaskKind, q: ListTasksQuery, opts?: CallOptions): Promise<TaskPage> {
    if (opts?.deadlineAt !== undefined && this.now() >= opts.deadlineAt)
      throw new TwelveLabsTransientError("no time left in this run");
    this.calls += 1;
    this.listCalls += 1;
    if (sourceOf(kind) === "bedrock") return this.bedrockList(q);
    const params = new URLSearchParams();
    if (q.status) params.set("status", q.status);
    params.set("page", String(q.page ?? 1));
    params.set("page_limit", String(q.pageLimit ?? 50));
    const listCheck = kindSpec(kind).listCheck;
    for (const id of q.ids ?? []) params.append("asset_ids", id);
    if (listCheck === "window") {
      if (q.createdAfter) params.set("started_at", q.createdAfter);
      if (q.createdBefore) params.set("ended_at", q.createdBefore);
    }
    if (listCheck === "window-oldest-first") {
      if (q.createdAfter) params.set("created_at", q.createdAfter);
      params.set("sort_option", q.oldestFirst ? "asc" : "desc");
    }
    return parseTaskList(kind, this.sim.listReply(kind, params, q.indexId).body);
  }

  private bedrockList(q: ListTasksQuery): TaskPage {
    const { params, limit, page } = bedrockQuery(q);
    const r = this.sim.bedrockAnswer("/async-invoke", params, q.region ?? "us-east-1");
    const body = r.body as { asyncInvokeSummaries: unknown[]; nextToken?: string };
    const tasks = body.asyncInvokeSummaries.map(parseAsyncInvoke);
    const more = body.nextToken !== undefined;
    return {
      tasks,
      page,
      totalPages: more ? page + 1 : page,
      totalResults: (page - 1) * limit + tasks.length + (more ? 1 : 0),
    };
  }
}

/** ListAsyncInvokes as the Bedrock adapter sends it; page N starts at the simulator's token for its offset. */
function bedrockQuery(q: ListTasksQuery): { params: URLSearchParams; limit: number; page: number } {
  const words: Record<string, string> = { processing: "InProgress", ready: "Completed", failed: "Failed" };
  const limit = q.pageLimit ?? 1000;
  const page = q.page ?? 1;
  const params = new URLSearchParams({
    maxResults: String(limit),
    sortOrder: q.oldestFirst ? "Ascending" : "Descending",
  });
  if (q.status) params.set("statusEquals", words[q.status] ?? q.status);
  if (q.createdAfter) params.set("submitTimeAfter", q.createdAfter);
  if (q.createdBefore) params.set("submitTimeBefore", q.createdBefore);
  if (page > 1) params.set("nextToken", Buffer.from(String((page - 1) * limit)).toString("base64url"));
  return { params, limit, page };
}

/** Discovery's marks in memory, its tasks in a MemoryStore (the same rules as the DynamoDB one). */
export class MemoryDiscoveryStore implements DiscoveryStore {
  readonly marks = new Map<TaskKind, DiscoveryMark & { disabled?: boolean }>();
  constructor(private readonly store: MemoryStore) {}
  async syncMarks(watched: readonly TaskKind[], now: number): Promise<DiscoveryMark[]> {
    const out: DiscoveryMark[] = [];
    for (const kind of DISCOVERABLE_KINDS) {
      const m = this.marks.get(kind);
      if (watched.includes(kind)) {
        if (!m || m.disabled) this.marks.set(kind, { kind, enabledAt: now, scannedUntil: now });
        const cur = this.marks.get(kind) as DiscoveryMark;
        out.push({
          kind,
          enabledAt: cur.enabledAt,
          scannedUntil: cur.scannedUntil,
          resume: cur.resume && { ...cur.resume },
        });
      } else if (m) m.disabled = true;
    }
    return out;
  }
  async advanceMark(kind: TaskKind, scannedUntil: number): Promise<void> {
    const m = this.marks.get(kind);
    if (m && !m.disabled && m.scannedUntil < scannedUntil) {
      m.scannedUntil = scannedUntil;
      m.resume = undefined;
    }
  }
  async saveResume(kind: TaskKind, resume: { page: number; startedAt: number }): Promise<void> {
    const m = this.marks.get(kind);
    if (m && !m.disabled && m.scannedUntil < resume.startedAt) m.resume = { ...resume };
  }
  async addDiscovered(task: Task): Promise<boolean> {
    return (await this.store.register(task)).created;
  }
}
