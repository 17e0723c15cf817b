import { describe, expect, test } from "vitest";
import { DEFAULT_SCHEDULE, nextDueAt, retryDueAt } from "../../functions/core/due-schedule.js";

const t0 = Date.parse("2026-11-29T10:00:00Z");
const base = { registeredAt: t0, checks: 1, deadlineAt: t0 + 24 * 3600_000, metadata: {} };

describe("dueAt", () => {
  test("backs off with each unchanged check, up to the cap", () => {
    const gaps = [1, 2, 4, 8, 20].map((checks) => nextDueAt({ ...base, checks }, t0, 0.5) - t0);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] as number);
    expect(gaps[0]).toBe(DEFAULT_SCHEDULE.minIntervalMs);
    expect(gaps[4]).toBe(DEFAULT_SCHEDULE.maxIntervalMs);
  });

  test("jitter stays within ±20% and spreads tasks out", () => {
    const lo = nextDueAt({ ...base, checks: 6 }, t0, 0) - t0;
    const hi = nextDueAt({ ...base, checks: 6 }, t0, 0.999) - t0;
    const mid = nextDueAt({ ...base, checks: 6 }, t0, 0.5) - t0;
    expect(lo).toBeGreaterThanOrEqual(mid * 0.8 - 1);
    expect(hi).toBeLessThanOrEqual(mid * 1.2 + 1);
    expect(hi - lo).toBeGreaterThan(mid * 0.3);
  });

  test("closes in on the expected end of a video instead of polling at the minimum", () => {
    // 2 minutes of video: expected done ~ 10 s + 120 * 0.5 s = 70 s after registration.
    const s = { ...DEFAULT_SCHEDULE, jitter: 0 };
    const first = nextDueAt({ ...base, checks: 1, metadata: { durationSec: 120 } }, t0, 0.5, s);
    expect(first - t0).toBe(35_000); // half the time left
    const second = nextDueAt({ ...base, checks: 2, metadata: { durationSec: 120 } }, first, 0.5, s);
    expect(second - first).toBe(17_500);
    // A long video: never more than the cap between checks.
    const long = nextDueAt({ ...base, checks: 1, metadata: { durationSec: 3600 } }, t0, 0.5, s);
    expect(long - t0).toBe(DEFAULT_SCHEDULE.maxIntervalMs);
  });

  test("checks often just after the expected end", () => {
    const expectedEnd = t0 + 10_000 + 18 * 500;
    const at = nextDueAt({ ...base, checks: 10, metadata: { durationSec: 18 } }, expectedEnd + 1_000, 0.5);
    expect(at - (expectedEnd + 1_000)).toBe(DEFAULT_SCHEDULE.minIntervalMs);
  });

  test("never schedules past the deadline", () => {
    const at = nextDueAt({ ...base, checks: 30, deadlineAt: t0 + 10_000 }, t0, 0.9);
    expect(at).toBe(t0 + 10_000);
  });
});

describe("retryDueAt", () => {
  test("a rate limit's wait is honoured", () => {
    expect(retryDueAt(t0, 1, 0, 42_000)).toBe(t0 + 42_000);
    expect(retryDueAt(t0, 1, 0.99, 42_000)).toBeGreaterThanOrEqual(t0 + 42_000);
  });

  test("errors back off exponentially to the cap", () => {
    const a = retryDueAt(t0, 1, 1, undefined) - t0;
    const b = retryDueAt(t0, 3, 1, undefined) - t0;
    const c = retryDueAt(t0, 30, 1, undefined) - t0;
    expect(b).toBe(a * 4);
    expect(c).toBe(DEFAULT_SCHEDULE.maxIntervalMs);
  });
});
