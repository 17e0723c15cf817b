import {
  DEFAULT_BATCH_MIN_DUE,
  DEFAULT_CALLS_PER_MINUTE,
  DEFAULT_SHARDS,
  PASS_INTERVAL_MS,
  PASSES_PER_MINUTE,
} from "../core/deployment-defaults.js";
import { DEFAULT_SCHEDULE } from "../core/due-schedule.js";
import type { PollerSettings } from "../core/poll-run.js";
import { TWELVELABS_BASE_URL } from "../core/twelvelabs-endpoints.js";
import {
  bedrockRegions,
  bool,
  defaultDeadlineSeconds,
  type Env,
  httpUrl,
  intInRange,
  list,
  optionalString,
  requireString,
  secretSource,
  tagAttributes,
  watchKinds,
} from "./env-config.js";

export interface PollerConfig {
  tableName: string;
  topicArn: string;
  shards: number;
  twelvelabsBaseUrl: string;
  /** Secrets Manager name or ARN of the TwelveLabs key (AWS); or the key itself (local mode). */
  apiKeySecretName?: string;
  apiKey?: string;
  tagAttributes: string[];
  /** Take a lease item so runs do not overlap (off where reserved concurrency 1 does that). */
  useLease: boolean;
  /** Where archive jobs go; unset: the stage keeps no results. */
  archiveQueueUrl?: string;
  /** Kept free at the end of an invocation (ms). */
  safetyMarginMs: number;
  /** Bedrock: the regions it may check (the first is where account-wide lists go), and the models watching the account takes. */
  bedrock: {
    homeRegion?: string;
    regions: string[];
    discoverModels: string[];
    /** Another endpoint (a stand-in), with the credentials the environment names for it. */
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  };
  settings: PollerSettings;
}

/** The poller's configuration from its environment (see infra/ for what the stack sets). */
export function pollerConfig(env: Env): PollerConfig {
  const key = secretSource(env, "TWELVELABS_SECRET_NAME", "TWELVELABS_API_KEY", true);
  const twelvelabsBaseUrl = httpUrl(env, "TWELVELABS_BASE_URL", TWELVELABS_BASE_URL);
  const minInterval = intInRange(env, "CHECK_MIN_INTERVAL_MS", DEFAULT_SCHEDULE.minIntervalMs, 0, 3600_000);
  const maxInterval = intInRange(
    env,
    "CHECK_MAX_INTERVAL_MS",
    DEFAULT_SCHEDULE.maxIntervalMs,
    minInterval,
    24 * 3600_000,
  );
  const cfg: PollerConfig = {
    tableName: requireString(env, "TABLE_NAME"),
    topicArn: requireString(env, "TOPIC_ARN"),
    shards: intInRange(env, "SHARDS", DEFAULT_SHARDS, 1, 64),
    twelvelabsBaseUrl,
    tagAttributes: tagAttributes(env),
    useLease: bool(env, "POLLER_LEASE", true),
    archiveQueueUrl: optionalString(env, "ARCHIVE_QUEUE_URL"),
    safetyMarginMs: intInRange(env, "SAFETY_MARGIN_MS", 5_000, 0, 60_000),
    bedrock: {
      homeRegion: optionalString(env, "AWS_REGION"),
      regions: bedrockRegions(env),
      // Watching the account takes TwelveLabs' models only unless told otherwise (substrings of the model ARN).
      discoverModels:
        list(env, "BEDROCK_DISCOVER_MODELS").length > 0
          ? list(env, "BEDROCK_DISCOVER_MODELS")
          : ["twelvelabs."],
      ...bedrockEndpoint(env),
    },
    settings: {
      stage: requireString(env, "STAGE"),
      twelvelabsBaseUrl,
      publishStatusChanges: bool(env, "PUBLISH_STATUS_CHANGES", false),
      retentionSeconds: intInRange(env, "RETENTION_DAYS", 30, 1, 3650) * 86400,
      notFoundConfirmations: 2,
      schedule: { ...DEFAULT_SCHEDULE, minIntervalMs: minInterval, maxIntervalMs: maxInterval },
      concurrency: intInRange(env, "POLL_CONCURRENCY", 16, 1, 256),
      maxTasksPerPass: intInRange(env, "MAX_TASKS_PER_PASS", 10_000, 1, 100_000),
      pageSize: intInRange(env, "PAGE_SIZE", 200, 1, 1000),
      passes: intInRange(env, "PASSES_PER_RUN", PASSES_PER_MINUTE, 1, 12),
      passIntervalMs: intInRange(env, "PASS_INTERVAL_MS", PASS_INTERVAL_MS, 0, 300_000),
      batchMinDue: intInRange(env, "BATCH_MIN_DUE", DEFAULT_BATCH_MIN_DUE, 0, 100_000),
      callsPerMinute: intInRange(env, "TWELVELABS_CALLS_PER_MINUTE", DEFAULT_CALLS_PER_MINUTE, 0, 1_000_000),
      batchLookbackMs: intInRange(env, "BATCH_LOOKBACK_HOURS", 24, 1, 24 * 7) * 3600_000,
      maxOutboxPerPass: intInRange(env, "MAX_OUTBOX_PER_PASS", 500, 1, 100_000),
      watchKinds: watchKinds(env),
      defaultDeadlineSeconds: defaultDeadlineSeconds(env),
    },
  };
  if (key.name) cfg.apiKeySecretName = key.name;
  else if (key.value) cfg.apiKey = key.value;
  return cfg;
}

/**
 * AWS_ENDPOINT_URL_BEDROCK_RUNTIME: a stand-in for Bedrock (a simulator, LocalStack), signed with the
 * keys this environment names; without it the SDK's own endpoint and credential chain (the role).
 */
function bedrockEndpoint(env: Env): Pick<PollerConfig["bedrock"], "endpoint" | "credentials"> {
  const endpoint = optionalString(env, "AWS_ENDPOINT_URL_BEDROCK_RUNTIME");
  if (!endpoint) return {};
  const accessKeyId = optionalString(env, "AWS_ACCESS_KEY_ID");
  const secretAccessKey = optionalString(env, "AWS_SECRET_ACCESS_KEY");
  const sessionToken = optionalString(env, "AWS_SESSION_TOKEN");
  return {
    endpoint,
    ...(accessKeyId && secretAccessKey
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
  };
}
