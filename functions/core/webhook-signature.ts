import { createHmac, timingSafeEqual } from "node:crypto";

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the notifier signs with these
 * functions and receivers verify with `verifyWebhook`. The file depends on node:crypto only, so a
 * receiver can copy it as it is.
 */

export const WEBHOOK_SECRET_PREFIX = "whsec_";
/** Timestamps further than this from the receiver's clock are refused (replay protection). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The HMAC key a `whsec_<base64>` secret stands for (the prefix is optional). */
export function webhookSecretKey(secret: string): Buffer {
  const b64 = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0)
    throw new WebhookVerificationError("the webhook secret is not whsec_ followed by base64");
  const key = Buffer.from(b64, "base64");
  // The specification's bounds: at least 24 bytes (and keys longer than 64 add nothing to HMAC-SHA256).
  if (key.length < 24 || key.length > 64)
    throw new WebhookVerificationError("the webhook secret must hold 24 to 64 bytes");
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for one secret. */
export function webhookSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac("sha256", webhookSecretKey(secret))
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest("base64");
  return `v1,${mac}`;
}

/**
 * The three headers of a signed delivery. With more than one secret (during a rotation) the
 * signature header carries one signature per secret, space-separated: receivers holding either
 * secret verify.
 */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): { "webhook-id": string; "webhook-timestamp": string; "webhook-signature": string } {
  if (secrets.length === 0) throw new WebhookVerificationError("no signing secret");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets.map((s) => webhookSignature(s, id, timestampSeconds, body)).join(" "),
  };
}

/** A delivery that must not be trusted: bad signature, missing headers, or a timestamp out of range. */
export class WebhookVerificationError extends Error {
  override readonly name = "WebhookVerificationError";
}

type HeaderBag = Headers | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  for (const [k, v] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (k.toLowerCase() === name) return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

/**
 * Verifies a delivery and returns its parsed JSON body. Pass the raw body exactly as received
 * (before any JSON parsing), the request headers and your `whsec_` secret. Throws
 * WebhookVerificationError unless one signature matches and the timestamp is within 5 minutes.
 * Then dedupe on the `webhook-id` header: a delivery may arrive more than once.
 */
export function verifyWebhook(
  rawBody: string | Buffer,
  headers: HeaderBag,
  secret: string,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): unknown {
  const id = header(headers, "webhook-id");
  const ts = header(headers, "webhook-timestamp");
  const sigs = header(headers, "webhook-signature");
  if (!id || !ts || !sigs) throw new WebhookVerificationError("missing webhook-id, -timestamp or -signature");
  if (!/^\d{1,12}$/.test(ts)) throw new WebhookVerificationError("webhook-timestamp is not a number");
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(ts)) > tolerance)
    throw new WebhookVerificationError("webhook-timestamp is too far from now");
  const body = typeof rawBody === "string" ? rawBody : rawBody.toString("utf8");
  const expected = Buffer.from(webhookSignature(secret, id, Number(ts), body).slice(3), "base64");
  const matched = sigs.split(" ").some((entry) => {
    const [version, value] = entry.split(",", 2);
    if (version !== "v1" || !value) return false;
    const given = Buffer.from(value, "base64");
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matched) throw new WebhookVerificationError("no matching signature");
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw new WebhookVerificationError("the body is not JSON");
  }
}
