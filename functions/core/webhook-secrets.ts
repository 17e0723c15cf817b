import { WEBHOOK_SECRET_PREFIX, webhookSecretKey } from "./webhook-signature.js";

/**
 * The webhook signing secret as stored (Secrets Manager, or NOTIFIER_WEBHOOK_SECRET locally):
 *  - `whsec_<base64>`: one secret; or
 *  - JSON `{"current": "...", "previous": "...", "rotatedAt": "<ISO time>"}`: after a rotation
 *    both sign until `rotatedAt` + the overlap, then only `current`. `previous` and `rotatedAt`
 *    are optional. A value without the `whsec_` prefix is taken as its base64 part (the stack's
 *    generated secret cannot carry the prefix); receivers use `whsec_` + that value.
 */
export interface WebhookSecretValue {
  current: string;
  previous?: string;
  rotatedAt?: number;
}

export class WebhookSecretError extends Error {
  override readonly name = "WebhookSecretError";
}

/** The `whsec_` form of a secret (adds the prefix when the stored value lacks it). */
export function withPrefix(secret: string): string {
  return secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret : WEBHOOK_SECRET_PREFIX + secret;
}

export function parseWebhookSecret(raw: string): WebhookSecretValue {
  const text = raw.trim();
  if (!text.startsWith("{")) return { current: checked(text) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new WebhookSecretError("the webhook secret is neither whsec_... nor valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new WebhookSecretError("the webhook secret JSON must be an object");
  const o = parsed as Record<string, unknown>;
  if (typeof o.current !== "string") throw new WebhookSecretError('the webhook secret JSON needs "current"');
  const value: WebhookSecretValue = { current: checked(o.current, '"current"') };
  if (o.previous !== undefined) {
    if (typeof o.previous !== "string") throw new WebhookSecretError('"previous" must be a string');
    value.previous = checked(o.previous, '"previous"');
  }
  if (o.rotatedAt !== undefined) {
    const at = typeof o.rotatedAt === "string" ? Date.parse(o.rotatedAt) : Number.NaN;
    if (!Number.isFinite(at)) throw new WebhookSecretError('"rotatedAt" must be an ISO date-time');
    value.rotatedAt = at;
  }
  return value;
}

function checked(secret: string, what?: string): string {
  const s = withPrefix(secret.trim());
  try {
    webhookSecretKey(s);
  } catch (err) {
    const why = (err as Error).message;
    throw new WebhookSecretError(what ? `${what}: ${why}` : why);
  }
  return s;
}

/**
 * The secrets that sign now: `current`, and `previous` while the overlap after `rotatedAt` lasts
 * (a `previous` without `rotatedAt` signs until it is removed).
 */
export function signingSecrets(value: WebhookSecretValue, now: number, overlapMs: number): string[] {
  const out = [value.current];
  if (value.previous && value.previous !== value.current) {
    if (value.rotatedAt === undefined || now < value.rotatedAt + overlapMs) out.push(value.previous);
  }
  return out;
}

/** The stored value after rotating to `next`: the old current becomes `previous`, from `now`. */
export function rotatedSecretValue(old: WebhookSecretValue, next: string, now: number): string {
  return JSON.stringify({
    current: checked(next, "the new secret"),
    previous: old.current,
    rotatedAt: new Date(now).toISOString(),
  });
}
