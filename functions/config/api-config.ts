import { DEFAULT_SHARDS, subscriptionProtocols } from "../core/deployment-defaults.js";
import type { SubscriptionLimits } from "../core/subscription-limits.js";
import type { TaskKind } from "../core/task-kinds.js";
import { TWELVELABS_BASE_URL } from "../core/twelvelabs-endpoints.js";
import {
  bedrockRegions,
  bool,
  ConfigError,
  defaultDeadlineSeconds,
  type Env,
  httpUrl,
  intInRange,
  list,
  optionalString,
  requireString,
  tagAttributes,
  watchKinds,
} from "./env-config.js";

export interface ApiConfig {
  tableName: string;
  topicArn: string;
  shards: number;
  defaultDeadlineSeconds: number;
  tagAttributes: string[];
  allowLoopbackHttp: boolean;
  subscriptionLimits: SubscriptionLimits;
  twelvelabsBaseUrl: string;
  /** API Gateway's id of the admin key: only requests made with it reach the subscription routes. */
  adminApiKeyId: string;
  /** The webhook queue (redeliveries), and the key that seals callbackHeaders (a secret's name, or the key locally). */
  webhookQueueUrl?: string;
  headerKeySecretName?: string;
  headerKey?: string;
  /** The stack's own queues subscribed to the topic (webhooks, EventBridge): never listed nor deletable. */
  internalSubscriptionEndpoints: string[];
  /** The Step Functions callback queue (heartbeats, final callbacks of tokens that come after the end). */
  stepFunctionsQueueUrl?: string;
  /** The stage, named in events built for tokens registered after their task ended. */
  stage: string;
  /** The results bucket (a stage that keeps results), and whether registrations archive by default. */
  resultsBucket?: string;
  archiveDefault: boolean;
  /** Regions whose Bedrock invocations may be registered (empty: the `bedrock` kind is refused). */
  bedrockRegions: string[];
  /** TwelveLabs' webhook secret: a Secrets Manager secret's name, or the value (local mode). */
  tlWebhookSecretName?: string;
  tlWebhookSecret?: string;
  /** Kinds the stage watches account-wide (a webhook naming an unknown task of these adopts it). */
  watchKinds: TaskKind[];
}

/** The api function's configuration from its environment. */
export function apiConfig(env: Env): ApiConfig {
  return {
    tableName: requireString(env, "TABLE_NAME"),
    topicArn: requireString(env, "TOPIC_ARN"),
    shards: intInRange(env, "SHARDS", DEFAULT_SHARDS, 1, 64),
    defaultDeadlineSeconds: defaultDeadlineSeconds(env),
    tagAttributes: tagAttributes(env),
    // Set only by local mode; the stack never sets it.
    allowLoopbackHttp: bool(env, "ALLOW_LOOPBACK_HTTP", false),
    adminApiKeyId: requireString(env, "ADMIN_API_KEY_ID"),
    webhookQueueUrl: optionalString(env, "WEBHOOK_QUEUE_URL"),
    headerKeySecretName: optionalString(env, "CALLBACK_HEADER_KEY_SECRET_NAME"),
    headerKey: optionalString(env, "CALLBACK_HEADER_KEY"),
    internalSubscriptionEndpoints: list(env, "INTERNAL_SUBSCRIPTION_ENDPOINTS"),
    stepFunctionsQueueUrl: optionalString(env, "STEP_FUNCTIONS_QUEUE_URL"),
    stage: optionalString(env, "STAGE") ?? "unset",
    resultsBucket: optionalString(env, "RESULTS_BUCKET"),
    archiveDefault: bool(env, "ARCHIVE_DEFAULT", false),
    bedrockRegions: bedrockRegions(env),
    tlWebhookSecretName: optionalString(env, "TWELVELABS_WEBHOOK_SECRET_NAME"),
    tlWebhookSecret: optionalString(env, "TWELVELABS_WEBHOOK_SECRET"),
    watchKinds: watchKinds(env),
    twelvelabsBaseUrl: httpUrl(env, "TWELVELABS_BASE_URL", TWELVELABS_BASE_URL),
    subscriptionLimits: {
      maxCount: intInRange(env, "SUBSCRIPTION_MAX", 100, 0, 10_000),
      protocols: protocols(env),
      emailDomains: list(env, "SUBSCRIPTION_EMAIL_DOMAINS").map((d) => d.toLowerCase()),
      httpsHosts: list(env, "SUBSCRIPTION_HTTPS_HOSTS").map((h) => h.toLowerCase()),
    },
  };
}

const PROTOCOLS = ["email", "sms", "https", "http", "sqs", "lambda"];

/** SUBSCRIPTION_PROTOCOLS: which protocols may be subscribed (default the stage defaults'; SMS only when listed). */
function protocols(env: Env): string[] {
  const given = list(env, "SUBSCRIPTION_PROTOCOLS");
  const chosen = given.length > 0 ? given : subscriptionProtocols({ sms: false });
  const bad = chosen.find((p) => !PROTOCOLS.includes(p));
  if (bad)
    throw new ConfigError(
      `environment variable SUBSCRIPTION_PROTOCOLS: unknown protocol "${bad.slice(0, 20)}" (known: ${PROTOCOLS.join(", ")})`,
    );
  return chosen;
}
