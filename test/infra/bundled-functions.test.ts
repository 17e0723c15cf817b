import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DynamoDbTaskStore } from "../../functions/adapters/dynamodb-task-store.js";
import { headerBox } from "../../functions/adapters/header-box.js";
import { UNSET_SECRET_VALUE } from "../../functions/adapters/secret-placeholder.js";
import { buildEvent } from "../../functions/core/events.js";
import { tokenBinding, waiterId } from "../../functions/core/step-functions-callback.js";
import { newTask } from "../../functions/core/task.js";
import { twelveLabsSignatureHex } from "../../functions/core/twelvelabs-webhook.js";
import { resolveStage } from "../../infra/config.js";
import { LAMBDA_NODE_MAJOR } from "../../infra/constructs/notifier-function.js";
import { TaskNotifierStack } from "../../infra/task-notifier-stack.js";
import { type EmbeddedAws, startEmbeddedAws } from "../../local/embedded-aws.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "../support/api-events.js";
import { appContext } from "../support/cdk.js";
import { lambdaNode } from "../support/lambda-runtime.js";
import { startSecretsManagerStandIn } from "../support/secrets-manager-standin.js";
import { drainQueue } from "../support/sns-messages.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

/*
 * What ships is what was tested: the app is synthesised with bundling and cdk-nag exactly as
 * `cdk synth` does, then each function's bundle from the assembly is run in a fresh process under
 * the Lambda runtime's Node.js major against dynalite, fauxqs, a Secrets Manager stand-in and the
 * TwelveLabs simulator.
 */
const run = promisify(execFile);
const SECRET_NAME = "twelvelabs/notifier-dev";
const SIGNING_SECRET_NAME = "notifier/webhook-signing";
const HEADER_KEY_NAME = "notifier/header-key";
const TL_WEBHOOK_SECRET_NAME = "notifier/twelvelabs-webhook";
const TL_WEBHOOK_SECRET = "bundle-tl-webhook-secret";
// As the stack generates it: {"current": 48 letters and digits}; receivers use whsec_ + that.
const GENERATED_SIGNING = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKl";

interface InvokeResult {
  ok: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: the handler's JSON result is asserted field by field.
  result: any;
  error?: { name: string; message: string };
  node: string;
}

interface FnInfo {
  dir: string;
  env: Record<string, unknown>;
}

let outdir = "";
let fns: Record<"poller" | "api" | "webhook" | "stepFunctions" | "archiver", FnInfo>;
let report: {
  pluginReports: Array<{ conclusion: string; violations: Array<{ ruleName: string; severity: string }> }>;
};
let aws: EmbeddedAws;
let sim: TwelveLabsSimulator;
let secrets: Awaited<ReturnType<typeof startSecretsManagerStandIn>>;
const secretValues = new Map<string, string>();
let node = "";
let webhookQueueUrl = "";
let webhookDlqUrl = "";
let stepFunctionsQueueUrl = "";
let archiveQueueUrl = "";

