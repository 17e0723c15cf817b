import { expect, test } from "vitest";
import { callbacksValue, publishInput } from "../../functions/adapters/sns-publisher.js";
import { heartbeatDelaySeconds } from "../../functions/adapters/sqs-callback-queue.js";
import { publishRoute } from "../../functions/core/event-routes.js";
import { buildEvent } from "../../functions/core/events.js";
import {
  classifyCall,
  finalCallback,
  heartbeatPeriodSeconds,
  OUTPUT_TOO_LARGE_ERROR,
  type Waiter,
  withWaiter,
} from "../../functions/core/step-functions-callback.js";
import { newTask, type Task } from "../../functions/core/task.js";
import type { TaskStatus } from "../../functions/core/task-kinds.js";
import { heartbeatFromBody } from "../../functions/step-functions-handler.js";

const ctx = { stage: "test", twelvelabsBaseUrl: "https://api.twelvelabs.io/v1.3" };
function ended(status: TaskStatus, extra: Partial<Task> = {}) {
  const task: Task = { ...newTask({ taskId: "t1", kind: "embed" }, 1_000, 60), status, ...extra };
  return buildEvent(task, "processing", 2_000, ctx);
}
const waiter = (id: string, addedAt: number, state: Waiter["state"] = "waiting"): Waiter => ({
  id,
  sealedToken: "sealed",
  addedAt,
  state,
  attempts: 0,
});

test("each ending has its callback: success with the event, failures with stable names and a cause", () => {
  const ready = ended("ready");
  expect(finalCallback(ready)).toEqual({ type: "success", output: JSON.stringify(ready) });
  expect(finalCallback(ended("failed", { errorMessage: "no audio" }))).toEqual({
    type: "failure",
    error: "TwelveLabs.TaskFailed",
    cause: "TwelveLabs reports task t1 (embed) failed: no audio",
  });
  expect(finalCallback(ended("timed_out"))).toMatchObject({ error: "TwelveLabs.TaskTimedOut" });
  expect(finalCallback(ended("not_found"))).toMatchObject({ error: "TwelveLabs.TaskNotFound" });
  expect(finalCallback(ended("processing"))).toBeUndefined();
});

test("a ready event over Step Functions' 256 KB output limit becomes a failure that says where to read it", () => {
  const big = ended("ready", { tags: { note: "x".repeat(256 * 1024) } });
  const cb = finalCallback(big);
  expect(cb).toMatchObject({ type: "failure", error: OUTPUT_TOO_LARGE_ERROR });
  expect(cb?.type === "failure" && cb.cause).toContain("GET /tasks/t1");
});

test("Step Functions' answers: token errors end a waiter, everything else is retried", () => {
  expect(classifyCall(undefined)).toEqual({ outcome: "accepted" });
  for (const name of ["TaskTimedOut", "InvalidToken", "TaskDoesNotExist"])
    expect(classifyCall(Object.assign(new Error("x"), { name }))).toEqual({
      outcome: "rejected",
      error: name,
    });
  for (const name of ["ThrottlingException", "ServiceUnavailable", "AccessDeniedException", "TimeoutError"])
    expect(classifyCall(Object.assign(new Error("x"), { name }))).toEqual({ outcome: "retry", error: name });
});

test("the eleventh waiter pushes out an ended one before any that still waits, else the oldest", () => {
  const ten = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`w${i}`, waiter(`w${i}`, i, i === 5 ? "succeeded" : "waiting")]),
  );
  expect(withWaiter(ten, waiter("new", 99))).toEqual({ added: true, drop: ["w5"] });
  const allWaiting = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`w${i}`, waiter(`w${i}`, i)]));
  expect(withWaiter(allWaiting, waiter("new", 99))).toEqual({ added: true, drop: ["w0"] });
  expect(withWaiter(allWaiting, waiter("w3", 99))).toEqual({ added: false, drop: [] });
  expect(withWaiter({}, waiter("a", 1))).toEqual({ added: true, drop: [] });
});

test("heartbeats come every third of the interval; a delay never exceeds SQS's 15 minutes", () => {
  expect(heartbeatPeriodSeconds(10)).toBe(3);
  expect(heartbeatPeriodSeconds(3600)).toBe(1200);
  expect(heartbeatDelaySeconds(1_000 + 1_200_000, 1_000)).toBe(900);
  expect(heartbeatDelaySeconds(500, 1_000)).toBe(0);
});

test("a final event goes to the callback queue only while a token waits; both routes share one attribute", () => {
  const t = newTask({ taskId: "t1", kind: "embed", callbackUrl: "https://example.com/h" }, 1_000, 60);
  const ready = ended("ready");
  expect(publishRoute(t, ready)).toEqual({ webhook: true, stepFunctions: false });
  const waiting = { ...t, waiters: { a: waiter("a", 1) } };
  expect(publishRoute(waiting, ready)).toEqual({ webhook: true, stepFunctions: true });
  expect(publishRoute(waiting, ended("processing"))).toMatchObject({ stepFunctions: false });
  expect(publishRoute({ ...t, waiters: { a: waiter("a", 1, "rejected") } }, ready).stepFunctions).toBe(false);
  expect(callbacksValue({ webhook: true, stepFunctions: true })).toBe("webhook,stepfunctions");
  expect(callbacksValue({ webhook: false, stepFunctions: true })).toBe("stepfunctions");
  expect(callbacksValue({ webhook: false })).toBeUndefined();
  expect(publishInput("arn", ready, [], { webhook: false }).MessageAttributes.callbacks).toBeUndefined();
});

test("only a well-formed heartbeat body is a heartbeat", () => {
  const hb = { taskId: "t", registeredAt: 1, waiterId: "w", dueAt: 2 };
  expect(heartbeatFromBody(JSON.stringify({ stepFunctionsHeartbeat: hb }))).toEqual(hb);
  expect(
    heartbeatFromBody(JSON.stringify({ stepFunctionsHeartbeat: { ...hb, dueAt: "2" } })),
  ).toBeUndefined();
  expect(heartbeatFromBody(JSON.stringify(ended("ready")))).toBeUndefined();
  expect(heartbeatFromBody("not json")).toBeUndefined();
});
