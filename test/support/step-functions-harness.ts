import { randomBytes } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { APIGatewayProxyResult } from "aws-lambda";
import { apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { stepFunctionsConfig } from "../../functions/config/step-functions-config.js";
import {
  type CallbackCall,
  createStepFunctionsHandler,
  stepFunctionsDeps,
} from "../../functions/step-functions-handler.js";
import { createLocalStepFunctionsQueue } from "../../local/step-functions-loop.js";
import { pollOnce } from "../../local/webhook-loop.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "./api-events.js";
import type { PollerHarness } from "./poller-harness.js";

/*
 * Real Step Functions executions on moto's server (execute_state_machine on), waiting on task tokens
 * the way a user's workflow does (an SQS sendMessage.waitForTaskToken state hands the token out),
 * answered by the real callback handler with the real SDK client. moto keeps one running execution
 * per account and region (a later start fails copying the first), so each scenario takes a region.
 */

const REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-south-1",
  "ca-central-1",
  "sa-east-1",
];
let nextRegion = 0;

const CREDENTIALS = { accessKeyId: "moto", secretAccessKey: "moto" };

/** Turns moto's Step Functions into one that runs state machines. */
export async function enableExecutions(motoEndpoint: string): Promise<void> {
  const res = await fetch(`${motoEndpoint}/moto-api/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
  });
  if (!res.ok) throw new Error(`moto config: ${res.status}`);
}

export interface ScenarioOptions {
  /** Tokens the execution waits on at once (a Parallel state): one per branch. */
  tokens?: number;
  /** The waiting state's HeartbeatSeconds. */
  heartbeatSeconds?: number;
  /** The endpoint the notifier's client calls (a faulty proxy); default moto itself. */
  notifierEndpoint?: string;
  /** The notifier client's own SDK attempts (default 3, as deployed). */
  sdkMaxAttempts?: number;
}

/**
 * One execution waiting on `tokens` tokens, and the notifier's API and callback handler wired to a
 * callback queue of their own (subscribed to the topic with the deployed filter).
 */
export async function startScenario(poller: PollerHarness, motoEndpoint: string, opts: ScenarioOptions = {}) {
  const region = REGIONS[nextRegion++ % REGIONS.length] as string;
  const cfg = { endpoint: motoEndpoint, region, credentials: CREDENTIALS };
  const admin = new SFNClient(cfg);
  const sqs = new SQSClient(cfg);
  const tokenQueue = (await sqs.send(new CreateQueueCommand({ QueueName: "tokens" }))).QueueUrl as string;
  const wait: Record<string, unknown> = {
    Type: "Task",
    Resource: "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    Parameters: { QueueUrl: tokenQueue, MessageBody: { "token.$": "$$.Task.Token" } },
    End: true,
  };
  if (opts.heartbeatSeconds !== undefined) wait.HeartbeatSeconds = opts.heartbeatSeconds;
  const n = opts.tokens ?? 1;
  const definition =
    n === 1
      ? { StartAt: "Wait", States: { Wait: wait } }
      : {
          StartAt: "Both",
          States: {
            Both: {
              Type: "Parallel",
              Branches: Array.from({ length: n }, () => ({ StartAt: "Wait", States: { Wait: wait } })),
              End: true,
            },
          },
        };
  const sm = await admin.send(
    new CreateStateMachineCommand({
      name: "waits-for-twelvelabs",
      definition: JSON.stringify(definition),
      roleArn: "arn:aws:iam::123456789012:role/sfn",
    }),
  );
  const exec = await admin.send(
    new StartExecutionCommand({ stateMachineArn: sm.stateMachineArn, name: "run-1", input: "{}" }),
  );
  const tokens: string[] = [];
  const end = Date.now() + 15_000;
  while (tokens.length < n && Date.now() < end) {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: tokenQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const m of res.Messages ?? []) {
      tokens.push((JSON.parse(m.Body ?? "{}") as { token: string }).token);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: tokenQueue, ReceiptHandle: m.ReceiptHandle }));
    }
  }
  if (tokens.length < n) throw new Error("the execution never handed out its tokens");

  const { aws } = poller;
  const { queueUrl, dlqUrl } = await createLocalStepFunctionsQueue(aws, `stepfunctions-${region}`);
  const env = {
    ...aws.env,
    STAGE: "test",
    TABLE_NAME: aws.tableName,
    STEP_FUNCTIONS_QUEUE_URL: queueUrl,
    STEP_FUNCTIONS_DLQ_URL: dlqUrl,
    CALLBACK_HEADER_KEY: randomBytes(32).toString("hex"),
    ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID,
  };
  const logged: string[] = [];
  const capture = (level: string) => (message: string, extra?: Record<string, unknown>) =>
    logged.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`);
  const logger = { info: capture("info"), warn: capture("warn"), error: capture("error") };
  const api = createApiHandler(apiDeps(apiConfig(env), aws, logger), logger);
  const notifierSfn = new SFNClient({
    ...cfg,
    endpoint: opts.notifierEndpoint ?? motoEndpoint,
    maxAttempts: opts.sdkMaxAttempts ?? 3,
  });
  const calls: CallbackCall[] = [];
  const retryAsked: number[] = [];
  const deps = stepFunctionsDeps(
    stepFunctionsConfig(env),
    { dynamo: aws.dynamo, sqs: aws.sqs, sfn: notifierSfn },
    { logger, onCall: (c) => calls.push(c) },
  );
  const realRetryIn = deps.retryIn;
  // Retry waits recorded as asked, then made 0 so the test walks them in seconds.
  deps.retryIn = async (receipt, seconds) => {
    retryAsked.push(seconds);
    await realRetryIn(receipt, 0);
  };
  const handler = createStepFunctionsHandler(deps);
  const deliverOnce = () => pollOnce(aws, queueUrl, handler);
  return {
    region,
    tokens,
    executionArn: exec.executionArn as string,
    queueUrl,
    dlqUrl,
    deps,
    calls,
    logged,
    retryAsked,
    handler,
    deliverOnce,
    /** Receives until `until()` holds or the time is up. */
    async deliverUntil(until: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
      const stop = Date.now() + timeoutMs;
      while (!(await until()) && Date.now() < stop) await deliverOnce();
      return until();
    },
    describe: () => admin.send(new DescribeExecutionCommand({ executionArn: exec.executionArn })),
    async history() {
      const res = await admin.send(new GetExecutionHistoryCommand({ executionArn: exec.executionArn }));
      return (res.events ?? []).map((e) => e.type as string);
    },
    async call(method: string, path: string, body?: unknown) {
      const res: APIGatewayProxyResult = await api(
        apiEvent(method, path, body === undefined ? {} : { body }),
      );
      return { status: res.statusCode, raw: res.body, body: res.body ? JSON.parse(res.body) : undefined };
    },
    close() {
      admin.destroy();
      sqs.destroy();
      notifierSfn.destroy();
    },
  };
}
export type Scenario = Awaited<ReturnType<typeof startScenario>>;

/**
 * A proxy in front of moto that answers the first `n` calls of `action` (X-Amz-Target
 * `AWSStepFunctions.<action>`) as Step Functions throttles: 400 ThrottlingException.
 */
export async function startThrottlingProxy(target: string, action: string, n: number) {
  let left = n;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const op = String(req.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
      seen.push(op);
      if (op === action && left > 0) {
        left -= 1;
        res.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
        res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
        return;
      }
      const url = new URL(target);
      const fwd = request(
        { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
