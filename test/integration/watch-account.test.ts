import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, test } from "vitest";
import { DISCOVERABLE_KINDS } from "../../functions/core/discovery.js";
import { registerTask } from "../../functions/core/register-task.js";
import { remoteWordsOf, type TaskKind } from "../../functions/core/task-kinds.js";
import type { PollerHandler } from "../../functions/poller-handler.js";
import { DEFAULT_MODES } from "../../local/simulator/sim-modes.js";
import { wordFor } from "../../local/simulator/sim-tasks.js";
import { MODE_CASES } from "../support/evidence-scenario.js";
import { type PollerHarness, sleep, startPollerHarness } from "../support/poller-harness.js";

/*
 * Watching the account: the real poller (dynalite, fauxqs, the simulator over HTTP) finds tasks of
 * the watched kinds that nobody registered, and announces each exactly as it ends; nothing created
 * before the mode was on is ever announced.
 */
let h: PollerHarness;
afterEach(async () => h?.close());

const WATCHED = DISCOVERABLE_KINDS.join(",");
/** The first status of a kind's lifecycle: a task starts there. */
/** A kind's first word for a running job, and the word its service uses for an end (a batch fails with a failed item). */
const running = (kind: TaskKind) => remoteWordsOf(kind)[0] as string;
const endWord = (kind: TaskKind, fate: "ready" | "failed") =>
  kind === "analyze-batch" ? "completed" : wordFor(kind, fate);

async function runUntilSettled(handler: PollerHandler, ids: string[], timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await h.run(5_000, handler);
    const open = await Promise.all(ids.map(async (id) => (await h.store.get(id))?.dueAt !== undefined));
    const known = await Promise.all(ids.map(async (id) => (await h.store.get(id)) !== undefined));
    if ((known.every(Boolean) && !open.some(Boolean)) || Date.now() > end) return;
    await sleep(100);
  }
}

async function announced(queue: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const m of await h.drain(queue))
    out.set(m.event.task.id, [...(out.get(m.event.task.id) ?? []), m.event.type]);
  return out;
}

