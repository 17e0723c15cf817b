import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  TwelveLabsClient,
  type TwelveLabsClientOptions,
} from "../../functions/adapters/twelvelabs-client.js";
import {
  TwelveLabsAuthError,
  TwelveLabsError,
  TwelveLabsInvalidResponseError,
  TwelveLabsNotFoundError,
  TwelveLabsRateLimitedError,
  TwelveLabsTransientError,
} from "../../functions/core/twelvelabs-errors.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";

const SECRET = "tlk_SUPERSECRET_0123456789abcdef";
const sim = new TwelveLabsSimulator({ apiKey: SECRET });
let base = "";
const clients: TwelveLabsClient[] = [];

function client(extra: Partial<TwelveLabsClientOptions> = {}): TwelveLabsClient {
  const c = new TwelveLabsClient({ baseUrl: base, apiKey: async () => SECRET, baseBackoffMs: 20, ...extra });
  clients.push(c);
  return c;
}

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

beforeAll(async () => {
  base = await sim.start();
});
afterEach(async () => {
  sim.faults.clear();
  sim.notFoundStyle = "400";
  sim.latencyMs = 0;
  sim.rpmLimit = undefined;
  sim.resetCalls();
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await sim.close();
});

describe("one-task status per kind", () => {
  test("embed: the seed's task, processing then ready, with model and video metadata", async () => {
    const t0 = Date.now();
    sim.addTask({
      kind: "embed",
      id: "6641c0efc70bb578439bd909",
      modelName: "marengo3.0",
      filename: "01.mp4",
      durationSec: 18,
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: "ready", afterMs: 300 },
      ],
      createdAt: t0,
    });
    const c = client();
    const first = await c.getTask("embed", "6641c0efc70bb578439bd909");
    expect(first).toMatchObject({
      id: "6641c0efc70bb578439bd909",
      kind: "embed",
      status: "processing",
      terminal: false,
      modelName: "marengo3.0",
      metadata: { durationSec: 18, filename: "01.mp4", clipLengthSec: 6 },
    });
    await new Promise((r) => setTimeout(r, 350));
    const second = await c.getTask("embed", "6641c0efc70bb578439bd909");
    expect(second.status).toBe("ready");
    expect(second.terminal).toBe(true);
    expect(sim.calls.map((x) => x.route)).toEqual([
      "GET /embed/tasks/{task_id}/status",
      "GET /embed/tasks/{task_id}/status",
    ]);
  });

  test("embed-v2: a ready task's embeddings are streamed past, not buffered", async () => {
    // ~2,000 x 256 numbers: about 10 MB of embeddings against a 1 MiB buffer cap.
    const t = sim.addTask({
      kind: "embed-v2",
      timeline: [{ status: "ready", afterMs: 0 }],
      embeddingCount: 2000,
      embeddingDim: 256,
    });
    const snap = await client({ maxBodyBytes: 1024 * 1024 }).getTask("embed-v2", t.id);
    expect(snap).toMatchObject({ id: t.id, kind: "embed-v2", status: "ready", terminal: true });
    expect(snap.metadata.durationSec).toBe(18);
    expect(snap.createdAt).toBe(new Date(t.createdAt).toISOString());
  });

  test("analyze: a ready analysis' long result is streamed past, not buffered; completed_at comes through", async () => {
    const t = sim.addTask({
      kind: "analyze",
      timeline: [{ status: "ready", afterMs: 0 }],
      resultChars: 3_000_000,
    });
    const snap = await client({ maxBodyBytes: 64 * 1024 }).getTask("analyze", t.id);
    expect(snap).toMatchObject({ id: t.id, kind: "analyze", status: "ready", terminal: true });
    expect(snap.metadata.completedAt).toBe(new Date(t.createdAt).toISOString());
    expect(sim.calls.at(-1)?.route).toBe("GET /analyze/tasks/{task_id}");
  });

  test("asset and indexed asset: their own paths (an indexed asset inside its index), statuses and metadata", async () => {
    const a = sim.addTask({ kind: "asset", filename: "raw.mp4" });
    expect(await client().getTask("asset", a.id)).toMatchObject({
      kind: "asset",
      status: "processing",
      metadata: { filename: "raw.mp4", fileType: "video/mp4" },
    });
    const ia = sim.addTask({ kind: "indexed-asset", indexId: "6641c0efc70bb578439bd9aa" });
    expect(
      await client().getTask("indexed-asset", ia.id, { indexId: "6641c0efc70bb578439bd9aa" }),
    ).toMatchObject({
      kind: "indexed-asset",
      status: "pending",
    });
    expect(sim.calls.at(-1)?.path).toBe(`/v1.3/indexes/6641c0efc70bb578439bd9aa/indexed-assets/${ia.id}`);
    // Under another index the same id is not found.
    await expect(
      client().getTask("indexed-asset", ia.id, { indexId: "6641c0efc70bb578439bd9bb" }),
    ).rejects.toMatchObject({ name: "TwelveLabsNotFoundError" });
  });

  test("index: statuses walk validating to ready; metadata and index id come through", async () => {
    const t = sim.addTask({ kind: "index", filename: "talk.mp4", durationSec: 531.5 });
    const snap = await client().getTask("index", t.id);
    expect(snap).toMatchObject({
      kind: "index",
      status: "validating",
      terminal: false,
      metadata: {
        filename: "talk.mp4",
        durationSec: 531.5,
        indexId: t.indexId,
        videoId: t.videoId,
        width: 854,
      },
    });
  });

  test("failed tasks are terminal", async () => {
    const t = sim.addTask({ kind: "embed", timeline: [{ status: "failed", afterMs: 0 }] });
    const snap = await client().getTask("embed", t.id);
    expect(snap.status).toBe("failed");
    expect(snap.terminal).toBe(true);
  });
});

