import { describe, expect, test } from "vitest";
import { CallBudget, LIST_SHARE } from "../../functions/core/call-budget.js";
import { OpenTasks } from "../../functions/core/open-tasks.js";
import { type PollerSettings, runPoller } from "../../functions/core/poll-run.js";
import { newTask } from "../../functions/core/task.js";
import { seededRandom } from "../../local/simulator/sim-faults.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { DirectTwelveLabs, MemoryPublisher, MemoryStore, VirtualClock } from "../support/memory-ports.js";
import { SETTINGS } from "../support/poller-settings.js";

describe("CallBudget", () => {
  test("counts the calls of a sliding minute; none without a budget", () => {
    const b = new CallBudget(100);
    b.spend(0, 60);
    b.spend(30_000, 30);
    expect(b.left(30_000)).toBe(10);
    expect(b.left(60_001)).toBe(70); // the first 60 are a minute old
    expect(new CallBudget(0).left(0)).toBe(Number.POSITIVE_INFINITY);
  });

  test("a long list is read as often as the budget allows; a short one every pass", () => {
    const b = new CallBudget(1_000);
    expect(b.listEveryMs(2, 6_000, 0)).toBe(6_000);
    // 200 pages, nothing else spent: at most LIST_SHARE of the budget goes to the looks.
    expect(b.listEveryMs(200, 6_000, 0)).toBe(Math.ceil((200 * 60_000) / (1_000 * LIST_SHARE)));
    // Checks took 500 calls in the last minute: the looks get the other 500.
    b.spend(0, 500);
    expect(b.listEveryMs(200, 6_000, 1_000)).toBe(24_000);
  });
});

describe("more due than the budget allows", () => {
  test("the oldest due go first across kinds, the rest stay due, nothing starves, the minute's calls stay within the budget", async () => {
    const clock = new VirtualClock();
    const sim = new TwelveLabsSimulator({ now: clock.now });
    const tl = new DirectTwelveLabs(sim, clock.now);
    const store = new MemoryStore();
    const order: string[] = [];
    const publisher = new MemoryPublisher();
    // 30 tasks checked one by one (analyses, indexed assets: no list names them), all still running.
    for (let i = 0; i < 30; i++) {
      const kind = i % 2 === 0 ? "analyze" : "indexed-asset";
      const t = sim.addTask({
        kind,
        indexId: "6641c0efc70bb578439bd9aa",
        timeline: [{ status: "processing", afterMs: 0 }],
      });
      // Registered a second apart: the first is the oldest due.
      await store.register({
        ...newTask(
          { taskId: t.id, kind, indexId: "6641c0efc70bb578439bd9aa" },
          clock.t - (30 - i) * 1_000,
          86_400,
        ),
      });
      order.push(t.id);
    }
    const settings: PollerSettings = { ...SETTINGS, concurrency: 4, callsPerMinute: 10 };
    const checked: string[] = [];
    const deps = {
      store,
      // The simulator's answers; which task each status call was for, recorded.
      twelvelabs: {
        getTask: (...a: Parameters<DirectTwelveLabs["getTask"]>) => {
          checked.push(a[1]);
          return tl.getTask(...a);
        },
        listTasks: (...a: Parameters<DirectTwelveLabs["listTasks"]>) => tl.listTasks(...a),
      },
      publisher,
      now: clock.now,
      random: seededRandom(1),
      sleep: async (ms: number) => {
        clock.t += ms;
      },
      memory: new OpenTasks(),
      budget: new CallBudget(10),
    };
    const first = await runPoller(deps, settings, clock.t + 50_000);
    expect(tl.calls).toBe(10);
    expect(first.deferredByBudget).toBe(20);
    // The ten oldest went first, whatever their kind.
    const looked = checked.map((id) => order.indexOf(id));
    expect([...looked].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Within the same minute: nothing more.
    clock.t += 30_000;
    await runPoller(deps, settings, clock.t + 20_000);
    expect(tl.calls).toBe(10);
    // Minute by minute the rest: every task looked at within three minutes, never more than 10 a minute.
    for (let m = 0; m < 3; m++) {
      clock.t += 31_000;
      const before = tl.calls;
      await runPoller(deps, settings, clock.t + 20_000);
      expect(tl.calls - before).toBeLessThanOrEqual(10);
    }
    const seen = new Set(checked);
    expect(seen.size).toBe(30);
  });
});
