import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { TASK_TABLE } from "../core/shared-names.js";

export { TASK_TABLE } from "../core/shared-names.js";

/** The map of a task's events kept for webhook redelivery (event id to JSON). */
export const WEBHOOK_EVENTS_ATTRIBUTE = "webhookEvents";
/** The map of a task's Step Functions waiters (waiter id to waiter). */
export const WAITERS_ATTRIBUTE = "waiters";
/** The event that ended the task, as JSON (for tokens registered after the end). */
export const FINAL_EVENT_ATTRIBUTE = "finalEvent";

export function taskPk(taskId: string): string {
  return `TASK#${taskId}`;
}

/** The list index's partition of a kind and status. */
export function kindStatusKey(kind: string, status: string): string {
  return `${kind}#${status}`;
}

/** The DynamoDB key of a task's item. */
export function taskKey(taskId: string): { [name: string]: { S: string } } {
  return { [TASK_TABLE.partitionKey]: { S: taskPk(taskId) } };
}

/** A stable shard for a task id (FNV-1a), as the string the index stores. */
export function shardOf(taskId: string, shards: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < taskId.length; i++) {
    h ^= taskId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return String(h % shards);
}

/** CreateTable input for dynalite and local mode (on-demand, both GSIs projecting all attributes). */
export function createTaskTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, dueIndex, outboxIndex, listIndex, tagIndex } = TASK_TABLE;
  return {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: partitionKey, AttributeType: "S" },
      { AttributeName: listIndex.partitionKey, AttributeType: "S" },
      { AttributeName: listIndex.sortKey, AttributeType: "N" },
      { AttributeName: dueIndex.partitionKey, AttributeType: "S" },
      { AttributeName: dueIndex.sortKey, AttributeType: "N" },
      { AttributeName: outboxIndex.partitionKey, AttributeType: "S" },
      { AttributeName: outboxIndex.sortKey, AttributeType: "N" },
      { AttributeName: tagIndex.partitionKey, AttributeType: "S" },
    ],
    KeySchema: [{ AttributeName: partitionKey, KeyType: "HASH" }],
    GlobalSecondaryIndexes: [dueIndex, outboxIndex, listIndex, tagIndex].map((ix) => ({
      IndexName: ix.name,
      KeySchema: [
        { AttributeName: ix.partitionKey, KeyType: "HASH" as const },
        { AttributeName: ix.sortKey, KeyType: "RANGE" as const },
      ],
      Projection: {
        ProjectionType: ix === listIndex || ix === tagIndex ? ("KEYS_ONLY" as const) : ("ALL" as const),
      },
    })),
  };
}
