import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import type { TaskEvent } from "../core/events.js";
import type { CallbackTarget, WebhookLog } from "../core/ports.js";
import { jsonForAws } from "../core/text-rules.js";
import {
  WEBHOOK_ATTEMPT_LOG_MAX,
  WEBHOOK_EVENTS_MAX,
  type WebhookAttempt,
} from "../core/webhook-delivery.js";
import { writeIf } from "./conditional-write.js";
import { taskKey, WEBHOOK_EVENTS_ATTRIBUTE } from "./task-table.js";

const ATTEMPTS = "webhookAttempts";

/**
 * The webhook side of a task item. None of these writes touches `version`: the poller's conditional
 * writes never conflict with a delivery, and every write here is conditional on the registration
 * (`registeredAt`), so an attempt of an old registration never lands on a new one of the same id.
 */
export class DynamoDbWebhookLog implements WebhookLog {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async target(taskId: string): Promise<CallbackTarget | undefined> {
    const res = await this.db.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: taskKey(taskId),
        ConsistentRead: true,
        ProjectionExpression: "registeredAt, callbackUrl, callbackHeaders, callbackDisabledAt, #a",
        ExpressionAttributeNames: { "#a": ATTEMPTS },
      }),
    );
    if (!res.Item) return undefined;
    const raw = unmarshall(res.Item) as Record<string, unknown>;
    if (typeof raw.callbackUrl !== "string" || typeof raw.registeredAt !== "number") return undefined;
    const t: CallbackTarget = {
      registeredAt: raw.registeredAt,
      url: raw.callbackUrl,
      attempts: Array.isArray(raw[ATTEMPTS]) ? (raw[ATTEMPTS] as WebhookAttempt[]) : [],
    };
    if (typeof raw.callbackHeaders === "string") t.sealedHeaders = raw.callbackHeaders;
    if (typeof raw.callbackDisabledAt === "number") t.disabledAt = raw.callbackDisabledAt;
    return t;
  }

  async record(
    taskId: string,
    registeredAt: number,
    attempt: WebhookAttempt,
    event?: TaskEvent,
  ): Promise<void> {
    let length: number;
    try {
      const res = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: "SET #a = list_append(if_not_exists(#a, :empty), :one)",
          ConditionExpression: "#r = :r",
          ExpressionAttributeNames: { "#a": ATTEMPTS, "#r": "registeredAt" },
          ExpressionAttributeValues: {
            ":empty": { L: [] },
            ":one": { L: [{ M: marshall(attempt, { removeUndefinedValues: true }) }] },
            ":r": { N: String(registeredAt) },
          },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      length = res.Attributes?.[ATTEMPTS]?.L?.length ?? 0;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return; // the registration is gone
      throw err;
    }
    if (length > WEBHOOK_ATTEMPT_LOG_MAX) await this.trimAttempts(taskId, length);
    if (event) await this.keepEvent(taskId, registeredAt, event);
  }

  /** Drops the oldest attempts beyond the bound; if another append came between, that one trims. */
  private async trimAttempts(taskId: string, length: number): Promise<void> {
    const drop = length - WEBHOOK_ATTEMPT_LOG_MAX;
    await writeIf(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: `REMOVE ${Array.from({ length: drop }, (_, i) => `#a[${i}]`).join(", ")}`,
          ConditionExpression: "size(#a) = :n",
          ExpressionAttributeNames: { "#a": ATTEMPTS },
          ExpressionAttributeValues: { ":n": { N: String(length) } },
        }),
      ),
    );
  }

  /**
   * Keeps an event for redelivery: the newest WEBHOOK_EVENTS_MAX of a task (when full, the oldest
   * kept event makes room, in the same conditional update).
   */
  private async keepEvent(taskId: string, registeredAt: number, event: TaskEvent): Promise<void> {
    for (let round = 0; round < 3; round++) {
      const kept = await this.keepEventIfRoom(taskId, registeredAt, event);
      if (kept === "kept" || kept === "gone") return;
      const oldest = kept.oldest;
      if (oldest === undefined) continue;
      if (oldest.occurredAt > event.occurredAt) return; // older than all ten kept: the newest stay
      const replaced = await writeIf(() =>
        this.db.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: taskKey(taskId),
            UpdateExpression: "REMOVE #e.#old SET #e.#id = :json",
            ConditionExpression: "#r = :r AND attribute_exists(#e.#old) AND attribute_not_exists(#e.#id)",
            ExpressionAttributeNames: {
              "#e": WEBHOOK_EVENTS_ATTRIBUTE,
              "#old": oldest.id,
              "#id": event.id,
              "#r": "registeredAt",
            },
            ExpressionAttributeValues: {
              ":json": { S: jsonForAws(event) },
              ":r": { N: String(registeredAt) },
            },
          }),
        ),
      );
      if (replaced) return;
    }
  }

  /** `{ oldest }` (the kept event to make room with) when WEBHOOK_EVENTS_MAX others are kept already. */
  private async keepEventIfRoom(
    taskId: string,
    registeredAt: number,
    event: TaskEvent,
  ): Promise<"kept" | "gone" | { oldest: TaskEvent | undefined }> {
    const send = () =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: "SET #e.#id = if_not_exists(#e.#id, :json)",
          ConditionExpression: "#r = :r AND (size(#e) < :max OR attribute_exists(#e.#id))",
          ExpressionAttributeNames: { "#e": WEBHOOK_EVENTS_ATTRIBUTE, "#id": event.id, "#r": "registeredAt" },
          ExpressionAttributeValues: {
            ":json": { S: jsonForAws(event) },
            ":r": { N: String(registeredAt) },
            ":max": { N: String(WEBHOOK_EVENTS_MAX) },
          },
        }),
      );
    try {
      await send();
      return "kept";
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        // Full (this registration, no room), or the registration is gone: one read tells both.
        const kept = await this.readKept(taskId);
        return kept.registeredAt === registeredAt ? { oldest: kept.events[0] } : "gone";
      }
      if ((err as { name?: string }).name !== "ValidationException") throw err;
      // A task registered before webhooks were delivered has no map yet: make it, then keep the event.
      await this.db
        .send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: taskKey(taskId),
            UpdateExpression: "SET #e = :m",
            ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#e)",
            ExpressionAttributeNames: { "#e": WEBHOOK_EVENTS_ATTRIBUTE },
            ExpressionAttributeValues: { ":m": { M: {} } },
          }),
        )
        .catch((e) => {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        });
      await send().catch((e) => {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
      return "kept";
    }
  }

  async setDisabled(taskId: string, registeredAt: number, at: number | undefined): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: at === undefined ? "REMOVE #d" : "SET #d = :at",
          ConditionExpression: "#r = :r",
          ExpressionAttributeNames: { "#d": "callbackDisabledAt", "#r": "registeredAt" },
          ExpressionAttributeValues: {
            ":r": { N: String(registeredAt) },
            ...(at === undefined ? {} : { ":at": { N: String(at) } }),
          },
        }),
      ),
    );
  }

  async storedEvent(taskId: string, eventId?: string): Promise<TaskEvent | undefined> {
    const { events } = await this.readKept(taskId);
    if (eventId !== undefined) return events.find((e) => e.id === eventId);
    return events.at(-1);
  }

  /** The registration and its kept events, oldest first. */
  private async readKept(taskId: string): Promise<{ registeredAt?: number; events: TaskEvent[] }> {
    const res = await this.db.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: taskKey(taskId),
        ConsistentRead: true,
        ProjectionExpression: "#e, #r",
        ExpressionAttributeNames: { "#e": WEBHOOK_EVENTS_ATTRIBUTE, "#r": "registeredAt" },
      }),
    );
    const map = res.Item?.[WEBHOOK_EVENTS_ATTRIBUTE]?.M ?? {};
    const events = Object.values(map)
      .map((v) => (v.S === undefined ? undefined : (JSON.parse(v.S) as TaskEvent)))
      .filter((e): e is TaskEvent => e !== undefined)
      .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.id.localeCompare(b.id));
    const registeredAt = res.Item?.registeredAt?.N;
    return registeredAt === undefined ? { events } : { registeredAt: Number(registeredAt), events };
  }
}
