import { createHmac, timingSafeEqual } from "node:crypto";
import { kindOfWebhookType, type TaskKind } from "./task-kinds.js";

/*
 * TwelveLabs' own webhooks (spec/twelvelabs/API-NOTES.md): account-wide endpoints set in its
 * dashboard receive `index.task.ready|failed` and `analyze.task.ready|failed` (newer text also
 * `analyze.task.canceled`), signed `TL-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<raw body>")>`. The raw body is verified before anything is parsed.
 *
 * A verified event is NOT itself evidence of a status here: it makes its task due at once, and the
 * status comes from the task's own status call, as always. Why: delivery is best effort and
 * unordered, TwelveLabs itself says "retrieve the task for its current state", an account-wide
 * secret is shared by every stage that receives it, and the status call carries what the
 * notification needs anyway (metadata, model, error message). One call per task is the price.
 */

/** Signatures further than this from our clock are refused (replays, TwelveLabs' suggestion). */
export const TL_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** The largest body taken (TwelveLabs' events are a few hundred bytes). */
export const TL_WEBHOOK_MAX_BYTES = 64 * 1024;

export type SignatureProblem = "missing_signature" | "invalid_signature" | "stale_signature";

export class TwelveLabsWebhookError extends Error {
  override readonly name = "TwelveLabsWebhookError";
  constructor(
    readonly code: SignatureProblem | "invalid_event",
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks `TL-Signature` against the raw body; throws TwelveLabsWebhookError (missing, bad, or
 * outside the window). Several `v1=` values are accepted (a rotation); comparisons are constant-time.
 */
export function verifyTwelveLabsSignature(
  secret: string,
  header: string | undefined,
  rawBody: string,
  nowMs: number,
): void {
  if (!header) throw new TwelveLabsWebhookError("missing_signature", "TL-Signature header missing");
  let t: number | undefined;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === "v1" && /^[0-9a-fA-F]{64}$/.test(value)) v1.push(value.toLowerCase());
  }
  if (t === undefined || v1.length === 0)
    throw new TwelveLabsWebhookError("invalid_signature", "TL-Signature must hold t=<seconds> and v1=<hex>");
  if (Math.abs(nowMs / 1000 - t) > TL_WEBHOOK_TOLERANCE_SECONDS)
    throw new TwelveLabsWebhookError(
      "stale_signature",
      "TL-Signature's timestamp is outside the 5-minute window",
    );
  const expected = Buffer.from(twelveLabsSignatureHex(secret, t, rawBody), "hex");
  const ok = v1.some((sig) => timingSafeEqual(Buffer.from(sig, "hex"), expected));
  if (!ok) throw new TwelveLabsWebhookError("invalid_signature", "TL-Signature does not match the body");
}

/** hex HMAC-SHA256(secret, "<t>.<body>"), as TwelveLabs signs (tests and the simulator sign with it). */
export function twelveLabsSignatureHex(secret: string, t: number, rawBody: string): string {
  return createHmac("sha256", secret).update(`${t}.${rawBody}`).digest("hex");
}

export interface TwelveLabsWebhookEvent {
  /** The event's id (`whe_…`): replays are recognised by it. */
  id: string;
  type: string;
  kind: TaskKind;
  /** The task it names. */
  taskId: string;
}

const ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The event, once its signature is verified: `{ id, type, data: { id } }`. An event type of a kind
 * we do not know yields `undefined` (acknowledged, ignored: TwelveLabs may add types).
 */
export function parseTwelveLabsEvent(raw: string): TwelveLabsWebhookEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new TwelveLabsWebhookError("invalid_event", "the body is not JSON");
  }
  const b = body as { id?: unknown; type?: unknown; data?: { id?: unknown } };
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new TwelveLabsWebhookError("invalid_event", "the body must be a JSON object");
  if (typeof b.id !== "string" || !ID.test(b.id))
    throw new TwelveLabsWebhookError("invalid_event", "id must be the event's id");
  if (typeof b.type !== "string" || !/^[a-z_]+\.[a-z_]+\.[a-z_]+$/.test(b.type))
    throw new TwelveLabsWebhookError("invalid_event", "type must look like index.task.ready");
  // Which kind an event names is the kind table's (`webhookPrefix`).
  const kind = kindOfWebhookType(b.type);
  if (kind === undefined) return undefined;
  const taskId = typeof b.data === "object" && b.data !== null ? b.data.id : undefined;
  if (typeof taskId !== "string" || !ID.test(taskId))
    throw new TwelveLabsWebhookError("invalid_event", "data.id must be the task's id");
  return { id: b.id, type: b.type, kind, taskId };
}