describe("listing by status and creation window", () => {
  test.each(["embed", "embed-v2", "index"] as const)(
    "%s: pages through all matches, newest first",
    async (kind) => {
      const now = Date.now();
      const status = kind === "index" ? "indexing" : "processing";
      const timeline = [{ status, afterMs: 0 }];
      const ids = Array.from(
        { length: 7 },
        (_, i) => sim.addTask({ kind, timeline, createdAt: now - 60_000 + i * 1000 }).id,
      );
      sim.addTask({ kind, timeline, createdAt: now - 10 * 60_000 }); // outside the window
      sim.addTask({ kind, timeline: [{ status: "ready", afterMs: 0 }], createdAt: now - 30_000 }); // other status
      const c = client();
      const window = {
        createdAfter: new Date(now - 120_000).toISOString(),
        createdBefore: new Date(now).toISOString(),
      };
      const p1 = await c.listTasks(kind, { status, ...window, page: 1, pageLimit: 5 });
      const p2 = await c.listTasks(kind, { status, ...window, page: 2, pageLimit: 5 });
      expect(p1.totalResults).toBe(7);
      expect(p1.totalPages).toBe(2);
      const seen = [...p1.tasks, ...p2.tasks].map((t) => t.id);
      expect(seen).toEqual([...ids].reverse());
    },
  );
});

describe("typed errors", () => {
  test("a rejected key is an authentication error: one retry after a fresh read of the key, no more", async () => {
    const reads: Array<boolean | undefined> = [];
    const c = new TwelveLabsClient({
      baseUrl: base,
      apiKey: async (o) => {
        reads.push(o?.fresh);
        return "tlk_wrong_key_value";
      },
    });
    clients.push(c);
    const err = await errorOf(c.getTask("embed", "6641c0efc70bb578439bd909"));
    expect(err).toBeInstanceOf(TwelveLabsAuthError);
    expect(sim.calls).toHaveLength(2);
    expect(reads.filter((fresh) => fresh === true)).toHaveLength(1);
    expect(err.message).not.toContain("tlk_wrong_key_value");
  });

  test.each(["400", "404"] as const)("an unknown id answered with %s is not found", async (style) => {
    sim.notFoundStyle = style;
    const err = await errorOf(client().getTask("embed", "000000000000000000000000"));
    expect(err).toBeInstanceOf(TwelveLabsNotFoundError);
    expect(sim.calls).toHaveLength(1);
  });

  test("embed-v2 and index unknown ids are not found too", async () => {
    const c = client();
    expect(await errorOf(c.getTask("embed-v2", "000000000000000000000000"))).toBeInstanceOf(
      TwelveLabsNotFoundError,
    );
    expect(await errorOf(c.getTask("index", "000000000000000000000000"))).toBeInstanceOf(
      TwelveLabsNotFoundError,
    );
  });

  test("invalid JSON is an invalid response, never a guessed status", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "invalid-json", times: 1 });
    expect(await errorOf(client().getTask("embed", t.id))).toBeInstanceOf(TwelveLabsInvalidResponseError);
  });

  test("an unknown status value is an invalid response", async () => {
    const t = sim.addTask({ kind: "embed", timeline: [{ status: "exploded", afterMs: 0 }] });
    const err = await errorOf(client().getTask("embed", t.id));
    expect(err).toBeInstanceOf(TwelveLabsInvalidResponseError);
    expect(err.message).toContain("exploded");
  });

  test("a body larger than the cap is an invalid response", async () => {
    const t = sim.addTask({ kind: "embed" });
    const err = await errorOf(client({ maxBodyBytes: 50 }).getTask("embed", t.id));
    expect(err).toBeInstanceOf(TwelveLabsInvalidResponseError);
  });
});