beforeAll(async () => {
  node = lambdaNode();
  outdir = mkdtempSync(join(tmpdir(), "notifier-assembly-"));
  const app = new App({
    outdir,
    context: appContext({ stage: "dev", "aws:cdk:enable-asset-metadata": true }),
  });
  new TaskNotifierStack(app, "TaskNotifier-dev", { config: resolveStage("dev") });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  report = JSON.parse(readFileSync(join(outdir, "validation-report.json"), "utf8"));
  const template = JSON.parse(readFileSync(join(outdir, "TaskNotifier-dev.template.json"), "utf8")) as {
    Resources: Record<
      string,
      {
        Type: string;
        Metadata?: Record<string, string>;
        Properties: { Environment?: { Variables: Record<string, unknown> } };
      }
    >;
  };
  const found: Partial<typeof fns> = {};
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== "AWS::Lambda::Function" || !r.Metadata?.["aws:asset:path"]) continue;
    const info = {
      dir: join(outdir, r.Metadata["aws:asset:path"]),
      env: r.Properties.Environment?.Variables ?? {},
    };
    if (id.startsWith("PollerFunction")) found.poller = info;
    if (id.startsWith("ApiFunction")) found.api = info;
    if (id.startsWith("WebhooksFunction")) found.webhook = info;
    if (id.startsWith("StepFunctionsFunction")) found.stepFunctions = info;
    if (id.startsWith("ResultsFunction")) found.archiver = info;
  }
  fns = found as typeof fns;

  sim = new TwelveLabsSimulator();
  await sim.start();
  aws = await startEmbeddedAws();
  secretValues.set(SECRET_NAME, sim.apiKey);
  secretValues.set(SIGNING_SECRET_NAME, JSON.stringify({ current: GENERATED_SIGNING }));
  secretValues.set(HEADER_KEY_NAME, "k".repeat(64));
  secretValues.set(TL_WEBHOOK_SECRET_NAME, TL_WEBHOOK_SECRET);
  webhookQueueUrl = aws.fauxqs.createQueue("bundle-webhooks").queueUrl;
  webhookDlqUrl = aws.fauxqs.createQueue("bundle-webhooks-failed").queueUrl;
  stepFunctionsQueueUrl = aws.fauxqs.createQueue("bundle-stepfunctions").queueUrl;
  archiveQueueUrl = aws.fauxqs.createQueue("bundle-archive").queueUrl;
  aws.fauxqs.createBucket("bundle-results");
  secrets = await startSecretsManagerStandIn(secretValues);
}, 180_000);

