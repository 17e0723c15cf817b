import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { EventsPendingError, InvalidCursorError } from "../core/domain-errors.js";
import type { TaskEvent } from "../core/events.js";
import type { ArchiveOutcome, ClearHint, DueRange, ListFilter, Page, TaskStore } from "../core/ports.js";
import { DROPPED_WAITERS_MAX, endsWaiters, type Waiter } from "../core/step-functions-callback.js";
import type { SetAsideEvent, Task } from "../core/task.js";
import type { TransitionPatch } from "../core/task-lifecycle.js";
import { writeIf } from "./conditional-write.js";
import { deleteTagItems, listByTag, writeTagItems } from "./tag-index.js";
import { getAll, listThroughIndex } from "./task-listing.js";
import {
  FINAL_EVENT_ATTRIBUTE,
  kindStatusKey,
  shardOf,
  TASK_TABLE,
  taskKey,
  taskPk,
  WAITERS_ATTRIBUTE,
  WEBHOOK_EVENTS_ATTRIBUTE,
} from "./task-table.js";

type Item = Record<string, AttributeValue>;

/** The item recording the largest shard count the indexes were written with. */
const SHARD_LAYOUT_PK = "META#shards";

/** Where a finished task's expiry waits while its events are still in the outbox. */
const PENDING_TTL = "expiresAtOncePublished";

/** The task store on one DynamoDB table (see task-table.ts for its shape). */
export class DynamoDbTaskStore implements TaskStore {
  /** Shards the indexes may hold entries in (see syncShardLayout); starts at the configured count. */
  private readShards: number;

  constructor(
    private readonly db: DynamoDBClient,
    private readonly tableName: string,
    /** Shards new index entries go to (the stage's `shards`). */
    private readonly writeShards: number,
  ) {
    this.readShards = writeShards;
  }

  /** Shards to read: the configured count, or more while entries written under a larger count remain. */
  get shards(): number {
    return this.readShards;
  }

