import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { RunLease } from "../core/ports.js";
import { TASK_TABLE } from "./task-table.js";

/**
 * A lease item in the task table so poller runs do not overlap where reserved concurrency is not
 * available. Overlap is safe anyway (every write is conditional); the lease only saves work.
 */
export class DynamoDbRunLease implements RunLease {
  private readonly key: { [k: string]: { S: string } };

  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    name: string,
  ) {
    this.key = { [TASK_TABLE.partitionKey]: { S: `LEASE#${name}` } };
  }

  async tryAcquire(owner: string, now: number, until: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...this.key,
            entity: { S: "lease" },
            leaseOwner: { S: owner },
            leaseUntil: { N: String(until) },
            // Removed by TTL a day later if a run died holding it.
            [TASK_TABLE.ttlAttribute]: { N: String(Math.floor(until / 1000) + 86400) },
          },
          ConditionExpression: "attribute_not_exists(#pk) OR #until < :now OR #owner = :owner",
          ExpressionAttributeNames: {
            "#pk": TASK_TABLE.partitionKey,
            "#until": "leaseUntil",
            "#owner": "leaseOwner",
          },
          ExpressionAttributeValues: { ":now": { N: String(now) }, ":owner": { S: owner } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async release(owner: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: this.key,
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "leaseOwner" },
          ExpressionAttributeValues: { ":owner": { S: owner } },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
