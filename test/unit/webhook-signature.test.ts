import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { beforeEach, describe, expect, test } from "vitest";
import {
  parseWebhookSecret,
  rotatedSecretValue,
  signingSecrets,
  WebhookSecretError,
} from "../../functions/core/webhook-secrets.js";
import {
  verifyWebhook,
  WebhookVerificationError,
  webhookHeaders,
} from "../../functions/core/webhook-signature.js";

const secret = () => `whsec_${randomBytes(32).toString("base64")}`;
const body = JSON.stringify({ id: "evt.1", type: "task.ready", task: { id: "t1", note: "naïve ✓" } });
/** Read when each test runs: a value taken at load time would age while a busy suite runs. */
let now = 0;
beforeEach(() => {
  now = Math.floor(Date.now() / 1000);
});

describe("signatures, checked by the reference Standard Webhooks package", () => {
  test("one secret: the reference verifies ours, ours verifies the reference's", () => {
    const s = secret();
    const headers = webhookHeaders([s], "evt.1", now, body);
    expect(new Webhook(s).verify(body, headers)).toEqual(JSON.parse(body));
    const theirs = new Webhook(s).sign("evt.1", new Date(now * 1000), body);
    expect(headers["webhook-signature"]).toBe(theirs);
    expect(verifyWebhook(body, { ...headers, "webhook-signature": theirs }, s)).toEqual(JSON.parse(body));
  });

  test("during a rotation both secrets sign: a receiver holding either one verifies", () => {
    const [oldS, newS] = [secret(), secret()];
    const headers = webhookHeaders([newS, oldS], "evt.2", now, body);
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(new Webhook(oldS).verify(body, headers)).toBeTruthy();
    expect(new Webhook(newS).verify(body, headers)).toBeTruthy();
    expect(verifyWebhook(body, headers, oldS)).toBeTruthy();
    expect(() => new Webhook(secret()).verify(body, headers)).toThrow();
  });

  test("the stack's generated secret (48 letters and digits, no prefix) is a valid whsec_ secret", () => {
    const generated = randomBytes(64)
      .toString("base64")
      .replace(/[^A-Za-z0-9]/g, "")
      .slice(0, 48);
    const value = parseWebhookSecret(JSON.stringify({ current: generated }));
    expect(value.current).toBe(`whsec_${generated}`);
    const headers = webhookHeaders(signingSecrets(value, Date.now(), 0), "evt.3", now, body);
    expect(new Webhook(`whsec_${generated}`).verify(body, headers)).toBeTruthy();
  });

  test("verifyWebhook refuses a changed body, another secret, stale or future timestamps, missing headers", () => {
    const s = secret();
    const headers = webhookHeaders([s], "evt.4", now, body);
    expect(() => verifyWebhook(body.replace("t1", "t2"), headers, s)).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(body, headers, secret())).toThrow(/no matching signature/);
    // Well outside the window (a second ticking over mid-test must not matter), on the real clock.
    const stale = webhookHeaders([s], "evt.4", now - 400, body);
    expect(() => verifyWebhook(body, stale, s)).toThrow(/too far/);
    const future = webhookHeaders([s], "evt.4", now + 400, body);
    expect(() => verifyWebhook(body, future, s)).toThrow(/too far/);
    // At the edges, on a fixed clock.
    const clock = { nowSeconds: now };
    expect(() => verifyWebhook(body, webhookHeaders([s], "evt.4", now + 301, body), s, clock)).toThrow(
      /too far/,
    );
    expect(verifyWebhook(body, webhookHeaders([s], "evt.4", now - 299, body), s, clock)).toBeTruthy();
    expect(() => verifyWebhook(body, webhookHeaders([s], "evt.4", now - 301, body), s, clock)).toThrow(
      /too far/,
    );
    expect(() => verifyWebhook(body, { "webhook-id": "evt.4" }, s)).toThrow(/missing/);
    // The id is signed: a replay under another id fails.
    expect(() => verifyWebhook(body, { ...headers, "webhook-id": "evt.5" }, s)).toThrow(/no matching/);
    // The reference agrees on the 5-minute window.
    expect(() => new Webhook(s).verify(body, stale)).toThrow();
  });

  test("headers may come as a fetch Headers object, any case", () => {
    const s = secret();
    const h = webhookHeaders([s], "evt.6", now, body);
    const headers = new Headers({
      "Webhook-Id": h["webhook-id"],
      "WEBHOOK-TIMESTAMP": h["webhook-timestamp"],
      "webhook-signature": h["webhook-signature"],
    });
    expect(verifyWebhook(Buffer.from(body), headers, s)).toEqual(JSON.parse(body));
  });
});

describe("the stored secret and its rotation", () => {
  test("previous signs beside current for the overlap after rotatedAt, then stops", () => {
    const [a, b] = [secret(), secret()];
    const t0 = Date.parse("2026-11-29T12:00:00Z");
    const value = parseWebhookSecret(rotatedSecretValue(parseWebhookSecret(a), b, t0));
    expect(value).toEqual({ current: b, previous: a, rotatedAt: t0 });
    const day = 24 * 3600_000;
    expect(signingSecrets(value, t0 + day - 1, day)).toEqual([b, a]);
    expect(signingSecrets(value, t0 + day, day)).toEqual([b]);
    // Without rotatedAt, previous signs until it is removed.
    expect(signingSecrets({ current: b, previous: a }, t0 + 100 * day, day)).toEqual([b, a]);
  });

  test("malformed values are refused with a reason, never echoed", () => {
    const bad = [
      "whsec_!!!",
      "{",
      JSON.stringify({ previous: secret() }),
      JSON.stringify({ current: "c2hvcnQ=" }),
    ];
    for (const v of bad) {
      expect(() => parseWebhookSecret(v)).toThrow(WebhookSecretError);
      try {
        parseWebhookSecret(v);
      } catch (err) {
        expect((err as Error).message).not.toContain(v);
      }
    }
    expect(() =>
      parseWebhookSecret(JSON.stringify({ current: secret(), previous: secret(), rotatedAt: "yesterday" })),
    ).toThrow(/rotatedAt/);
  });
});
