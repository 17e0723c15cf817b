import { describe, expect, test } from "vitest";
import { DISCOVERY_LAG_MS, DISCOVERY_MAX_PAGES, discover } from "../../functions/core/discovery.js";
import { newTask } from "../../functions/core/task.js";
import type { TaskKind } from "../../functions/core/task-kinds.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import {
  DirectTwelveLabs,
  MemoryDiscoveryStore,
  MemoryStore,
  VirtualClock,
} from "../support/memory-ports.js";

/** Discovery over the simulator's task logic in virtual time, with in-memory marks and tasks. */
function setup() {
  const clock = new VirtualClock();
  const sim = new TwelveLabsSimulator({ now: clock.now });
  const tl = new DirectTwelveLabs(sim, clock.now);
  const store = new MemoryStore();
  const marks = new MemoryDiscoveryStore(store);
  const make = ({ id: taskId, kind }: { id: string; kind: TaskKind }) => ({
    ...newTask({ taskId, kind }, clock.now(), 3600),
    source: "discovered" as const,
  });
  /** One pass of a fresh run (marks read again, as a new invocation does). */
  const pass = async (deadlineAt = clock.now() + 50_000) => {
    const [mark] = await marks.syncMarks(["embed"], clock.now());
    return discover(tl, marks, mark as NonNullable<typeof mark>, make, { now: clock.now, deadlineAt });
  };
  return { clock, sim, tl, store, marks, pass };
}

describe("discover", () => {
  test("a backlog beyond one pass's pages goes on where it stopped, across runs, and misses nothing", async () => {
    const { clock, sim, store, marks, pass } = setup();
    await pass(); // turns watching on
    clock.t += 1_000;
    const ids = Array.from({ length: 2_600 }, () => {
      clock.t += 10;
      return sim.addTask({ kind: "embed" }).id;
    });
    const first = await pass();
    expect(first.calls).toBe(DISCOVERY_MAX_PAGES);
    expect(first.complete).toBe(false);
    expect(marks.marks.get("embed")?.resume?.page).toBe(DISCOVERY_MAX_PAGES + 1);
    // More tasks arrive meanwhile: they push the backlog to later pages, which the resume absorbs.
    for (let i = 0; i < 120; i++) ids.push(sim.addTask({ kind: "embed" }).id);
    let outcome = await pass();
    for (let i = 0; i < 5 && !outcome.complete; i++) outcome = await pass();
    expect(outcome.complete).toBe(true);
    // The next scans (from the mark, less the lag) find what arrived during the backlog too.
    clock.t += 5_000;
    outcome = await pass();
    for (let i = 0; i < 5 && !outcome.complete; i++) outcome = await pass();
    expect(outcome.complete).toBe(true);
    for (const id of ids) expect((await store.get(id))?.source, id).toBe("discovered");
    expect(marks.marks.get("embed")?.resume).toBeUndefined();
  });

  test("a scan cut short by the deadline does not move the mark; the next one finds what it missed", async () => {
    const { clock, sim, store, marks, pass } = setup();
    await pass();
    const before = marks.marks.get("embed")?.scannedUntil;
    clock.t += 1_000;
    const id = sim.addTask({ kind: "embed" }).id;
    const cut = await pass(clock.now()); // no time left
    expect(cut.complete).toBe(false);
    expect(marks.marks.get("embed")?.scannedUntil).toBe(before);
    const done = await pass();
    expect(done.complete).toBe(true);
    expect((await store.get(id))?.source).toBe("discovered");
    expect(marks.marks.get("embed")?.scannedUntil).toBeGreaterThan(before ?? 0);
  });

  test("the cutoff: never before watching began; later scans look back by the lag only", async () => {
    const { clock, sim, store, pass } = setup();
    const old = sim.addTask({ kind: "embed", createdAt: clock.now() - 1 }).id;
    await pass();
    clock.t += 10 * 60_000;
    const recent = sim.addTask({ kind: "embed", createdAt: clock.now() - DISCOVERY_LAG_MS / 2 }).id;
    await pass();
    expect(await store.get(old)).toBeUndefined();
    expect((await store.get(recent))?.source).toBe("discovered");
  });
});
