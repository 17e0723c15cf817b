import { expect, test } from "vitest";
import { MIN_RATE_LIMIT_WAIT_MS, rateLimitWaitMs } from "../../functions/adapters/rate-limit-headers.js";

const now = Date.parse("2026-11-29T10:00:00Z");

test("Retry-After in seconds, as a date, X-Ratelimit-Reset, and the default", () => {
  expect(rateLimitWaitMs({ "retry-after": "7" }, now)).toBe(7_000);
  expect(rateLimitWaitMs({ "retry-after": new Date(now + 12_000).toUTCString() }, now)).toBe(12_000);
  expect(rateLimitWaitMs({ "x-ratelimit-reset": String(now / 1000 + 30) }, now)).toBe(30_000);
  expect(rateLimitWaitMs({ "retry-after": "soon" }, now)).toBe(1_000);
  expect(rateLimitWaitMs({}, now)).toBe(1_000);
});

test("the later of Retry-After and X-Ratelimit-Reset, in either order", () => {
  expect(rateLimitWaitMs({ "retry-after": "5", "x-ratelimit-reset": String(now / 1000 + 20) }, now)).toBe(
    20_000,
  );
  expect(rateLimitWaitMs({ "retry-after": "40", "x-ratelimit-reset": String(now / 1000 + 20) }, now)).toBe(
    40_000,
  );
});

test("embed-v2's error.details.retryAfter in the body counts like a header", () => {
  expect(rateLimitWaitMs({}, now, 60)).toBe(60_000);
  expect(rateLimitWaitMs({ "retry-after": "3" }, now, 9)).toBe(9_000);
});

test("a zero or past wait still backs off: no immediate retry loop", () => {
  expect(rateLimitWaitMs({ "retry-after": "0" }, now)).toBe(MIN_RATE_LIMIT_WAIT_MS);
  expect(rateLimitWaitMs({ "x-ratelimit-reset": String(now / 1000 - 30) }, now)).toBe(MIN_RATE_LIMIT_WAIT_MS);
  expect(rateLimitWaitMs({ "retry-after": new Date(now - 5_000).toUTCString() }, now)).toBe(
    MIN_RATE_LIMIT_WAIT_MS,
  );
});
