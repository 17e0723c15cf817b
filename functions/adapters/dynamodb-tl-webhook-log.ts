import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { TwelveLabsWebhookLog } from "../core/ports.js";
import { TL_EVENT_PREFIX } from "../core/shared-names.js";
import { isTaskKind, type TaskKind } from "../core/task-kinds.js";
import { TASK_TABLE } from "./task-table.js";

/** How long an event id is remembered (TwelveLabs publishes no retry schedule; a day covers any sane one). */
export const TL_EVENT_MEMORY_SECONDS = 24 * 3600;
const eventKey = (eventId: string) => ({ [TASK_TABLE.partitionKey]: { S: `${TL_EVENT_PREFIX}${eventId}` } });
/** The item recording when each kind last heard a webhook. */
const ARRIVALS_KEY = { [TASK_TABLE.partitionKey]: { S: "META#twelvelabs-webhooks" } };
/** Arrivals are written at most this often per kind (a burst of events costs one write). */
const ARRIVAL_WRITE_EVERY_MS = 60_000;

/**
 * TwelveLabs' webhook events in the task table: one small item per event id (`TLEVENT#<id>`, expiring
 * after a day), whose insert also wakes the poller through the table's stream; and one item with
 * each kind's last arrival, which the poller reads to slow its polling of that kind.
 */
export class DynamoDbTwelveLabsWebhookLog implements TwelveLabsWebhookLog {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async seen(eventId: string): Promise<boolean> {
    const res = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: eventKey(eventId), ConsistentRead: true }),
    );
    return res.Item !== undefined;
  }

  async record(eventId: string, at: number): Promise<void> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...eventKey(eventId),
            receivedAt: { N: String(at) },
            [TASK_TABLE.ttlAttribute]: { N: String(Math.floor(at / 1000) + TL_EVENT_MEMORY_SECONDS) },
          },
          ConditionExpression: "attribute_not_exists(#pk)",
          ExpressionAttributeNames: { "#pk": TASK_TABLE.partitionKey },
        }),
      );
    } catch (err) {
      // Recorded by a concurrent delivery of the same event: nothing to add.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async arrivals(): Promise<Partial<Record<TaskKind, number>>> {
    const res = await this.db.send(new GetItemCommand({ TableName: this.tableName, Key: ARRIVALS_KEY }));
    const out: Partial<Record<TaskKind, number>> = {};
    for (const [name, value] of Object.entries(res.Item ?? {})) {
      const kind = name.startsWith("at_") ? name.slice(3) : "";
      if (isTaskKind(kind) && value.N !== undefined) out[kind] = Number(value.N);
    }
    return out;
  }

  async noteArrival(kind: TaskKind, at: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: ARRIVALS_KEY,
          UpdateExpression: "SET #k = :at",
          ConditionExpression: "attribute_not_exists(#k) OR #k < :stale",
          ExpressionAttributeNames: { "#k": `at_${kind}` },
          ExpressionAttributeValues: {
            ":at": { N: String(at) },
            ":stale": { N: String(at - ARRIVAL_WRITE_EVERY_MS) },
          },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
