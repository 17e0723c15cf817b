/*
 * Deployment defaults in one place: the stack (infra/config.ts), the functions' configuration,
 * local mode and the benchmarks all take them from here.
 */

/**
 * The deployed cadence: the poller runs
 * every minute and makes this many passes in each run, evenly spaced (a pass every 6 s). More
 * passes shorten the notification delay and cost list calls per pass (bench/results/latest.md
 * measures both, beside the official SDK's 5-second loop).
 */
export const PASSES_PER_MINUTE = 10;
export const PASS_INTERVAL_MS = 60_000 / PASSES_PER_MINUTE;

/**
 * Due tasks of one kind from which the cost model considers the list endpoints at all; below it
 * every task gets its own call. The model still picks lists only when they cost fewer calls.
 */
export const DEFAULT_BATCH_MIN_DUE = 2;

/**
 * TwelveLabs calls a minute the poller allows itself (0: no budget). Set it to your plan's limit
 * (stage setting `twelvelabsCallsPerMinute`): a stage watching many tasks then slows its looks
 * instead of meeting 429s (functions/core/call-budget.ts).
 */
export const DEFAULT_CALLS_PER_MINUTE = 1_000;

/**
 * Shards of each sparse index (each shard is one GSI partition key value). Raising it is safe;
 * lowering it needs care (see infra/config.ts).
 */
export const DEFAULT_SHARDS = 4;

/** Tag keys copied into SNS message attributes (subscriptions filter on them): deployed stages and local mode alike. */
export const DEFAULT_TAG_ATTRIBUTES: readonly string[] = ["team", "project"];

/**
 * What the admin key may subscribe on a stage unless its config says otherwise (every shipped stage,
 * and local mode): at most 100 subscriptions, SMS off (an SMS subscription needs no confirmation and
 * costs money per message).
 */
export const DEFAULT_SUBSCRIPTIONS: { readonly maxCount: number; readonly sms: boolean } = {
  maxCount: 100,
  sms: false,
};

/**
 * The subscription protocols a stage's rules allow: email, HTTPS, and the places inside AWS (an SQS
 * queue, a Lambda function: they receive only what their own policy lets the topic send); SMS only
 * where enabled.
 */
export function subscriptionProtocols(rules: { sms: boolean }): string[] {
  return ["email", "https", "sqs", "lambda", ...(rules.sms ? ["sms"] : [])];
}

/** How long the functions cache a secret they read (Powertools Parameters): a change is seen within it. */
export const SECRET_CACHE_SECONDS = 300;
