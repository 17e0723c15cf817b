import { readFileSync } from "node:fs";
import { TwelveLabs } from "twelvelabs-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { NotifierApiError, NotifierClient, TaskFailedError, WaitTimeoutError } from "../../package/client.js";
import { REGISTER_KEYS, TASK_KEYS, UPDATE_KEYS } from "../../package/notifier-types.js";
import { signRequest } from "../../package/sigv4.js";
import { freePort } from "../support/free-port.js";
import { type LocalProcess, startLocal } from "../support/local-process.js";

/*
 * NotifierClient against local mode (the real api and poller handlers, the simulator): what a user's
 * code replacing the SDK's waitForDone sees.
 */
let p: LocalProcess;
let client: NotifierClient;

beforeAll(async () => {
  p = await startLocal(["--port", String(await freePort()), "--simulator-port", "0", "--interval", "0.5"], {
    CHECK_MIN_INTERVAL_MS: "300",
    CHECK_MAX_INTERVAL_MS: "1000",
  });
  client = new NotifierClient({ baseUrl: p.api, apiKey: p.key });
}, 60_000);
afterAll(async () => {
  await p?.stop();
});

async function simTask(body: object): Promise<string> {
  const res = await fetch(`${p.sim}/_sim/tasks`, { method: "POST", body: JSON.stringify(body) });
  return ((await res.json()) as { id: string }).id;
}

describe("NotifierClient", () => {
  test("a user's own twelvelabs-js code, unchanged, creates a task in local mode; waitFor replaces waitForDone", async () => {
    const saved = process.env.TWELVELABS_BASE_URL;
    process.env.TWELVELABS_BASE_URL = `${p.sim}/v1.3`; // the SDK's own setting; the key is the user's own
    const tl = new TwelveLabs({ apiKey: "tlk_the_users_own_key" });
    if (saved === undefined) delete process.env.TWELVELABS_BASE_URL;
    else process.env.TWELVELABS_BASE_URL = saved;
    const task = await tl.embed.tasks.create({
      modelName: "Marengo-retrieval-2.7",
      videoUrl: "https://example.com/talk.mp4",
    });
    await client.register({ taskId: task.id as string, kind: "embed" });
    const ready = await client.waitFor(task.id as string, { timeoutMs: 45_000 });
    expect(ready).toMatchObject({ taskId: task.id, status: "ready", metadata: { filename: "talk.mp4" } });
    // The notifier's checks only: the user's code made one call (the create), not a loop.
    expect(ready.checks).toBeGreaterThan(0);
  }, 60_000);

  test("waitFor resolves with the ready task; rejects with TaskFailedError carrying a failed one", async () => {
    const ok = await simTask({
      kind: "embed",
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 1_500 },
      ],
    });
    const bad = await simTask({
      kind: "embed-v2",
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "failed", afterMs: 1_000 },
      ],
      errorMessage: "The video could not be decoded",
    });
    const first = await client.register({ taskId: ok, kind: "embed", tags: { team: "video" } });
    expect(first).toMatchObject({ created: true, task: { taskId: ok, status: "registered" } });
    expect((await client.register({ taskId: ok })).created).toBe(false);
    await client.register({ taskId: bad, kind: "embed-v2" });

    const [ready, failed] = await Promise.allSettled([
      client.waitFor(ok, { timeoutMs: 30_000, minIntervalMs: 200 }),
      client.waitFor(bad, { timeoutMs: 30_000, minIntervalMs: 200 }),
    ]);
    expect(ready.status === "fulfilled" && ready.value).toMatchObject({
      taskId: ok,
      status: "ready",
      tags: { team: "video" },
    });
    expect(failed.status).toBe("rejected");
    const err = (failed as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).task).toMatchObject({
      taskId: bad,
      status: "failed",
      error: "The video could not be decoded",
    });
  }, 60_000);

  test("waitFor stops cleanly: on timeout (with the last look), on abort, and at once for an unknown task", async () => {
    const slow = await simTask({ kind: "embed", timeline: [{ status: "processing", afterMs: 0 }] });
    await client.register({ taskId: slow });
    const started = Date.now();
    const timedOut = await client.waitFor(slow, { timeoutMs: 1_500, minIntervalMs: 200 }).catch((e) => e);
    expect(timedOut).toBeInstanceOf(WaitTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((timedOut as WaitTimeoutError).task?.taskId).toBe(slow);

    const abort = new AbortController();
    setTimeout(() => abort.abort(), 300);
    const aborted = await client.waitFor(slow, { signal: abort.signal, minIntervalMs: 200 }).catch((e) => e);
    expect((aborted as Error).name).toBe("AbortError");

    const unknown = await client.waitFor("0000000000000000000000ff").catch((e) => e);
    expect(unknown).toBeInstanceOf(NotifierApiError);
    expect((unknown as NotifierApiError).status).toBe(404);
  }, 30_000);

  test("registerMany, list page by page, delete, and the API's errors with their codes", async () => {
    // Assets that stay processing: a listing pages through a set that is not changing under it
    // (a task whose status changes between two pages moves between the index's partitions).
    const ids = await Promise.all(
      [1, 2, 3].map(() => simTask({ kind: "asset", timeline: [{ status: "processing", afterMs: 0 }] })),
    );
    const results = await client.registerMany([
      ...ids.map((taskId) => ({ taskId, kind: "asset" as const })),
      { taskId: "bad id!", kind: "asset" as const },
    ]);
    expect(results.map((r) => r.result)).toEqual(["created", "created", "created", "error"]);
    expect(results[3]?.status).toBe(422);
    for (const id of ids)
      for (let i = 0; i < 100 && (await client.get(id)).status === "registered"; i++)
        await new Promise((r) => setTimeout(r, 100));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of client.list({ kind: "asset", limit: 2 })) {
      pages += 1;
      seen.push(...page.map((t) => t.taskId));
    }
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(seen.sort()).toEqual([...ids].sort());
    const changed = await client.update(ids[1] as string, {
      tags: { team: "search" },
      deadlineSeconds: 3600,
    });
    expect(changed.tags).toEqual({ team: "search" });
    expect(Date.parse(changed.deadlineAt) - Date.parse(changed.registeredAt)).toBe(3600_000);
    await client.delete(ids[0] as string);
    await expect(client.get(ids[0] as string)).rejects.toMatchObject({ status: 404, code: "not_found" });
    const wrongKey = new NotifierClient({ baseUrl: p.api, apiKey: "nope" });
    await expect(wrongKey.get(ids[1] as string)).rejects.toMatchObject({ status: 403 });
  }, 30_000);
});

