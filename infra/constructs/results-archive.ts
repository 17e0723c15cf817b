import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  type LifecycleRule,
  StorageClass,
} from "aws-cdk-lib/aws-s3";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC_NAMESPACE } from "../../functions/config/metric-names.js";
import { stagePrefix } from "../../functions/core/archive.js";
import type { StageConfig } from "../config.js";
import { deadLetterQueue } from "./dead-letter-queue.js";
import { NotifierFunction } from "./notifier-function.js";

export interface ResultsArchiveProps {
  config: StageConfig;
  table: ITable;
  topic: ITopic;
  /** The stage's key (the topic's): results are encrypted with it. */
  key: IKey;
  /** The TwelveLabs key, to fetch results. */
  secret: ISecret;
}

/**
 * Results that outlive TwelveLabs: the stage's bucket (or one it names), the archive queue the
 * poller hands jobs to, and the archiver that streams each result into the bucket and then
 * announces the held ready event. The archiver may write only the stage's prefix.
 */
export class ResultsArchive extends Construct {
  readonly bucket: IBucket;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly function: NotifierFunction;
  /** The key objects are written with, when the stack owns the bucket. */
  readonly key?: IKey;

  constructor(scope: Construct, id: string, props: ResultsArchiveProps) {
    super(scope, id);
    const c = props.config;
    const a = c.archive;
    if (a.bucketName) {
      this.bucket = Bucket.fromBucketName(this, "Bucket", a.bucketName);
    } else {
      this.key = props.key;
      const bucket = new Bucket(this, "Bucket", {
        encryption: BucketEncryption.KMS,
        encryptionKey: props.key,
        bucketKeyEnabled: true,
        enforceSSL: true,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        versioned: false,
        lifecycleRules: lifecycle(a),
        // Results are the user's data: kept when the stack goes, in every stage (delete by hand).
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(bucket).acknowledge({
        id: "AwsSolutions::AwsSolutions-S1",
        reason:
          "Objects are written only by the archiver and read through presigned URLs; CloudTrail data events are the audit trail where one is wanted.",
      });
      this.bucket = bucket;
    }

    this.deadLetterQueue = deadLetterQueue(this, "Failed", "archive jobs");
    const timeout = Duration.minutes(15);
    this.queue = new Queue(this, "Queue", {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      // The archiver counts its own tries; the redrive is a backstop for a message that crashes it.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 20 },
    });

    this.function = new NotifierFunction(this, "Function", {
      entry: "archiver.ts",
      description:
        "Streams ready tasks' results from TwelveLabs into the results bucket, then announces them",
      timeout,
      memorySize: 512,
      logRetentionDays: c.logRetentionDays,
      removalPolicy: c.removalPolicy,
      logLevel: c.logLevel,
      environment: {
        STAGE: c.stage,
        ARCHIVE_QUEUE_URL: this.queue.queueUrl,
        RESULTS_BUCKET: this.bucket.bucketName,
        ...(this.key ? { RESULTS_KMS_KEY_ID: this.key.keyArn } : {}),
        TAG_ATTRIBUTES: c.tagAttributes.join(","),
        POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
      },
    })
      // Reads the task, resolves its held event, clears it once published: no more.
      .bindTable(props.table, c.shards, ["GetItem", "UpdateItem"])
      .bindTopicPublisher(props.topic)
      .bindSecret(props.secret);
    // Writes only the stage's prefix (multipart uploads included).
    this.function.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resources: [this.bucket.arnForObjects(`${stagePrefix(c.stage)}*`)],
      }),
    );
    // Multipart uploads to SSE-KMS need a data key and to read it back for each part.
    if (this.key)
      this.function.fn.addToRolePolicy(
        new PolicyStatement({
          actions: ["kms:GenerateDataKey", "kms:Decrypt"],
          resources: [this.key.keyArn],
        }),
      );
    this.function.fn.addEventSource(
      new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency: 2 }),
    );
    this.acknowledgePrefix(this.function, c.stage);
  }

  /** cdk-nag: object actions on the stage's prefix are a wildcard by nature. */
  private acknowledgePrefix(fn: NotifierFunction, stage: string): void {
    const bucket = this.bucket.node.defaultChild as CfnElement | undefined;
    const arn = bucket
      ? `<${Stack.of(this).getLogicalId(bucket)}.Arn>`
      : `arn:<AWS::Partition>:s3:::${this.bucket.bucketName}`;
    Validations.of(fn.fn.role ?? fn.fn).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${arn}/${stagePrefix(stage)}*]`,
      reason: `Objects under the stage's own prefix (${stagePrefix(stage)}) of the results bucket only.`,
    });
  }

  /** Presigned reads of stored results (the API's GET /tasks/{id}/result), nothing else. */
  grantPresignedReads(fn: NotifierFunction, stage: string, archiveDefault: boolean): void {
    fn.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ["s3:GetObject"],
        resources: [this.bucket.arnForObjects(`${stagePrefix(stage)}*`)],
      }),
    );
    if (this.key)
      fn.fn.addToRolePolicy(new PolicyStatement({ actions: ["kms:Decrypt"], resources: [this.key.keyArn] }));
    this.acknowledgePrefix(fn, stage);
    fn.fn.addEnvironment("RESULTS_BUCKET", this.bucket.bucketName);
    fn.fn.addEnvironment("ARCHIVE_DEFAULT", String(archiveDefault));
  }
}

function lifecycle(a: StageConfig["archive"]): LifecycleRule[] {
  const rules: LifecycleRule[] = [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }];
  if (a.intelligentTiering)
    rules.push({
      transitions: [{ storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) }],
    });
  if (a.expireAfterDays !== undefined) rules.push({ expiration: Duration.days(a.expireAfterDays) });
  return rules;
}
