import { existsSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type Duration, type RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Architecture, Code, Function as LambdaFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { SERVICE_NAME } from "../../functions/config/metric-names.js";
import { BUNDLING } from "../bundling.js";

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * Installed as the package (this file compiled under dist/infra/constructs/): the bundles `npm run
 * build` made beside it are used as they are, so a user's app needs neither esbuild nor TypeScript.
 * In the repository: bundled at synth from functions/.
 */
const PACKAGED = HERE.includes(`${sep}dist${sep}infra${sep}`);
const ROOT = PACKAGED ? join(HERE, "..", "..", "..") : join(HERE, "..", "..");

/** Where `npm run build` puts a function's bundle (`<dir>/index.mjs`, handler `index.handler`). */
export function prebuiltBundleDir(root: string, entry: string): string {
  return join(root, "dist", "bundles", entry.replace(/\.ts$/, ""));
}

/** The Lambda runtime the functions ship on; tests run the bundles under the same Node major. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;
export const LAMBDA_NODE_MAJOR = 24;

/** DynamoDB actions a function may be granted on the task table. */
export type TableAction = "GetItem" | "PutItem" | "UpdateItem" | "DeleteItem" | "Query" | "BatchGetItem";

export interface NotifierFunctionProps {
  /** Entry file under functions/, e.g. `poller.ts`; it exports `handler`. */
  entry: string;
  description: string;
  timeout: Duration;
  memorySize?: number;
  logRetentionDays: number;
  removalPolicy: RemovalPolicy;
  logLevel: string;
  environment: Record<string, string>;
  reservedConcurrentExecutions?: number;
}

/**
 * The house-default function: ARM64, Node.js 24, a minified ESM bundle (infra/bundling.ts), its own log
 * group. `bindX` methods add a grant and the matching environment variable together, so a
 * permission never drifts from its configuration.
 */
export class NotifierFunction extends Construct {
  readonly fn: LambdaFunction;

  constructor(scope: Construct, id: string, props: NotifierFunctionProps) {
    super(scope, id);
    const logGroup = new LogGroup(this, "Logs", {
      retention: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    const common = {
      description: props.description,
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout,
      logGroup,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        ...props.environment,
      },
    };
    const prebuilt = prebuiltBundleDir(ROOT, props.entry);
    if (PACKAGED) {
      if (!existsSync(join(prebuilt, "index.mjs")))
        throw new Error(`the package holds no bundle for ${props.entry} (${prebuilt}): reinstall it`);
      this.fn = new LambdaFunction(this, "Function", {
        ...common,
        code: Code.fromAsset(prebuilt),
        handler: "index.handler",
      });
    } else {
      this.fn = new NodejsFunction(this, "Function", {
        ...common,
        entry: join(ROOT, "functions", props.entry),
        handler: "handler",
        depsLockFilePath: join(ROOT, "package-lock.json"),
        projectRoot: ROOT,
        bundling: {
          format: OutputFormat.ESM,
          minify: BUNDLING.minify,
          sourceMap: BUNDLING.sourcemap,
          target: BUNDLING.target,
          mainFields: [...BUNDLING.mainFields],
          banner: BUNDLING.banner,
          externalModules: [...BUNDLING.external],
          tsconfig: join(ROOT, "tsconfig.json"),
        },
      });
    }
    this.acknowledge(
      "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      "AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.",
    );
  }

  /** Acknowledges a cdk-nag finding on this function's role and policy, with the reason. */
  private acknowledge(id: string, reason: string): void {
    Validations.of(this.fn.role ?? this.fn).acknowledge({ id, reason });
  }

  /** The table, with only the actions this function's code uses (on the table and its indexes). */
  bindTable(table: ITable, shards: number, actions: readonly TableAction[]): this {
    table.grant(this.fn, ...actions.map((a) => `dynamodb:${a}`));
    this.acknowledge(
      `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(table).getLogicalId(table.node.defaultChild as import("aws-cdk-lib").CfnElement)}.Arn>/index/*]`,
      "Read and write on the task table's own indexes (due, outbox); the grant names no other table.",
    );
    this.fn.addEnvironment("TABLE_NAME", table.tableName);
    this.fn.addEnvironment("SHARDS", String(shards));
    return this;
  }

  bindTopicPublisher(topic: ITopic): this {
    topic.grantPublish(this.fn);
    this.acknowledge(
      "AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
      "Publishing to the KMS-encrypted topic needs GenerateDataKey* on the topic's own key only.",
    );
    this.fn.addEnvironment("TOPIC_ARN", topic.topicArn);
    return this;
  }

  /** May send to a queue (nothing else on it), its URL in `envName`. */
  bindQueueSender(queue: IQueue, envName: string): this {
    queue.grantSendMessages(this.fn);
    this.fn.addEnvironment(envName, queue.queueUrl);
    return this;
  }

  /** Read access to a secret, its name in `envName` (the TwelveLabs key by default). */
  bindSecret(secret: ISecret, envName = "TWELVELABS_SECRET_NAME"): this {
    secret.grantRead(this.fn);
    this.fn.addEnvironment(envName, secret.secretName);
    return this;
  }
}
