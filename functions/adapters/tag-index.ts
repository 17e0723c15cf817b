import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import { InvalidCursorError } from "../core/domain-errors.js";
import type { ListFilter, Page } from "../core/ports.js";
import type { Task } from "../core/task.js";
import { TASK_ID_PATTERN } from "../core/task-id.js";
import { TASK_TABLE } from "./task-table.js";

/*
 * Listing by tag with reads proportional to the page: one small item per tag of a task
 * (`TAG#<taskId>#<key>`, with `tagKey = "<key>=<value>"` and the task's `registeredAt`) in a
 * keys-only index. Registration, adoption and PATCH write them, deletion removes them. The index is
 * a hint, never the truth: every task it names is read and kept only if it still carries the tag,
 * and an item that names a task no longer carrying it (deleted, expired, retagged) is removed when
 * a listing meets it.
 */

type Item = Record<string, AttributeValue>;

const tagPk = (taskId: string, key: string) => `TAG#${taskId}#${key}`;
const tagValue = (key: string, value: string) => `${key}=${value}`;

function tagItem(task: Task, key: string, value: string): Item {
  return {
    [TASK_TABLE.partitionKey]: { S: tagPk(task.taskId, key) },
    [TASK_TABLE.tagIndex.partitionKey]: { S: tagValue(key, value) },
    [TASK_TABLE.tagIndex.sortKey]: { N: String(task.registeredAt) },
    taskId: { S: task.taskId },
  };
}

/** Puts the items of `task`'s tags and deletes those of keys `previous` had and `task` has not. */
export async function writeTagItems(
  db: DynamoDBClient,
  tableName: string,
  task: Task,
  previous?: Record<string, string>,
): Promise<void> {
  const requests: WriteRequest[] = [
    ...Object.entries(task.tags).map(([k, v]) => ({ PutRequest: { Item: tagItem(task, k, v) } })),
    ...Object.keys(previous ?? {})
      .filter((k) => !(k in task.tags))
      .map((k) => ({ DeleteRequest: { Key: { [TASK_TABLE.partitionKey]: { S: tagPk(task.taskId, k) } } } })),
  ];
  await batchWrite(db, tableName, requests);
}

/** Deletes the items of these tag keys of a task (its deletion). */
export async function deleteTagItems(db: DynamoDBClient, tableName: string, taskId: string, keys: string[]) {
  await batchWrite(
    db,
    tableName,
    keys.map((k) => ({ DeleteRequest: { Key: { [TASK_TABLE.partitionKey]: { S: tagPk(taskId, k) } } } })),
  );
}

async function batchWrite(db: DynamoDBClient, tableName: string, requests: WriteRequest[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending = requests.slice(i, i + 25);
    for (let round = 0; pending.length > 0; round++) {
      if (round === 5) throw new Error("DynamoDB left tag index writes unprocessed");
      const res = await db.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = res.UnprocessedItems?.[tableName] ?? [];
      if (pending.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** round));
    }
  }
}

/** Tags listed with `tag.<key>=<value>` (all must match); the first is read through the index. */
export type TagFilter = Record<string, string>;

/**
 * A page of tasks carrying every tag in `tags` (and matching kind and status), newest first. Reads
 * the index a page at a time, at most `limit * 4` index entries per call (then a cursor), so a
 * page costs reads in proportion to it even when stale entries are met.
 */
