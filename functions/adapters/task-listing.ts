import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { InvalidCursorError } from "../core/domain-errors.js";
import type { ListFilter, Page } from "../core/ports.js";
import type { Task } from "../core/task.js";
import { statusesOf, TASK_KINDS, type TaskKind, type TaskStatus } from "../core/task-kinds.js";
import { kindStatusKey, TASK_TABLE, taskKey } from "./task-table.js";

type Item = Record<string, AttributeValue>;

/** Where each partition of a listing stands: after [registeredAt, taskId], or done (null). */
type Positions = Record<string, [number, string] | null>;

/** The statuses a task of `kind` can be stored with. */
function storedStatuses(kind: TaskKind): TaskStatus[] {
  return ["registered", ...statusesOf(kind), "timed_out", "not_found"];
}

/** The list index's partitions a filter covers: one for kind and status, a few for either alone. */
export function listPartitions(filter: ListFilter): string[] {
  const kinds = filter.kind ? [filter.kind] : [...TASK_KINDS];
  return kinds.flatMap((k) =>
    storedStatuses(k)
      .filter((s) => filter.status === undefined || s === filter.status)
      .map((s) => kindStatusKey(k, s)),
  );
}

/**
 * A filtered listing from the list index (keys only, newest first), then the page's items by key:
 * what a page reads is proportional to the page, however many tasks are stored. Each partition the
 * filter covers is read from where the cursor left it, the keys merged newest first.
 */
export async function listThroughIndex(
  db: DynamoDBClient,
  tableName: string,
  filter: ListFilter,
  limit: number,
  cursor: string | undefined,
  fromItem: (item: Item) => Task,
): Promise<Page<Task>> {
  const parts = listPartitions(filter);
  const positions = decodePositions(cursor, parts);
  const ix = TASK_TABLE.listIndex;
  const found = await Promise.all(
    parts.map(async (part) => {
      const at = positions[part];
      if (at === null) return { part, keys: [] as Array<[number, string]>, more: false };
      const res = await db.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: ix.name,
          KeyConditionExpression: "#p = :p",
          ExpressionAttributeNames: { "#p": ix.partitionKey },
          ExpressionAttributeValues: { ":p": { S: part } },
          ScanIndexForward: false,
          Limit: limit,
          ...(at ? { ExclusiveStartKey: startKey(part, at) } : {}),
        }),
      );
      const keys = (res.Items ?? []).map(
        (i) =>
          [Number(i[ix.sortKey]?.N), (i[TASK_TABLE.partitionKey]?.S ?? "").slice("TASK#".length)] as [
            number,
            string,
          ],
      );
      return { part, keys, more: res.LastEvaluatedKey !== undefined };
    }),
  );
  // Newest first across partitions, each partition taken in the order DynamoDB returned it (so what
  // is taken from a partition is always a prefix of it, ties included, and its position is exact).
  const merged: Array<{ part: string; key: [number, string] }> = [];
  const heads = found.map(() => 0);
  while (merged.length < limit) {
    let best = -1;
    found.forEach((f, i) => {
      const k = f.keys[heads[i] as number];
      if (
        k &&
        (best < 0 || k[0] > (found[best]?.keys[heads[best] as number]?.[0] ?? Number.NEGATIVE_INFINITY))
      )
        best = i;
    });
    if (best < 0) break;
    const f = found[best] as (typeof found)[number];
    merged.push({ part: f.part, key: f.keys[heads[best] as number] as [number, string] });
    heads[best] = (heads[best] as number) + 1;
  }
  const next: Positions = { ...positions };
  for (const { part, keys, more } of found) {
    const taken = merged.filter((m) => m.part === part);
    if (taken.length === 0) {
      if (keys.length === 0 && !more) next[part] = null;
      continue;
    }
    next[part] = taken.length === keys.length && !more ? null : (taken.at(-1)?.key ?? null);
  }
  const items = await getAll(
    db,
    tableName,
    merged.map((m) => m.key[1]),
    fromItem,
  );
  // The index is eventually consistent: keep only what still matches the filter.
  const page: Page<Task> = {
    items: items.filter(
      (t) => (!filter.kind || t.kind === filter.kind) && (!filter.status || t.status === filter.status),
    ),
  };
  if (Object.values(next).some((p) => p !== null)) page.cursor = encodePositions(next);
  return page;
}

function startKey(part: string, [registeredAt, taskId]: [number, string]): Item {
  return {
    ...taskKey(taskId),
    [TASK_TABLE.listIndex.partitionKey]: { S: part },
    [TASK_TABLE.listIndex.sortKey]: { N: String(registeredAt) },
  };
}

async function getAll(
  db: DynamoDBClient,
  tableName: string,
  ids: string[],
  fromItem: (item: Item) => Task,
): Promise<Task[]> {
  if (ids.length === 0) return [];
  const byId = new Map<string, Task>();
  let keys: Item[] = ids.map((id) => taskKey(id));
  for (let round = 0; keys.length > 0 && round < 5; round++) {
    const res = await db.send(
      new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
    );
    for (const raw of res.Responses?.[tableName] ?? []) {
      const t = fromItem(raw);
      byId.set(t.taskId, t);
    }
    keys = (res.UnprocessedKeys?.[tableName]?.Keys ?? []) as Item[];
  }
  return ids.map((id) => byId.get(id)).filter((t): t is Task => t !== undefined);
}

function encodePositions(p: Positions): string {
  return Buffer.from(JSON.stringify({ p }), "utf8").toString("base64url");
}

/** Only a cursor of ours for this very filter is accepted; anything else is invalid (400). */
function decodePositions(cursor: string | undefined, parts: readonly string[]): Positions {
  const start: Positions = {};
  if (cursor === undefined) return start;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { p?: unknown };
    if (typeof parsed.p !== "object" || parsed.p === null || Array.isArray(parsed.p))
      throw new Error("shape");
    for (const [part, at] of Object.entries(parsed.p)) {
      if (!parts.includes(part)) throw new Error("another filter's cursor");
      if (at === null) start[part] = null;
      else if (Array.isArray(at) && at.length === 2 && Number.isFinite(at[0]) && typeof at[1] === "string")
        start[part] = [at[0] as number, at[1] as string];
      else throw new Error("position");
    }
    return start;
  } catch {
    throw new InvalidCursorError("cursor is not valid");
  }
}
