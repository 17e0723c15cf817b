import { createHash, randomBytes } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import type { APIGatewayProxyResult } from "aws-lambda";
import { afterAll, beforeAll, expect, test } from "vitest";
import { apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { archiverDeps, createArchiverHandler } from "../../functions/archiver-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { archiverConfig } from "../../functions/config/archiver-config.js";
import { ARCHIVE_MAX_ATTEMPTS, resultKey } from "../../functions/core/archive.js";
import type { TaskEvent } from "../../functions/core/events.js";
import { eventFromBody } from "../../functions/queue-records.js";
import { createLocalStepFunctionsQueue } from "../../local/step-functions-loop.js";
import { pollOnce } from "../../local/webhook-loop.js";
import { taskEventSchema } from "../../spec/task-event-schema.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "../support/api-events.js";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

/*
 * Results kept in S3, end to end on the stand-ins: the poller holds an archived task's ready event
 * and hands the job to the archive queue; the real archiver streams the simulator's result into the
 * embedded S3 (fauxqs) and publishes the event naming it; the API redirects to a presigned GET.
 */
const BUCKET = "results";
let h: PollerHarness;
let api: (method: string, path: string, body?: unknown) => Promise<APIGatewayProxyResult>;
let archiveQueueUrl: string;
let callbackQueueUrl: string;
let events: string;
let archive: ReturnType<typeof createArchiverHandler>;
let deps: ReturnType<typeof archiverDeps>;
const retryAsked: number[] = [];
/** Every event published in these tests holds to the committed event schema, result included. */
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
const validEvent = ajv.compile(taskEventSchema());
const logged: string[] = [];

beforeAll(async () => {
  const probe = await startPollerHarness();
  await probe.close();
  h = await startPollerHarness();
  archiveQueueUrl = h.aws.fauxqs.createQueue("archive").queueUrl;
  h.aws.fauxqs.createBucket(BUCKET);
  events = h.queue("archive-events");
  // The Step Functions callback queue as the stack subscribes it (filtered), so tokens can be registered.
  callbackQueueUrl = (await createLocalStepFunctionsQueue(h.aws, "archive-callbacks")).queueUrl;
  const env = {
    ...h.aws.env,
    STAGE: "test",
    RESULTS_BUCKET: BUCKET,
    ARCHIVE_QUEUE_URL: archiveQueueUrl,
    TWELVELABS_API_KEY: h.sim.apiKey,
    ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID,
    CALLBACK_HEADER_KEY: randomBytes(32).toString("hex"),
    STEP_FUNCTIONS_QUEUE_URL: callbackQueueUrl,
  };
  const quiet = { info() {}, error() {} };
  const handler = createApiHandler(apiDeps(apiConfig(env), h.aws, quiet), quiet);
  api = (method, path, body) => handler(apiEvent(method, path, body === undefined ? {} : { body }));
  const log = (level: string) => (m: string, extra?: Record<string, unknown>) =>
    logged.push(`${level} ${m} ${JSON.stringify(extra ?? {})}`);
  deps = archiverDeps(archiverConfig(env), h.aws, {
    logger: { info: log("info"), warn: log("warn"), error: log("error") },
  });
  const realRetry = deps.retryIn;
  deps.retryIn = async (receipt, seconds) => {
    retryAsked.push(seconds);
    await realRetry(receipt, 0);
  };
  archive = createArchiverHandler(deps);
}, 60_000);
afterAll(async () => {
  if (process.env.SHOW_ARCHIVE_LOG) console.log(logged.join("\n"));
  await h?.close();
});

/** The poller with the archive queue, one pass. */
const poll = () => h.run(30_000, archivingPoller());
let archiving: ReturnType<PollerHarness["handlerWith"]>["handler"] | undefined;
function archivingPoller() {
  archiving ??= h.handlerWith({ ARCHIVE_QUEUE_URL: archiveQueueUrl }).handler;
  return archiving;
}
const archiveOnce = () => pollOnce(h.aws, archiveQueueUrl, archive);

async function published(): Promise<TaskEvent[]> {
  const out = (await h.drain(events)).map((m) => m.event);
  for (const e of out) expect(validEvent(e) ? [] : validEvent.errors, e.id).toEqual([]);
  return out;
}

/** Final events on the Step Functions callback queue (raw, as the callback function reads them). */
async function callbackEvents(): Promise<TaskEvent[]> {
  const res = await h.aws.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: callbackQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  return (res.Messages ?? []).map((m) => eventFromBody(m.Body ?? "") as TaskEvent);
}

async function objectBytes(key: string): Promise<Buffer> {
  const res = await h.aws.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(
    await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

async function simResult(path: string): Promise<Buffer> {
  const res = await fetch(`${h.sim.url}${path}`, { headers: { "x-api-key": h.sim.apiKey } });
  return Buffer.from(await res.arrayBuffer());
}

test("an archived embed task: the result stored byte for byte, the one ready event names it, the API redirects to it", async () => {
  const sim = h.sim.addTask({
    kind: "embed",
    embeddingCount: 450,
    embeddingDim: 1024,
    timeline: [{ status: "ready", afterMs: 0 }],
  });
  const reg = await api("POST", "/tasks", { taskId: sim.id, archive: true });
  expect(reg.statusCode).toBe(202);
  expect(JSON.parse(reg.body).archive).toBe(true);
  await h.drain(events);

  await poll();
  // Held: nothing published yet, and the result is being stored.
  expect(await published()).toEqual([]);
  const pending = await api("GET", `/tasks/${sim.id}/result`);
  expect([pending.statusCode, JSON.parse(pending.body).error.code]).toEqual([409, "result_pending"]);
  await poll(); // a second drain hands nothing over twice
  expect(await archiveOnce()).toBe(1);
  expect(await archiveOnce()).toBe(0);

  const task = await h.store.get(sim.id);
  const key = resultKey("test", "embed", sim.id, task?.registeredAt as number);
  const stored = await objectBytes(key);
  const original = await simResult(`/embed/tasks/${sim.id}`);
  expect(stored.length).toBeGreaterThan(5 * 1024 * 1024); // more than one multipart part
  expect(stored.equals(original)).toBe(true);
  const sha256 = createHash("sha256").update(stored).digest("hex");

  const sent = await published();
  expect(sent).toHaveLength(1);
  expect(sent[0]?.type).toBe("task.ready");
  expect(sent[0]?.task.result).toEqual({
    uri: `s3://${BUCKET}/${key}`,
    bytes: stored.length,
    sha256,
    contentType: "application/json",
  });
  expect((await h.store.get(sim.id))?.outbox).toEqual([]);

  const res = await api("GET", `/tasks/${sim.id}/result`);
  expect(res.statusCode).toBe(307);
  const location = String(res.headers?.location);
  expect(location).toContain("X-Amz-Expires=900");
  expect(Buffer.from(await (await fetch(location)).arrayBuffer()).equals(stored)).toBe(true);
  const view = JSON.parse((await api("GET", `/tasks/${sim.id}`)).body);
  expect(view.result).toMatchObject({ state: "stored", sha256, bytes: stored.length });
}, 60_000);

test("embed-v2, analyze and an analysis batch: the whole response TwelveLabs returned is the stored result", async () => {
  const v2 = h.sim.addTask({
    kind: "embed-v2",
    embeddingCount: 20,
    timeline: [{ status: "ready", afterMs: 0 }],
  });
  const an = h.sim.addTask({
    kind: "analyze",
    resultChars: 5000,
    timeline: [{ status: "ready", afterMs: 0 }],
  });
  const batch = h.sim.addTask({
    kind: "analyze-batch",
    items: { total: 6 },
    timeline: [{ status: "completed", afterMs: 0 }],
  });
  await api("POST", "/tasks", { taskId: v2.id, kind: "embed-v2", archive: true });
  await api("POST", "/tasks", { taskId: an.id, kind: "analyze", archive: true });
  await api("POST", "/tasks", { taskId: batch.id, kind: "analyze-batch", archive: true });
  await h.drain(events);
  await poll();
  await archiveOnce();
  await archiveOnce();
  const sent = await published();
  expect(sent.map((e) => e.task.id).sort()).toEqual([v2.id, an.id, batch.id].sort());
  for (const [id, kind, path] of [
    [v2.id, "embed-v2", `/embed-v2/tasks/${v2.id}`],
    [an.id, "analyze", `/analyze/tasks/${an.id}`],
    [batch.id, "analyze-batch", `/analyze/batches/${batch.id}/results`],
  ] as const) {
    const t = await h.store.get(id);
    const bytes = await objectBytes(resultKey("test", kind, id, t?.registeredAt as number));
    expect(bytes.toString("utf8")).toBe((await simResult(path)).toString("utf8"));
  }
}, 60_000);

test("a failing store comes back on a growing wait with the event held; it goes out once stored", async () => {
  const sim = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
  await api("POST", "/tasks", { taskId: sim.id, archive: true });
  await h.drain(events);
  await poll();
  h.sim.addFault({ type: "5xx", status: 500, pathIncludes: `/embed/tasks/${sim.id}`, times: 2 });
  retryAsked.length = 0;
  await archiveOnce();
  await archiveOnce();
  expect(retryAsked).toEqual([30, 120]);
  expect(await published()).toEqual([]);
  expect((await h.store.get(sim.id))?.archiveState).toMatchObject({ state: "pending", attempts: 2 });
  await archiveOnce();
  const sent = await published();
  expect(sent).toHaveLength(1);
  expect(sent[0]?.task.result).toMatchObject({ uri: expect.stringContaining(sim.id) });
  h.sim.clearFaults();
}, 60_000);

test("after the last try the ready event goes out with task.result.error, rather than never", async () => {
  const sim = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
  await api("POST", "/tasks", { taskId: sim.id, archive: true });
  await h.drain(events);
  await poll();
  h.sim.addFault({
    type: "5xx",
    status: 500,
    pathIncludes: `/embed/tasks/${sim.id}`,
    times: ARCHIVE_MAX_ATTEMPTS,
  });
  for (let i = 0; i < ARCHIVE_MAX_ATTEMPTS; i++) await archiveOnce();
  const sent = await published();
  expect(sent).toHaveLength(1);
  expect(sent[0]?.type).toBe("task.ready");
  expect(sent[0]?.task.result).toEqual({
    error: expect.stringContaining(`not stored after ${ARCHIVE_MAX_ATTEMPTS} tries`),
  });
  const res = await api("GET", `/tasks/${sim.id}/result`);
  expect([res.statusCode, JSON.parse(res.body).error.code]).toEqual([404, "result_not_found"]);
  h.sim.clearFaults();
}, 60_000);

test("two archivers at once and a crash mid-upload: one object, one event, no torn object named", async () => {
  const sim = h.sim.addTask({
    kind: "embed",
    embeddingCount: 1000,
    embeddingDim: 1024,
    timeline: [{ status: "ready", afterMs: 0 }],
  });
  await api("POST", "/tasks", { taskId: sim.id, archive: true });
  await h.drain(events);
  await poll();
  const task = await h.store.get(sim.id);
  const key = resultKey("test", "embed", sim.id, task?.registeredAt as number);
  // A crash after the first part: the upload is aborted, nothing appears under the key.
  const realPut = deps.put;
  let crash = true;
  deps.put = async (k, body, type) => {
    if (!crash) return realPut(k, body, type);
    crash = false;
    let seen = 0;
    body.on("data", (c: Buffer) => {
      seen += c.length;
      if (seen > 6 * 1024 * 1024) body.destroy(new Error("the function died mid-upload"));
    });
    return realPut(k, body, type);
  };
  await archiveOnce();
  deps.put = realPut;
  expect((await h.store.get(sim.id))?.archiveState).toMatchObject({ state: "pending", attempts: 1 });
  const listed = await h.aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
  expect(listed.Contents ?? []).toEqual([]);
  expect(await published()).toEqual([]);
  // The same job twice at once (SQS delivers at least once): both store, one resolves and announces.
  await h.aws.sqs.send(
    new (await import("@aws-sdk/client-sqs")).SendMessageCommand({
      QueueUrl: archiveQueueUrl,
      MessageBody: JSON.stringify({
        taskId: sim.id,
        registeredAt: task?.registeredAt,
        eventId: task?.archiveState?.eventId,
      }),
    }),
  );
  await Promise.all([archiveOnce(), archiveOnce()]);
  await archiveOnce();
  const sent = await published();
  expect(sent).toHaveLength(1);
  const stored = await objectBytes(key);
  expect(stored.equals(await simResult(`/embed/tasks/${sim.id}`))).toBe(true);
  expect(
    (await h.aws.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `test/embed/${sim.id}/` })))
      .KeyCount,
  ).toBe(1);
}, 60_000);

