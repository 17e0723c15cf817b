import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { TaskEvent } from "../core/events.js";
import type { WaiterLog, WaiterTarget } from "../core/ports.js";
import type { Waiter } from "../core/step-functions-callback.js";
import type { TaskStatus } from "../core/task-kinds.js";
import { writeIf } from "./conditional-write.js";
import { FINAL_EVENT_ATTRIBUTE, taskKey, WAITERS_ATTRIBUTE } from "./task-table.js";

/**
 * The Step Functions side of a task item. Like the webhook log, no write here touches `version`
 * (the poller never conflicts with a callback) and each is conditional on the registration and on
 * the waiter still waiting, so two deliveries of one event never both record an end.
 */
export class DynamoDbWaiterLog implements WaiterLog {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async read(taskId: string): Promise<WaiterTarget | undefined> {
    const res = await this.db.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: taskKey(taskId),
        ConsistentRead: true,
        ProjectionExpression: "registeredAt, #s, #w, #f",
        ExpressionAttributeNames: { "#s": "status", "#w": WAITERS_ATTRIBUTE, "#f": FINAL_EVENT_ATTRIBUTE },
      }),
    );
    if (!res.Item) return undefined;
    const raw = unmarshall(res.Item) as Record<string, unknown>;
    if (typeof raw.registeredAt !== "number" || typeof raw.status !== "string") return undefined;
    const target: WaiterTarget = {
      registeredAt: raw.registeredAt,
      status: raw.status as TaskStatus,
      waiters: (raw[WAITERS_ATTRIBUTE] ?? {}) as Record<string, Waiter>,
    };
    const final = raw[FINAL_EVENT_ATTRIBUTE];
    if (typeof final === "string") target.finalEvent = JSON.parse(final) as TaskEvent;
    return target;
  }

  async update(
    taskId: string,
    registeredAt: number,
    waiterId: string,
    patch: { state: Waiter["state"]; attempts: number; lastError?: string; endedAt?: number },
  ): Promise<boolean> {
    const sets = ["#w.#id.#state = :state", "#w.#id.attempts = :attempts"];
    const values: Record<string, { S: string } | { N: string }> = {
      ":state": { S: patch.state },
      ":attempts": { N: String(patch.attempts) },
      ":waiting": { S: "waiting" },
      ":r": { N: String(registeredAt) },
    };
    if (patch.lastError !== undefined) {
      sets.push("#w.#id.lastError = :error");
      values[":error"] = { S: patch.lastError };
    }
    if (patch.endedAt !== undefined) {
      sets.push("#w.#id.endedAt = :ended");
      values[":ended"] = { N: String(patch.endedAt) };
    }
    return writeIf(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: `SET ${sets.join(", ")}`,
          ConditionExpression: "registeredAt = :r AND #w.#id.#state = :waiting",
          ExpressionAttributeNames: { "#w": WAITERS_ATTRIBUTE, "#id": waiterId, "#state": "state" },
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