afterAll(async () => {
  await aws?.close();
  await sim?.close();
  await secrets?.close();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

/** The function's environment from the template, with references resolved to the local stand-ins. */
function envFor(
  fn: FnInfo,
  overrides: Record<string, string> = {},
  /** Variables the stack does not set (local-mode switches), added as they are. */
  extra: Record<string, string> = {},
): Record<string, string> {
  const local: Record<string, string> = {
    TABLE_NAME: aws.tableName,
    TOPIC_ARN: aws.topicArn,
    TWELVELABS_SECRET_NAME: SECRET_NAME,
    TWELVELABS_BASE_URL: sim.url,
    ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID,
    WEBHOOK_QUEUE_URL: webhookQueueUrl,
    WEBHOOK_DLQ_URL: webhookDlqUrl,
    STEP_FUNCTIONS_QUEUE_URL: stepFunctionsQueueUrl,
    ARCHIVE_QUEUE_URL: archiveQueueUrl,
    RESULTS_BUCKET: "bundle-results",
    // fauxqs has no KMS: the bucket's own encryption stands in.
    RESULTS_KMS_KEY_ID: "",
    STEP_FUNCTIONS_DLQ_URL: webhookDlqUrl,
    // The stack's own queues on the topic (the webhook and EventBridge queues' ARNs, deployed).
    INTERNAL_SUBSCRIPTION_ENDPOINTS: "arn:aws:sqs:us-east-1:000000000000:bundle-webhooks",
    WEBHOOK_SECRET_NAME: SIGNING_SECRET_NAME,
    CALLBACK_HEADER_KEY_SECRET_NAME: HEADER_KEY_NAME,
    TWELVELABS_WEBHOOK_SECRET_NAME: TL_WEBHOOK_SECRET_NAME,
    ...overrides,
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(fn.env)) {
    if (local[k] !== undefined) env[k] = local[k];
    else if (typeof v === "string") env[k] = v;
    else throw new Error(`unresolved reference in ${k}`);
  }
  return {
    ...env,
    ...aws.env,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    PATH: process.env.PATH ?? "",
    ...extra,
  };
}

async function invoke(
  fn: FnInfo,
  event: unknown,
  remainingMs = 20_000,
  overrides: Record<string, string> = {},
  extra: Record<string, string> = {},
) {
  const { stdout } = await run(
    node,
    [
      join(import.meta.dirname, "../support/invoke-bundle.mjs"),
      fn.dir,
      JSON.stringify(event),
      String(remainingMs),
    ],
    {
      env: envFor(fn, overrides, extra),
      timeout: 60_000,
      maxBuffer: 8 * 1024 * 1024,
    },
  );
  const line = stdout
    .split("\n")
    .filter((l) => l.startsWith("RESULT "))
    .pop();
  if (!line) throw new Error(`no RESULT line in: ${stdout.slice(-500)}`);
  return JSON.parse(line.slice(7)) as InvokeResult;
}

const scheduled = {
  version: "0",
  id: "5f1a2c3d-0000-4000-8000-000000000000",
  "detail-type": "Scheduled Event",
  source: "aws.events",
  account: "123456789012",
  time: new Date().toISOString(),
  region: "us-east-1",
  resources: ["arn:aws:events:us-east-1:123456789012:rule/poller"],
  detail: {},
};

describe("the synthesised assembly", () => {
  test("cdk-nag AwsSolutions: no unacknowledged findings", () => {
    // cdk-nag's report, then the annotations' (cdk.json's annotationsInValidationReport): the only
    // finding there is the warning that dev's alarms reach no one (no alarmEmail in the shipped config).
    expect(report.pluginReports.map((p) => [p.conclusion, p.violations.length])).toEqual([
      ["success", 0],
      ["success", 1],
    ]);
    expect(report.pluginReports[1]?.violations.map((v) => [v.ruleName, v.severity])).toEqual([
      ["Annotation::twelvelabs-task-notifier:alarmsReachNoOne", "warning"],
    ]);
  });

  test("each function is one minified ESM file, the real TwelveLabs URL configured", () => {
    for (const fn of Object.values(fns)) {
      expect(statSync(join(fn.dir, "index.mjs")).size).toBeGreaterThan(10_000);
    }
    expect(fns.poller.env.TWELVELABS_BASE_URL).toBe("https://api.twelvelabs.io/v1.3");
  });
});

describe(`bundles under the Lambda runtime's Node.js ${LAMBDA_NODE_MAJOR}`, () => {
  test("api registers a task, poller announces it ready through SNS", async () => {
    const t = sim.addTask({
      kind: "embed",
      modelName: "marengo3.0",
      timeline: [{ status: "ready", afterMs: 0 }],
    });
    const queue = aws.fauxqs.createQueue("bundle-events");
    aws.fauxqs.subscribe({ topic: "task-events", queue: "bundle-events" });

    const created = await invoke(
      fns.api,
      apiEvent("POST", "/tasks", { body: { taskId: t.id, tags: { team: "video" } } }),
    );
    expect(created.node.startsWith(`v${LAMBDA_NODE_MAJOR}.`)).toBe(true);
    expect(created.ok).toBe(true);
    expect(created.result.statusCode).toBe(202);

    const polled = await invoke(fns.poller, scheduled, 8_000);
    expect(polled.ok, JSON.stringify(polled.error)).toBe(true);
    expect(polled.result).toMatchObject({ tasksChecked: 1, transitions: 1, eventsPublished: 1 });
    expect(secrets.calls).toContain(`secretsmanager.GetSecretValue ${SECRET_NAME}`);

    const got = await invoke(fns.api, apiEvent("GET", `/tasks/${t.id}`));
    expect(JSON.parse(got.result.body)).toMatchObject({ status: "ready", modelName: "marengo3.0" });

    const delivered = await drainQueue(aws.sqs, queue.queueUrl);
    expect(delivered.map((m) => [m.event.type, m.event.task.id, m.event.stage])).toEqual([
      ["task.ready", t.id, "dev"],
    ]);
  });

  test("the newer kinds in the bundles: an indexed asset and an analysis are announced with their links", async () => {
    const ia = sim.addTask({
      kind: "indexed-asset",
      indexId: "6641c0efc70bb578439bd9aa",
      timeline: [{ status: "ready", afterMs: 0 }],
    });
    const an = sim.addTask({
      kind: "analyze",
      timeline: [{ status: "ready", afterMs: 0 }],
      resultChars: 100_000,
    });
    const queue = aws.fauxqs.createQueue("bundle-kinds").queueUrl;
    aws.fauxqs.subscribe({ topic: "task-events", queue: "bundle-kinds" });
    for (const body of [
      { taskId: ia.id, kind: "indexed-asset", indexId: "6641c0efc70bb578439bd9aa" },
      { taskId: an.id, kind: "analyze" },
    ]) {
      const created = await invoke(fns.api, apiEvent("POST", "/tasks", { body }));
      expect(created.result.statusCode, JSON.stringify(created.result.body)).toBe(202);
    }
    const polled = await invoke(fns.poller, scheduled, 8_000);
    expect(polled.ok, JSON.stringify(polled.error)).toBe(true);
    const got = await drainQueue(aws.sqs, queue);
    const links = Object.fromEntries(got.map((m) => [m.event.task.kind, m.event.links.status]));
    expect(links["indexed-asset"]).toBe(
      `${sim.url}/indexes/6641c0efc70bb578439bd9aa/indexed-assets/${ia.id}`,
    );
    expect(links.analyze).toBe(`${sim.url}/analyze/tasks/${an.id}`);
  });

  test("the bundled api takes a TwelveLabs webhook signed with the secret it reads from Secrets Manager", async () => {
    const t = sim.addTask({ kind: "index", timeline: [{ status: "indexing", afterMs: 0 }] });
    expect(
      (await invoke(fns.api, apiEvent("POST", "/tasks", { body: { taskId: t.id, kind: "index" } }))).result
        .statusCode,
    ).toBe(202);
    const raw = JSON.stringify({ id: "whe_bundle_1", type: "index.task.ready", data: { id: t.id } });
    const at = Math.floor(Date.now() / 1000);
    const signature = `t=${at},v1=${twelveLabsSignatureHex(TL_WEBHOOK_SECRET, at, raw)}`;
    const ok = await invoke(
      fns.api,
      apiEvent("POST", "/twelvelabs/webhooks", {
        rawBody: raw,
        headers: { "TL-Signature": signature },
        apiKeyId: "",
      }),
    );
    expect(ok.result.statusCode, ok.result.body).toBe(200);
    expect(JSON.parse(ok.result.body)).toEqual({ received: true, outcome: "checking" });
    expect(secrets.calls).toContain(`secretsmanager.GetSecretValue ${TL_WEBHOOK_SECRET_NAME}`);
    const bad = await invoke(
      fns.api,
      apiEvent("POST", "/twelvelabs/webhooks", {
        rawBody: raw,
        headers: { "TL-Signature": `t=${at},v1=${"0".repeat(64)}` },
        apiKeyId: "",
      }),
    );
    expect(bad.result.statusCode).toBe(401);
  });

  test("the bundled api serves its OpenAPI document", async () => {
    const res = await invoke(fns.api, apiEvent("GET", "/openapi.json", { apiKeyId: "" }));
    expect(res.result.statusCode).toBe(200);
    const doc = JSON.parse(res.result.body);
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/tasks/{taskId}");
  });

  test("api errors keep their shape in the bundle", async () => {
    const res = await invoke(fns.api, apiEvent("POST", "/tasks", { body: { taskId: "x", extra: 1 } }));
    expect(res.result.statusCode).toBe(400);
    expect(JSON.parse(res.result.body)).toEqual({
      error: { code: "unknown_field", message: 'unknown field "body.extra"' },
    });
  });

  test("an unset key secret fails the poller run loudly", async () => {
    secretValues.set(SECRET_NAME, UNSET_SECRET_VALUE);
    const t = sim.addTask({ kind: "embed" });
    await invoke(fns.api, apiEvent("POST", "/tasks", { body: { taskId: t.id } }));
    const res = await invoke(fns.poller, scheduled, 8_000);
    secretValues.set(SECRET_NAME, sim.apiKey);
    expect(res.ok).toBe(false);
    expect(res.error?.name).toBe("PollerAuthFailure");
    expect(res.error?.message).not.toContain(UNSET_SECRET_VALUE);
  });

  test("an unreadable key secret fails the poller run loudly too", async () => {
    const t = sim.addTask({ kind: "embed" });
    await invoke(fns.api, apiEvent("POST", "/tasks", { body: { taskId: t.id } }));
    const res = await invoke(fns.poller, scheduled, 8_000, { TWELVELABS_SECRET_NAME: "no/such/secret" });
    expect(res.ok).toBe(false);
    expect(res.error?.name).toBe("PollerAuthFailure");
  });
});

/** An SQS event of one raw-delivered task event, as Lambda's event source sends it. */
const sqsEvent = (body: string) => ({
  Records: [
    {
      messageId: "m-1",
      receiptHandle: "r-1",
      body,
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
      eventSource: "aws:sqs",
    },
  ],
});

describe("the webhook bundle", () => {
  async function taskWithCallback(callbackUrl: string) {
    const store = new DynamoDbTaskStore(aws.dynamo, aws.tableName, 4);
    const task = {
      ...newTask({ taskId: `hook-${Date.now()}`, kind: "embed", callbackUrl }, Date.now(), 3600),
      status: "ready" as const,
    };
    await store.register(task);
    const event = buildEvent(task, "processing", Date.now(), { stage: "dev", twelvelabsBaseUrl: sim.url });
    return { task, event, store };
  }

  test("deployed rules: an http callback and a name resolving to loopback are refused, recorded, not retried", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const plain = await taskWithCallback(receiver.url);
      const r1 = await invoke(fns.webhook, sqsEvent(JSON.stringify(plain.event)));
      expect(r1.ok, JSON.stringify(r1.error)).toBe(true);
      expect(r1.result).toEqual({ batchItemFailures: [] });
      expect((await plain.store.get(plain.task.taskId))?.webhookAttempts).toEqual([
        expect.objectContaining({ outcome: "refused", error: "not_https" }),
      ]);
      const loop = await taskWithCallback(`https://localhost:${receiver.port}/hook`);
      await invoke(fns.webhook, sqsEvent(JSON.stringify(loop.event)));
      expect((await loop.store.get(loop.task.taskId))?.webhookAttempts).toEqual([
        expect.objectContaining({ outcome: "refused", error: "refused_address" }),
      ]);
      expect(receiver.connections).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  test("signs with the stack's generated secret and delivers (loopback allowed only for this test)", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const { task, event, store } = await taskWithCallback(receiver.url);
      const res = await invoke(
        fns.webhook,
        sqsEvent(JSON.stringify(event)),
        20_000,
        {},
        { ALLOW_LOOPBACK_HTTP: "true" },
      );
      expect(res.node.startsWith(`v${LAMBDA_NODE_MAJOR}.`)).toBe(true);
      expect(res.result).toEqual({ batchItemFailures: [] });
      expect(receiver.received).toHaveLength(1);
      const got = receiver.received[0];
      const verified = new Webhook(`whsec_${GENERATED_SIGNING}`).verify(
        got?.body ?? "",
        got?.headers as Record<string, string>,
      );
      expect(verified).toEqual(event);
      expect(secrets.calls).toContain(`secretsmanager.GetSecretValue ${SIGNING_SECRET_NAME}`);
      expect((await store.get(task.taskId))?.webhookAttempts?.[0]).toMatchObject({
        outcome: "delivered",
        status: 204,
      });
    } finally {
      await receiver.close();
    }
  });
});

describe("the Step Functions callback bundle under the Lambda runtime's Node.js", () => {
  test("opens a sealed token with the stack's header key and sends SendTaskSuccess with the event", async () => {
    // Step Functions' JSON protocol, answered by a recorder (the moto tests drive real executions).
    const calls: Array<{ target: string; body: { taskToken?: string; output?: string } }> = [];
    const sfn = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => {
        raw += c;
      });
      req.on("end", () => {
        calls.push({ target: String(req.headers["x-amz-target"]), body: JSON.parse(raw || "{}") });
        res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
        res.end("{}");
      });
    });
    await new Promise<void>((r) => sfn.listen(0, "127.0.0.1", () => r()));
    try {
      const store = new DynamoDbTaskStore(aws.dynamo, aws.tableName, 1);
      const token = `AQB8AAAAKgAAAAMAAAAA${"x".repeat(60)}`;
      const id = waiterId(token);
      const registeredAt = Date.now();
      const box = headerBox("k".repeat(64));
      const task = {
        ...newTask({ taskId: `sfn-${registeredAt}`, kind: "embed" }, registeredAt, 3600),
        status: "ready" as const,
      };
      task.waiters = {
        [id]: {
          id,
          sealedToken: box.seal({ t: token }, tokenBinding(task.taskId, registeredAt, id)),
          addedAt: registeredAt,
          state: "waiting" as const,
          attempts: 0,
        },
      };
      await store.register(task);
      const event = buildEvent(task, "processing", Date.now(), { stage: "dev", twelvelabsBaseUrl: sim.url });
      const res = await invoke(
        fns.stepFunctions,
        sqsEvent(JSON.stringify(event)),
        20_000,
        {},
        {
          AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${(sfn.address() as AddressInfo).port}`,
        },
      );
      expect(res.ok, JSON.stringify(res.error)).toBe(true);
      expect(res.node.startsWith(`v${LAMBDA_NODE_MAJOR}.`)).toBe(true);
      expect(res.result).toEqual({ batchItemFailures: [] });
      expect(calls).toEqual([
        {
          target: "AWSStepFunctions.SendTaskSuccess",
          body: { taskToken: token, output: JSON.stringify(event) },
        },
      ]);
      expect((await store.get(task.taskId))?.waiters?.[id]?.state).toBe("succeeded");
    } finally {
      await new Promise<void>((r) => sfn.close(() => r()));
    }
  });
});

describe("the archiver bundle under the Lambda runtime's Node.js", () => {
  test("api, poller and archiver bundles: an archived task's result lands in S3 and its one event names it", async () => {
    const t = sim.addTask({
      kind: "embed",
      embeddingCount: 40,
      embeddingDim: 64,
      timeline: [{ status: "ready", afterMs: 0 }],
    });
    const queue = aws.fauxqs.createQueue("bundle-archived-events");
    aws.fauxqs.subscribe({ topic: "task-events", queue: "bundle-archived-events" });
    const created = await invoke(
      fns.api,
      apiEvent("POST", "/tasks", { body: { taskId: t.id, archive: true } }),
    );
    expect(created.result.statusCode).toBe(202);
    const polled = await invoke(fns.poller, scheduled, 8_000);
    // Other tests' tasks may be due in the same run: only this one is archived.
    expect(polled.result).toMatchObject({ archivesQueued: 1 });
    const jobs = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: archiveQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(jobs.Messages).toHaveLength(1);
    const res = await invoke(fns.archiver, sqsEvent(jobs.Messages?.[0]?.Body ?? ""), 20_000);
    expect(res.ok, JSON.stringify(res.error)).toBe(true);
    expect(res.node.startsWith(`v${LAMBDA_NODE_MAJOR}.`)).toBe(true);
    expect(res.result).toEqual({ batchItemFailures: [] });
    const delivered = (await drainQueue(aws.sqs, queue.queueUrl)).filter((m) => m.event.task.id === t.id);
    expect(delivered).toHaveLength(1);
    const result = delivered[0]?.event.task.result as { uri: string; bytes: number };
    expect(result.uri).toMatch(new RegExp(`^s3://bundle-results/dev/embed/${t.id}/\\d+\\.json$`));
    const stored = await aws.s3.send(
      new GetObjectCommand({
        Bucket: "bundle-results",
        Key: result.uri.slice("s3://bundle-results/".length),
      }),
    );
    expect(stored.ContentLength).toBe(result.bytes);
    const got = await invoke(fns.api, apiEvent("GET", `/tasks/${t.id}/result`));
    expect(got.result.statusCode).toBe(307);
  });
});
