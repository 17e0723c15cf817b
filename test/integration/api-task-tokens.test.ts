import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { HEARTBEAT_KEY } from "../../functions/adapters/sqs-callback-queue.js";
import { WAITERS_MAX, waiterId } from "../../functions/core/step-functions-callback.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

/*
 * taskToken and heartbeatSeconds at the API: what is refused, how waiters add up on one task (no
 * 409, at most ten), what a heartbeat registration queues, and that a token is never shown.
 */
let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
}, 30_000);
afterAll(async () => {
  await h?.close();
});

test("without a callback queue, taskToken is refused with 503 stepfunctions_unavailable and nothing is stored", async () => {
  const off = await startApiHarness({ STEP_FUNCTIONS_QUEUE_URL: "" });
  try {
    const res = await off.call("POST", "/tasks", { body: { taskId: "tok-none", taskToken: "abc" } });
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("stepfunctions_unavailable");
    expect((await off.call("GET", "/tasks/tok-none")).status).toBe(404);
  } finally {
    await off.close();
  }
});

test("input rules: the token's length and characters, heartbeatSeconds' range and what it needs", async () => {
  // A value of the wrong type is a 400 like everywhere in this API; a value out of bounds a 422.
  const cases: Array<[Record<string, unknown>, RegExp, number?]> = [
    [{ taskToken: "" }, /taskToken must be 1-2048/],
    [{ taskToken: "x".repeat(2049) }, /taskToken must be 1-2048/],
    [{ taskToken: "tab\tinside" }, /printable ASCII/],
    [{ taskToken: 42 }, /taskToken/, 400],
    [{ heartbeatSeconds: 60 }, /heartbeatSeconds needs a taskToken/],
    [{ taskToken: "t", heartbeatSeconds: 9 }, /at least 10/],
    [{ taskToken: "t", heartbeatSeconds: 31_536_001 }, /at most 31536000/],
    [{ taskToken: "t", heartbeatSeconds: 12.5 }, /whole number/],
  ];
  for (const [extra, message, status] of cases) {
    const res = await h.call("POST", "/tasks", { body: { taskId: "rules", ...extra } });
    expect(res.status, JSON.stringify(extra)).toBe(status ?? 422);
    expect(res.body.error.message).toMatch(message);
  }
  expect((await h.call("GET", "/tasks/rules")).status).toBe(404);
});

test("waiters add up on one task without a 409, at most ten, the oldest pushed out and recorded; tokens never shown", async () => {
  const tokens = Array.from({ length: WAITERS_MAX + 1 }, (_, i) => `token-${i}-${"k".repeat(40)}`);
  const body = (taskToken: string) => ({ taskId: "many", taskToken, tags: { team: "video" } });
  expect((await h.call("POST", "/tasks", { body: body(tokens[0] as string) })).status).toBe(202);
  for (const t of tokens.slice(1))
    expect((await h.call("POST", "/tasks", { body: body(t) })).status).toBe(200);
  // Other settings are still compared: a different tag is the usual 409, and adds no waiter.
  const conflict = await h.call("POST", "/tasks", { body: { ...body("other"), tags: { team: "x" } } });
  expect(conflict.status).toBe(409);
  const got = await h.call("GET", "/tasks/many");
  const cb = got.body.callback;
  expect(cb.waiters).toHaveLength(WAITERS_MAX);
  expect(cb.waiters.map((w: { id: string }) => w.id)).toEqual(tokens.slice(1).map(waiterId));
  expect(cb.dropped).toEqual([{ id: waiterId(tokens[0] as string), droppedAt: expect.any(String) }]);
  const raw = JSON.stringify(got.body);
  for (const t of tokens) expect(raw).not.toContain(t);
  const listed = JSON.stringify((await h.call("GET", "/tasks")).body);
  for (const t of tokens) expect(listed).not.toContain(t);
});

test("a heartbeat registration queues its first heartbeat; one without heartbeats queues nothing", async () => {
  const before = Date.now();
  await h.call("POST", "/tasks", {
    body: { taskId: "beats", taskToken: "beat-token", heartbeatSeconds: 30 },
  });
  await h.call("POST", "/tasks", { body: { taskId: "no-beats", taskToken: "quiet-token" } });
  // Delayed 10 s in SQS: read it once the delay is over.
  await new Promise((r) => setTimeout(r, 10_500));
  const res = await h.aws.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: h.stepFunctionsQueueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
    }),
  );
  const bodies = (res.Messages ?? []).map((m) => JSON.parse(m.Body ?? "{}"));
  expect(bodies).toHaveLength(1);
  const hb = bodies[0][HEARTBEAT_KEY];
  expect(hb).toMatchObject({ taskId: "beats", waiterId: waiterId("beat-token") });
  expect(hb.dueAt - before).toBeGreaterThanOrEqual(10_000);
  expect(JSON.stringify(bodies)).not.toContain("beat-token");
}, 30_000);
