import type { APIGatewayProxyResult } from "aws-lambda";
import type { TaskStore, TwelveLabsWebhookLog } from "../core/ports.js";
import { newTask } from "../core/task.js";
import type { TaskKind } from "../core/task-kinds.js";
import {
  parseTwelveLabsEvent,
  TL_WEBHOOK_MAX_BYTES,
  TwelveLabsWebhookError,
  verifyTwelveLabsSignature,
} from "../core/twelvelabs-webhook.js";
import { HttpError, json } from "./http.js";

/** The stage's side of TwelveLabs' webhooks (absent: the route answers 503). */
export interface TwelveLabsWebhookDeps {
  /** The endpoint's secret (Secrets Manager, cached); undefined while it holds the placeholder. */
  secret: () => Promise<string | undefined>;
  log: TwelveLabsWebhookLog;
  /** Kinds the stage watches account-wide: an event naming an unknown task of these adopts it. */
  watchKinds: readonly TaskKind[];
}

export interface WebhookRequest {
  rawBody: string;
  signature: string | undefined;
}

/**
 * POST /twelvelabs/webhooks: no API key; the raw body verified against `TL-Signature` before it is
 * parsed (401, nothing changed, on a bad or stale signature); a replayed event id is acknowledged
 * and does nothing; a verified event makes its task due at once (the poller, woken by the event's
 * record, asks TwelveLabs for the status: the event is not itself evidence); 2xx at once for a task
 * the stage does not watch, adopted when the stage watches that kind account-wide.
 */
export async function receiveTwelveLabsWebhook(
  deps: {
    store: TaskStore;
    now: () => number;
    defaultDeadlineSeconds: number;
    tlWebhooks?: TwelveLabsWebhookDeps;
  },
  req: WebhookRequest,
): Promise<APIGatewayProxyResult> {
  const hooks = deps.tlWebhooks;
  if (!hooks)
    throw new HttpError(503, "webhooks_not_configured", "this stage does not receive TwelveLabs webhooks");
  if (Buffer.byteLength(req.rawBody, "utf8") > TL_WEBHOOK_MAX_BYTES)
    throw new HttpError(413, "payload_too_large", `the body is over ${TL_WEBHOOK_MAX_BYTES} bytes`);
  const secret = await hooks.secret();
  if (secret === undefined)
    throw new HttpError(
      503,
      "webhook_secret_unset",
      "the TwelveLabs webhook secret still holds its placeholder: put the endpoint's secret in it",
    );
  const now = deps.now();
  let event: ReturnType<typeof parseTwelveLabsEvent>;
  try {
    verifyTwelveLabsSignature(secret, req.signature, req.rawBody, now);
    event = parseTwelveLabsEvent(req.rawBody);
  } catch (err) {
    if (err instanceof TwelveLabsWebhookError)
      throw new HttpError(err.code === "invalid_event" ? 400 : 401, err.code, err.message);
    throw err;
  }
  if (!event) return json(200, { received: true, outcome: "ignored" });
  if (await hooks.log.seen(event.id)) return json(200, { received: true, duplicate: true });
  let outcome: "checking" | "ended" | "adopted" | "not_watched";
  if (await deps.store.nudge(event.taskId, now)) outcome = "checking";
  else if (await deps.store.get(event.taskId)) outcome = "ended";
  else if (hooks.watchKinds.includes(event.kind)) {
    const task = {
      ...newTask({ taskId: event.taskId, kind: event.kind }, now, deps.defaultDeadlineSeconds),
      source: "discovered" as const,
    };
    // Registered, then nudged: a nudged task is looked at now even where webhooks slow the polling.
    await deps.store.register(task);
    await deps.store.nudge(event.taskId, now);
    outcome = "adopted";
  } else outcome = "not_watched";
  // After the act: a delivery cut short before this is acted on again when TwelveLabs retries.
  await hooks.log.noteArrival(event.kind, now);
  await hooks.log.record(event.id, now);
  return json(200, { received: true, outcome });
}
