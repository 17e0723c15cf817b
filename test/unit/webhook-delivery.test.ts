import { expect, test } from "vitest";
import {
  decideAttempt,
  MAX_RETRY_DELAY_S,
  retryDelaySeconds,
  VISIBILITY_MARGIN_S,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_RETRY_DELAYS_S,
} from "../../functions/core/webhook-delivery.js";

const failed = { status: 500, durationMs: 5 };

test("a wait near SQS's 12-hour visibility limit is capped, counting the time since the receive (SQS would refuse it)", () => {
  // 10 h + 20 % jitter is exactly 12 h: more than SQS allows once any time has passed since the receive.
  const longest = retryDelaySeconds(7, undefined, () => 0.999999, 40);
  expect(longest + 40).toBeLessThanOrEqual(MAX_RETRY_DELAY_S - VISIBILITY_MARGIN_S);
  expect(longest).toBe(MAX_RETRY_DELAY_S - VISIBILITY_MARGIN_S - 40);
  // A Retry-After of days, asked 15 s after the receive.
  const d = decideAttempt(
    { status: 503, durationMs: 15_000, retryAfterSeconds: 5 * 86_400 },
    2,
    () => 0.5,
    15,
  );
  expect(d).toEqual({ outcome: "retrying", delaySeconds: MAX_RETRY_DELAY_S - VISIBILITY_MARGIN_S - 15 });
  // Short waits are untouched.
  expect(retryDelaySeconds(1, undefined, () => 0.5, 30)).toBe(5);
});

test("the retry schedule: about 5 s, 1 min, 5 min, 30 min, 2 h, 5 h, 10 h, each within ±20 % jitter", () => {
  expect([...WEBHOOK_RETRY_DELAYS_S]).toEqual([5, 60, 300, 1800, 7200, 18000, 36000]);
  expect(WEBHOOK_MAX_ATTEMPTS).toBe(8);
  WEBHOOK_RETRY_DELAYS_S.forEach((base, i) => {
    const attempt = i + 1;
    expect(retryDelaySeconds(attempt, undefined, () => 0)).toBe(Math.round(base * 0.8));
    // The longest (10 h + 20 %) is capped below SQS's 12 hours: see the next tests.
    expect(retryDelaySeconds(attempt, undefined, () => 0.999999)).toBe(
      Math.min(Math.round(base * 1.2), MAX_RETRY_DELAY_S - VISIBILITY_MARGIN_S),
    );
    const d = decideAttempt(failed, attempt, Math.random);
    expect(d.outcome).toBe("retrying");
    if (d.outcome === "retrying") {
      expect(d.delaySeconds).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
      expect(d.delaySeconds).toBeLessThanOrEqual(Math.ceil(base * 1.2));
    }
  });
});

test("jitter spreads retries: 200 draws of the first wait take many values", () => {
  const waits = new Set(Array.from({ length: 200 }, () => retryDelaySeconds(2)));
  expect(waits.size).toBeGreaterThan(10);
});

test("2xx delivers, 410 disables, the last failed attempt gives up", () => {
  for (const status of [200, 201, 202, 204, 299])
    expect(decideAttempt({ status, durationMs: 1 }, 1).outcome).toBe("delivered");
  expect(decideAttempt({ status: 410, durationMs: 1 }, 3).outcome).toBe("disabled");
  expect(decideAttempt(failed, WEBHOOK_MAX_ATTEMPTS).outcome).toBe("gave_up");
  expect(decideAttempt({ error: "timeout", durationMs: 15_000 }, WEBHOOK_MAX_ATTEMPTS).outcome).toBe(
    "gave_up",
  );
});

test("429, 5xx, other statuses, redirects (never followed), timeouts and connection errors retry", () => {
  for (const r of [
    { status: 429 },
    { status: 500 },
    { status: 503 },
    { status: 404 },
    { status: 301 },
    { status: 302 },
    { error: "timeout" as const },
    { error: "connection" as const },
    { error: "dns" as const },
    { error: "tls" as const },
  ])
    expect(decideAttempt({ ...r, durationMs: 1 }, 1).outcome).toBe("retrying");
});

test("a Retry-After longer than the schedule is honoured, capped at SQS's 12 hours", () => {
  const d = decideAttempt({ status: 429, retryAfterSeconds: 120, durationMs: 1 }, 1, () => 0.5);
  expect(d).toEqual({ outcome: "retrying", delaySeconds: 120 });
  // Shorter than the schedule: the schedule wins.
  expect(decideAttempt({ status: 429, retryAfterSeconds: 1, durationMs: 1 }, 2, () => 0.5)).toEqual({
    outcome: "retrying",
    delaySeconds: 60,
  });
  // Below SQS's 12 hours by the margin the receive already used up (a batching window, the attempt).
  expect(retryDelaySeconds(1, 10 * 24 * 3600)).toBe(MAX_RETRY_DELAY_S - VISIBILITY_MARGIN_S);
  expect(retryDelaySeconds(7, undefined, () => 0.999)).toBeLessThanOrEqual(MAX_RETRY_DELAY_S);
});

test("a refused address, a non-https URL or an invalid one is final: never retried", () => {
  for (const error of ["refused_address", "not_https", "invalid_url"] as const)
    expect(decideAttempt({ error, durationMs: 0 }, 1).outcome).toBe("refused");
});