describe("watching the account", () => {
  test.each(MODE_CASES)(
    "%s: new tasks of every watchable kind are found and announced once; older ones never",
    async (_name, modes) => {
      h = await startPollerHarness({ PASS_INTERVAL_MS: "100", WATCH_ACCOUNT_KINDS: WATCHED });
      h.sim.setModes({ ...DEFAULT_MODES, ...modes });
      const queue = h.queue("watch");
      // Created (and finished) before the mode is on: must never be announced.
      const old = DISCOVERABLE_KINDS.map((kind) =>
        h.sim.addTask({
          kind,
          createdAt: Date.now() - 30_000,
          timeline: [{ status: endWord(kind, "ready"), afterMs: 0 }],
        }),
      );
      const oldRunning = h.sim.addTask({ kind: "embed", createdAt: Date.now() - 5_000 });
      const first = await h.run(5_000); // turns the mode on: the marks start now
      expect(first.discovered).toBe(0);
      await sleep(20);
      const fates = new Map<string, "ready" | "failed">();
      const fresh = DISCOVERABLE_KINDS.flatMap((kind) =>
        (["ready", "failed"] as const).map((fate) => {
          const t = h.sim.addTask({
            kind,
            timeline: [
              { status: running(kind), afterMs: 0 },
              { status: endWord(kind, fate), afterMs: fate === "ready" ? 400 : 600 },
            ],
            ...(fate === "failed" ? { errorMessage: "bad input", items: { failed: 1 } } : {}),
          });
          fates.set(t.id, fate);
          return t;
        }),
      );
      await runUntilSettled(
        h.handlerWith({ WATCH_ACCOUNT_KINDS: WATCHED }).handler,
        fresh.map((t) => t.id),
      );
      const got = await announced(queue);
      for (const t of [...old, oldRunning]) expect(got.has(t.id), `${t.kind} created before`).toBe(false);
      for (const t of fresh) {
        expect(got.get(t.id), `${t.kind} ${t.id}`).toEqual([`task.${fates.get(t.id)}`]);
        const stored = await h.store.get(t.id);
        expect(stored?.source).toBe("discovered");
      }
    },
    60_000,
  );

  test("the mark survives restarts and concurrent runs: each task is announced once", async () => {
    h = await startPollerHarness({ PASS_INTERVAL_MS: "100", WATCH_ACCOUNT_KINDS: "embed,asset" });
    const queue = h.queue("watch");
    await h.run(5_000);
    const markBefore = await h.dynamo.send(
      new GetItemCommand({ TableName: h.aws.tableName, Key: { pk: { S: "META#watch#embed" } } }),
    );
    const fresh = [
      ...Array.from({ length: 6 }, () =>
        h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 300 }] }),
      ),
      ...Array.from({ length: 6 }, () =>
        h.sim.addTask({ kind: "asset", timeline: [{ status: "ready", afterMs: 300 }] }),
      ),
    ];
    // Two warm instances at once, then a cold one (a restart).
    const a = h.handlerWith({ WATCH_ACCOUNT_KINDS: "embed,asset" }).handler;
    const b = h.handlerWith({ WATCH_ACCOUNT_KINDS: "embed,asset" }).handler;
    for (let i = 0; i < 8; i++) {
      await Promise.all([h.run(5_000, a), h.run(5_000, b)]);
      await sleep(100);
    }
    await runUntilSettled(
      h.handlerWith({ WATCH_ACCOUNT_KINDS: "embed,asset" }).handler,
      fresh.map((t) => t.id),
    );
    const got = await announced(queue);
    for (const t of fresh) expect(got.get(t.id), t.id).toEqual(["task.ready"]);
    const markAfter = await h.dynamo.send(
      new GetItemCommand({ TableName: h.aws.tableName, Key: { pk: { S: "META#watch#embed" } } }),
    );
    // Enabled once: restarts and other instances kept the start; scans moved the mark forward.
    expect(markAfter.Item?.enabledAt?.N).toBe(markBefore.Item?.enabledAt?.N);
    expect(Number(markAfter.Item?.scannedUntil?.N)).toBeGreaterThan(Number(markBefore.Item?.scannedUntil?.N));
  }, 60_000);

  test("a TwelveLabs outage only delays discovery; a registration adopts a discovered task", async () => {
    h = await startPollerHarness({ PASS_INTERVAL_MS: "100", WATCH_ACCOUNT_KINDS: "embed-v2" });
    const queue = h.queue("watch");
    await h.run(5_000);
    h.sim.addFault({ type: "5xx", pathIncludes: "/embed-v2/tasks", times: 1_000 });
    const t = h.sim.addTask({ kind: "embed-v2", timeline: [{ status: "ready", afterMs: 1_500 }] });
    const during = await h.run(5_000);
    expect(during.discovered).toBe(0);
    expect(await h.store.get(t.id)).toBeUndefined();
    h.sim.clearFaults();
    const after = await h.run(5_000);
    expect(after.discovered).toBe(1);
    // Registered explicitly now: tags and a deadline are added, the task stays watched as found.
    const reg = await registerTask(
      h.store,
      { taskId: t.id, tags: { team: "video" }, deadlineSeconds: 600 },
      Date.now(),
      3600,
    );
    expect(reg.created).toBe(false);
    expect(reg.task.source).toBeUndefined();
    expect(reg.task.tags).toEqual({ team: "video" });
    const stored = await h.store.get(t.id);
    expect(stored?.source).toBeUndefined();
    expect(stored?.deadlineAt).toBe((stored?.registeredAt ?? 0) + 600_000);
    await runUntilSettled(h.handlerWith({ WATCH_ACCOUNT_KINDS: "embed-v2" }).handler, [t.id]);
    const got = await announced(queue);
    expect(got.get(t.id)).toEqual(["task.ready"]);
    const [m] = await h.drain(queue);
    expect(m).toBeUndefined();
  }, 60_000);

  test("turned off, then on again: what was created meanwhile is not announced", async () => {
    h = await startPollerHarness({ PASS_INTERVAL_MS: "100", WATCH_ACCOUNT_KINDS: "analyze" });
    await h.run(5_000);
    await h.run(5_000, h.handlerWith({ WATCH_ACCOUNT_KINDS: "" }).handler); // off
    const meanwhile = h.sim.addTask({ kind: "analyze" });
    await sleep(20);
    const on = h.handlerWith({ WATCH_ACCOUNT_KINDS: "analyze" }).handler;
    await h.run(5_000, on);
    const later = h.sim.addTask({ kind: "analyze" });
    await h.run(5_000, on);
    expect(await h.store.get(meanwhile.id)).toBeUndefined();
    expect((await h.store.get(later.id))?.source).toBe("discovered");
  }, 60_000);

  test("an indexed asset cannot be watched account-wide: the configuration says so", async () => {
    await expect(startPollerHarness({ WATCH_ACCOUNT_KINDS: "embed,indexed-asset" })).rejects.toThrow(
      /WATCH_ACCOUNT_KINDS: "indexed-asset" cannot be watched/,
    );
  });
});

test("a task deleted right after it was found is not found again by the next scans (a deletion sticks); registering it again works", async () => {
  h = await startPollerHarness({ PASS_INTERVAL_MS: "100", WATCH_ACCOUNT_KINDS: "embed" });
  const queue = h.queue("deleted");
  await h.run(5_000); // the mode on: marks start now
  await sleep(20);
  const t = h.sim.addTask({
    kind: "embed",
    timeline: [
      { status: "processing", afterMs: 0 },
      { status: "ready", afterMs: 1_500 },
    ],
  });
  const found = await h.run(5_000);
  expect(found.discovered).toBe(1);
  expect(await h.store.remove(t.id, Date.now())).toBe(true);
  expect(await h.store.get(t.id)).toBeUndefined();
  // Well within the two-minute lag every scan reaches back over: runs until it is ready at TwelveLabs.
  await sleep(1_600);
  for (let i = 0; i < 3; i++) {
    const s = await h.run(5_000);
    expect(s.discovered).toBe(0);
  }
  expect(await h.store.get(t.id)).toBeUndefined();
  expect((await h.drain(queue)).map((m) => m.event.task.id)).not.toContain(t.id);
  // A registration is the user's word: it takes the id back.
  const again = await registerTask(h.store, { taskId: t.id }, Date.now(), 3600);
  expect(again.created).toBe(true);
});
