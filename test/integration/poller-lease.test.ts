import { afterAll, beforeAll, expect, test } from "vitest";
import { type PollerHarness, startPollerHarness } from "../support/poller-harness.js";

let h: PollerHarness;

beforeAll(async () => {
  h = await startPollerHarness({ POLLER_LEASE: "true" });
});
afterAll(async () => {
  await h.close();
});

test("with the lease, a run that starts while another holds it is skipped, and the lease is released after", async () => {
  h.sim.latencyMs = 200; // keep the first run busy long enough to overlap
  for (let i = 0; i < 5; i++) {
    const t = h.sim.addTask({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] });
    await h.register({ taskId: t.id });
  }
  const [a, b] = await Promise.all([h.invoke(), h.invoke()]);
  const results = [a, b];
  expect(results.filter((r) => "skipped" in r)).toHaveLength(1);
  const ran = results.find((r) => !("skipped" in r));
  expect(ran && "transitions" in ran ? ran.transitions : 0).toBe(5);
  h.sim.latencyMs = 0;
  const next = await h.invoke();
  expect("skipped" in next).toBe(false);
});

test("a lease left by a run that died expires", async () => {
  const { DynamoDbRunLease } = await import("../../functions/adapters/dynamodb-run-lease.js");
  const lease = new DynamoDbRunLease(h.dynamo, h.aws.tableName, "poller");
  expect(await lease.tryAcquire("dead-run", Date.now() - 120_000, Date.now() - 60_000)).toBe(true);
  const result = await h.invoke();
  expect("skipped" in result).toBe(false);
  expect(await lease.tryAcquire("other", Date.now(), Date.now() + 60_000)).toBe(true);
  expect(await lease.tryAcquire("third", Date.now(), Date.now() + 60_000)).toBe(false);
  await lease.release("other");
  expect(await lease.tryAcquire("third", Date.now(), Date.now() + 60_000)).toBe(true);
  await lease.release("third");
});
