import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { UNSET_TL_WEBHOOK_SECRET } from "../../functions/adapters/secret-placeholder.js";
import { apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { twelveLabsSignatureHex } from "../../functions/core/twelvelabs-webhook.js";
import { apiEvent } from "../support/api-events.js";
import { type PollerHarness, sleep, startPollerHarness } from "../support/poller-harness.js";

/*
 * POST /twelvelabs/webhooks end to end: the real API handler and the real poller handler on the
 * same dynalite table, the simulator as TwelveLabs. A verified event makes its task due; the status
 * comes from the poller's own status call (the event is not evidence).
 */

const SECRET = "tl-webhook-test-secret";
const quiet = { info() {}, error() {} };
let h: PollerHarness;
let all: string;

function apiWith(env: Record<string, string>) {
  const config = apiConfig({
    ...h.aws.env,
    STAGE: "test",
    SHARDS: "4",
    ADMIN_API_KEY_ID: "admin",
    TWELVELABS_WEBHOOK_SECRET: SECRET,
    ...env,
  });
  const handler = createApiHandler(apiDeps(config, h.aws, quiet), quiet);
  return async (raw: string, signature?: string) => {
    const res = await handler(
      apiEvent("POST", "/twelvelabs/webhooks", {
        rawBody: raw,
        headers: signature === undefined ? {} : { "TL-Signature": signature },
        apiKeyId: "",
      }),
    );
    return { status: res.statusCode, body: JSON.parse(res.body) };
  };
}

let n = 0;
function event(taskId: string, type = "index.task.ready", id = `whe_${++n}_${Date.now()}`) {
  return JSON.stringify({
    id,
    created_at: new Date().toISOString(),
    type,
    data: { id: taskId, status: "ready" },
  });
}
const sign = (raw: string, secret = SECRET, at = Math.floor(Date.now() / 1000)) =>
  `t=${at},v1=${twelveLabsSignatureHex(secret, at, raw)}`;
const indexTask = (timeline: Array<{ status: string; afterMs: number }>) =>
  h.sim.addTask({ kind: "index", timeline }).id;

beforeAll(async () => {
  h = await startPollerHarness();
  all = h.queue("tl-webhooks-all");
});
afterAll(async () => {
  await h?.close();
});

describe("POST /twelvelabs/webhooks", () => {
  test("a missing, wrong or stale signature: 401 with a code, and nothing changes", async () => {
    const post = apiWith({});
    const id = indexTask([{ status: "indexing", afterMs: 0 }]);
    const before = await h.register({ taskId: id, kind: "index" });
    const raw = event(id);
    for (const [signature, code] of [
      [undefined, "missing_signature"],
      [sign(raw, "not-the-secret"), "invalid_signature"],
      [sign(`${raw} `), "invalid_signature"],
      [sign(raw, SECRET, Math.floor(Date.now() / 1000) - 400), "stale_signature"],
    ] as const) {
      const res = await post(raw, signature);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe(code);
    }
    const after = await h.store.get(id);
    expect(after?.version).toBe(before.version);
    expect(after?.dueAt).toBe(before.dueAt);
    // The same event properly signed afterwards is not taken for a replay: nothing was recorded.
    expect((await post(raw, sign(raw))).body).toEqual({ received: true, outcome: "checking" });
    await h.store.remove(id, Date.now());
  });

  test("a verified event only makes its task due: the poller's status call decides (an early event announces nothing)", async () => {
    const post = apiWith({});
    // TwelveLabs' event says ready, the task's own status says indexing (an event is not evidence).
    const id = indexTask([
      { status: "indexing", afterMs: 0 },
      { status: "ready", afterMs: 1_500 },
    ]);
    await h.register({ taskId: id, kind: "index" });
    await h.run();
    h.sim.resetCalls();
    const early = event(id);
    expect((await post(early, sign(early))).body.outcome).toBe("checking");
    expect((await h.store.get(id))?.dueAt).toBeLessThanOrEqual(Date.now());
    await h.run();
    expect(h.sim.calls.filter((c) => c.route === "GET /tasks/{task_id}")).toHaveLength(1);
    expect(await h.drain(all)).toHaveLength(0);
    expect((await h.store.get(id))?.status).toBe("indexing");
    // The real one: one status call, one ready event.
    await sleep(1_600);
    h.sim.resetCalls();
    const real = event(id);
    await post(real, sign(real));
    await h.run();
    expect(h.sim.calls.filter((c) => c.route === "GET /tasks/{task_id}")).toHaveLength(1);
    expect((await h.drain(all)).map((m) => m.event.type)).toEqual(["task.ready"]);
  });

  test("a replayed event id is acknowledged and changes nothing", async () => {
    const post = apiWith({});
    const id = indexTask([{ status: "indexing", afterMs: 0 }]);
    await h.register({ taskId: id, kind: "index" });
    const raw = event(id);
    expect((await post(raw, sign(raw))).body.outcome).toBe("checking");
    const once = await h.store.get(id);
    expect(await post(raw, sign(raw))).toEqual({ status: 200, body: { received: true, duplicate: true } });
    expect((await h.store.get(id))?.version).toBe(once?.version);
    await h.store.remove(id, Date.now());
  });

  test("a task the stage does not watch: 2xx at once; adopted (and checked) where the stage watches its kind", async () => {
    const stranger = indexTask([{ status: "ready", afterMs: 0 }]);
    const raw = event(stranger);
    expect((await apiWith({})(raw, sign(raw))).body).toEqual({ received: true, outcome: "not_watched" });
    expect(await h.store.get(stranger)).toBeUndefined();
    const watching = apiWith({ WATCH_ACCOUNT_KINDS: "index" });
    const again = event(stranger);
    expect((await watching(again, sign(again))).body.outcome).toBe("adopted");
    expect((await h.store.get(stranger))?.source).toBe("discovered");
    await h.run();
    const events = await h.drain(all);
    expect(events.map((m) => [m.event.task.id, m.event.type])).toEqual([[stranger, "task.ready"]]);
    // An event type of a kind nobody knows is acknowledged and ignored.
    const other = JSON.stringify({ id: "whe_other", type: "video.thing.done", data: { id: "x" } });
    expect((await watching(other, sign(other))).body).toEqual({ received: true, outcome: "ignored" });
  });

  test("while webhooks arrive for a kind, its new tasks wait for their event (polling is a safety net); other kinds are polled as usual", async () => {
    const post = apiWith({});
    const quietIndex = indexTask([{ status: "indexing", afterMs: 0 }]);
    const embed = h.sim.addTask({ kind: "embed", timeline: [{ status: "processing", afterMs: 0 }] }).id;
    // An index event arrived a moment ago (for some task): index is fed by webhooks now.
    const other = indexTask([{ status: "ready", afterMs: 0 }]);
    const raw = event(other);
    await post(raw, sign(raw));
    const { handler } = h.handlerWith(); // a fresh instance reads the arrivals at its first run
    await h.register({ taskId: quietIndex, kind: "index" });
    await h.register({ taskId: embed, kind: "embed" });
    h.sim.resetCalls();
    await h.run(30_000, handler);
    await h.run(30_000, handler);
    const looked = (id: string) => h.sim.calls.filter((c) => c.path.includes(id)).length;
    expect(looked(quietIndex)).toBe(0);
    expect(looked(embed)).toBeGreaterThanOrEqual(1);
    // Its own event: looked at in the next run, once.
    const mine = event(quietIndex);
    await post(mine, sign(mine));
    await h.run(30_000, handler);
    expect(looked(quietIndex)).toBe(1);
    for (const id of [quietIndex, embed]) await h.store.remove(id, Date.now());
  });

  test("until the secret is put in, the route answers 503 and changes nothing", async () => {
    const post = apiWith({ TWELVELABS_WEBHOOK_SECRET: UNSET_TL_WEBHOOK_SECRET });
    const raw = event("6641c0efc70bb578439bd909");
    const res = await post(raw, sign(raw, UNSET_TL_WEBHOOK_SECRET));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("webhook_secret_unset");
  });
});
