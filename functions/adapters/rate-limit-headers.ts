import type { IncomingHttpHeaders } from "node:http";

/** The shortest wait after a 429, whatever it says: a zero or past time must not become a retry loop. */
export const MIN_RATE_LIMIT_WAIT_MS = 1_000;
const MAX_WAIT_MS = 24 * 3600_000;

/**
 * How long a 429 asks us to wait: the latest of every hint present, so none is undercut.
 * `Retry-After` (seconds or an HTTP date), `X-Ratelimit-Reset` (UTC epoch seconds, as TwelveLabs
 * documents) and, from an embed-v2 error body, `error.details.retryAfter` (seconds). Without a
 * hint, or when all of them are zero or past, at least MIN_RATE_LIMIT_WAIT_MS.
 */
export function rateLimitWaitMs(
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  now: number,
  bodyRetryAfterSec?: number,
): number {
  const waits: number[] = [];
  const retryAfter = first(headers["retry-after"])?.trim();
  if (retryAfter !== undefined) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) waits.push(Math.ceil(Number(retryAfter) * 1000));
    else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) waits.push(at - now);
    }
  }
  const reset = first(headers["x-ratelimit-reset"])?.trim();
  if (reset !== undefined && /^\d+(\.\d+)?$/.test(reset)) waits.push(Math.ceil(Number(reset) * 1000 - now));
  if (bodyRetryAfterSec !== undefined && Number.isFinite(bodyRetryAfterSec))
    waits.push(Math.ceil(bodyRetryAfterSec * 1000));
  return Math.min(MAX_WAIT_MS, Math.max(MIN_RATE_LIMIT_WAIT_MS, ...waits));
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
