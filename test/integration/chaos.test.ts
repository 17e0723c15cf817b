import { expect, test } from "vitest";
import { runChaos } from "../../bench/chaos.js";

/*
 * The short version of `npm run chaos` (bench/chaos.ts): every fault at once, crashes in half the
 * runs so the outbox path is always exercised. The must-be-zero figures must be zero.
 */
test("chaos, short: nothing lost, nothing wrong, no call before a Retry-After", async () => {
  const r = await runChaos({ tasks: 120, seed: 7, maxSeconds: 90, crashRate: 0.5 });
  expect(r.crashedRuns).toBeGreaterThan(0);
  expect(Object.keys(r.faults).sort()).toEqual(expect.arrayContaining(["429", "5xx"]));
  expect(r.lost).toBe(0);
  expect(r.wrong).toBe(0);
  expect(r.callsBeforeRetryAfter).toBe(0);
  expect(r.duplicates).toBeLessThanOrEqual(Math.ceil(r.tasks * 0.01));
}, 120_000);