describe("retries, backoff and rate limits", () => {
  test("5xx twice, then success: three calls with backoff between", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "5xx", times: 2, status: 502 });
    const c = client({ baseBackoffMs: 50, random: () => 1 });
    const snap = await c.getTask("embed", t.id);
    expect(snap.status).toBe("processing");
    expect(sim.calls.map((x) => x.status)).toEqual([502, 502, 200]);
    const [a, b, d] = sim.calls.map((x) => x.receivedAt) as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(45); // 50 ms * 2^0
    expect(d - b).toBeGreaterThanOrEqual(95); // 50 ms * 2^1
    expect(c.stats()).toMatchObject({ calls: 1, attempts: 3, retries: 2 });
  });

  test("resets and truncated bodies are retried", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "reset", times: 1 });
    sim.addFault({ type: "truncated", times: 1 });
    const snap = await client().getTask("embed", t.id);
    expect(snap.id).toBe(t.id);
    expect(sim.calls).toHaveLength(3);
  });

  test("gives up after maxAttempts with a transient error", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "5xx", times: 10 });
    const err = await errorOf(client({ maxAttempts: 3 }).getTask("embed", t.id));
    expect(err).toBeInstanceOf(TwelveLabsTransientError);
    expect(sim.calls).toHaveLength(3);
  });

  test("a response slower than the headers timeout is a transient error", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "slow", times: 2, delayMs: 20_000 });
    const started = Date.now();
    const err = await errorOf(client({ headersTimeoutMs: 150, maxAttempts: 2 }).getTask("embed", t.id));
    expect(err).toBeInstanceOf(TwelveLabsTransientError);
    expect(err.message).toContain("timeout");
    // Without the timeout this would take 40 s (two 20 s answers); undici's timers are coarse (~1 s).
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(sim.calls).toHaveLength(2);
  });

  test("429 with Retry-After: no call before the wait is over", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "429", times: 1, retryAfterSec: 1 });
    const c = client();
    const snap = await c.getTask("embed", t.id);
    expect(snap.id).toBe(t.id);
    const [first, second] = sim.calls as unknown as [
      { receivedAt: number; status: number },
      { receivedAt: number },
    ];
    expect(first.status).toBe(429);
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(1_000);
    expect(c.stats().rateLimited).toBe(1);
  });

  test("429 with X-Ratelimit-Reset holds every concurrent caller", async () => {
    const tasks = Array.from({ length: 6 }, () => sim.addTask({ kind: "embed" }));
    sim.addFault({ type: "429", times: 1, resetInSec: 1 });
    // One connection: every other caller is queued behind the limited one and must wait too.
    const c = client({ maxConcurrency: 1 });
    const t429 = Date.now();
    await Promise.all(tasks.map((t) => c.getTask("embed", t.id)));
    const limited = sim.calls.find((x) => x.status === 429);
    expect(limited).toBeDefined();
    const after = sim.calls.filter((x) => x.receivedAt > (limited?.receivedAt ?? t429));
    // The reset is a whole epoch second, so the wait is at most 1 s, at least what is left of it.
    const resetAtMs = Math.ceil((limited?.receivedAt ?? 0) / 1000 + 1) * 1000;
    for (const call of after) expect(call.receivedAt).toBeGreaterThanOrEqual(resetAtMs - 5);
  });

  test("a wait longer than the client may sleep is handed to the caller, and nothing is sent meanwhile", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "429", times: 1, retryAfterSec: 120 });
    const c = client({ maxRateLimitWaitMs: 5_000 });
    const err = await errorOf(c.getTask("embed", t.id));
    expect(err).toBeInstanceOf(TwelveLabsRateLimitedError);
    expect((err as TwelveLabsRateLimitedError).retryAfterMs).toBeGreaterThan(100_000);
    const again = await errorOf(c.getTask("embed", t.id));
    expect(again).toBeInstanceOf(TwelveLabsRateLimitedError);
    expect(sim.calls).toHaveLength(1);
  });

  test("the simulator's requests-per-minute limit is obeyed", async () => {
    sim.rpmLimit = 3;
    const tasks = Array.from({ length: 4 }, () => sim.addTask({ kind: "embed" }));
    const c = client({ maxRateLimitWaitMs: 1_000 });
    const results = await Promise.allSettled(tasks.map((t) => c.getTask("embed", t.id)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(TwelveLabsRateLimitedError);
    expect(sim.calls.filter((x) => x.status === 429)).toHaveLength(1);
  });

  test("the failure budget stops hammering a failing API", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "5xx", rate: 1 });
    const c = client({ failureThreshold: 4, maxAttempts: 2, baseBackoffMs: 1 });
    const errors: Error[] = [];
    for (let i = 0; i < 10; i++) errors.push(await errorOf(c.getTask("embed", t.id)));
    expect(errors.every((e) => e instanceof TwelveLabsTransientError)).toBe(true);
    // Two calls of two attempts reach the threshold; the other eight never leave the client.
    expect(sim.calls).toHaveLength(4);
    const last = await errorOf(c.getTask("embed", t.id));
    expect(last.message).toContain("circuit open");
  });
});

