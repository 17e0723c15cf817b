import { CallBudget } from "../functions/core/call-budget.js";
import { DEFAULT_BATCH_MIN_DUE, PASSES_PER_MINUTE } from "../functions/core/deployment-defaults.js";
import type { TaskEvent } from "../functions/core/events.js";
import { OpenTasks } from "../functions/core/open-tasks.js";
import { type PollerSettings, runPoller } from "../functions/core/poll-run.js";
import { newTask } from "../functions/core/task.js";
import { seededRandom } from "../local/simulator/sim-faults.js";
import { type SimModes, STRICT_MODES } from "../local/simulator/sim-modes.js";
import { invocationArnOf, wordFor } from "../local/simulator/sim-tasks.js";
import { TwelveLabsSimulator } from "../local/simulator/simulator-server.js";
import {
  DirectTwelveLabs,
  MemoryDiscoveryStore,
  MemoryStore,
  VirtualClock,
} from "../test/support/memory-ports.js";
import { BENCH_LIFECYCLE } from "./call-efficiency.js";
import { percentile, type Workload } from "./workloads.js";

/** From a task item's insert to the woken poller's first pass: stream polling plus a Lambda start. */
const WAKE_LATENCY_MS = 1_000;

export interface NotifierBenchOptions {
  passesPerMinute: number;
  batchMinDue: number;
  modes?: Partial<SimModes>;
  /** Nothing is registered: the poller watches the account for new embed tasks (discovery). */
  watchAccount?: boolean;
  /** The jobs: TwelveLabs embed tasks (default), Bedrock async invocations or indexing tasks of the same timelines. */
  kind?: "embed" | "bedrock" | "index";
  /** TwelveLabs' webhooks: each task's event reaches the notifier this long after it ended (a nudge and a wake-up). */
  webhookLatencyMs?: number;
  /** The poller's call budget (calls a minute; absent: none). */
  callsPerMinute?: number;
  /**
   * Steady state: stop at this time (ms after the start) and score only the tasks that ended at
   * least 2 minutes before it; the per-minute figures cover the whole run.
   */
  stopAtMs?: number;
}

export interface BenchOutcome {
  /** TwelveLabs calls, DynamoDB item reads and writes, per simulated minute. */
  callsPerMinute: number;
  readsPerMinute: number;
  writesPerMinute: number;
  callsPerTask: number;
  listCallsPerTask: number;
  /** DynamoDB item writes and reads per task (the in-memory store's meter, as the real adapter counts them). */
  writesPerTask: number;
  readsPerTask: number;
  p50Ms: number;
  p95Ms: number;
  wrong: number;
  lost: number;
  duplicates: number;
}

/** Scores what each task was announced as against how it really ended. */
export function score(
  w: Workload,
  ids: string[],
  events: Map<string, { types: string[]; firstAt: number }>,
  /** The clock's reading at the workload's time 0. */
  origin: number,
  /** Only tasks that ended by then are scored (steady state); absent: all. */
  endedBy = Number.POSITIVE_INFINITY,
): Pick<BenchOutcome, "p50Ms" | "p95Ms" | "wrong" | "lost" | "duplicates"> {
  const delays: number[] = [];
  let wrong = 0;
  let lost = 0;
  let duplicates = 0;
  w.tasks.forEach((t, i) => {
    if (t.createdAt + t.processingMs > endedBy) return;
    const got = events.get(ids[i] as string);
    if (!got) {
      lost += 1;
      return;
    }
    if (got.types.some((type) => type !== `task.${t.fate}`)) wrong += 1;
    if (got.types.length > 1) duplicates += 1;
    delays.push(got.firstAt - (origin + t.createdAt + t.processingMs));
  });
  return { p50Ms: percentile(delays, 0.5), p95Ms: percentile(delays, 0.95), wrong, lost, duplicates };
}

