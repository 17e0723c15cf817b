import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { taskKey } from "../../functions/adapters/task-table.js";
import { motoServerPath, startMotoServer } from "../support/moto-server.js";
import { type PollerHarness, sleep, startPollerHarness } from "../support/poller-harness.js";
import {
  enableExecutions,
  type Scenario,
  startScenario,
  startThrottlingProxy,
} from "../support/step-functions-harness.js";

/*
 * Step Functions callbacks end to end: the poller publishes, the topic's filter routes final events
 * of tasks with waiting tokens to the callback queue, and the real handler answers real executions
 * running on moto's server with the real SDK client. Every test reads the execution's own status.
 */
const MOTO = motoServerPath();
if (!MOTO)
  console.warn("step-functions.test.ts: moto_server is not installed: skipped (.ci/run requires it)");

let h: PollerHarness;
let moto: Awaited<ReturnType<typeof startMotoServer>>;
const open: Scenario[] = [];

beforeAll(async () => {
  if (!MOTO) return;
  moto = await startMotoServer();
  await enableExecutions(moto.endpoint);
  h = await startPollerHarness();
}, 60_000);
afterAll(async () => {
  for (const s of open) s.close();
  await h?.close();
  await moto?.close();
});

async function scenario(opts: Parameters<typeof startScenario>[2] = {}) {
  const s = await startScenario(h, moto.endpoint, opts);
  open.push(s);
  return s;
}

const ended = (s: Scenario) => async () => (await s.describe()).status !== "RUNNING";

