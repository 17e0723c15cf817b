import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { invocationArnOf } from "../../local/simulator/sim-tasks.js";
import { type PollerHarness, sleep, startPollerHarness } from "../support/poller-harness.js";

/*
 * Jobs that are not TwelveLabs API tasks, through the real poller (dynalite, fauxqs, the simulator
 * over HTTP, Bedrock's calls made by the real AWS SDK client): Amazon Bedrock async invocations and
 * TwelveLabs analysis batches. What each is announced as, and what a subscriber's filter sees.
 */
let h: PollerHarness;

beforeAll(async () => {
  h = await startPollerHarness({ BATCH_MIN_DUE: "2", WATCH_ACCOUNT_KINDS: "" });
});
afterAll(async () => {
  await h.close();
});

describe("kind bedrock (async invocations)", () => {
  test("ready names the output (task.result.uri) and the model; failed carries failureMessage; both regions listed", async () => {
    const queue = h.queue("bedrock-all", { kind: ["bedrock"] });
    const jobs = [
      h.sim.addTask({
        kind: "bedrock",
        region: "us-east-1",
        outputUri: "s3://embeddings-bucket/run-1/",
        timeline: [
          { status: "InProgress", afterMs: 0 },
          { status: "Completed", afterMs: 600 },
        ],
      }),
      h.sim.addTask({
        kind: "bedrock",
        region: "us-east-1",
        timeline: [
          { status: "InProgress", afterMs: 0 },
          { status: "Failed", afterMs: 600 },
        ],
        errorMessage: "ValidationException: the video is longer than the model accepts",
      }),
      ...[1, 2, 3].map(() =>
        h.sim.addTask({
          kind: "bedrock",
          region: "eu-west-1",
          timeline: [
            { status: "InProgress", afterMs: 0 },
            { status: "Completed", afterMs: 900 },
          ],
        }),
      ),
    ];
    for (const j of jobs)
      await h.register({ taskId: j.id, kind: "bedrock", invocationArn: invocationArnOf(j) });
    h.sim.resetCalls();
    await h.runUntilEnded(jobs.map((j) => j.id));

    const events = (await h.drain(queue)).map((m) => m);
    const byId = new Map(events.map((m) => [m.event.task.id, m]));
    expect(events).toHaveLength(5);
    const ready = byId.get(jobs[0]?.id as string);
    expect(ready?.event.type).toBe("task.ready");
    expect(ready?.event.task.result).toEqual({ uri: "s3://embeddings-bucket/run-1/" });
    expect(ready?.event.task.modelName).toBe("twelvelabs.marengo-embed-2-7-v1:0");
    expect(ready?.event.task.metadata).toMatchObject({
      modelArn: "arn:aws:bedrock:us-east-1::foundation-model/twelvelabs.marengo-embed-2-7-v1:0",
      remoteStatus: "Completed",
    });
    expect(ready?.event.task.invocationArn).toBe(invocationArnOf(jobs[0] as never));
    expect(ready?.event.links.status).toBe(
      `https://bedrock-runtime.us-east-1.amazonaws.com/async-invoke/${encodeURIComponent(invocationArnOf(jobs[0] as never))}`,
    );
    expect(ready?.attributes.kind).toBe("bedrock");
    const failed = byId.get(jobs[1]?.id as string);
    expect(failed?.event.type).toBe("task.failed");
    expect(failed?.event.task.error).toBe("ValidationException: the video is longer than the model accepts");
    expect(failed?.event.task.result).toBeUndefined();
    expect(failed?.event.task.metadata.remoteStatus).toBe("Failed");
    for (const j of jobs.slice(2)) expect(byId.get(j.id)?.event.type).toBe("task.ready");

    // Bedrock's calls only (none to TwelveLabs' API), lists read in each region the tasks live in.
    expect(h.sim.calls.every((c) => c.route.includes("/async-invoke"))).toBe(true);
    const lists = h.sim.calls.filter((c) => c.route === "GET /async-invoke");
    expect(lists.length).toBeGreaterThan(0);
    for (const c of lists) expect(Number(c.query.maxResults?.[0])).toBe(1000);
    expect(new Set(lists.map((c) => c.region))).toEqual(new Set(["us-east-1", "eu-west-1"]));
    // The running list named the running jobs: fewer calls than a GetAsyncInvoke per job and check.
    expect(lists.some((c) => c.query.statusEquals?.[0] === "InProgress")).toBe(true);
  });

  test("an invocation deleted at Bedrock is not_found only after its own calls deny it, never from a list's silence", async () => {
    const queue = h.queue("bedrock-gone");
    const gone = h.sim.addTask({
      kind: "bedrock",
      timeline: [{ status: "InProgress", afterMs: 0 }],
      deleteAfterMs: 300,
    });
    const running = h.sim.addTask({ kind: "bedrock", timeline: [{ status: "InProgress", afterMs: 0 }] });
    for (const j of [gone, running])
      await h.register({ taskId: j.id, kind: "bedrock", invocationArn: invocationArnOf(j) });
    await sleep(400);
    h.sim.resetCalls();
    await h.runUntilEnded([gone.id]);
    const events = await h.drain(queue);
    expect(events.map((m) => [m.event.task.id, m.event.type])).toEqual([[gone.id, "task.not_found"]]);
    expect((await h.store.get(running.id))?.status).toBe("processing");
    // The denial came from GetAsyncInvoke on that ARN (twice: the notifier confirms a not-found).
    const denials = h.sim.calls.filter(
      (c) => c.route === "GET /async-invoke/{invocationArn}" && c.status === 404 && c.path.includes(gone.id),
    );
    expect(denials.length).toBeGreaterThanOrEqual(2);
  });

  test("watching the account takes TwelveLabs' models only, with their ARNs", async () => {
    const { handler } = h.handlerWith({ WATCH_ACCOUNT_KINDS: "bedrock" });
    await h.run(5_000, handler); // watching begins now: older invocations are never taken
    await sleep(50);
    const marengo = h.sim.addTask({ kind: "bedrock", timeline: [{ status: "InProgress", afterMs: 0 }] });
    const other = h.sim.addTask({
      kind: "bedrock",
      modelArn: "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:1",
      timeline: [{ status: "InProgress", afterMs: 0 }],
    });
    await h.run(5_000, handler);
    const taken = await h.store.get(marengo.id);
    expect(taken?.source).toBe("discovered");
    expect(taken?.invocationArn).toBe(invocationArnOf(marengo));
    expect(taken?.status).not.toBe("registered");
    expect(await h.store.get(other.id)).toBeUndefined();
  });
});

