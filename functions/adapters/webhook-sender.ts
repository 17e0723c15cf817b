import { type Dispatcher, request } from "undici";
import {
  type SendResult,
  WEBHOOK_ATTEMPT_TIMEOUT_MS,
  WEBHOOK_RESPONSE_MAX_BYTES,
  type WebhookErrorClass,
} from "../core/webhook-delivery.js";
import { rateLimitWaitMs } from "./rate-limit-headers.js";

export interface SendOptions {
  /** The guarded agent (ssrf-guard.ts): every connection it opens passed the address check. */
  dispatcher: Dispatcher;
  /** Deployed: https only. Local mode allows http (to loopback, which the guard enforces). */
  requireHttps: boolean;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * One POST of a signed event. Never throws: the result is a status or an error class. Redirects
 * are not followed (a 3xx is a failed attempt), at most a few KiB of the response are read, and
 * the whole attempt, connection included, ends within the timeout.
 */
export async function sendWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  opts: SendOptions,
): Promise<SendResult> {
  const now = opts.now ?? Date.now;
  const started = now();
  const done = (r: Omit<SendResult, "durationMs">): SendResult => ({
    ...r,
    durationMs: Math.max(0, now() - started),
  });
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done({ error: "invalid_url" });
  }
  if (target.protocol !== "https:" && (opts.requireHttps || target.protocol !== "http:"))
    return done({ error: "not_https" });
  if (target.username || target.password) return done({ error: "invalid_url" });
  const timeoutMs = opts.timeoutMs ?? WEBHOOK_ATTEMPT_TIMEOUT_MS;
  try {
    const res = await request(target, {
      method: "POST",
      dispatcher: opts.dispatcher,
      headers: { ...headers, "content-type": "application/json", "user-agent": "twelvelabs-task-notifier" },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    await drain(res.body, WEBHOOK_RESPONSE_MAX_BYTES);
    const result: Omit<SendResult, "durationMs"> = { status: res.statusCode };
    if ((res.statusCode === 429 || res.statusCode === 503) && res.headers["retry-after"] !== undefined)
      result.retryAfterSeconds = Math.ceil(
        rateLimitWaitMs({ "retry-after": res.headers["retry-after"] }, now()) / 1000,
      );
    return done(result);
  } catch (err) {
    return done({ error: errorClass(err) });
  }
}

/** Reads at most `max` bytes of a response, then drops the connection's rest. */
async function drain(body: Dispatcher.ResponseData["body"], max: number): Promise<void> {
  let read = 0;
  try {
    for await (const chunk of body) {
      read += (chunk as Buffer).length;
      if (read >= max) break; // leaving the loop destroys the stream: the rest is never read
    }
  } catch {
    // A receiver that resets while we read its answer has answered already (the status).
  }
}

function errorClass(err: unknown): WebhookErrorClass {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, name } = e as { code?: string; name?: string };
    if (code === "ERR_WEBHOOK_REFUSED_ADDRESS" || name === "RefusedAddressError") return "refused_address";
    if (name === "TimeoutError" || name === "AbortError" || /TIMEOUT/.test(code ?? "")) return "timeout";
    if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") return "dns";
    if (/^(ERR_TLS|CERT_|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/.test(code ?? "")) return "tls";
  }
  return "connection";
}
