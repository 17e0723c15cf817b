import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { join, resolve } from "node:path";
import type { ApiHandler } from "../functions/api-handler.js";
import { webhookConfig } from "../functions/config/webhook-config.js";
import {
  DEFAULT_SUBSCRIPTIONS,
  DEFAULT_TAG_ATTRIBUTES,
  subscriptionProtocols,
} from "../functions/core/deployment-defaults.js";
import { DEFAULT_EVENT_SOURCE } from "../functions/core/eventbridge-entry.js";
import { parseWebhookSecret } from "../functions/core/webhook-secrets.js";
import type { PollerHandler } from "../functions/poller-handler.js";
import { createWebhookHandler, webhookDeps } from "../functions/webhook-handler.js";
import { createLocalApiServer, LOCAL_KEY_IDS, type LocalApiKeys } from "./api-server.js";
import { createLocalArchive, type LocalArchive, startArchiver } from "./archive-loop.js";
import { runDemo } from "./demo.js";
import { type EmbeddedAws, startEmbeddedAws } from "./embedded-aws.js";
import {
  createLocalEventBridgeQueue,
  eventBridgeForwarder,
  localEventBridgeSink,
} from "./eventbridge-forwarder.js";
import { localKeys } from "./local-keys.js";
import { type LocalOptions, parseLocalOptions, USAGE, UsageError } from "./local-options.js";
import { startPollerLoop } from "./poller-loop.js";
import { TwelveLabsSimulator } from "./simulator/simulator-server.js";
import { LocalSnsDelivery, localQueueArns } from "./sns-delivery.js";
import { createLocalStepFunctionsQueue, startStepFunctions } from "./step-functions-loop.js";
import { checkTwelveLabs } from "./twelvelabs-preflight.js";
import { createLocalWebhookQueue, startQueueLoop } from "./webhook-loop.js";

/** A start-up problem: printed as one line, exit code 1. */
class StartupError extends Error {}

/** What was started, stopped in reverse order. */
class Cleanups {
  private readonly steps: Array<() => Promise<void>> = [];
  add(step: () => Promise<void>): void {
    this.steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.steps.reverse()) await step().catch(() => undefined);
  }
}

interface TwelveLabsTarget {
  url: string;
  key: string;
  sim?: TwelveLabsSimulator;
}