describe("transport", () => {
  test("concurrency is bounded", async () => {
    sim.latencyMs = 20;
    const tasks = Array.from({ length: 40 }, () => sim.addTask({ kind: "embed" }));
    const c = client({ maxConcurrency: 4 });
    await Promise.all(tasks.map((t) => c.getTask("embed", t.id)));
    expect(sim.calls).toHaveLength(40);
    expect(sim.peakInFlight).toBeLessThanOrEqual(4);
    expect(sim.peakInFlight).toBeGreaterThanOrEqual(2);
    expect(c.stats().peakInFlight).toBeLessThanOrEqual(4);
  });

  test("the API key never appears in any error", async () => {
    const t = sim.addTask({ kind: "embed" });
    const errors: Error[] = [];
    // Each case its own client (a 429 would make a shared client refuse the next cases unsent),
    // and each must have reached the server: a case that sent nothing would prove nothing.
    for (const fault of ["5xx", "429", "slow", "truncated", "invalid-json", "reset"] as const) {
      const c = client({ maxAttempts: 1, headersTimeoutMs: 100, maxRateLimitWaitMs: 10 });
      sim.addFault({ type: fault, times: 1, retryAfterSec: 60, delayMs: 500 });
      const before = sim.calls.length;
      errors.push(await errorOf(c.getTask("embed", t.id)));
      expect(sim.calls.length, fault).toBe(before + 1);
      expect(sim.calls.at(-1)?.fault, fault).toBe(fault);
      sim.faults.clear();
    }
    const before = sim.calls.length;
    errors.push(await errorOf(client().getTask("embed", "nope")));
    const wrong = new TwelveLabsClient({ baseUrl: base, apiKey: async () => `${SECRET}x` });
    clients.push(wrong);
    errors.push(await errorOf(wrong.getTask("embed", t.id)));
    // The unknown id once; the wrong key twice (a retry after a fresh read of the key).
    expect(sim.calls.length).toBe(before + 3);
    expect(errors).toHaveLength(8);
    for (const err of errors) {
      expect(err).toBeInstanceOf(TwelveLabsError);
      const dump = `${String(err)} ${err.stack} ${JSON.stringify(err)} ${JSON.stringify(Object.entries(err))}`;
      expect(dump).not.toContain(SECRET);
    }
  });
});

describe("every call inside the time it has", () => {
  test("a hanging response ends at the deadline, not at the pool's timeouts", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "slow", times: 10, delayMs: 20_000 });
    const c = client({ headersTimeoutMs: 30_000 });
    const started = Date.now();
    const err = await errorOf(c.getTask("embed", t.id, { deadlineAt: started + 600 }));
    const took = Date.now() - started;
    expect(err).toBeInstanceOf(TwelveLabsTransientError);
    // Well under the 20 s the server holds it and the 30 s headers timeout.
    expect(took).toBeLessThan(5_000);
    expect(err.message).toContain("no time left");
  });

  test("no retry and no rate-limit wait starts past the deadline", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "429", times: 1, retryAfterSec: 3 });
    const c = client({ maxRateLimitWaitMs: 10_000 });
    const started = Date.now();
    const err = await errorOf(c.getTask("embed", t.id, { deadlineAt: started + 1_000 }));
    expect(err).toBeInstanceOf(TwelveLabsRateLimitedError);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(sim.calls).toHaveLength(1);
    // A call whose deadline has passed is not sent at all.
    const late = await errorOf(client().getTask("embed", t.id, { deadlineAt: Date.now() - 1 }));
    expect(late).toBeInstanceOf(TwelveLabsTransientError);
    expect(sim.calls).toHaveLength(1);
  });

  test("embed-v2's 429 body (error.details.retryAfter) is obeyed: no call before it allows", async () => {
    const t = sim.addTask({ kind: "embed-v2" });
    sim.addFault({ type: "429", times: 1, pathIncludes: "/embed-v2/", bodyRetryAfterSec: 2 });
    const c = client();
    await c.getTask("embed-v2", t.id);
    const [first, second] = sim.calls;
    expect(first?.status).toBe(429);
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(2_000);
  });

  test("Retry-After: 0 still backs off (no immediate retry loop)", async () => {
    const t = sim.addTask({ kind: "embed" });
    sim.addFault({ type: "429", times: 1, retryAfterSec: 0 });
    await client().getTask("embed", t.id);
    const [first, second] = sim.calls;
    expect((second?.receivedAt ?? 0) - (first?.receivedAt ?? 0)).toBeGreaterThanOrEqual(1_000);
  });
});