describe("kind analyze-batch", () => {
  test("completed with every item ready is ready; with a failed item, canceled or expired it is failed, counts in the event", async () => {
    const all = h.queue("batches-all", { kind: ["analyze-batch"] });
    const failures = h.queue("batches-failures", { eventType: ["task.failed"] });
    const steps = (end: string) => [
      { status: "pending", afterMs: 0 },
      { status: "processing", afterMs: 200 },
      { status: end, afterMs: 700 },
    ];
    const ok = h.sim.addTask({ kind: "analyze-batch", items: { total: 5 }, timeline: steps("completed") });
    const partial = h.sim.addTask({
      kind: "analyze-batch",
      items: { total: 5, failed: 2 },
      timeline: steps("completed"),
    });
    const canceled = h.sim.addTask({
      kind: "analyze-batch",
      items: { total: 5, canceled: 3 },
      timeline: steps("canceled"),
    });
    const expired = h.sim.addTask({
      kind: "analyze-batch",
      items: { total: 5, canceled: 5 },
      timeline: steps("expired"),
    });
    const batches = [ok, partial, canceled, expired];
    for (const b of batches) await h.register({ taskId: b.id, kind: "analyze-batch" });
    await h.runUntilEnded(batches.map((b) => b.id));

    const events = new Map((await h.drain(all)).map((m) => [m.event.task.id, m.event]));
    expect(events.get(ok.id)).toMatchObject({
      type: "task.ready",
      task: {
        status: "ready",
        metadata: { remoteStatus: "completed", items: { total: 5, ready: 5, failed: 0 } },
      },
    });
    expect(events.get(ok.id)?.links.result).toMatch(new RegExp(`/analyze/batches/${ok.id}/results$`));
    expect(events.get(partial.id)).toMatchObject({
      type: "task.failed",
      task: {
        metadata: { remoteStatus: "completed", items: { ready: 3, failed: 2, canceled: 0 } },
        error: "The batch completed with items not ready: 3 of 5 items ready, 2 failed, 0 canceled",
      },
    });
    expect(events.get(canceled.id)).toMatchObject({
      type: "task.failed",
      task: { metadata: { remoteStatus: "canceled" } },
    });
    expect(events.get(canceled.id)?.task.error).toMatch(/^The batch was canceled: 2 of 5 items ready/);
    expect(events.get(expired.id)).toMatchObject({
      type: "task.failed",
      task: { metadata: { remoteStatus: "expired" } },
    });
    // A subscriber to failures hears of the partial, canceled and expired batches, not the good one.
    const heard = (await h.drain(failures))
      .map((m) => m.event.task.id)
      .filter((id) => batches.some((b) => b.id === id));
    expect(heard.sort()).toEqual([partial.id, canceled.id, expired.id].sort());
  });
});
