import type { IncomingHttpHeaders } from "node:http";

const DEFAULT_WAIT_MS = 1_000;
const MAX_WAIT_MS = 24 * 3600_000;

/**
 * How long a 429 asks us to wait. `Retry-After` (seconds or an HTTP date) when present, else
 * `X-Ratelimit-Reset` (UTC epoch seconds, as TwelveLabs documents), else one second.
 * Never negative, never absurd.
 */
export function rateLimitWaitMs(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  now: number,
): number {
  const retryAfter = first(headers["retry-after"]);
  if (retryAfter !== undefined) {
    const trimmed = retryAfter.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return clamp(Math.ceil(Number(trimmed) * 1000));
    const at = Date.parse(trimmed);
    if (!Number.isNaN(at)) return clamp(at - now);
  }
  const reset = first(headers["x-ratelimit-reset"]);
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset.trim())) {
    const atMs = Number(reset.trim()) * 1000;
    return clamp(Math.ceil(atMs - now));
  }
  return DEFAULT_WAIT_MS;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function clamp(ms: number): number {
  return Math.min(MAX_WAIT_MS, Math.max(0, ms));
}
