import { randomUUID } from "node:crypto";

/*
 * What SNS sends to HTTP(S) subscribers, as local mode reproduces it: the two envelopes, the
 * MessageStructure document, exact-match filter policies, and the POST with SNS's headers.
 */

export interface LocalSubscription {
  arn: string;
  protocol: string;
  endpoint: string;
  filterPolicy: Record<string, unknown> | undefined;
  confirmed: boolean;
  token: string;
}

/** A message as fauxqs hands it to SQS. */
export interface Envelope {
  MessageId: string;
  Subject: string | null;
  Message: string;
  MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export function confirmationEnvelope(topicArn: string, sub: LocalSubscription, baseUrl: string): object {
  return {
    Type: "SubscriptionConfirmation",
    MessageId: randomUUID(),
    Token: sub.token,
    TopicArn: topicArn,
    Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `${baseUrl}/_local/sns/confirm?token=${sub.token}`,
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    Signature: "LOCAL",
    SigningCertURL: `${baseUrl}/_local/sns/cert.pem`,
  };
}

/**
 * A Notification as SNS POSTs it. SNS leaves out message attributes for HTTP(S) endpoints when the
 * message was published with `MessageStructure: "json"` (the notifier always publishes so):
 * receivers filter through their subscription's filter policy, not by reading attributes.
 */
export function notificationEnvelope(
  topicArn: string,
  env: Envelope,
  message: string,
  baseUrl: string,
  structured = isStructure(env.Message),
): object {
  return {
    Type: "Notification",
    MessageId: env.MessageId,
    TopicArn: topicArn,
    Subject: env.Subject ?? undefined,
    Message: message,
    Timestamp: new Date().toISOString(),
    SignatureVersion: "1",
    Signature: "LOCAL",
    SigningCertURL: `${baseUrl}/_local/sns/cert.pem`,
    UnsubscribeURL: `${baseUrl}/_local/sns/unsubscribe`,
    ...(structured ? {} : { MessageAttributes: env.MessageAttributes ?? {} }),
  };
}

function isStructure(message: string): boolean {
  try {
    return typeof (JSON.parse(message) as { default?: unknown }).default === "string";
  } catch {
    return false;
  }
}

export function parseStructure(message: string): { default: string; [protocol: string]: string } {
  try {
    const parsed = JSON.parse(message) as Record<string, unknown>;
    if (typeof parsed.default === "string") return parsed as { default: string };
  } catch {
    // not a MessageStructure document
  }
  return { default: message };
}

/** Exact-match filter policies (what the API creates): every key's value must be listed. */
export function matchesFilterPolicy(
  policy: Record<string, unknown> | undefined,
  attributes: Record<string, string>,
): boolean {
  if (!policy) return true;
  return Object.entries(policy).every(([key, allowed]) => {
    const value = attributes[key];
    return value !== undefined && Array.isArray(allowed) && allowed.includes(value);
  });
}

/** Whether an endpoint is on this machine: the only place local mode sends anything. */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, "");
    return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
  } catch {
    return false;
  }
}

export async function postToSubscriber(sub: LocalSubscription, type: string, body: object): Promise<string> {
  if (!isLoopbackEndpoint(sub.endpoint)) {
    // Local mode talks only to servers on this machine; a deployed stage's SNS would POST this.
    return `not sent: local mode delivers only to this machine (127.0.0.1, localhost); a deployed stage would POST it to ${sub.endpoint}`;
  }
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(sub.endpoint, {
        method: "POST",
        headers: {
          "content-type": "text/plain; charset=UTF-8",
          "x-amz-sns-message-type": type,
          "x-amz-sns-topic-arn": (body as { TopicArn: string }).TopicArn,
          "x-amz-sns-subscription-arn": sub.arn,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(5_000),
      });
      await res.arrayBuffer();
      if (res.status < 500) return `HTTP ${res.status}`;
    } catch (err) {
      if (attempt === 3) return `failed (${(err as Error).message})`;
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
  return "failed (5xx)";
}
