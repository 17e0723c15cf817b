import type { TaskEvent } from "../core/events.js";
import type { CallbackQueue, HeartbeatMessage } from "../core/ports.js";
import { MAX_MESSAGE_DELAY_S } from "../core/step-functions-callback.js";
import { jsonForAws } from "../core/text-rules.js";
import { SqsQueue } from "./sqs-queue.js";

/** The key of a heartbeat message's body (an event's body has none). */
export const HEARTBEAT_KEY = "stepFunctionsHeartbeat";

/**
 * The Step Functions callback queue as the API and the callback function send to it: a final event
 * (the same body SNS delivers, raw) for a token that came after its task ended, and heartbeats,
 * delayed until due (SQS delays at most 15 minutes: a later heartbeat hops).
 */
export class SqsCallbackQueue extends SqsQueue implements CallbackQueue {
  async sendFinal(event: TaskEvent): Promise<void> {
    await this.send(jsonForAws(event));
  }

  async sendHeartbeat(message: HeartbeatMessage, now: number): Promise<void> {
    await this.send(JSON.stringify({ [HEARTBEAT_KEY]: message }), {
      delaySeconds: heartbeatDelaySeconds(message.dueAt, now),
    });
  }
}

export function heartbeatDelaySeconds(dueAt: number, now: number): number {
  return Math.min(MAX_MESSAGE_DELAY_S, Math.max(0, Math.ceil((dueAt - now) / 1000)));
}
