import { Duration, type RemovalPolicy, Stack, Token, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, FilterRule, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { DynamoEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { Queue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC_NAMESPACE } from "../../functions/config/metric-names.js";
import { REGION_PATTERN } from "../../functions/core/bedrock-arn.js";
import { TASK_TABLE, TL_EVENT_PREFIX } from "../../functions/core/shared-names.js";
import type { StageConfig } from "../config.js";
import { deadLetterQueue } from "./dead-letter-queue.js";
import { NotifierFunction } from "./notifier-function.js";

export interface PollerProps {
  config: StageConfig;
  table: ITable;
  topic: ITopic;
  secret: ISecret;
  removalPolicy: RemovalPolicy;
}

/**
 * The scheduled poller: an EventBridge rule every `pollEvery`, woken early by new task items on the
 * table's stream, a function that finishes before the next tick, runs that never overlap (reserved
 * concurrency 1 where the account allows it, a lease item in the table always), failed scheduled
 * invocations kept in a DLQ.
 */
export class Poller extends Construct {
  readonly function: NotifierFunction;
  readonly deadLetterQueue: Queue;
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: PollerProps) {
    super(scope, id);
    const c = props.config;
    const intervalMs = c.pollEvery.toMilliseconds();
    this.function = new NotifierFunction(this, "Function", {
      entry: "poller.ts",
      description: "Checks due TwelveLabs tasks and publishes their outcomes",
      // Ends before the next tick; the last pass starts no later than 3 s before the timeout.
      timeout: Duration.millis(intervalMs - 2_000),
      memorySize: 512,
      logRetentionDays: c.logRetentionDays,
      removalPolicy: props.removalPolicy,
      logLevel: c.logLevel,
      reservedConcurrentExecutions: c.reservePollerConcurrency ? 1 : undefined,
      environment: {
        STAGE: c.stage,
        TWELVELABS_BASE_URL: c.twelvelabsBaseUrl,
        PASSES_PER_RUN: String(c.passesPerRun),
        TWELVELABS_CALLS_PER_MINUTE: String(c.twelvelabsCallsPerMinute),
        DEFAULT_DEADLINE_SECONDS: String(c.defaultDeadline.toSeconds()),
        WATCH_ACCOUNT_KINDS: c.watchAccount.join(","),
        PASS_INTERVAL_MS: String(Math.floor(intervalMs / c.passesPerRun)),
        SAFETY_MARGIN_MS: "3000",
        RETENTION_DAYS: String(c.retentionDays),
        TAG_ATTRIBUTES: c.tagAttributes.join(","),
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
    })
      // Due and outbox queries, conditional updates, the lease and the shard layout: never a Scan.
      .bindTable(props.table, c.shards, ["Query", "GetItem", "UpdateItem", "PutItem", "DeleteItem"])
      .bindTopicPublisher(props.topic)
      .bindSecret(props.secret);
    grantBedrockReads(this.function, c);

    this.deadLetterQueue = deadLetterQueue(this, "FailedRuns", "the poller's failed invocations");
    // The next tick is the retry: a failed run is recorded, not replayed late.
    this.function.fn.configureAsyncInvoke({
      retryAttempts: 0,
      maxEventAge: Duration.minutes(2),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });
    // Wake-up: a task registered while the poller is idle (its last run stopped early, nothing was
    // due) is checked within seconds, not at the next tick. Only inserts of task items pass the
    // filter; the record carries keys only. A wake-up that fails is dropped: the tick still comes.
    this.function.fn.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.LATEST,
        batchSize: 1000,
        retryAttempts: 0,
        maxRecordAge: Duration.seconds(60),
        filters: [
          FilterCriteria.filter({
            eventName: FilterRule.isEqual("INSERT"),
            dynamodb: { Keys: { [TASK_TABLE.partitionKey]: { S: FilterRule.beginsWith("TASK#") } } },
          }),
          // A TwelveLabs webhook's record, written once its task was made due: check it now.
          FilterCriteria.filter({
            eventName: FilterRule.isEqual("INSERT"),
            dynamodb: { Keys: { [TASK_TABLE.partitionKey]: { S: FilterRule.beginsWith(TL_EVENT_PREFIX) } } },
          }),
        ],
      }),
    );
    this.rule = new Rule(this, "Schedule", {
      description: "Runs the TwelveLabs task poller",
      schedule: Schedule.rate(c.pollEvery),
      targets: [new LambdaFunction(this.function.fn, { retryAttempts: 2, maxEventAge: Duration.minutes(1) })],
    });
  }
}

/**
 * The stage's Bedrock regions as the functions read them (BEDROCK_REGIONS): the listed ones, `none`
 * for an empty list, unset for the stage's own region. Checked at synth.
 */
export function bedrockRegionsEnv(c: StageConfig): string | undefined {
  const regions = c.bedrock.regions;
  if (regions === undefined) return undefined;
  const bad = regions.find((r) => !REGION_PATTERN.test(r));
  if (bad !== undefined) throw new Error(`stage ${c.stage}: bedrock.regions has "${bad}", not a region name`);
  return regions.length === 0 ? "none" : regions.join(",");
}

/**
 * Reading Bedrock async invocations: GetAsyncInvoke on the account's invocations in the stage's
 * regions, ListAsyncInvokes (no resource type: `*`) held to those regions by aws:RequestedRegion.
 */
function grantBedrockReads(fn: NotifierFunction, c: StageConfig): void {
  const env = bedrockRegionsEnv(c);
  if (env !== undefined) fn.fn.addEnvironment("BEDROCK_REGIONS", env);
  if (env === "none") return;
  if (c.bedrock.discoverModels?.length)
    fn.fn.addEnvironment("BEDROCK_DISCOVER_MODELS", c.bedrock.discoverModels.join(","));
  const stack = Stack.of(fn);
  const regions = c.bedrock.regions ?? [stack.region];
  fn.fn.addToRolePolicy(
    new PolicyStatement({
      actions: ["bedrock:GetAsyncInvoke"],
      resources: regions.map((r) => `arn:${stack.partition}:bedrock:${r}:${stack.account}:async-invoke/*`),
    }),
  );
  fn.fn.addToRolePolicy(
    new PolicyStatement({
      actions: ["bedrock:ListAsyncInvokes"],
      resources: ["*"],
      conditions: { StringEquals: { "aws:RequestedRegion": regions } },
    }),
  );
  // The finding names the resource as the template renders it: tokens as <AWS::…>, literals as they are.
  const shown = (value: string, token: string) => (Token.isUnresolved(value) ? token : value);
  const partition = shown(stack.partition, "<AWS::Partition>");
  const account = shown(stack.account, "<AWS::AccountId>");
  for (const r of regions) {
    Validations.of(fn.fn.role ?? fn.fn).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:${partition}:bedrock:${shown(r, "<AWS::Region>")}:${account}:async-invoke/*]`,
      reason: `Bedrock async invocations of this account in ${r}, registered by id after they start: read only (GetAsyncInvoke).`,
    });
  }
  Validations.of(fn.fn.role ?? fn.fn).acknowledge({
    id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
    reason: `bedrock:ListAsyncInvokes has no resource type; it is held to ${regions.join(", ")} by aws:RequestedRegion.`,
  });
}
