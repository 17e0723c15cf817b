import { parseTaskList, parseTaskOf } from "../functions/adapters/twelvelabs-responses.js";
import type { TaskEvent } from "../functions/core/events.js";
import { type PollerSettings, runPoller } from "../functions/core/poll-run.js";
import type { EventPublisher, ListFilter, Page, TaskStore, TwelveLabsPort } from "../functions/core/ports.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "../functions/core/snapshot.js";
import { newTask, type Task } from "../functions/core/task.js";
import type { TaskKind } from "../functions/core/task-kinds.js";
import {
  applyTransitionPatch,
  type CheckPatch,
  type TransitionPatch,
} from "../functions/core/task-lifecycle.js";
import { TwelveLabsNotFoundError } from "../functions/core/twelvelabs-errors.js";
import { seededRandom } from "../local/simulator/sim-faults.js";
import { TwelveLabsSimulator } from "../local/simulator/simulator-server.js";
import { BENCH_LIFECYCLE } from "./call-efficiency.js";

/*
 * Calls per task and notification delay of the real poll run (runPoller: cost model, batched list
 * checks, per-task schedule) in virtual time: the simulator's task logic and response bodies answer
 * without HTTP, an in-memory store stands in for DynamoDB. A run a minute, six passes 10 s apart.
 */
class VirtualClock {
  t = Date.parse("2026-11-29T00:00:00Z");
  readonly now = () => this.t;
}

class MemoryStore implements TaskStore {
  readonly shards = 1;
  readonly tasks = new Map<string, Task>();
  async register(task: Task) {
    const existing = this.tasks.get(task.taskId);
    if (existing) return { created: false, task: existing };
    this.tasks.set(task.taskId, structuredClone(task));
    return { created: true, task };
  }
  async get(id: string) {
    return this.tasks.get(id);
  }
  async list(_f: ListFilter, _l: number): Promise<Page<Task>> {
    throw new Error("not used");
  }
  async remove(id: string) {
    return this.tasks.delete(id);
  }
  async queryDue(_s: string, now: number, limit: number): Promise<Page<Task>> {
    const items = [...this.tasks.values()].filter((t) => t.nextCheckAt !== undefined && t.nextCheckAt <= now);
    return {
      items: items
        .sort((a, b) => (a.nextCheckAt ?? 0) - (b.nextCheckAt ?? 0))
        .slice(0, limit)
        .map((t) => structuredClone(t)),
    };
  }
  async earliestDue() {
    const due = [...this.tasks.values()]
      .map((t) => t.nextCheckAt)
      .filter((x): x is number => x !== undefined);
    return due.length ? Math.min(...due) : undefined;
  }
  async queryOutbox(): Promise<Page<Task>> {
    return {
      items: [...this.tasks.values()].filter((t) => t.outbox.length > 0).map((t) => structuredClone(t)),
    };
  }
  async recordCheck(task: Task, p: CheckPatch) {
    const cur = this.tasks.get(task.taskId);
    if (!cur || cur.version !== task.version || cur.nextCheckAt === undefined) return false;
    Object.assign(cur, p, { version: cur.version + 1 });
    return true;
  }
  async applyTransition(task: Task, p: TransitionPatch) {
    const cur = this.tasks.get(task.taskId);
    if (!cur || cur.version !== task.version) return false;
    this.tasks.set(task.taskId, applyTransitionPatch(cur, p));
    return true;
  }
  async clearOutboxEntry(id: string, eventId: string) {
    const cur = this.tasks.get(id);
    if (cur) cur.outbox = cur.outbox.filter((e) => e.id !== eventId);
  }
}

/** The simulator's answers, without the network. */
class DirectTwelveLabs implements TwelveLabsPort {
  calls = 0;
  constructor(private readonly sim: TwelveLabsSimulator) {}
  async getTask(kind: TaskKind, id: string): Promise<TaskSnapshot> {
    this.calls += 1;
    const r = this.sim.taskReply(kind, id);
    if (r.status !== 200) throw new TwelveLabsNotFoundError("not found");
    return parseTaskOf(kind, r.body);
  }
  async listTasks(kind: TaskKind, q: ListTasksQuery): Promise<TaskPage> {
    this.calls += 1;
    const params = new URLSearchParams();
    for (const s of typeof q.status === "string" ? [q.status] : q.status) params.append("status", s);
    params.set("page", String(q.page ?? 1));
    params.set("page_limit", String(q.pageLimit ?? 50));
    if (q.createdAfter) params.set(kind === "index" ? "created_at" : "started_at", q.createdAfter);
    if (q.createdBefore && kind !== "index") params.set("ended_at", q.createdBefore);
    return parseTaskList(kind, this.sim.listReply(kind, params).body);
  }
}