  /**
   * Makes lowering the shard count harmless. The table records the largest count ever written
   * with; readers read that many shards, so tasks written under a larger count are never stranded.
   * Once the shards above the configured count are empty in both indexes, the record comes down.
   */
  async syncShardLayout(): Promise<number> {
    const res = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.layoutKey(), ConsistentRead: true }),
    );
    const recorded = res.Item?.maxShards?.N === undefined ? undefined : Number(res.Item.maxShards.N);
    let max = recorded ?? 0;
    // Only a wider layout than the one recorded is written: the usual run reads one item, no more.
    if (recorded === undefined || recorded < this.writeShards) {
      if (await this.setLayout(this.writeShards, "attribute_not_exists(#max) OR #max < :n"))
        max = this.writeShards;
      else max = Math.max(max, this.writeShards); // someone recorded at least as much meanwhile
    } else if (recorded > this.writeShards && (await this.shardsEmptyFrom(this.writeShards, recorded))) {
      if (await this.setLayout(this.writeShards, "#max = :old", recorded)) max = this.writeShards;
    }
    this.readShards = Math.max(max, this.writeShards);
    return this.readShards;
  }

  private layoutKey() {
    return { [TASK_TABLE.partitionKey]: { S: SHARD_LAYOUT_PK } };
  }

  /** Records `n` as the layout when `condition` holds; `false` when it did not. */
  private async setLayout(n: number, condition: string, old?: number): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.layoutKey(),
          UpdateExpression: "SET #max = :n, entity = :meta",
          ConditionExpression: condition,
          ExpressionAttributeNames: { "#max": "maxShards" },
          ExpressionAttributeValues: {
            ":n": { N: String(n) },
            ":meta": { S: "meta" },
            ...(old === undefined ? {} : { ":old": { N: String(old) } }),
          },
        }),
      ),
    );
  }

  private async shardsEmptyFrom(from: number, to: number): Promise<boolean> {
    for (const ix of [TASK_TABLE.dueIndex, TASK_TABLE.outboxIndex]) {
      for (let shard = from; shard < to; shard++) {
        const res = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: ix.name,
            KeyConditionExpression: "#p = :p",
            ExpressionAttributeNames: { "#p": ix.partitionKey },
            ExpressionAttributeValues: { ":p": { S: String(shard) } },
            Limit: 1,
          }),
        );
        if ((res.Items ?? []).length > 0) return false;
      }
    }
    return true;
  }

  async register(task: Task): Promise<{ created: boolean; task: Task }> {
    // A registration may take an id that was deleted (its tombstone); discovery may not.
    if (await this.putIfNew(task, { overDeleted: true })) {
      await writeTagItems(this.db, this.tableName, task);
      return { created: true, task };
    }
    const existing = await this.get(task.taskId);
    // Removed in between: let the caller retry.
    if (!existing)
      throw new ConditionalCheckFailedException({ message: "removed while registering", $metadata: {} });
    // Registered again: its tag items once more (they repair a registration cut short after the put).
    if (Object.keys(existing.tags).length > 0) await writeTagItems(this.db, this.tableName, existing);
    return { created: false, task: existing };
  }

  /**
   * Stores the task unless its id is known; `false` (and no read) when it is. A deleted id is known
   * (its tombstone) unless `overDeleted`: watching the account never brings a deleted task back.
   */
  async putIfNew(task: Task, opts: { overDeleted?: boolean } = {}): Promise<boolean> {
    return writeIf(() =>
      this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: this.toItem(task),
          ConditionExpression: opts.overDeleted
            ? "attribute_not_exists(pk) OR attribute_exists(#deleted)"
            : "attribute_not_exists(pk)",
          ...(opts.overDeleted ? { ExpressionAttributeNames: { "#deleted": DELETED_AT } } : {}),
        }),
      ),
    );
  }

  async adopt(task: Task, adopted: Task): Promise<boolean> {
    const u = new UpdateBuilder();
    u.set("tags", adopted.tags);
    u.set("deadlineAt", adopted.deadlineAt);
    if (adopted.archive) u.set("archive", true);
    for (const [name, value] of [
      ["callbackUrl", adopted.callbackUrl],
      ["callbackHeaders", adopted.callbackHeaders],
      ["callbackHeaderNames", adopted.callbackHeaderNames],
    ] as const) {
      if (value !== undefined) u.set(name, value);
    }
    if (adopted.callbackUrl !== undefined) u.set(WEBHOOK_EVENTS_ATTRIBUTE, {});
    u.remove("source");
    const done = await this.conditionalUpdate(task, u);
    if (done) await writeTagItems(this.db, this.tableName, adopted, task.tags);
    return done;
  }

  async updateSettings(current: Task, next: Task): Promise<boolean> {
    const u = new UpdateBuilder();
    u.set("tags", next.tags);
    u.set("deadlineAt", next.deadlineAt);
    if (next.dueAt !== undefined && next.dueAt !== current.dueAt)
      u.set(TASK_TABLE.dueIndex.sortKey, next.dueAt);
    for (const name of [
      "callbackUrl",
      "callbackHeaders",
      "callbackHeaderNames",
      "callbackDisabledAt",
    ] as const) {
      const value = next[name];
      if (value !== undefined) u.set(name, value);
      else if (current[name] !== undefined) u.remove(name);
    }
    // A callback added now: the delivery log starts empty, as at registration.
    if (next.callbackUrl !== undefined && current.callbackUrl === undefined)
      u.set(WEBHOOK_EVENTS_ATTRIBUTE, {});
    if (next.archive) u.set("archive", true);
    else if (current.archive) u.remove("archive");
    const done = await this.conditionalUpdate(current, u);
    if (done && JSON.stringify(next.tags) !== JSON.stringify(current.tags))
      await writeTagItems(this.db, this.tableName, next, current.tags);
    return done;
  }

  async addWaiter(task: Task, waiter: Waiter, drop: readonly string[], at: number): Promise<boolean> {
    const u = new UpdateBuilder();
    if (task.waiters === undefined) {
      // No map yet (the version condition makes setting it whole safe): the waiter in a new one.
      u.set(WAITERS_ATTRIBUTE, { [waiter.id]: waiter });
    } else {
      u.setInMap(WAITERS_ATTRIBUTE, waiter.id, waiter);
      for (const id of drop) u.removeInMap(WAITERS_ATTRIBUTE, id);
    }
    if (drop.length > 0) {
      const dropped = [...(task.droppedWaiters ?? []), ...drop.map((id) => ({ id, droppedAt: at }))];
      u.set("droppedWaiters", dropped.slice(-DROPPED_WAITERS_MAX));
    }
    return this.conditionalUpdate(task, u);
  }

  async markArchiveQueued(
    taskId: string,
    registeredAt: number,
    eventId: string,
    at: number,
  ): Promise<boolean> {
    const done = await this.archiveUpdate(taskId, registeredAt, eventId, {
      set: "#a.queuedAt = :at",
      values: { ":at": { N: String(at) } },
      condition: "attribute_not_exists(#a.queuedAt)",
    });
    return done !== undefined;
  }

  async recordArchiveAttempt(
    taskId: string,
    registeredAt: number,
    eventId: string,
    attempts: number,
    error: string,
  ): Promise<boolean> {
    const done = await this.archiveUpdate(taskId, registeredAt, eventId, {
      set: "#a.attempts = :n, #a.#e = :err",
      values: { ":n": { N: String(attempts) }, ":err": { S: error.slice(0, 300) } },
      names: { "#e": "error" },
    });
    return done !== undefined;
  }

  async resolveArchive(
    taskId: string,
    registeredAt: number,
    event: TaskEvent,
    outcome: ArchiveOutcome,
  ): Promise<Task | undefined> {
    const json = JSON.stringify(event);
    const item = await this.archiveUpdate(taskId, registeredAt, event.id, {
      // The held event, now naming its result, in the outbox (published next) and as the task's final
      // event; the version too: a token added from an earlier read must see this event (it reads again).
      set: "#a.#s = :state, #a.#out = :outcome, #o.#id = :json, #f = :json, #v = #v + :one",
      values: {
        ":state": { S: outcome.state },
        ":json": { S: json },
        ":one": { N: "1" },
        ":outcome": marshall({ v: outcome.result ?? outcome.error ?? "" }, { removeUndefinedValues: true })
          .v as AttributeValue,
      },
      names: {
        "#out": outcome.result ? "result" : "error",
        "#o": "outbox",
        "#id": event.id,
        "#f": FINAL_EVENT_ATTRIBUTE,
        "#v": "version",
      },
    });
    return item && fromItem(item);
  }

  /**
   * SETs `set` on a pending archive of this registration and event; the item as written, or
   * undefined when the archive is not that any more.
   */
  private async archiveUpdate(
    taskId: string,
    registeredAt: number,
    eventId: string,
    u: {
      set: string;
      values: Record<string, AttributeValue>;
      names?: Record<string, string>;
      condition?: string;
    },
  ): Promise<Item | undefined> {
    try {
      const res = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: `SET ${u.set}`,
          ConditionExpression: `registeredAt = :r AND #a.#s = :pending AND #a.eventId = :eid${u.condition ? ` AND ${u.condition}` : ""}`,
          ExpressionAttributeNames: { "#a": "archiveState", "#s": "state", ...(u.names ?? {}) },
          ExpressionAttributeValues: {
            ...u.values,
            ":r": { N: String(registeredAt) },
            ":pending": { S: "pending" },
            ":eid": { S: eventId },
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return res.Attributes;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  async get(taskId: string): Promise<Task | undefined> {
    const res = await this.db.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: taskKey(taskId),
        ConsistentRead: true,
      }),
    );
    return res.Item && !isTombstone(res.Item) ? fromItem(res.Item) : undefined;
  }

  async list(filter: ListFilter, limit: number, cursor?: string): Promise<Page<Task>> {
    // By tag through the tag index; else from the list index, filtered or not (every kind and
    // status then), newest first: reads are proportional to the page, and no Scan.
    if (filter.tags && Object.keys(filter.tags).length > 0)
      return listByTag(this.db, this.tableName, filter.tags, filter, limit, cursor, (ids) =>
        getAll(this.db, this.tableName, ids, fromItem),
      );
    return listThroughIndex(this.db, this.tableName, filter, limit, cursor, fromItem);
  }

  async remove(taskId: string, at: number): Promise<boolean> {
    const before = await this.get(taskId);
    if (before && (await this.tombstone(taskId, at))) {
      // Its tag items go with it (a listing would drop them anyway: they name nothing now).
      await deleteTagItems(this.db, this.tableName, taskId, Object.keys(before.tags)).catch(() => undefined);
      return true;
    }
    return false;
  }

  private async tombstone(taskId: string, at: number): Promise<boolean> {
    try {
      // Not a DeleteItem: a tombstone in its place (no index keys, so no listing, check or
      // publish sees it), so that watching the account does not find the task again; it expires.
      await this.db.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            ...taskKey(taskId),
            [DELETED_AT]: { N: String(at) },
            [TASK_TABLE.ttlAttribute]: { N: String(Math.floor(at / 1000) + TOMBSTONE_DAYS * 86_400) },
          },
          // Never with an event still to publish (the poller may have written one a moment ago).
          ConditionExpression:
            "attribute_exists(pk) AND attribute_not_exists(#deleted) AND (attribute_not_exists(#o) OR size(#o) = :zero)",
          ExpressionAttributeNames: { "#o": "outbox", "#deleted": DELETED_AT },
          ExpressionAttributeValues: { ":zero": { N: "0" } },
        }),
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      if (!(await this.get(taskId))) return false;
      throw new EventsPendingError(
        `task ${taskId} has an announcement still being published; delete it again in a few seconds`,
      );
    }
  }

  async queryDue(shard: string, range: DueRange, limit: number, cursor?: string): Promise<Page<Task>> {
    const ix = TASK_TABLE.dueIndex;
    const values: Record<string, { S: string } | { N: string }> = { ":p": { S: shard } };
    let sortKey = "";
    if (range.from !== undefined && range.to !== undefined) {
      sortKey = " AND #s BETWEEN :from AND :to";
      values[":from"] = { N: String(range.from) };
      values[":to"] = { N: String(range.to) };
    } else if (range.from !== undefined) {
      sortKey = " AND #s >= :from";
      values[":from"] = { N: String(range.from) };
    } else if (range.to !== undefined) {
      sortKey = " AND #s <= :to";
      values[":to"] = { N: String(range.to) };
    }
    return this.queryIndex({
      IndexName: ix.name,
      KeyConditionExpression: `#p = :p${sortKey}`,
      ExpressionAttributeNames: sortKey
        ? { "#p": ix.partitionKey, "#s": ix.sortKey }
        : { "#p": ix.partitionKey },
      ExpressionAttributeValues: values,
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, [TASK_TABLE.partitionKey, ix.partitionKey, ix.sortKey]),
    });
  }

  async queryOutbox(shard: string, limit: number, cursor?: string): Promise<Page<Task>> {
    const ix = TASK_TABLE.outboxIndex;
    return this.queryIndex({
      IndexName: ix.name,
      KeyConditionExpression: "#p = :p",
      ExpressionAttributeNames: { "#p": ix.partitionKey },
      ExpressionAttributeValues: { ":p": { S: shard } },
      Limit: limit,
      ExclusiveStartKey: decodeCursor(cursor, [TASK_TABLE.partitionKey, ix.partitionKey, ix.sortKey]),
    });
  }

  async applyTransition(task: Task, patch: TransitionPatch): Promise<boolean> {
    const u = new UpdateBuilder();
    u.set("status", patch.status);
    u.set(TASK_TABLE.listIndex.partitionKey, kindStatusKey(task.kind, patch.status));
    u.append("history", [patch.historyEntry]);
    u.set("lastCheckedAt", patch.lastCheckedAt);
    u.set("checks", patch.checks);
    u.set("notFoundCount", patch.notFoundCount);
    u.set("errorCount", patch.errorCount);
    if (patch.modelName) u.set("modelName", patch.modelName);
    if (patch.metadata) u.set("metadata", patch.metadata);
    if (patch.errorMessage) u.set("errorMessage", patch.errorMessage);
    if (patch.dueAt === undefined) {
      // Terminal: leave the due index, expire later.
      u.remove(TASK_TABLE.dueIndex.partitionKey);
      u.remove(TASK_TABLE.dueIndex.sortKey);
    } else u.set(TASK_TABLE.dueIndex.sortKey, patch.dueAt);
    if (patch.finishedAt !== undefined) u.set("finishedAt", patch.finishedAt);
    // TTL only once nothing is left to publish: with events pending, the expiry waits beside them
    // and settleOutbox moves it into place when the outbox empties.
    if (patch.expiresAt !== undefined)
      u.set(patch.events.length > 0 ? PENDING_TTL : TASK_TABLE.ttlAttribute, patch.expiresAt);
    for (const event of patch.events) {
      u.setInMap("outbox", event.id, JSON.stringify(event));
      // Kept after publication: a token registered once the task ended gets this very event.
      if (endsWaiters(event.task.status)) u.set(FINAL_EVENT_ATTRIBUTE, JSON.stringify(event));
    }
    if (patch.archiveState) u.set("archiveState", patch.archiveState);
    if (patch.events.length > 0) {
      u.set(TASK_TABLE.outboxIndex.partitionKey, shardOf(task.taskId, this.writeShards));
      u.set(TASK_TABLE.outboxIndex.sortKey, patch.lastCheckedAt);
    }
    return this.conditionalUpdate(task, u);
  }

  async clearOutboxEntry(taskId: string, eventId: string, hint?: ClearHint): Promise<void> {
    const key = taskKey(taskId);
    if (hint?.last && (await this.clearLastEntry(taskId, eventId, hint.ending))) return;
    let res: { Attributes?: Item };
    try {
      res = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: "REMOVE #o.#id",
          ConditionExpression: "attribute_exists(#o.#id)",
          ExpressionAttributeNames: { "#o": "outbox", "#id": eventId },
          ReturnValues: "ALL_NEW",
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return; // already cleared (or task removed)
      throw err;
    }
    const outbox = res.Attributes?.outbox?.M;
    if (outbox && Object.keys(outbox).length > 0) return;
    await this.settleOutbox(taskId);
  }

  async nudge(taskId: string, at: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: "SET #due = :at ADD #version :one",
          // Open tasks only: an ended one has left the due index.
          ConditionExpression: "attribute_exists(#shard)",
          ExpressionAttributeNames: {
            "#due": TASK_TABLE.dueIndex.sortKey,
            "#shard": TASK_TABLE.dueIndex.partitionKey,
            "#version": "version",
          },
          ExpressionAttributeValues: { ":at": { N: String(at) }, ":one": { N: "1" } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /**
   * The usual case in one write: the last event of a task's outbox is cleared, the task leaves the
   * outbox index and (ending) its expiry moves into place. `false` when the outbox held more than
   * the hint said (the two-step clear then runs).
   */
  private async clearLastEntry(taskId: string, eventId: string, ending: boolean): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: ending
            ? "SET #ttl = #pending REMOVE #o.#id, #pending, #ps, #pa"
            : "REMOVE #o.#id, #ps, #pa",
          ConditionExpression: `attribute_exists(#o.#id) AND size(#o) = :one AND ${ending ? "attribute_exists(#pending)" : "attribute_not_exists(#pending)"}`,
          ExpressionAttributeNames: {
            "#o": "outbox",
            "#id": eventId,
            "#ps": TASK_TABLE.outboxIndex.partitionKey,
            "#pa": TASK_TABLE.outboxIndex.sortKey,
            "#pending": PENDING_TTL,
            ...(ending ? { "#ttl": TASK_TABLE.ttlAttribute } : {}),
          },
          ExpressionAttributeValues: { ":one": { N: "1" } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async setAsideOutboxEntry(taskId: string, entry: SetAsideEvent): Promise<void> {
    let res: { Attributes?: Item };
    try {
      // One update: out of the outbox, onto the set-aside list (both or neither).
      res = await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(taskId),
          UpdateExpression: "REMOVE #o.#id SET #sa = list_append(if_not_exists(#sa, :none), :entry)",
          ConditionExpression: "attribute_exists(#o.#id)",
          ExpressionAttributeNames: { "#o": "outbox", "#id": entry.eventId, "#sa": "setAside" },
          ExpressionAttributeValues: marshall({ ":none": [], ":entry": [entry] }),
          ReturnValues: "ALL_NEW",
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return; // cleared or set aside already
      throw err;
    }
    const outbox = res.Attributes?.outbox?.M;
    if (outbox && Object.keys(outbox).length > 0) return;
    await this.settleOutbox(taskId);
  }

  /**
   * Once the outbox is empty: leave the outbox index and put a waiting expiry in place. Safe to
   * repeat; the drain calls it for an item found in the index with an empty outbox (a crash came
   * between the two updates of a clear), so no entry stays in the index forever.
   */
  async settleOutbox(taskId: string): Promise<void> {
    const names = {
      "#o": "outbox",
      "#ps": TASK_TABLE.outboxIndex.partitionKey,
      "#pa": TASK_TABLE.outboxIndex.sortKey,
      "#pending": PENDING_TTL,
      "#ttl": TASK_TABLE.ttlAttribute,
    };
    for (const withExpiry of [true, false]) {
      try {
        // Leave the outbox index only if no event was added meanwhile.
        await this.db.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: taskKey(taskId),
            UpdateExpression: withExpiry
              ? "SET #ttl = #pending REMOVE #pending, #ps, #pa"
              : "REMOVE #ps, #pa",
            ConditionExpression: `attribute_exists(pk) AND size(#o) = :zero AND ${withExpiry ? "attribute_exists(#pending)" : "attribute_not_exists(#pending)"}`,
            ExpressionAttributeNames: withExpiry
              ? names
              : { "#o": names["#o"], "#ps": names["#ps"], "#pa": names["#pa"], "#pending": PENDING_TTL },
            ExpressionAttributeValues: { ":zero": { N: "0" } },
          }),
        );
        return;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
  }

  private async queryIndex(
    input: Omit<ConstructorParameters<typeof QueryCommand>[0], "TableName">,
  ): Promise<Page<Task>> {
    const res = await this.db.send(new QueryCommand({ ...input, TableName: this.tableName }));
    const items = (res.Items ?? []).map(fromItem);
    const page: Page<Task> = { items };
    if (res.LastEvaluatedKey) page.cursor = encodeCursor(res.LastEvaluatedKey);
    return page;
  }

  private async conditionalUpdate(
    task: Task,
    u: UpdateBuilder,
    extraCondition?: string,
    extraNames?: Record<string, string>,
  ): Promise<boolean> {
    u.set("version", task.version + 1);
    // The registration too: a run holding a deleted registration never writes into a new one of the same id.
    const names = {
      ...u.names,
      "#version": "version",
      "#registeredAt": "registeredAt",
      ...(extraNames ?? {}),
    };
    const values = {
      ...u.values,
      ":expectedVersion": { N: String(task.version) },
      ":registeredAt": { N: String(task.registeredAt) },
    };
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: taskKey(task.taskId),
          UpdateExpression: u.expression(),
          ConditionExpression: `#version = :expectedVersion AND #registeredAt = :registeredAt${extraCondition ? ` AND ${extraCondition}` : ""}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  private toItem(task: Task): Item {
    return taskItem(task, this.writeShards);
  }
}

/** A task as its DynamoDB item (what register writes; benchmarks load tables with it). */
export function taskItem(task: Task, shards: number): Item {
  const { outbox, dueAt, finalEvent, ...rest } = task;
  const item: Record<string, unknown> = {
    ...rest,
    [TASK_TABLE.partitionKey]: taskPk(task.taskId),
    [TASK_TABLE.listIndex.partitionKey]: kindStatusKey(task.kind, task.status),
    entity: "task",
    outbox: Object.fromEntries(outbox.map((e) => [e.id, JSON.stringify(e)])),
  };
  if (finalEvent) item[FINAL_EVENT_ATTRIBUTE] = JSON.stringify(finalEvent);
  // The map the webhook function keeps sent events in (for redelivery) must exist to be written into.
  if (task.callbackUrl !== undefined) item[WEBHOOK_EVENTS_ATTRIBUTE] = {};
  if (dueAt !== undefined) {
    item[TASK_TABLE.dueIndex.partitionKey] = shardOf(task.taskId, shards);
    item[TASK_TABLE.dueIndex.sortKey] = dueAt;
  }
  return marshall(item, { removeUndefinedValues: true, convertEmptyValues: false });
}

/** Builds SET/REMOVE expressions with placeholder names and values. */
class UpdateBuilder {
  readonly names: Record<string, string> = {};
  readonly values: Item = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];
  private n = 0;

  set(attr: string, value: unknown): void {
    const [name, val] = this.placeholders(attr, value);
    this.sets.push(`${name} = ${val}`);
  }

  append(attr: string, list: unknown[]): void {
    const [name, val] = this.placeholders(attr, list);
    this.sets.push(`${name} = list_append(if_not_exists(${name}, :emptyList), ${val})`);
    this.values[":emptyList"] = { L: [] };
  }

  setInMap(attr: string, key: string, value: unknown): void {
    const [name, val] = this.placeholders(attr, value);
    const k = `#k${this.n}`;
    this.names[k] = key;
    this.sets.push(`${name}.${k} = ${val}`);
  }

  removeInMap(attr: string, key: string): void {
    const [name] = this.placeholders(attr, undefined, false);
    const k = `#k${this.n++}`;
    this.names[k] = key;
    this.removes.push(`${name}.${k}`);
  }

  remove(attr: string): void {
    const name = `#r${this.n++}`;
    this.names[name] = attr;
    this.removes.push(name);
  }

  expression(): string {
    const parts = [`SET ${this.sets.join(", ")}`];
    if (this.removes.length > 0) parts.push(`REMOVE ${this.removes.join(", ")}`);
    return parts.join(" ");
  }

  private placeholders(attr: string, value: unknown, withValue = true): [string, string] {
    const i = this.n++;
    const existing = Object.entries(this.names).find(([, v]) => v === attr)?.[0];
    const name = existing ?? `#a${i}`;
    this.names[name] = attr;
    const val = `:v${i}`;
    if (withValue)
      this.values[val] = marshall({ v: value }, { removeUndefinedValues: true }).v as AttributeValue;
    return [name, val];
  }
}

/** The attribute that marks a deleted task's tombstone. */
const DELETED_AT = "deletedAt";
/**
 * How long a deletion is remembered: longer than any rescan of the account could reach back (the
 * discovery lag is minutes; a scan held up by an outage resumes from its mark), then TTL removes it.
 */
export const TOMBSTONE_DAYS = 7;

function isTombstone(item: Item): boolean {
  return item[DELETED_AT] !== undefined;
}

function fromItem(item: Item): Task {
  const raw = unmarshall(item) as Record<string, unknown>;
  const outboxMap = (raw.outbox ?? {}) as Record<string, string>;
  const outbox = Object.values(outboxMap)
    .map((s) => JSON.parse(s) as TaskEvent)
    .sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  const task: Task = {
    taskId: raw.taskId as string,
    kind: raw.kind as Task["kind"],
    status: raw.status as Task["status"],
    history: (raw.history ?? []) as Task["history"],
    metadata: (raw.metadata ?? {}) as Task["metadata"],
    registeredAt: raw.registeredAt as number,
    checks: (raw.checks ?? 0) as number,
    deadlineAt: raw.deadlineAt as number,
    tags: (raw.tags ?? {}) as Record<string, string>,
    notFoundCount: (raw.notFoundCount ?? 0) as number,
    errorCount: (raw.errorCount ?? 0) as number,
    version: raw.version as number,
    outbox,
  };
  if (typeof raw.modelName === "string") task.modelName = raw.modelName;
  if (typeof raw.errorMessage === "string") task.errorMessage = raw.errorMessage;
  if (typeof raw.lastCheckedAt === "number") task.lastCheckedAt = raw.lastCheckedAt;
  if (typeof raw.indexId === "string") task.indexId = raw.indexId;
  if (typeof raw.invocationArn === "string") task.invocationArn = raw.invocationArn;
  if (raw.source === "discovered") task.source = "discovered";
  if (typeof raw.callbackUrl === "string") task.callbackUrl = raw.callbackUrl;
  if (typeof raw.callbackHeaders === "string") task.callbackHeaders = raw.callbackHeaders;
  if (Array.isArray(raw.callbackHeaderNames)) task.callbackHeaderNames = raw.callbackHeaderNames as string[];
  if (typeof raw.callbackDisabledAt === "number") task.callbackDisabledAt = raw.callbackDisabledAt;
  if (Array.isArray(raw.webhookAttempts))
    task.webhookAttempts = raw.webhookAttempts as Task["webhookAttempts"];
  if (typeof raw.finishedAt === "number") task.finishedAt = raw.finishedAt;
  if (Array.isArray(raw.setAside)) task.setAside = raw.setAside as SetAsideEvent[];
  if (raw[WAITERS_ATTRIBUTE] && typeof raw[WAITERS_ATTRIBUTE] === "object")
    task.waiters = raw[WAITERS_ATTRIBUTE] as Record<string, Waiter>;
  if (Array.isArray(raw.droppedWaiters)) task.droppedWaiters = raw.droppedWaiters as Task["droppedWaiters"];
  if (raw.archive === true) task.archive = true;
  if (raw.archiveState && typeof raw.archiveState === "object")
    task.archiveState = raw.archiveState as Task["archiveState"];
  if (typeof raw[FINAL_EVENT_ATTRIBUTE] === "string")
    task.finalEvent = JSON.parse(raw[FINAL_EVENT_ATTRIBUTE]) as TaskEvent;
  if (
    raw[TASK_TABLE.dueIndex.partitionKey] !== undefined &&
    typeof raw[TASK_TABLE.dueIndex.sortKey] === "number"
  ) {
    task.dueAt = raw[TASK_TABLE.dueIndex.sortKey] as number;
  }
  return task;
}

function encodeCursor(key: Item): string {
  return Buffer.from(JSON.stringify(key), "utf8").toString("base64url");
}

/**
 * A cursor back into the key DynamoDB paged on. Only a key of ours is accepted: exactly the
 * attributes `keyNames` names (the table's key, plus the index's when paging an index), the
 * partition key a task's; anything else, however well formed, is an invalid cursor (400).
 */
function decodeCursor(
  cursor: string | undefined,
  keyNames: readonly string[] = [TASK_TABLE.partitionKey],
): Item | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error("not an object");
    const names = Object.keys(parsed).sort();
    if (names.join(",") !== [...keyNames].sort().join(",")) throw new Error("not our key");
    const pk = (parsed as Record<string, { S?: unknown }>)[TASK_TABLE.partitionKey]?.S;
    if (typeof pk !== "string" || !pk.startsWith(taskPk(""))) throw new Error("not a task key");
    for (const v of Object.values(parsed)) {
      if (
        typeof v !== "object" ||
        v === null ||
        !(("S" in v && typeof v.S === "string") || ("N" in v && typeof v.N === "string"))
      ) {
        throw new Error("bad key");
      }
    }
    return parsed as Item;
  } catch {
    throw new InvalidCursorError("cursor is not valid");
  }
}
