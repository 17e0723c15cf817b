import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  DEFAULT_CALLS_PER_MINUTE,
  DEFAULT_SHARDS,
  DEFAULT_SUBSCRIPTIONS,
  DEFAULT_TAG_ATTRIBUTES,
  PASSES_PER_MINUTE,
} from "../functions/core/deployment-defaults.js";
import { DEFAULT_EVENT_SOURCE } from "../functions/core/eventbridge-entry.js";
import type { TaskKind } from "../functions/core/task-kinds.js";
import { TWELVELABS_BASE_URL } from "../functions/core/twelvelabs-endpoints.js";

/** The stages this app deploys; `-c stage=<name>` picks one. */
export const STAGES = ["dev", "staging", "prod"] as const;
export type Stage = (typeof STAGES)[number];

export interface InitialSubscription {
  /**
   * sqs (a queue ARN) and lambda (a function ARN) reach pipelines inside AWS. The stack grants a
   * function's invoke permission to the topic itself; a queue's own policy must let the topic send
   * (README: "Subscriptions inside AWS"), since the stack cannot add to a policy it does not own.
   */
  protocol: "email" | "sms" | "https" | "sqs" | "lambda";
  endpoint: string;
  /** sqs and https: the event JSON itself rather than SNS's envelope. */
  rawDelivery?: boolean;
  /** Event names without the `task.` prefix; default: ready, failed, timed_out, not_found. */
  events?: Array<"ready" | "failed" | "timed_out" | "not_found" | "status_changed">;
}

/** Everything that differs between stages, as data. Constructs get it through props. */
export interface StageConfig {
  /** The environment's name (dev, staging, prod here; any lowercase name through the TaskNotifier construct). */
  stage: string;
  /** How often the poller runs (EventBridge rate), and passes inside each run. */
  pollEvery: Duration;
  passesPerRun: number;
  /** TwelveLabs calls a minute the poller allows itself (your plan's rate limit; 0: no budget). */
  twelvelabsCallsPerMinute: number;
  /** Default deadline of a task (its own `deadlineSeconds` overrides it). */
  defaultDeadline: Duration;
  /** How long finished tasks stay in the table (TTL), and logs in CloudWatch. */
  retentionDays: number;
  logRetentionDays: 7 | 14 | 30 | 90 | 365;
  removalPolicy: RemovalPolicy;
  pointInTimeRecovery: boolean;
  terminationProtection: boolean;
  logLevel: "DEBUG" | "INFO" | "WARN" | "ERROR";
  /**
   * Where the stage's alarms go: an email address subscribed to the operations topic (confirm the
   * email AWS sends). Unset, synthesis warns that the alarms reach no one; the topic's ARN is the
   * `OperationsTopicArn` output either way, for other subscriptions.
   */
  alarmEmail?: string;
  initialSubscriptions: InitialSubscription[];
  twelvelabsBaseUrl: string;
  /** An existing Secrets Manager secret (name) with the key; otherwise one is created, empty. */
  existingApiKeySecretName?: string;
  /**
   * Reserve concurrency 1 for the poller. Off everywhere by default: the lease item already keeps
   * runs from overlapping, and a reservation fails to deploy in accounts whose concurrency limit is
   * 100 or lower (Lambda keeps 100 unreserved; new accounts start at 10) and makes the schedule and
   * the stream wake-up contend for one slot (a throttled wake-up waits for the next tick). Turn it on
   * only where the account's limit is above 100 and you want a hard cap beside the lease.
   */
  reservePollerConcurrency: boolean;
  api: { rateLimit: number; burstLimit: number; quotaPerDay: number };
  /** Tag keys copied into SNS message attributes so subscriptions can filter on them (at most 5). */
  tagAttributes: string[];
  /**
   * What the admin key may subscribe: at most `maxCount` subscriptions; SMS only when `sms` is on
   * (an SMS subscription needs no confirmation and costs money per message); optional allow-lists.
   * The api function's sns:Subscribe permission is limited to the allowed protocols too.
   */
  subscriptions: { maxCount: number; sms: boolean; emailDomains?: string[]; httpsHosts?: string[] };
  /** Alarm when no poller run succeeded for this long. */
  maxQuietPeriod: Duration;
  /**
   * Shards of the sparse indexes. Raising it is safe. Lowering it is harmless: the table records the
   * largest count written with and the poller keeps reading that many shards until the higher ones
   * are empty, so no task is stranded (test/integration/integrity.test.ts).
   */
  shards: number;
  /**
   * Signed per-task webhooks: how long the previous signing secret keeps signing after a rotation,
   * an existing Secrets Manager secret (name) with the signing secret instead of a new one, and how
   * many webhook functions may run at once (bounds the calls made to receivers).
   */
  webhooks: { secretOverlap: Duration; existingSecretName?: string; maxConcurrency: number };
  /**
   * Watch the account: tasks of these kinds created at TwelveLabs after the stage is deployed with
   * them are found through the list endpoints and watched without being registered (README:
   * "Watching the account"). Empty: off. Watchable: embed, embed-v2, index, analyze, asset,
   * analyze-batch, bedrock (the stage's own region, models in `bedrock.discoverModels`).
   */
  watchAccount: TaskKind[];
  /**
   * Every event also on EventBridge (README: "EventBridge"): on `busName` (an existing bus, `default`
   * included), else on a bus the stack creates for the stage (output EventBusName), with this
   * `source` (reverse-DNS, not starting with `aws.`; checked at synth).
   */
  eventBridge: { busName?: string; source: string };
  /**
   * Step Functions callbacks (README: "Step Functions callbacks"): the state machines whose task
   * tokens the stage may answer (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat are granted on
   * exactly these; unset or empty: any state machine of the account), and how many callback
   * functions may run at once.
   */
  stepFunctions: { stateMachineArns?: string[]; maxConcurrency: number };
  /**
   * Results kept in S3 (README: "Results in S3"): `default` archives every registration that does
   * not say (off as shipped); the stage's own bucket (KMS with the stage key, TLS only, no public
   * access, kept when the stack goes) expires objects after `expireAfterDays` and/or moves them to
   * Intelligent-Tiering; or `bucketName` names a bucket of yours.
   */
  archive: { default: boolean; expireAfterDays?: number; intelligentTiering?: boolean; bucketName?: string };
  /**
   * Amazon Bedrock async invocations (README: "Bedrock async invocations"): the regions whose
   * invocations the stage may watch (unset: the stage's own; empty: kind bedrock off), and the models
   * watching the account takes (substrings of the model ARN; default TwelveLabs' `twelvelabs.`).
   * The poller's role gets bedrock:GetAsyncInvoke and bedrock:ListAsyncInvokes in exactly these regions.
   */
  bedrock: { regions?: string[]; discoverModels?: string[] };
}