test("not archived: no hold, 404 result_not_found; archive refused where the stage keeps no results", async () => {
  const sim = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
  await api("POST", "/tasks", { taskId: sim.id });
  await h.drain(events);
  await poll();
  const sent = await published();
  expect(sent.map((e) => [e.task.id, e.task.result])).toEqual([[sim.id, undefined]]);
  const res = await api("GET", `/tasks/${sim.id}/result`);
  expect([res.statusCode, JSON.parse(res.body).error.code]).toEqual([404, "result_not_found"]);
  // The same id with another archive setting is the usual 409.
  expect((await api("POST", "/tasks", { taskId: sim.id, archive: true })).statusCode).toBe(409);

  const env = { ...h.aws.env, STAGE: "test", ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID };
  const quiet = { info() {}, error() {} };
  const plain = createApiHandler(apiDeps(apiConfig(env), h.aws, quiet), quiet);
  const refused = await plain(apiEvent("POST", "/tasks", { body: { taskId: "no-bucket", archive: true } }));
  expect([refused.statusCode, JSON.parse(refused.body).error.code]).toEqual([422, "archive_unavailable"]);
}, 60_000);

test("a task token that comes while the result is stored gets the event naming it, once", async () => {
  const sim = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
  await api("POST", "/tasks", { taskId: sim.id, archive: true });
  await h.drain(events);
  await poll();
  // Held: the task is ready, its event not out yet. A token now queues nothing of its own.
  expect((await api("POST", "/tasks", { taskId: sim.id, taskToken: "token-while-storing" })).statusCode).toBe(
    200,
  );
  expect(await callbackEvents()).toEqual([]);
  await archiveOnce();
  const sent = await published();
  expect(sent).toHaveLength(1);
  const bodies = await callbackEvents();
  expect(bodies.map((e) => [e.id, "uri" in (e.task.result ?? {})])).toEqual([[sent[0]?.id, true]]);
  // And a token after that gets the same event (with its result) at once.
  await api("POST", "/tasks", { taskId: sim.id, taskToken: "token-after" });
  expect((await callbackEvents()).map((e) => e.task.result)).toEqual([sent[0]?.task.result]);
}, 60_000);