test("with AWS credentials instead of a key: SigV4-signed calls to the /iam task routes (local mode reads the access key, AWS checks the signature)", async () => {
  const iam = new NotifierClient({
    baseUrl: p.api,
    region: "us-east-1",
    credentials: async () => ({
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    }),
  });
  const id = await simTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 300 }] });
  expect((await iam.register({ taskId: id })).created).toBe(true);
  expect(await iam.waitFor(id, { timeoutMs: 30_000, minIntervalMs: 200 })).toMatchObject({
    taskId: id,
    status: "ready",
  });
  // Unsigned, the /iam routes refuse; subscriptions are not served there at all.
  expect((await fetch(`${p.api}/iam/tasks/${id}`)).status).toBe(403);
  const subs = await fetch(`${p.api}/iam/subscriptions`, {
    headers: signRequest({
      method: "GET",
      url: new URL(`${p.api}/iam/subscriptions`),
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" },
      region: "us-east-1",
    }),
  });
  expect(subs.status).toBe(404);
}, 45_000);

test("the client's types name exactly the fields of the OpenAPI document", () => {
  const doc = JSON.parse(
    readFileSync(new URL("../../spec/notifier-api.openapi.json", import.meta.url), "utf8"),
  );
  expect([...TASK_KEYS].sort()).toEqual(Object.keys(doc.components.schemas.Task.properties).sort());
  expect([...REGISTER_KEYS].sort()).toEqual(
    Object.keys(doc.components.schemas.RegisterTask.properties).sort(),
  );
  expect([...UPDATE_KEYS].sort()).toEqual(Object.keys(doc.components.schemas.UpdateTask.properties).sort());
});
