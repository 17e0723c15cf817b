import { createSign, generateKeyPairSync } from "node:crypto";
import { describe, expect, test } from "vitest";
import { webhookHeaders } from "../../functions/core/webhook-signature.js";
import {
  type SnsEnvelope,
  SnsVerificationError,
  snsStringToSign,
  verifySnsEnvelope,
  verifyWebhook,
  WebhookVerificationError,
} from "../../package/webhooks.js";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:TaskNotifier-prod-Topic";
const CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc123.pem";
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();

function signed(over: Partial<SnsEnvelope> = {}, version: "1" | "2" = "2"): SnsEnvelope {
  const e: SnsEnvelope = {
    Type: "Notification",
    MessageId: "5a9f2f9e-1111-2222-3333-444455556666",
    TopicArn: TOPIC,
    Subject: "task.ready 6641c0efc70bb578439bd909",
    Message: JSON.stringify({ id: "6641c0efc70bb578439bd909.r1.v4.ready", type: "task.ready" }),
    Timestamp: new Date().toISOString(),
    SignatureVersion: version,
    Signature: "",
    SigningCertURL: CERT_URL,
    ...over,
  };
  e.Signature = createSign(version === "1" ? "RSA-SHA1" : "RSA-SHA256")
    .update(snsStringToSign(e))
    .sign(privateKey, "base64");
  return e;
}

describe("verifySnsEnvelope", () => {
  let fetched = 0;
  const opts = {
    topicArn: TOPIC,
    fetchCertificate: async (url: string) => {
      fetched += 1;
      expect(url).toBe(CERT_URL);
      return publicPem;
    },
  };

  test("a signed notification of your topic verifies (versions 1 and 2, raw or parsed); the certificate is fetched once", async () => {
    const e = signed();
    expect((await verifySnsEnvelope(JSON.stringify(e), opts)).MessageId).toBe(e.MessageId);
    expect((await verifySnsEnvelope(signed({}, "1"), opts)).Type).toBe("Notification");
    const confirmation = signed({
      Type: "SubscriptionConfirmation",
      Subject: undefined,
      SubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
      Token: "t0k3n",
    });
    expect((await verifySnsEnvelope(confirmation, opts)).Token).toBe("t0k3n");
    expect(fetched).toBe(1);
  });

  test("refused: another topic, a certificate not on an SNS host, a changed message, an old one, an unknown version", async () => {
    const reasons = async (e: unknown) =>
      (await verifySnsEnvelope(e as SnsEnvelope, opts).catch((x) => x)) as Error;
    expect((await reasons(signed({ TopicArn: `${TOPIC}-other` }))).message).toMatch(/another topic/);
    expect((await reasons(signed({ SigningCertURL: "https://evil.example.com/cert.pem" }))).message).toMatch(
      /not an SNS certificate/,
    );
    expect(
      (await reasons(signed({ SigningCertURL: "https://sns.us-east-1.amazonaws.com.evil.io/x.pem" })))
        .message,
    ).toMatch(/not an SNS/);
    const tampered = { ...signed(), Message: JSON.stringify({ id: "x", type: "task.failed" }) };
    expect(await reasons(tampered)).toBeInstanceOf(SnsVerificationError);
    expect((await reasons(tampered)).message).toMatch(/signature does not match/);
    expect(
      (await reasons(signed({ Timestamp: new Date(Date.now() - 2 * 3600_000).toISOString() }))).message,
    ).toMatch(/too old/);
    expect((await reasons({ ...signed(), SignatureVersion: "3" })).message).toMatch(/SignatureVersion/);
    expect((await reasons("not json")).message).toMatch(/not JSON/);
  });
});

test("verifyWebhook (re-exported) accepts the notifier's signature and refuses another secret", () => {
  const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
  const body = JSON.stringify({ id: "e1", type: "task.ready" });
  const headers = webhookHeaders([secret], "e1", Math.floor(Date.now() / 1000), body);
  expect(verifyWebhook(body, headers, secret)).toEqual({ id: "e1", type: "task.ready" });
  expect(() => verifyWebhook(body, headers, `whsec_${Buffer.alloc(32, 8).toString("base64")}`)).toThrow(
    WebhookVerificationError,
  );
});