const common = {
  pollEvery: Duration.minutes(1),
  passesPerRun: PASSES_PER_MINUTE,
  twelvelabsCallsPerMinute: DEFAULT_CALLS_PER_MINUTE,
  defaultDeadline: Duration.hours(24),
  twelvelabsBaseUrl: TWELVELABS_BASE_URL,
  initialSubscriptions: [],
  tagAttributes: [...DEFAULT_TAG_ATTRIBUTES],
  subscriptions: { ...DEFAULT_SUBSCRIPTIONS },
  maxQuietPeriod: Duration.minutes(10),
  shards: DEFAULT_SHARDS,
  webhooks: { secretOverlap: Duration.hours(24), maxConcurrency: 5 },
  watchAccount: [],
  eventBridge: { source: DEFAULT_EVENT_SOURCE },
  stepFunctions: { maxConcurrency: 5 },
  bedrock: {},
};

export const STAGE_CONFIGS: Record<Stage, StageConfig> = {
  dev: {
    ...common,
    stage: "dev",
    retentionDays: 7,
    logRetentionDays: 7,
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: false,
    terminationProtection: false,
    logLevel: "DEBUG",
    reservePollerConcurrency: false,
    api: { rateLimit: 10, burstLimit: 20, quotaPerDay: 10_000 },
    archive: { default: false, expireAfterDays: 7 },
  },
  staging: {
    ...common,
    stage: "staging",
    retentionDays: 14,
    logRetentionDays: 30,
    removalPolicy: RemovalPolicy.DESTROY,
    pointInTimeRecovery: true,
    terminationProtection: false,
    logLevel: "INFO",
    reservePollerConcurrency: false,
    api: { rateLimit: 25, burstLimit: 50, quotaPerDay: 50_000 },
    archive: { default: false, expireAfterDays: 30 },
  },
  prod: {
    ...common,
    stage: "prod",
    retentionDays: 30,
    logRetentionDays: 90,
    removalPolicy: RemovalPolicy.RETAIN,
    pointInTimeRecovery: true,
    terminationProtection: true,
    logLevel: "INFO",
    reservePollerConcurrency: false,
    api: { rateLimit: 50, burstLimit: 100, quotaPerDay: 200_000 },
    archive: { default: false, intelligentTiering: true },
  },
};

/** The stage named on the command line (`-c stage=...`), default dev; anything else fails with the list. */
export function resolveStage(value: unknown): StageConfig {
  const name = value === undefined || value === "" ? "dev" : value;
  if (typeof name !== "string" || !(STAGES as readonly string[]).includes(name)) {
    throw new Error(`Unknown stage "${String(name)}". Use -c stage=<${STAGES.join("|")}>.`);
  }
  return STAGE_CONFIGS[name as Stage];
}
