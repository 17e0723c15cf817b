import { bool, type Env, intInRange, optionalString, requireString, secretSource } from "./env-config.js";

export interface WebhookConfig {
  tableName: string;
  queueUrl: string;
  /** Where a message goes after its last attempt (the function moves it there itself). */
  deadLetterQueueUrl?: string;
  /** Secrets Manager names (AWS), or the values themselves (local mode). */
  signingSecretName?: string;
  signingSecret?: string;
  headerKeySecretName?: string;
  headerKey?: string;
  /** How long the previous secret keeps signing after a rotation. */
  secretOverlapSeconds: number;
  /** Local mode only: http and loopback receivers. */
  allowLoopbackHttp: boolean;
  /** Deliveries in flight at once within one batch. */
  concurrency: number;
}

/** The webhook function's configuration from its environment (and local mode's). */
export function webhookConfig(env: Env): WebhookConfig {
  const c: WebhookConfig = {
    tableName: requireString(env, "TABLE_NAME"),
    queueUrl: requireString(env, "WEBHOOK_QUEUE_URL"),
    secretOverlapSeconds: intInRange(env, "WEBHOOK_SECRET_OVERLAP_SECONDS", 24 * 3600, 0, 30 * 24 * 3600),
    allowLoopbackHttp: bool(env, "ALLOW_LOOPBACK_HTTP", false),
    concurrency: intInRange(env, "WEBHOOK_CONCURRENCY", 10, 1, 100),
  };
  const signing = secretSource(env, "WEBHOOK_SECRET_NAME", "WEBHOOK_SECRET", true);
  if (signing.name) c.signingSecretName = signing.name;
  if (signing.value) c.signingSecret = signing.value;
  const deadLetterQueueUrl = optionalString(env, "WEBHOOK_DLQ_URL");
  if (deadLetterQueueUrl) c.deadLetterQueueUrl = deadLetterQueueUrl;
  const header = secretSource(env, "CALLBACK_HEADER_KEY_SECRET_NAME", "CALLBACK_HEADER_KEY", false);
  if (header.name) c.headerKeySecretName = header.name;
  if (header.value) c.headerKey = header.value;
  return c;
}