async function scenario(tasks: number, spreadMin: number, batchMinDue: number) {
  const clock = new VirtualClock();
  const sim = new TwelveLabsSimulator({ now: clock.now });
  const tl = new DirectTwelveLabs(sim);
  const store = new MemoryStore();
  const finishedAt = new Map<string, number>();
  const seenAt = new Map<string, number>();
  const publisher: EventPublisher = {
    async publish(e: TaskEvent) {
      if (!seenAt.has(e.task.id)) seenAt.set(e.task.id, clock.now());
    },
  };
  const random = seededRandom(tasks * 7 + batchMinDue);
  const start = clock.now();
  const arrivals = Array.from({ length: tasks }, () => ({
    at: start + random() * spreadMin * 60_000,
    video: 10 + random() * 590,
  })).sort((a, b) => a.at - b.at);
  const settings: PollerSettings = {
    ...BENCH_LIFECYCLE,
    concurrency: 16,
    maxTasksPerPass: 10_000,
    pageSize: 1000,
    passes: 6,
    passIntervalMs: 10_000,
    batchMinDue,
    batchLookbackMs: 3600_000,
  };
  const listTotals = new Map();
  let next = 0;
  let sdkCalls = 0;
  for (let minute = 0; seenAt.size < tasks && minute < 24 * 60; minute++) {
    const runStart = start + minute * 60_000;
    const runEnd = runStart + 55_000; // the deployed timeout (58 s) less the safety margin (3 s)
    clock.t = runStart;
    const sleep = async (ms: number) => {
      // Tasks created (and registered at once) while the run sleeps appear at their time.
      const until = clock.t + ms;
      while (next < arrivals.length && (arrivals[next]?.at ?? 0) <= until) arrive();
      clock.t = until;
    };
    const arrive = () => {
      const a = arrivals[next++] as { at: number; video: number };
      const processing = a.video * 500 + 10_000; // as the schedule expects, on average
      const saved = clock.t;
      clock.t = a.at;
      const t = sim.addTask({
        kind: "embed",
        durationSec: a.video,
        timeline: [
          { status: "processing", afterMs: 0 },
          { status: "ready", afterMs: processing },
        ],
      });
      finishedAt.set(t.id, a.at + processing);
      sdkCalls += Math.floor(processing / 5000) + 1;
      void store.register(newTask({ taskId: t.id, kind: "embed" }, a.at, 86400));
      clock.t = saved;
    };
    while (next < arrivals.length && (arrivals[next]?.at ?? 0) <= runStart) arrive();
    await runPoller(
      { store, twelvelabs: tl, publisher, now: clock.now, random, sleep, listTotals },
      settings,
      runEnd,
    );
    clock.t = runEnd;
    while (next < arrivals.length && (arrivals[next]?.at ?? 0) <= runStart + 60_000) arrive();
  }
  const delays = [...seenAt.entries()]
    .map(([id, at]) => at - (finishedAt.get(id) ?? at))
    .sort((a, b) => a - b);
  return {
    callsPerTask: tl.calls / tasks,
    sdkPerTask: sdkCalls / tasks,
    p50: delays[Math.floor(delays.length / 2)] ?? 0,
    p95: delays[Math.floor(delays.length * 0.95)] ?? 0,
  };
}

export async function batchedEfficiency(): Promise<string> {
  const rows: string[] = [];
  for (const [tasks, spread] of [
    [20, 30],
    [200, 30],
    [1000, 60],
  ] as const) {
    for (const [label, minDue] of [
      ["per-task only", 0],
      ["batched, >= 3 due", 3],
      ["batched, >= 6 due (default)", 6],
      ["batched, >= 10 due", 10],
    ] as const) {
      const r = await scenario(tasks, spread, minDue);
      rows.push(
        `| ${tasks} tasks over ${spread} min | ${label} | ${r.sdkPerTask.toFixed(1)} | ${r.callsPerTask.toFixed(2)} | ${(r.sdkPerTask / r.callsPerTask).toFixed(1)}x | ${(r.p50 / 1000).toFixed(1)} s | ${(r.p95 / 1000).toFixed(1)} s |`,
      );
    }
  }
  return [
    "## The poll run in virtual time: calls per task and notification delay, per-task vs batched",
    "",
    "Each task: a video of 10-600 s, processing 0.5 s per video second + 10 s, registered when created.",
    "",
    "| load | checks | SDK calls/task | notifier calls/task | fewer calls | p50 delay | p95 delay |",
    "|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}
