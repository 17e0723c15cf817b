import { randomBytes } from "node:crypto";
import type { APIGatewayProxyResult } from "aws-lambda";
import { apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { webhookConfig } from "../../functions/config/webhook-config.js";
import type { WebhookAttempt } from "../../functions/core/webhook-delivery.js";
import { createWebhookHandler, webhookDeps } from "../../functions/webhook-handler.js";
import { createLocalWebhookQueue, pollOnce } from "../../local/webhook-loop.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "./api-events.js";
import { type PollerHarness, startPollerHarness } from "./poller-harness.js";

export const quietLog = { info() {}, warn() {}, error() {} };

/**
 * The webhook path as deployed, on the stand-ins: the poller publishes to the topic, the queue
 * (raw delivery, the webhook filter policy, a DLQ after 8 receives) holds what passes the filter,
 * and the real webhook handler (webhookDeps) delivers it to receivers on 127.0.0.1. The API
 * handler shares the table and the queue. Retry waits are recorded as asked, then shortened to
 * `retryCapSeconds` so a test can walk the whole schedule in seconds.
 */
export async function startWebhookHarness(
  opts: { secret?: string; overlapSeconds?: number; retryCapSeconds?: number } = {},
) {
  const poller: PollerHarness = await startPollerHarness();
  const { aws } = poller;
  const { queueUrl, dlqUrl } = await createLocalWebhookQueue(aws);
  const secret = opts.secret ?? `whsec_${randomBytes(32).toString("base64")}`;
  const headerKey = randomBytes(32).toString("hex");
  const env = {
    ...aws.env,
    STAGE: "test",
    TABLE_NAME: aws.tableName,
    WEBHOOK_QUEUE_URL: queueUrl,
    WEBHOOK_DLQ_URL: dlqUrl,
    WEBHOOK_SECRET: secret,
    CALLBACK_HEADER_KEY: headerKey,
    WEBHOOK_SECRET_OVERLAP_SECONDS: String(opts.overlapSeconds ?? 3600),
    ALLOW_LOOPBACK_HTTP: "true",
    ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID,
  };
  const attempts: Array<{ url: string; attempt: WebhookAttempt }> = [];
  const retryAsked: number[] = [];
  const deps = webhookDeps(webhookConfig(env), aws, {
    logger: quietLog,
    onAttempt: (url, attempt) => attempts.push({ url, attempt }),
  });
  const realRetryIn = deps.retryIn;
  deps.retryIn = async (receipt, seconds) => {
    retryAsked.push(seconds);
    await realRetryIn(receipt, Math.min(seconds, opts.retryCapSeconds ?? 0));
  };
  const webhook = createWebhookHandler(deps);
  const api = createApiHandler(apiDeps(apiConfig(env), aws, quietLog), quietLog);
  return {
    poller,
    aws,
    queueUrl,
    dlqUrl,
    secret,
    /** The header key the API seals with (the webhook function's `headerBox` may be swapped). */
    headerKey,
    /** The webhook function's dependencies, read at each call: a test may wrap one (an outage). */
    deps,
    attempts,
    retryAsked,
    webhook,
    /** One receive from the webhook queue through the handler; the number of messages handled. */
    deliverOnce: () => pollOnce(aws, queueUrl, webhook),
    /** Receives until `until()` holds or the time is up. */
    async deliverUntil(until: () => boolean, timeoutMs = 15_000) {
      const end = Date.now() + timeoutMs;
      while (!until() && Date.now() < end) await pollOnce(aws, queueUrl, webhook);
      return until();
    },
    async call(method: string, path: string, o: Parameters<typeof apiEvent>[2] = {}) {
      const res: APIGatewayProxyResult = await api(apiEvent(method, path, o));
      // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field.
      const body: any = res.body ? JSON.parse(res.body) : undefined;
      return { status: res.statusCode, body };
    },
    async close() {
      await poller.close();
    },
  };
}
export type WebhookHarness = Awaited<ReturnType<typeof startWebhookHarness>>;