describe.skipIf(!MOTO)("Step Functions callbacks against moto", () => {
  test("ready: SendTaskSuccess with the event as the output; the token is in no item, answer or log line", async () => {
    const s = await scenario();
    const token = s.tokens[0] as string;
    const sim = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    const reg = await s.call("POST", "/tasks", { taskId: sim.id, taskToken: token });
    expect(reg.status).toBe(202);
    expect(reg.body.callback).toMatchObject({ type: "stepfunctions", state: "waiting" });
    await h.run();
    expect(await s.deliverUntil(ended(s))).toBe(true);

    const exec = await s.describe();
    expect(exec.status).toBe("SUCCEEDED");
    const output = JSON.parse(exec.output ?? "{}");
    expect(output).toMatchObject({ type: "task.ready", task: { id: sim.id, status: "ready" } });
    expect(output.id).toMatch(new RegExp(`^${sim.id}\\.r.*\\.ready$`));

    const got = await s.call("GET", `/tasks/${sim.id}`);
    expect(got.body.callback).toMatchObject({ type: "stepfunctions", state: "succeeded", attempts: 0 });
    expect(got.body.callback.waiters).toHaveLength(1);
    const item = await h.dynamo.send(
      new GetItemCommand({ TableName: h.aws.tableName, Key: taskKey(sim.id), ConsistentRead: true }),
    );
    expect(JSON.stringify(item.Item)).not.toContain(token);
    expect(reg.raw).not.toContain(token);
    expect(got.raw).not.toContain(token);
    expect(s.logged.length).toBeGreaterThan(0);
    for (const line of s.logged) expect(line).not.toContain(token);
  }, 60_000);

  test("failed, timed_out, not_found: SendTaskFailure with a stable error name each", async () => {
    const failed = await scenario();
    const bad = h.sim.addTask({
      kind: "embed",
      timeline: [{ status: "failed", afterMs: 0 }],
      errorMessage: "the video has no audio track",
    });
    await failed.call("POST", "/tasks", { taskId: bad.id, taskToken: failed.tokens[0] });

    const lost = await scenario();
    await lost.call("POST", "/tasks", { taskId: "6641c0efc70bb578439bd9ff", taskToken: lost.tokens[0] });

    // Registered long ago with a short deadline; the token comes to the known task (one more waiter).
    const late = await scenario();
    const slow = h.sim.addTask({ kind: "embed", timeline: [{ status: "processing", afterMs: 0 }] });
    await h.register({ taskId: slow.id, deadlineSeconds: 10 }, Date.now() - 60_000);
    const added = await late.call("POST", "/tasks", { taskId: slow.id, taskToken: late.tokens[0] });
    expect(added.status).toBe(200);
    expect(added.body.callback.waiters).toHaveLength(1);

    for (let i = 0; i < 3; i++) await h.run();
    for (const [s, error] of [
      [failed, "TwelveLabs.TaskFailed"],
      [lost, "TwelveLabs.TaskNotFound"],
      [late, "TwelveLabs.TaskTimedOut"],
    ] as const) {
      expect(await s.deliverUntil(ended(s))).toBe(true);
      const exec = await s.describe();
      expect(exec.status).toBe("FAILED");
      expect(exec.error).toBe(error);
      expect(s.calls).toEqual([
        expect.objectContaining({ action: "failure", failure: error, outcome: "accepted" }),
      ]);
    }
    expect((await failed.call("GET", `/tasks/${bad.id}`)).body.callback.state).toBe("failed");
  }, 60_000);

  test("heartbeats keep a waiting state alive past its HeartbeatSeconds, and stop when the task ends", async () => {
    // Control: the same wait without heartbeats times out, so the test can tell.
    const control = await scenario({ heartbeatSeconds: 10 });
    const s = await scenario({ heartbeatSeconds: 10 });
    const sim = h.sim.addTask({
      kind: "embed",
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 16_000 },
      ],
    });
    await control.call("POST", "/tasks", {
      taskId: h.sim.addTask({ kind: "embed", timeline: [{ status: "processing", afterMs: 0 }] }).id,
      taskToken: control.tokens[0],
    });
    await s.call("POST", "/tasks", { taskId: sim.id, taskToken: s.tokens[0], heartbeatSeconds: 10 });
    const until = Date.now() + 13_000;
    while (Date.now() < until) await s.deliverOnce();
    expect((await s.describe()).status).toBe("RUNNING");
    expect((await control.describe()).status).toBe("FAILED");
    const beats = s.calls.filter((c) => c.action === "heartbeat" && c.outcome === "accepted");
    expect(beats.length).toBeGreaterThanOrEqual(3);

    while (Date.now() < until + 4_000) await sleep(250);
    await h.run();
    expect(await s.deliverUntil(ended(s))).toBe(true);
    expect((await s.describe()).status).toBe("SUCCEEDED");
    // The chain's next message finds the task ended and sends nothing more.
    const before = s.calls.length;
    const quiet = Date.now() + 4_000;
    while (Date.now() < quiet) await s.deliverOnce();
    expect(s.calls.slice(before)).toEqual([]);
  }, 60_000);

  test("a token Step Functions rejects is recorded, never retried and never holds up the others; a token that comes after the end gets its callback at once", async () => {
    const s = await scenario({ tokens: 2 });
    const [first, second] = s.tokens as [string, string];
    const sim = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    expect(
      (await s.call("POST", "/tasks", { taskId: sim.id, taskToken: "not-a-token-step-functions-knows" }))
        .status,
    ).toBe(202);
    expect((await s.call("POST", "/tasks", { taskId: sim.id, taskToken: first })).status).toBe(200);
    await h.run();
    expect(await s.deliverUntil(() => s.calls.length >= 2)).toBe(true);
    expect(s.calls.map((c) => [c.outcome, c.error])).toEqual([
      ["rejected", "InvalidToken"],
      ["accepted", undefined],
    ]);
    expect(s.retryAsked).toEqual([]);
    expect((await s.describe()).status).toBe("RUNNING"); // the second branch still waits

    const late = await s.call("POST", "/tasks", { taskId: sim.id, taskToken: second });
    expect(late.status).toBe(200);
    expect(await s.deliverUntil(ended(s))).toBe(true);
    expect((await s.describe()).status).toBe("SUCCEEDED");
    const waiters = (await s.call("GET", `/tasks/${sim.id}`)).body.callback.waiters;
    expect(waiters.map((w: { state: string; error?: string }) => [w.state, w.error])).toEqual([
      ["rejected", "InvalidToken"],
      ["succeeded", undefined],
      ["succeeded", undefined],
    ]);
    // Registering a waiting token again is the same waiter, not a new one.
    expect(
      (await s.call("POST", "/tasks", { taskId: sim.id, taskToken: first })).body.callback.waiters,
    ).toHaveLength(3);
  }, 60_000);

  test("throttling comes back on the retry schedule, then the callback goes through", async () => {
    const proxy = await startThrottlingProxy(moto.endpoint, "SendTaskSuccess", 2);
    try {
      const s = await scenario({ notifierEndpoint: proxy.endpoint, sdkMaxAttempts: 1 });
      const sim = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
      await s.call("POST", "/tasks", { taskId: sim.id, taskToken: s.tokens[0] });
      await h.run();
      expect(await s.deliverUntil(ended(s))).toBe(true);
      expect((await s.describe()).status).toBe("SUCCEEDED");
      expect(s.calls.map((c) => c.outcome)).toEqual(["retry", "retry", "accepted"]);
      expect(s.calls[0]?.error).toBe("ThrottlingException");
      // The webhook schedule's first two waits, ±20 %.
      expect(s.retryAsked[0]).toBeGreaterThanOrEqual(4);
      expect(s.retryAsked[0]).toBeLessThanOrEqual(6);
      expect(s.retryAsked[1]).toBeGreaterThanOrEqual(48);
      expect(s.retryAsked[1]).toBeLessThanOrEqual(72);
      const waiter = (await s.call("GET", `/tasks/${sim.id}`)).body.callback.waiters[0];
      expect(waiter).toMatchObject({ state: "succeeded", attempts: 2, error: "ThrottlingException" });
      expect(proxy.seen.filter((op) => op === "SendTaskSuccess")).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  }, 60_000);

  test("a crash before the call loses nothing; a crash after it sends no second accepted callback", async () => {
    const before = await scenario();
    const a = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    await before.call("POST", "/tasks", { taskId: a.id, taskToken: before.tokens[0] });
    const realBox = before.deps.tokenBox;
    let failOnce = true;
    before.deps.tokenBox = async () => {
      if (failOnce) {
        failOnce = false;
        throw new Error("Secrets Manager unavailable");
      }
      return realBox();
    };

    const after = await scenario();
    const b = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    await after.call("POST", "/tasks", { taskId: b.id, taskToken: after.tokens[0] });
    const realUpdate = after.deps.log.update.bind(after.deps.log);
    let crashOnce = true;
    after.deps.log.update = async (...args) => {
      if (crashOnce) {
        crashOnce = false;
        throw new Error("the function died after Step Functions accepted the call");
      }
      return realUpdate(...args);
    };

    await h.run();
    expect(await before.deliverUntil(ended(before))).toBe(true);
    expect((await before.describe()).status).toBe("SUCCEEDED");
    expect(before.calls.map((c) => c.outcome)).toEqual(["accepted"]);

    expect(await after.deliverUntil(async () => after.calls.length >= 2)).toBe(true);
    expect((await after.describe()).status).toBe("SUCCEEDED");
    // The redelivered message's call is refused by Step Functions (the task closed): one success only.
    expect(after.calls.map((c) => [c.outcome, c.error])).toEqual([
      ["accepted", undefined],
      ["rejected", "InvalidToken"],
    ]);
    expect((await after.history()).filter((t) => t === "TaskSucceeded")).toHaveLength(1);
  }, 60_000);
});
