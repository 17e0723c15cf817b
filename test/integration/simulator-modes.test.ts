import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { VirtualClock } from "../support/memory-ports.js";

/* The simulator answers under each reading the spec leaves open: proven here over real HTTP. */
const clock = new VirtualClock(Date.parse("2026-11-29T23:59:50Z"));
const sim = new TwelveLabsSimulator({ now: clock.now });
let base = "";

beforeAll(async () => {
  base = await sim.start();
});
afterAll(async () => {
  await sim.close();
});

async function get(path: string): Promise<{
  status: number;
  body: { data?: Array<{ _id: string; status: string }> } & Record<string, unknown>;
}> {
  const res = await fetch(`${base}${path}`, { headers: { "x-api-key": sim.apiKey } });
  return { status: res.status, body: (await res.json()) as never };
}
const ids = (r: { body: { data?: Array<{ _id: string }> } }) => (r.body.data ?? []).map((t) => t._id).sort();

describe("simulator modes", () => {
  test("a deleted task: its status call denies it, lists omit it", async () => {
    const t = sim.addTask({
      kind: "embed",
      timeline: [{ status: "processing", afterMs: 0 }],
      deleteAfterMs: 1_000,
    });
    expect((await get(`/embed/tasks/${t.id}/status`)).status).toBe(200);
    clock.t += 1_000;
    expect((await get(`/embed/tasks/${t.id}/status`)).status).toBe(400);
    expect(ids(await get("/embed/tasks?status=processing&page_limit=50"))).not.toContain(t.id);
  });

  test("stale lists answer from an older view, independently per call", async () => {
    const t = sim.addTask({
      kind: "embed-v2",
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 500 },
      ],
    });
    clock.t += 600;
    sim.setModes({ listStalenessMs: 5_000 });
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = await get("/embed-v2/tasks?page_limit=50");
      const item = r.body.data?.find((x) => x._id === t.id);
      seen.add(item ? item.status : "absent");
    }
    // Some views predate the task, some see it running, some see it ready.
    expect(seen).toEqual(new Set(["absent", "processing", "ready"]));
    // The task's own call is always fresh.
    expect((await get(`/embed-v2/tasks/${t.id}`)).body.status).toBe("ready");
    sim.setModes({ listStalenessMs: 0 });
  });

  test("GET /tasks status filter: comma-only reads the last repeated value; repeated-only takes a comma value literally", async () => {
    const a = sim.addTask({ kind: "index", timeline: [{ status: "queued", afterMs: 0 }] });
    const b = sim.addTask({ kind: "index", timeline: [{ status: "indexing", afterMs: 0 }] });
    sim.setModes({ statusFilterForm: "both" });
    expect(ids(await get("/tasks?status=queued,indexing&page_limit=50"))).toEqual(
      expect.arrayContaining([a.id, b.id]),
    );
    expect(ids(await get("/tasks?status=queued&status=indexing&page_limit=50"))).toEqual(
      expect.arrayContaining([a.id, b.id]),
    );
    sim.setModes({ statusFilterForm: "comma" });
    expect(ids(await get("/tasks?status=queued&status=indexing&page_limit=50"))).not.toContain(a.id);
    sim.setModes({ statusFilterForm: "repeated" });
    expect(ids(await get("/tasks?status=queued,indexing&page_limit=50"))).toEqual([]);
    sim.setModes({ statusFilterForm: "both" });
  });

  test("created_at read as the same day only; exclusive window bounds", async () => {
    const before = sim.addTask({ kind: "index", createdAt: clock.t - 2_000 });
    clock.t += 20_000; // past midnight UTC
    const after = sim.addTask({ kind: "index" });
    const from = new Date(before.createdAt).toISOString();
    expect(ids(await get(`/tasks?created_at=${from}&page_limit=50`))).toEqual(
      expect.arrayContaining([before.id, after.id]),
    );
    sim.setModes({ createdAtReading: "same-day" });
    const sameDay = ids(await get(`/tasks?created_at=${from}&page_limit=50`));
    expect(sameDay).toContain(before.id);
    expect(sameDay).not.toContain(after.id);
    sim.setModes({ createdAtReading: "at-or-after", windowBounds: "exclusive" });
    expect(ids(await get(`/tasks?created_at=${from}&page_limit=50`))).not.toContain(before.id);
    sim.setModes({ windowBounds: "inclusive" });
  });

  test("embed-v2 429 bodies carry the wait in error.details.retryAfter", async () => {
    sim.addFault({ type: "429", times: 1, pathIncludes: "/embed-v2/", bodyRetryAfterSec: 60 });
    const r = await get("/embed-v2/tasks/x");
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ error: { code: "RATE_LIMIT_EXCEEDED", details: { retryAfter: "60" } } });
  });

  test("modes are validated: an unknown reading is refused with a clear message", async () => {
    const res = await fetch(`${sim.origin}/_sim/modes`, {
      method: "POST",
      body: JSON.stringify({ statusFilterForm: "pipe" }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain("statusFilterForm must be one of");
  });
});
