import { describe, expect, test } from "vitest";
import {
  checkThroughLists,
  type ListStats,
  PAGE_LIMIT,
  planListCheck,
  runningStatus,
  WINDOW_MARGIN_MS,
} from "../../functions/core/batched-check.js";
import type { CallOptions, TwelveLabsPort } from "../../functions/core/ports.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "../../functions/core/snapshot.js";
import { newTask, type Task } from "../../functions/core/task.js";
import type { RemoteStatus, TaskKind } from "../../functions/core/task-kinds.js";
import { TwelveLabsAuthError, TwelveLabsTransientError } from "../../functions/core/twelvelabs-errors.js";

const T0 = Date.parse("2026-11-29T12:00:00Z");

function task(id: string, kind: TaskKind, createdAt?: number, status: Task["status"] = "processing"): Task {
  const t = newTask({ taskId: id, kind }, T0, 86_400);
  t.status = status;
  if (createdAt !== undefined) t.metadata.createdAt = new Date(createdAt).toISOString();
  return t;
}

function snap(id: string, kind: TaskKind, status: RemoteStatus, createdAt = T0): TaskSnapshot {
  return {
    id,
    kind,
    status,
    terminal: status === "ready" || status === "failed",
    metadata: {},
    createdAt: new Date(createdAt).toISOString(),
  };
}

/** A TwelveLabs whose lists answer from a fixed set of items, paged, and whose every call is logged. */
class ListOnly implements TwelveLabsPort {
  readonly queries: ListTasksQuery[] = [];
  constructor(
    private readonly items: TaskSnapshot[],
    private readonly fail?: Error,
  ) {}
  async getTask(): Promise<TaskSnapshot> {
    throw new Error("a batched check makes no status call");
  }
  async listTasks(_kind: TaskKind, q: ListTasksQuery, _o?: CallOptions): Promise<TaskPage> {
    this.queries.push(q);
    if (this.fail) throw this.fail;
    const rows = this.items.filter(
      (s) =>
        (q.status === undefined || s.status === q.status) && (q.ids === undefined || q.ids.includes(s.id)),
    );
    const page = q.page ?? 1;
    return {
      tasks: rows.slice((page - 1) * PAGE_LIMIT, page * PAGE_LIMIT),
      page,
      totalPages: Math.ceil(rows.length / PAGE_LIMIT),
      totalResults: rows.length,
    };
  }
}

const ctx = (stats: ListStats = {}) => ({
  now: () => T0,
  lookbackMs: 3600_000,
  deadlineAt: T0 + 60_000,
  stats,
});

describe("planListCheck (the cost model)", () => {
  test("per task below the minimum, when batching is off, or when lists would cost more", () => {
    const due = Array.from({ length: 5 }, (_, i) => task(`t${i}`, "embed"));
    expect(planListCheck("embed", due, undefined, 6).running).toBe(false);
    expect(planListCheck("embed", [...due, task("t5", "embed")], undefined, 0)).toMatchObject({
      running: false,
      window: false,
    });
    // 400 tasks running in the account: 8 pages, more than 6 due tasks cost one by one.
    const six = [...due, task("t5", "embed")];
    expect(planListCheck("embed", six, { running: 400 }, 6)).toMatchObject({ running: false, window: false });
  });

  test("the running list for tasks whose creation time is unknown (embed kinds only)", () => {
    const due = Array.from({ length: 10 }, (_, i) => task(`t${i}`, "embed"));
    expect(planListCheck("embed", due, undefined, 6)).toMatchObject({ running: true, estimatedCalls: 1 });
    // Index tasks have several unfinished statuses: their running list would depend on a filter form.
    expect(runningStatus("index")).toBeUndefined();
    const index = Array.from({ length: 10 }, (_, i) => task(`i${i}`, "index"));
    expect(planListCheck("index", index, undefined, 6)).toMatchObject({ running: false, window: false });
  });

  test("a window list when creation times are known and the window is dense with due tasks", () => {
    const due = Array.from({ length: 10 }, (_, i) => task(`i${i}`, "index", T0 - i * 1000));
    expect(planListCheck("index", due, undefined, 6)).toMatchObject({ window: true, estimatedCalls: 1 });
    // 3,000 tasks a minute created in the account: a 13 s window holds ~650, 13 pages: per task is cheaper.
    expect(planListCheck("index", due, { perMinute: 3000 }, 6)).toMatchObject({
      window: false,
      running: false,
    });
  });
});