/**
 * The real poll run (runPoller: cost model, list checks, per-task schedule) in virtual time, as
 * deployed: a run a minute (or sooner, woken by a registration), `passesPerMinute` passes evenly spaced. The simulator's task logic and bodies answer without HTTP; an
 * in-memory store stands in for DynamoDB. Every task is registered the moment it is created.
 */
export async function runNotifierVirtual(w: Workload, o: NotifierBenchOptions): Promise<BenchOutcome> {
  const clock = new VirtualClock();
  const start = clock.t;
  const sim = new TwelveLabsSimulator({ now: clock.now, modes: o.modes });
  const tl = new DirectTwelveLabs(sim, clock.now);
  const store = new MemoryStore();
  const events = new Map<string, { types: string[]; firstAt: number }>();
  const publisher = {
    async publish(e: TaskEvent) {
      const seen = events.get(e.task.id);
      if (seen) seen.types.push(e.type);
      else events.set(e.task.id, { types: [e.type], firstAt: clock.now() });
    },
  };
  const random = seededRandom(7);
  const passIntervalMs = 60_000 / o.passesPerMinute;
  const settings: PollerSettings = {
    ...BENCH_LIFECYCLE,
    concurrency: 16,
    maxTasksPerPass: 10_000,
    pageSize: 1000,
    passes: o.passesPerMinute,
    passIntervalMs,
    batchMinDue: o.batchMinDue,
    batchLookbackMs: 3600_000,
    maxOutboxPerPass: 500,
    watchKinds: o.watchAccount ? ["embed"] : [],
    defaultDeadlineSeconds: 24 * 3600,
    ...(o.callsPerMinute ? { callsPerMinute: o.callsPerMinute } : {}),
  };
  const discovery = o.watchAccount ? new MemoryDiscoveryStore(store) : undefined;
  const order = w.tasks.map((t, i) => ({ t, i })).sort((a, b) => a.t.createdAt - b.t.createdAt);
  const ids = new Array<string>(w.tasks.length);
  let next = 0;
  const arriveUntil = (until: number) => {
    while (next < order.length && start + (order[next]?.t.createdAt ?? 0) <= until) {
      const { t, i } = order[next++] as { t: Workload["tasks"][number]; i: number };
      const saved = clock.t;
      clock.t = start + t.createdAt;
      const kind = o.kind ?? "embed";
      const sim_ = sim.addTask({
        kind,
        durationSec: t.videoSec,
        timeline: [
          {
            status: kind === "bedrock" ? "InProgress" : kind === "index" ? "indexing" : "processing",
            afterMs: 0,
          },
          { status: wordFor(kind, t.fate), afterMs: t.processingMs },
        ],
        errorMessage: t.fate === "failed" ? "The video could not be processed" : undefined,
      });
      ids[i] = sim_.id;
      if (o.webhookLatencyMs !== undefined)
        hooks.push({ at: start + t.createdAt + t.processingMs + o.webhookLatencyMs, id: sim_.id });
      const address = kind === "bedrock" ? { invocationArn: invocationArnOf(sim_) } : {};
      if (!o.watchAccount)
        void store.register(newTask({ taskId: sim_.id, kind, ...address }, clock.t, 86_400));
      clock.t = saved;
    }
  };
  const listStats = new Map();
  const memory = new OpenTasks();
  const budget = new CallBudget(o.callsPerMinute ?? 0);
  // TwelveLabs' webhooks: when each arrives (a nudge of its task, and an arrival noted for the kind).
  const hooks: Array<{ at: number; id: string }> = [];
  // Steady state: the account's webhooks were arriving before the workload began.
  let lastArrival: number | undefined = o.webhookLatencyMs === undefined ? undefined : start - 60_000;
  const deliverHooksUntil = async (until: number) => {
    hooks.sort((a, b) => a.at - b.at);
    while (hooks.length > 0 && (hooks[0]?.at ?? 0) <= until) {
      const h = hooks.shift() as { at: number; id: string };
      await store.nudge(h.id, h.at);
      lastArrival = h.at;
    }
  };
  const webhookArrivals = async () => (lastArrival === undefined ? {} : { [o.kind ?? "embed"]: lastArrival });
  // Runs come at each minute's tick, or sooner when a task is registered while no run is active
  // (the table's stream wakes the poller, about a second later); a tick during a run is skipped
  // (the lease). Each run ends 55 s after it started (timeout 58 s less the 3 s safety margin), or
  // earlier when nothing is due before then.
  let idleSince = start;
  const stopAt = start + (o.stopAtMs ?? 24 * 3600_000);
  // Per-minute figures: from the start, or (steady state) from half-way, past the initial load.
  const mark = { at: start, calls: 0, reads: 0, writes: 0, taken: o.stopAtMs === undefined };
  while (events.size < w.tasks.length && idleSince < stopAt) {
    if (!mark.taken && clock.t >= start + (o.stopAtMs ?? 0) / 2) {
      Object.assign(mark, {
        at: clock.t,
        calls: tl.calls,
        reads: store.meter.reads,
        writes: store.meter.writes,
      });
      mark.taken = true;
    }
    const nextTick = start + Math.ceil((idleSince - start) / 60_000) * 60_000;
    const nextArrival = Math.min(
      next < order.length ? start + (order[next]?.t.createdAt ?? 0) : Number.POSITIVE_INFINITY,
      // A webhook's record wakes the poller as a registration does.
      hooks.length > 0 ? Math.min(...hooks.map((h) => h.at)) : Number.POSITIVE_INFINITY,
    );
    // Watching the account, nothing is registered: no stream wakes the poller, the ticks do.
    const runStart = o.watchAccount
      ? nextTick
      : Math.min(nextTick, Math.max(nextArrival, idleSince) + WAKE_LATENCY_MS);
    arriveUntil(runStart);
    await deliverHooksUntil(runStart);
    clock.t = runStart;
    const sleep = async (ms: number) => {
      arriveUntil(clock.t + ms);
      await deliverHooksUntil(clock.t + ms);
      clock.t += ms;
    };
    await runPoller(
      {
        store,
        twelvelabs: tl,
        publisher,
        now: clock.now,
        random,
        sleep,
        listStats,
        memory,
        budget,
        discovery,
        ...(o.webhookLatencyMs !== undefined ? { webhookArrivals } : {}),
      },
      settings,
      runStart + 55_000,
    );
    idleSince = Math.max(clock.t, runStart + 1);
  }
  const n = w.tasks.length;
  const ranFor = Math.max(1 / 60, (clock.t - mark.at) / 60_000);
  return {
    callsPerMinute: (tl.calls - mark.calls) / ranFor,
    readsPerMinute: (store.meter.reads - mark.reads) / ranFor,
    writesPerMinute: (store.meter.writes - mark.writes) / ranFor,
    callsPerTask: tl.calls / n,
    listCallsPerTask: tl.listCalls / n,
    writesPerTask: store.meter.writes / n,
    readsPerTask: store.meter.reads / n,
    ...score(w, ids, events, start, o.stopAtMs === undefined ? undefined : o.stopAtMs - 120_000),
  };
}

/** The notifier at the deployed defaults under the lenient and the strict readings (a row each). */
export async function atDefaults(
  w: Workload,
  opts: Pick<NotifierBenchOptions, "kind"> = {},
): Promise<Array<{ label: "lenient" | "strict"; outcome: BenchOutcome }>> {
  const out: Array<{ label: "lenient" | "strict"; outcome: BenchOutcome }> = [];
  for (const [label, modes] of [
    ["lenient", {}],
    ["strict", STRICT_MODES],
  ] as const) {
    out.push({
      label,
      outcome: await runNotifierVirtual(w, {
        passesPerMinute: PASSES_PER_MINUTE,
        batchMinDue: DEFAULT_BATCH_MIN_DUE,
        modes,
        ...opts,
      }),
    });
  }
  return out;
}
