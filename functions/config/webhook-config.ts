import { bool, ConfigError, type Env, intInRange, optionalString, requireString } from "./env-config.js";

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
  const signingSecretName = optionalString(env, "WEBHOOK_SECRET_NAME");
  const signingSecret = optionalString(env, "WEBHOOK_SECRET");
  if (!signingSecretName && !signingSecret)
    throw new ConfigError(
      "environment variable WEBHOOK_SECRET_NAME (or WEBHOOK_SECRET for local mode) is required",
    );
  if (signingSecretName) c.signingSecretName = signingSecretName;
  if (signingSecret) c.signingSecret = signingSecret;
  const deadLetterQueueUrl = optionalString(env, "WEBHOOK_DLQ_URL");
  if (deadLetterQueueUrl) c.deadLetterQueueUrl = deadLetterQueueUrl;
  const headerKeySecretName = optionalString(env, "CALLBACK_HEADER_KEY_SECRET_NAME");
  const headerKey = optionalString(env, "CALLBACK_HEADER_KEY");
  if (headerKeySecretName) c.headerKeySecretName = headerKeySecretName;
  if (headerKey) c.headerKey = headerKey;
  return c;
}
