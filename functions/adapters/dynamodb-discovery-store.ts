import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DISCOVERABLE_KINDS, type DiscoveryMark, type DiscoveryStore } from "../core/discovery.js";
import type { Task } from "../core/task.js";
import type { TaskKind } from "../core/task-kinds.js";
import { writeIf } from "./conditional-write.js";
import type { DynamoDbTaskStore } from "./dynamodb-task-store.js";
import { TASK_TABLE } from "./task-table.js";

/** The item holding one kind's discovery mark. */
function markKey(kind: TaskKind) {
  return { [TASK_TABLE.partitionKey]: { S: `META#watch#${kind}` } };
}

/**
 * Discovery's marks and discovered tasks in the task table. Every write is conditional: a mark
 * only moves forward, a task is only added when its id is unknown, so concurrent runs agree.
 */
export class DynamoDbDiscoveryStore implements DiscoveryStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    private readonly tasks: Pick<DynamoDbTaskStore, "putIfNew">,
  ) {}

  async syncMarks(watched: readonly TaskKind[], now: number): Promise<DiscoveryMark[]> {
    // One read per kind, all at once (every run makes them).
    const marks = await Promise.all(DISCOVERABLE_KINDS.map((kind) => this.syncMark(kind, watched, now)));
    return marks.filter((m): m is DiscoveryMark => m !== undefined);
  }

  /** One kind's mark: read, started or stopped as `watched` says; undefined when not watched. */
  private async syncMark(kind: TaskKind, watched: readonly TaskKind[], now: number) {
    const res = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: markKey(kind), ConsistentRead: true }),
    );
    const item = res.Item;
    const active = item !== undefined && item.disabledAt === undefined;
    if (!watched.includes(kind)) {
      if (active) {
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: markKey(kind),
            UpdateExpression: "SET disabledAt = :now",
            ExpressionAttributeValues: { ":now": { N: String(now) } },
          }),
        );
      }
      return undefined;
    }
    if (active) {
      const mark: DiscoveryMark = {
        kind,
        enabledAt: Number(item.enabledAt?.N),
        scannedUntil: Number(item.scannedUntil?.N),
      };
      if (item.resumePage?.N && item.resumeStartedAt?.N)
        mark.resume = { page: Number(item.resumePage.N), startedAt: Number(item.resumeStartedAt.N) };
      return mark;
    }
    // Watched for the first time, or again after a while without: from now on.
    await this.db.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          ...markKey(kind),
          entity: { S: "meta" },
          enabledAt: { N: String(now) },
          scannedUntil: { N: String(now) },
        },
      }),
    );
    return { kind, enabledAt: now, scannedUntil: now };
  }

  async advanceMark(kind: TaskKind, scannedUntil: number): Promise<void> {
    // False when another run is already further along: nothing to do.
    await writeIf(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: markKey(kind),
          UpdateExpression: "SET scannedUntil = :s REMOVE resumePage, resumeStartedAt",
          ConditionExpression:
            "attribute_exists(enabledAt) AND attribute_not_exists(disabledAt) AND scannedUntil < :s",
          ExpressionAttributeValues: { ":s": { N: String(scannedUntil) } },
        }),
      ),
    );
  }

  async saveResume(kind: TaskKind, resume: { page: number; startedAt: number }): Promise<void> {
    // Only for the scan it belongs to: not once another run finished a later one.
    await writeIf(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: markKey(kind),
          UpdateExpression: "SET resumePage = :p, resumeStartedAt = :t",
          ConditionExpression:
            "attribute_exists(enabledAt) AND attribute_not_exists(disabledAt) AND scannedUntil < :t",
          ExpressionAttributeValues: {
            ":p": { N: String(resume.page) },
            ":t": { N: String(resume.startedAt) },
          },
        }),
      ),
    );
  }

  async addDiscovered(task: Task): Promise<boolean> {
    return this.tasks.putIfNew(task); // false: registered, or found earlier
  }
}