describe("checkThroughLists: only positive evidence", () => {
  test("a task in no list is handed back for its own call, never taken as finished", async () => {
    // Seen running before (creation time known); now in no list at all: deleted, or a stale list.
    const due = Array.from({ length: 8 }, (_, i) => task(`t${i}`, "embed", T0 - 10_000 + i));
    const tl = new ListOnly([snap("t0", "embed", "ready"), snap("t1", "embed", "failed")]);
    const plan = planListCheck("embed", due, undefined, 6);
    const out = await checkThroughLists(tl, "embed", due, plan, ctx());
    expect([...out.named.keys()].sort()).toEqual(["t0", "t1"]);
    expect(out.named.get("t0")?.status).toBe("ready");
    expect(out.named.get("t1")?.status).toBe("failed");
    expect(out.toConfirm.map((t) => t.taskId).sort()).toEqual(["t2", "t3", "t4", "t5", "t6", "t7"]);
  });

  test("every named task gets the status its item names, and no other", async () => {
    const due = Array.from({ length: 6 }, (_, i) => task(`t${i}`, "embed-v2"));
    const items: TaskSnapshot[] = [
      snap("t0", "embed-v2", "processing"),
      snap("t1", "embed-v2", "processing"),
      snap("t2", "embed-v2", "ready"),
      snap("t3", "embed-v2", "failed"),
      snap("other", "embed-v2", "ready"),
    ];
    const out = await checkThroughLists(
      new ListOnly(items),
      "embed-v2",
      due,
      planListCheck("embed-v2", due, undefined, 6),
      ctx(),
    );
    // The running list named t0 and t1; nothing named the others (they are not running): each is confirmed.
    expect(Object.fromEntries([...out.named].map(([id, s]) => [id, s.status]))).toEqual({
      t0: "processing",
      t1: "processing",
    });
    expect(out.toConfirm.map((t) => t.taskId)).toEqual(["t2", "t3", "t4", "t5"]);
  });

  test("the window list over known creation times names finished tasks; bounds are widened", async () => {
    const due = Array.from({ length: 6 }, (_, i) => task(`t${i}`, "embed", T0 - 5_000 + i * 1000));
    const items = due.map((t, i) =>
      snap(t.taskId, "embed", i < 2 ? "processing" : i < 4 ? "ready" : "failed", T0 - 5_000 + i * 1000),
    );
    const tl = new ListOnly(items);
    const out = await checkThroughLists(tl, "embed", due, planListCheck("embed", due, undefined, 6), ctx());
    expect(out.toConfirm).toEqual([]);
    expect(out.named.get("t3")?.status).toBe("ready");
    expect(out.named.get("t5")?.status).toBe("failed");
    // Every creation time known: one window list over them all (no running list), bounds widened.
    expect(tl.queries.every((q) => q.status === undefined)).toBe(true);
    const windowQuery = tl.queries.find((q) => q.status === undefined);
    expect(Date.parse(windowQuery?.createdAfter ?? "")).toBe(T0 - 5_000 - WINDOW_MARGIN_MS);
    expect(Date.parse(windowQuery?.createdBefore ?? "")).toBe(T0 + WINDOW_MARGIN_MS);
  });

  test("a stale item never moves a status backwards", async () => {
    const due = Array.from({ length: 6 }, (_, i) => task(`i${i}`, "index", T0 - i * 1000, "indexing"));
    const items = due.map((t, i) => snap(t.taskId, "index", i === 0 ? "queued" : "indexing", T0 - i * 1000));
    const out = await checkThroughLists(
      new ListOnly(items),
      "index",
      due,
      planListCheck("index", due, undefined, 6),
      ctx(),
    );
    expect(out.named.get("i0")?.status).toBe("indexing");
  });

  test("stops reading pages once the rest would cost more than checking the remaining tasks", async () => {
    // 500 unrelated tasks in the window, newest first: our 6 are on the last pages.
    const others = Array.from({ length: 500 }, (_, i) => snap(`x${i}`, "embed", "ready", T0));
    const due = Array.from({ length: 6 }, (_, i) => task(`t${i}`, "embed", T0 - 1000 - i));
    const tl = new ListOnly([...others, ...due.map((t) => snap(t.taskId, "embed", "ready", T0 - 1000))]);
    const plan = { running: false, window: true, estimatedCalls: 1, perTaskCalls: 6 };
    const out = await checkThroughLists(tl, "embed", due, plan, ctx());
    expect(out.calls).toBe(1);
    expect(out.toConfirm).toHaveLength(6);
  });

  test("a failing list keeps what earlier lists named; an auth error stops the run", async () => {
    const due = Array.from({ length: 6 }, (_, i) => task(`t${i}`, "embed"));
    const plan = planListCheck("embed", due, undefined, 6);
    const failing = await checkThroughLists(
      new ListOnly([], new TwelveLabsTransientError("503")),
      "embed",
      due,
      plan,
      ctx(),
    );
    expect(failing.error).toBeInstanceOf(TwelveLabsTransientError);
    expect(failing.toConfirm).toHaveLength(6);
    await expect(
      checkThroughLists(new ListOnly([], new TwelveLabsAuthError("401")), "embed", due, plan, ctx()),
    ).rejects.toBeInstanceOf(TwelveLabsAuthError);
  });

  test("no list call starts after the deadline", async () => {
    const due = Array.from({ length: 6 }, (_, i) => task(`t${i}`, "embed"));
    const tl = new ListOnly([]);
    const out = await checkThroughLists(tl, "embed", due, planListCheck("embed", due, undefined, 6), {
      ...ctx(),
      deadlineAt: T0,
    });
    expect(tl.queries).toHaveLength(0);
    expect(out.toConfirm).toHaveLength(6);
  });
});

