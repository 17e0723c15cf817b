import { expect, test } from "vitest";
import { rateLimitWaitMs } from "../../functions/adapters/rate-limit-headers.js";

const now = Date.parse("2026-11-29T10:00:00Z");

test("Retry-After in seconds, as a date, X-Ratelimit-Reset, and the default", () => {
  expect(rateLimitWaitMs({ "retry-after": "7" }, now)).toBe(7_000);
  expect(rateLimitWaitMs({ "retry-after": new Date(now + 12_000).toUTCString() }, now)).toBe(12_000);
  expect(rateLimitWaitMs({ "x-ratelimit-reset": String(now / 1000 + 30) }, now)).toBe(30_000);
  expect(rateLimitWaitMs({ "retry-after": "soon" }, now)).toBe(1_000);
  expect(rateLimitWaitMs({}, now)).toBe(1_000);
  expect(rateLimitWaitMs({ "x-ratelimit-reset": String(now / 1000 - 30) }, now)).toBe(0);
});