export async function listByTag(
  db: DynamoDBClient,
  tableName: string,
  tags: TagFilter,
  filter: ListFilter,
  limit: number,
  cursor: string | undefined,
  getMany: (ids: string[]) => Promise<Task[]>,
): Promise<Page<Task>> {
  const [first] = Object.entries(tags);
  if (!first) throw new TypeError("listByTag needs a tag");
  const label = tagLabel(tags, filter);
  let start = decodeTagCursor(cursor, label);
  const items: Task[] = [];
  const stale: Array<{ taskId: string; key: string }> = [];
  let scanned = 0;
  let last: [number, string] | undefined;
  let exhausted = false;
  while (items.length < limit && scanned < limit * 4) {
    const res = await db.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: TASK_TABLE.tagIndex.name,
        KeyConditionExpression: "#t = :t",
        ExpressionAttributeNames: { "#t": TASK_TABLE.tagIndex.partitionKey },
        ExpressionAttributeValues: { ":t": { S: tagValue(first[0], first[1]) } },
        ScanIndexForward: false,
        Limit: limit - items.length,
        ...(start ? { ExclusiveStartKey: startKey(first, start) } : {}),
      }),
    );
    const keys = (res.Items ?? []).map((i) => {
      const pk = i[TASK_TABLE.partitionKey]?.S ?? "";
      // TAG#<taskId>#<key>: the key never holds a "#", the id never does either.
      const taskId = pk.slice(4, pk.length - first[0].length - 1);
      return [Number(i[TASK_TABLE.tagIndex.sortKey]?.N), taskId] as [number, string];
    });
    scanned += keys.length;
    const tasks = new Map((await getMany(keys.map((k) => k[1]))).map((t) => [t.taskId, t]));
    for (const [registeredAt, taskId] of keys) {
      last = [registeredAt, taskId];
      const t = tasks.get(taskId);
      const carries = t !== undefined && t.registeredAt === registeredAt && t.tags[first[0]] === first[1];
      if (!carries) {
        // Deleted, expired, retagged or registered again: this entry names nothing any more.
        if (!t || t.tags[first[0]] !== first[1]) stale.push({ taskId, key: first[0] });
        continue;
      }
      const all = Object.entries(tags).every(([k, v]) => t.tags[k] === v);
      if (all && (!filter.kind || t.kind === filter.kind) && (!filter.status || t.status === filter.status))
        items.push(t);
    }
    if (res.LastEvaluatedKey === undefined) {
      exhausted = true;
      break;
    }
    start = last;
  }
  // Best effort, in one batch: a later listing removes what this one could not.
  await batchWrite(
    db,
    tableName,
    stale.map((s) => ({
      DeleteRequest: { Key: { [TASK_TABLE.partitionKey]: { S: tagPk(s.taskId, s.key) } } },
    })),
  ).catch(() => undefined);
  const page: Page<Task> = { items };
  if (!exhausted && last) page.cursor = encodeTagCursor(label, last);
  return page;
}

function startKey([key, value]: [string, string], [registeredAt, taskId]: [number, string]): Item {
  return {
    [TASK_TABLE.partitionKey]: { S: tagPk(taskId, key) },
    [TASK_TABLE.tagIndex.partitionKey]: { S: tagValue(key, value) },
    [TASK_TABLE.tagIndex.sortKey]: { N: String(registeredAt) },
  };
}

/** The listing's filter as its query string writes it (cursors name it). */
export function tagLabel(tags: TagFilter, filter: ListFilter): string {
  return [
    ...Object.entries(tags).map(([k, v]) => `tag.${k}=${v}`),
    ...(filter.status ? [`status=${filter.status}`] : []),
    ...(filter.kind ? [`kind=${filter.kind}`] : []),
  ].join("&");
}

function encodeTagCursor(label: string, at: [number, string]): string {
  return Buffer.from(JSON.stringify({ f: label, a: at }), "utf8").toString("base64url");
}

function decodeTagCursor(cursor: string | undefined, label: string): [number, string] | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () =>
    new InvalidCursorError(
      "cursor is not valid (not a cursor of ours): pass back the cursor of the previous page exactly, with the same filter, or start without one",
    );
  if (cursor.length > 2_000 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const { f, a, ...extra } = (parsed ?? {}) as { f?: unknown; a?: unknown };
  if (Object.keys(extra).length > 0 || typeof f !== "string" || !Array.isArray(a) || a.length !== 2)
    throw invalid();
  if (f !== label)
    throw new InvalidCursorError(
      `cursor belongs to the listing with ${f.length <= 300 ? f : "another filter"}, not ${label}: repeat that filter with it, or start this listing without a cursor`,
    );
  const [at, id] = a as unknown[];
  if (!Number.isSafeInteger(at) || (at as number) < 0 || typeof id !== "string" || !TASK_ID_PATTERN.test(id))
    throw invalid();
  return [at as number, id];
}