describe("kinds from the kind table", () => {
  test("assets are looked up by id, a page of ids per call; analyses and indexed assets are checked per task", () => {
    const due = (kind: TaskKind, n: number) =>
      Array.from({ length: n }, (_, i) => task(`${kind}-${i}`, kind));
    expect(planListCheck("asset", due("asset", 120), undefined, 2)).toMatchObject({
      ids: true,
      estimatedCalls: 3,
    });
    // One asset: its own call is as cheap.
    expect(planListCheck("asset", due("asset", 1), undefined, 1).ids).toBeFalsy();
    for (const kind of ["analyze", "indexed-asset"] as const) {
      const plan = planListCheck(kind, due(kind, 100), { running: 0, perMinute: 0 }, 2);
      expect(plan).toMatchObject({ running: false, window: false, estimatedCalls: 100 });
      expect(plan.ids).toBeFalsy();
    }
  });

  test("an asset lookup names what it returns; an id it leaves out is checked alone, never inferred", async () => {
    const due = Array.from({ length: 60 }, (_, i) => task(`a${i}`, "asset"));
    // TwelveLabs answers for all but a7 (deleted, or a stale answer): a7 goes back for its own call.
    const tl = new ListOnly(
      due
        .filter((t) => t.taskId !== "a7")
        .map((t, i) => snap(t.taskId, "asset", i % 2 ? "ready" : "processing")),
    );
    const plan = planListCheck("asset", due, undefined, 2);
    const out = await checkThroughLists(tl, "asset", due, plan, ctx());
    expect(tl.queries.map((q) => q.ids?.length)).toEqual([50, 10]);
    expect(out.calls).toBe(2);
    expect(out.named.size).toBe(59);
    expect(out.toConfirm.map((t) => t.taskId)).toEqual(["a7"]);
    expect(out.named.get("a1")?.status).toBe("ready");
    expect(out.named.get("a2")?.status).toBe("processing");
  });
});