/** `npm start`: the real api and poller handlers on this machine, with local stand-ins for AWS. */
async function main(): Promise<void> {
  // Local mode runs on the machine's Node (20+); the deployed functions run on Node 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  let opts: LocalOptions;
  try {
    opts = parseLocalOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`notifier: ${err.message} (see npm start -- --help)`);
      process.exit(2);
    }
    throw err;
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }
  const cleanups = new Cleanups();
  const shutdown = async (code: number) => {
    await cleanups.run();
    process.exit(code);
  };
  try {
    await checkPortsFree(opts);
    const twelvelabs = await startTwelveLabs(opts, cleanups);
    // Read before the stand-ins' endpoints are set: a user's S3 (LocalStack, moto) wins.
    const userS3 = process.env.AWS_ENDPOINT_URL_S3?.trim() || undefined;
    const aws = await startStandIns(opts, cleanups);
    const archive = await createLocalArchive(aws, userS3);
    // Given, else kept under --data from an earlier start, else generated (and kept there).
    const generatedOrKept = localKeys(opts, opts.dataDir);
    const keys = { client: generatedOrKept.client, admin: generatedOrKept.admin };
    const hooks = await webhookSettings(opts, aws, generatedOrKept.webhookSecret);
    const { api, poller } = await loadHandlers(aws, twelvelabs, hooks, opts, archive);
    const base = `http://127.0.0.1:${opts.port}`;
    const delivery = startDelivery(opts, aws, base);
    const loop = startPollerLoop(poller, opts.intervalMs, (line) => console.log(line));
    cleanups.add(loop.stop);
    await startApiServer(opts.port, api, keys, delivery, cleanups, loop.wake);
    await delivery.start();
    cleanups.add(() => delivery.stop());
    cleanups.add(startWebhooks(aws, hooks));
    cleanups.add(await startEventBridge(aws));
    cleanups.add(startStepFunctions(aws, process.env, (line) => console.log(line)));
    cleanups.add(startArchiver(aws, archive, (line) => console.log(line)));
    printBanner(opts, base, keys, twelvelabs, hooks, aws.topicArn);
    if (opts.demo && twelvelabs.sim) await runDemo(twelvelabs.sim, base, keys.client);
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    console.error(`notifier: ${err.message}`);
    await shutdown(1);
    return;
  }
  const onSignal = () => {
    console.log("\nstopping...");
    void shutdown(0);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

/** Every port local mode needs, checked before anything starts: all busy ones reported at once. */
async function checkPortsFree(opts: LocalOptions): Promise<void> {
  const wanted: Array<[number, string]> = [[opts.port, "--port"]];
  if (opts.simulate) wanted.push([opts.simulatorPort, "--simulator-port"]);
  const busy: Array<[number, string]> = [];
  for (const [port, flag] of wanted) {
    if (port === 0) continue;
    const free = await new Promise<boolean>((resolve) => {
      const probe = createNetServer();
      probe.once("error", () => resolve(false));
      probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (!free) busy.push([port, flag]);
  }
  if (busy.length === 1) {
    const [port, flag] = busy[0] as [number, string];
    const what = flag === "--port" ? "port" : "simulator port";
    throw new StartupError(`${what} ${port} is already in use (choose another with ${flag})`);
  }
  if (busy.length > 1) {
    throw new StartupError(
      `ports ${busy.map(([p, f]) => `${p} (${f})`).join(" and ")} are already in use (choose others with ${busy.map(([, f]) => f).join(" and ")}; is another npm start running?)`,
    );
  }
}

/** The simulator, or the real API after a check of the key and the URL. */
async function startTwelveLabs(opts: LocalOptions, cleanups: Cleanups): Promise<TwelveLabsTarget> {
  if (!opts.simulate) {
    const key = opts.twelvelabsKey ?? "";
    const problem = await checkTwelveLabs(opts.twelvelabsUrl, key);
    if (problem) throw new StartupError(problem);
    return { url: opts.twelvelabsUrl, key };
  }
  // Any key: a user's own TwelveLabs code keeps its own key against the simulator.
  const sim = new TwelveLabsSimulator({ apiKey: randomBytes(12).toString("hex"), anyApiKey: true });
  let url: string;
  try {
    url = await sim.start(opts.simulatorPort);
  } catch (err) {
    throw new StartupError(
      (err as NodeJS.ErrnoException).code === "EADDRINUSE"
        ? `simulator port ${opts.simulatorPort} is already in use (choose another with --simulator-port)`
        : (err as Error).message,
    );
  }
  cleanups.add(() => sim.close());
  return { url, key: sim.apiKey, sim };
}

/** dynalite and fauxqs in this process (DynamoDB files under --data when given). */
async function startStandIns(opts: LocalOptions, cleanups: Cleanups): Promise<EmbeddedAws> {
  try {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const aws = await startEmbeddedAws({
      dataDir: opts.dataDir ? join(resolve(opts.dataDir), "dynamodb") : undefined,
    });
    cleanups.add(() => aws.close());
    return aws;
  } catch (err) {
    throw new StartupError(`cannot start the local DynamoDB/SNS stand-ins: ${(err as Error).message}`);
  }
}

interface WebhookSettings {
  queueUrl: string;
  dlqUrl: string;
  /** The Step Functions callback queue and its DLQ (tokens are sealed with the same header key). */
  stepFunctions: { queueUrl: string; dlqUrl: string };
  /** As stored (whsec_... or rotation JSON) and the secret receivers use now. */
  secret: string;
  receiverSecret: string;
  generated: boolean;
  headerKey: string;
  /** The secret TwelveLabs' webhooks are signed with here (TWELVELABS_WEBHOOK_SECRET, else generated). */
  tlSecret: string;
  tlSecretGiven: boolean;
}

/**
 * The webhook queue, its signing secret (NOTIFIER_WEBHOOK_SECRET, else generated) and the key that
 * seals callbackHeaders (kept under --data so stored headers still open after a restart).
 */
async function webhookSettings(
  opts: LocalOptions,
  aws: EmbeddedAws,
  secret: string,
): Promise<WebhookSettings> {
  const { queueUrl, dlqUrl } = await createLocalWebhookQueue(aws);
  const stepFunctions = await createLocalStepFunctionsQueue(aws);
  // Generated unless given, and kept under --data: the same after a restart.
  const kept = (name: string, generate: () => string): string => {
    const value = generate();
    if (!opts.dataDir) return value;
    const file = join(resolve(opts.dataDir), name);
    if (existsSync(file)) return readFileSync(file, "utf8").trim();
    writeFileSync(file, value, { mode: 0o600 });
    return value;
  };
  const headerKey = kept("callback-header-key", () => randomBytes(32).toString("hex"));
  return {
    queueUrl,
    dlqUrl,
    stepFunctions,
    secret,
    receiverSecret: parseWebhookSecret(secret).current,
    generated: opts.webhookSecret === undefined,
    headerKey,
    tlSecret:
      process.env.TWELVELABS_WEBHOOK_SECRET?.trim() ||
      kept("twelvelabs-webhook-secret", () => randomBytes(24).toString("hex")),
    tlSecretGiven: Boolean(process.env.TWELVELABS_WEBHOOK_SECRET?.trim()),
  };
}

/** The webhook handler on the local queue; each attempt printed as one `[webhook]` line. */
function startWebhooks(aws: EmbeddedAws, hooks: WebhookSettings): () => Promise<void> {
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const handler = createWebhookHandler(
    webhookDeps(webhookConfig(process.env), aws, {
      logger: quiet,
      onAttempt: (url, a) =>
        console.log(
          `[webhook] POST ${url} -> ${a.status ?? a.error} ${a.outcome} (event ${a.eventId}, attempt ${a.attempt}, ${a.durationMs} ms${a.nextAttemptAt ? `, next at ${new Date(a.nextAttemptAt).toISOString()}` : ""})`,
        ),
    }),
  );
  return startQueueLoop(aws, hooks.queueUrl, handler, (line) => console.log(line));
}

/**
 * Every event to EventBridge as the stack's pipe sends it: to AWS_ENDPOINT_URL_EVENTBRIDGE when set
 * (bus NOTIFIER_EVENT_BUS_NAME, default `default`), else one printed line per event.
 */
async function startEventBridge(aws: EmbeddedAws): Promise<() => Promise<void>> {
  const print = (line: string) => console.log(line);
  const queueUrl = await createLocalEventBridgeQueue(aws);
  const forwarder = eventBridgeForwarder(
    localEventBridgeSink(process.env, print),
    process.env.NOTIFIER_EVENT_BUS_NAME?.trim() || "default",
    process.env.NOTIFIER_EVENT_SOURCE?.trim() || DEFAULT_EVENT_SOURCE,
  );
  return startQueueLoop(aws, queueUrl, forwarder, print, "eventbridge");
}

/** The real Lambda entries, configured through their environment and read at import, as at a cold start. */
async function loadHandlers(
  aws: EmbeddedAws,
  twelvelabs: TwelveLabsTarget,
  hooks: WebhookSettings,
  opts: LocalOptions,
  archive: LocalArchive,
): Promise<{ api: ApiHandler; poller: PollerHandler }> {
  Object.assign(process.env, aws.env, {
    WATCH_ACCOUNT_KINDS: opts.watchAccount.join(","),
    AWS_ENDPOINT_URL_S3: archive.s3Endpoint,
    ARCHIVE_QUEUE_URL: archive.queueUrl,
    RESULTS_BUCKET: archive.bucket,
    ARCHIVE_DEFAULT: String(opts.archive),
    WEBHOOK_QUEUE_URL: hooks.queueUrl,
    WEBHOOK_DLQ_URL: hooks.dlqUrl,
    STEP_FUNCTIONS_QUEUE_URL: hooks.stepFunctions.queueUrl,
    STEP_FUNCTIONS_DLQ_URL: hooks.stepFunctions.dlqUrl,
    WEBHOOK_SECRET: hooks.secret,
    CALLBACK_HEADER_KEY: hooks.headerKey,
    TWELVELABS_WEBHOOK_SECRET: hooks.tlSecret,
    STAGE: "local",
    TWELVELABS_BASE_URL: twelvelabs.url,
    TWELVELABS_API_KEY: twelvelabs.key,
    ALLOW_LOOPBACK_HTTP: "true",
    ADMIN_API_KEY_ID: LOCAL_KEY_IDS.admin,
    // The same defaults as a deployed stage, so the README's tag filters work here too.
    TAG_ATTRIBUTES: DEFAULT_TAG_ATTRIBUTES.join(","),
    INTERNAL_SUBSCRIPTION_ENDPOINTS: localQueueArns(aws.topicArn).join(","),
    // The dev stage's subscription rules (SMS only where the stage enables it), plus http to
    // loopback receivers, which only local mode takes. Email and SMS are printed, not sent.
    SUBSCRIPTION_PROTOCOLS: [...subscriptionProtocols(DEFAULT_SUBSCRIPTIONS), "http"].join(","),
    SUBSCRIPTION_MAX: String(DEFAULT_SUBSCRIPTIONS.maxCount),
    POLLER_LEASE: "false", // one loop, never two runs at once
    PASSES_PER_RUN: "1", // the loop makes the passes
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
    ...bedrockEnv(twelvelabs),
  });
  const api = await import("../functions/api.js");
  const poller = await import("../functions/poller.js");
  return { api: api.handler, poller: poller.handler };
}

/**
 * Bedrock's async invocations: at AWS_ENDPOINT_URL_BEDROCK_RUNTIME when given (a LocalStack, another
 * simulator), else at the TwelveLabs simulator, which speaks Bedrock's async-invoke endpoints too.
 * Against the real TwelveLabs with no Bedrock endpoint, kind bedrock is off (local mode holds no AWS
 * credentials to reach Bedrock with).
 */
function bedrockEnv(twelvelabs: TwelveLabsTarget): Record<string, string> {
  const given = process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME?.trim();
  const endpoint = given || twelvelabs.sim?.origin;
  if (!endpoint) return { BEDROCK_REGIONS: "none" };
  return {
    AWS_ENDPOINT_URL_BEDROCK_RUNTIME: endpoint,
    BEDROCK_REGIONS: process.env.BEDROCK_REGIONS?.trim() || "us-east-1,us-west-2,eu-west-1",
  };
}

/** SNS-style delivery of what the topic publishes (fauxqs only feeds SQS). */
function startDelivery(opts: LocalOptions, aws: EmbeddedAws, base: string): LocalSnsDelivery {
  return new LocalSnsDelivery({
    sns: aws.sns,
    sqs: aws.sqs,
    fauxqs: aws.fauxqs,
    topicArn: aws.topicArn,
    topicName: "task-events",
    confirmBaseUrl: base,
    print: (line) => console.log(line),
    dataFile: opts.dataDir ? join(resolve(opts.dataDir), "subscriptions.json") : undefined,
  });
}

/** The API on 127.0.0.1, with the SubscribeURL endpoint of local delivery beside it. */
async function startApiServer(
  port: number,
  api: ApiHandler,
  keys: LocalApiKeys,
  delivery: LocalSnsDelivery,
  cleanups: Cleanups,
  wakePoller: () => void,
): Promise<Server> {
  const server: Server = createLocalApiServer(
    api,
    keys,
    (req, res, url) => {
      if (req.method !== "GET" || url.pathname !== "/_local/sns/confirm") return false;
      const ok = delivery.confirm(url.searchParams.get("token") ?? "");
      res.writeHead(ok ? 200 : 404, { "content-type": "text/xml" });
      res.end(
        ok
          ? "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult/></ConfirmSubscriptionResponse>"
          : "<Error>unknown token</Error>",
      );
      return true;
    },
    wakePoller,
  );
  try {
    await new Promise<void>((ok, bad) => {
      server.once("error", bad);
      server.listen(port, "127.0.0.1", () => ok());
    });
  } catch (err) {
    throw new StartupError(
      (err as NodeJS.ErrnoException).code === "EADDRINUSE"
        ? `port ${port} is already in use (choose another with --port)`
        : (err as Error).message,
    );
  }
  cleanups.add(() => new Promise<void>((r) => server.close(() => r())));
  server.closeIdleConnections?.();
  return server;
}

function printBanner(
  opts: LocalOptions,
  base: string,
  keys: LocalApiKeys,
  twelvelabs: TwelveLabsTarget,
  hooks: WebhookSettings,
  topicArn: string,
): void {
  const { sim } = twelvelabs;
  console.log(`TwelveLabs task notifier, local mode
  API:        ${base}   (header x-api-key: client key ${keys.client} for /tasks, admin key ${keys.admin} for everything)
  TwelveLabs: ${sim ? `simulator at ${twelvelabs.url} (not the real API; create tasks with POST ${sim.origin}/_sim/tasks)` : twelvelabs.url}
  Bedrock:    ${process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME ? `async invocations at ${process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME}${sim && process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME === sim.origin ? " (the simulator)" : ""}` : "off (set AWS_ENDPOINT_URL_BEDROCK_RUNTIME)"}
  Poller:     every ${opts.intervalMs / 1000} s${opts.watchAccount.length > 0 ? `; watching the account for new ${opts.watchAccount.join(", ")} tasks (nothing to register)` : ""}
  Webhooks:   signed with ${hooks.receiverSecret}${hooks.generated ? ` (${opts.dataDir ? "generated once, kept under --data" : "generated"}; set NOTIFIER_WEBHOOK_SECRET to choose one)` : " (NOTIFIER_WEBHOOK_SECRET)"}
  TwelveLabs webhooks: POST ${base}/twelvelabs/webhooks, TL-Signature with ${hooks.tlSecret}${hooks.tlSecretGiven ? " (TWELVELABS_WEBHOOK_SECRET)" : ` (${opts.dataDir ? "generated once, kept under --data" : "generated"}; set TWELVELABS_WEBHOOK_SECRET to choose one)`}
  Data:       ${opts.dataDir ? `${resolve(opts.dataDir)} (tasks, subscriptions, the keys and the webhook secret above: the same after a restart)` : "in memory, new keys each start (use --data <dir> to keep them)"}
In another terminal:
  export NOTIFIER=${base} KEY=${keys.client} ADMIN_KEY=${keys.admin}${sim ? ` SIM=${sim.origin}` : ""} WEBHOOK_SECRET=${hooks.receiverSecret} TOPIC_ARN=${topicArn} TL_WEBHOOK_SECRET=${hooks.tlSecret}
Ctrl-C stops everything.`);
}

main().catch((err: Error) => {
  console.error(`notifier: ${err.message}`);
  process.exit(1);
});
