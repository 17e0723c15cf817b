import { createVerify, X509Certificate } from "node:crypto";

/*
 * Verifying what SNS POSTs to an HTTPS subscriber: the envelope's signature (SignatureVersion 1,
 * SHA1withRSA, or 2, SHA256withRSA) against the certificate at SigningCertURL, which must be an
 * SNS host of AWS; and the topic, which must be yours (anyone can subscribe your endpoint to a
 * topic of theirs and send it signed messages).
 */

export interface SnsEnvelope {
  Type: "Notification" | "SubscriptionConfirmation" | "UnsubscribeConfirmation";
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface SnsVerifyOptions {
  /** The topic you subscribed to (the `TopicArn` output): every other topic is refused. */
  topicArn: string;
  /** Fetches a certificate (PEM) by URL; default `fetch`, cached per URL for the process. */
  fetchCertificate?: (url: string) => Promise<string>;
  /** Refuse envelopes older than this (default 1 hour; SNS retries for longer only with a custom policy). */
  maxAgeMs?: number;
  now?: () => number;
}

export class SnsVerificationError extends Error {
  override readonly name = "SnsVerificationError";
}

const CERT_URL = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/[A-Za-z0-9/_.-]+\.pem$/;
const certificates = new Map<string, Promise<string>>();

const FIELDS: Record<SnsEnvelope["Type"], ReadonlyArray<keyof SnsEnvelope>> = {
  Notification: ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
  SubscriptionConfirmation: [
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
  ],
  UnsubscribeConfirmation: ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
};

/** The text SNS signs: each present field's name and value, a line each, in its fixed order. */
export function snsStringToSign(e: SnsEnvelope): string {
  const fields = FIELDS[e.Type];
  if (!fields) throw new SnsVerificationError(`unknown SNS message type ${String(e.Type).slice(0, 40)}`);
  return fields
    .filter((k) => e[k] !== undefined)
    .map((k) => `${k}\n${String(e[k])}\n`)
    .join("");
}

/**
 * Verifies an SNS HTTPS delivery (the request body, raw or parsed) and returns the envelope.
 * Throws SnsVerificationError when the topic is not yours, the certificate is not SNS's, the
 * signature does not match or the message is too old. For a Notification of the notifier, the
 * event is `JSON.parse(envelope.Message)` (dedupe on its `id`).
 */
export async function verifySnsEnvelope(body: string | object, opts: SnsVerifyOptions): Promise<SnsEnvelope> {
  let e: SnsEnvelope;
  try {
    e = (typeof body === "string" ? JSON.parse(body) : body) as SnsEnvelope;
  } catch {
    throw new SnsVerificationError("the body is not JSON");
  }
  for (const k of [
    "Type",
    "MessageId",
    "TopicArn",
    "Message",
    "Timestamp",
    "Signature",
    "SigningCertURL",
  ] as const)
    if (typeof e?.[k] !== "string") throw new SnsVerificationError(`the envelope has no ${k}`);
  if (e.TopicArn !== opts.topicArn) throw new SnsVerificationError("the message comes from another topic");
  if (!CERT_URL.test(e.SigningCertURL))
    throw new SnsVerificationError("SigningCertURL is not an SNS certificate");
  const algorithm =
    e.SignatureVersion === "1" ? "RSA-SHA1" : e.SignatureVersion === "2" ? "RSA-SHA256" : undefined;
  if (!algorithm) throw new SnsVerificationError("unknown SignatureVersion");
  const at = Date.parse(e.Timestamp);
  const now = (opts.now ?? Date.now)();
  if (Number.isNaN(at) || now - at > (opts.maxAgeMs ?? 3600_000))
    throw new SnsVerificationError("the message is too old (or has no valid Timestamp)");
  const pem = await certificate(e.SigningCertURL, opts.fetchCertificate);
  const key = pem.includes("BEGIN CERTIFICATE") ? new X509Certificate(pem).publicKey : pem;
  const ok = createVerify(algorithm).update(snsStringToSign(e), "utf8").verify(key, e.Signature, "base64");
  if (!ok) throw new SnsVerificationError("the signature does not match");
  return e;
}

function certificate(url: string, fetchCertificate?: (url: string) => Promise<string>): Promise<string> {
  let pending = certificates.get(url);
  if (!pending) {
    pending = (
      fetchCertificate ??
      (async (u: string) => {
        const res = await fetch(u);
        if (!res.ok)
          throw new SnsVerificationError(`the certificate could not be fetched (HTTP ${res.status})`);
        return res.text();
      })
    )(url);
    // A failed fetch is not kept: the next message tries again.
    pending.catch(() => certificates.delete(url));
    certificates.set(url, pending);
  }
  return pending;
}
