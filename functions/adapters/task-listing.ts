import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  QueryCommand,
} from "@aws-sdk/client-dynamodb";
import { InvalidCursorError } from "../core/domain-errors.js";
import type { ListFilter, Page } from "../core/ports.js";
import type { Task } from "../core/task.js";
import { TASK_ID_PATTERN } from "../core/task-id.js";
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

/** The longest cursor handed out: a page is cut short rather than exceed it (URLs stay well under API Gateway's 10 KB). */
export const MAX_CURSOR_CHARS = 6_000;

/**
 * A listing from the list index (keys only, newest first), then the page's items by key: what a
 * page reads is proportional to the page, however many tasks are stored. Each partition the filter
 * covers (every kind and status when unfiltered) is read from where the cursor left it, the keys
 * merged newest first.
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
  const positions = decodePositions(cursor, filter, parts);
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
  const nextPositions = (taken: typeof merged): Positions => {
    const next: Positions = { ...positions };
    for (const { part, keys, more } of found) {
      const mine = taken.filter((m) => m.part === part);
      if (mine.length === 0) {
        if (keys.length === 0 && !more) next[part] = null;
        continue;
      }
      next[part] = mine.length === keys.length && !more ? null : (mine.at(-1)?.key ?? null);
    }
    return next;
  };
  // A page whose cursor would be too long (many partitions, long ids) is cut short: the rest is
  // the next page's, nothing is skipped.
  let next = nextPositions(merged);
  let nextCursor = Object.values(next).some((p) => p !== null)
    ? encodePositions(next, filter, parts)
    : undefined;
  while (nextCursor !== undefined && nextCursor.length > MAX_CURSOR_CHARS && merged.length > 1) {
    merged.pop();
    next = nextPositions(merged);
    nextCursor = encodePositions(next, filter, parts);
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
  if (nextCursor !== undefined) page.cursor = nextCursor;
  return page;
}

function startKey(part: string, [registeredAt, taskId]: [number, string]): Item {
  return {
    ...taskKey(taskId),
    [TASK_TABLE.listIndex.partitionKey]: { S: part },
    [TASK_TABLE.listIndex.sortKey]: { N: String(registeredAt) },
  };
}

export async function getAll(
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

/** The filter a listing was asked with, as its query string writes it. */
export function filterLabel(filter: ListFilter): string {
  const parts = [
    ...(filter.status ? [`status=${filter.status}`] : []),
    ...(filter.kind ? [`kind=${filter.kind}`] : []),
  ];
  return parts.length > 0 ? parts.join("&") : "no filter";
}

/*
 * A cursor: base64url of {"f": the filter's label, "p": [[partition index] (done) or
 * [partition index, registeredAt, taskId] (resume after)]}. Partitions not named start from the top.
 */
function encodePositions(p: Positions, filter: ListFilter, parts: readonly string[]): string {
  const entries = Object.entries(p).map(([part, at]) => {
    const i = parts.indexOf(part);
    return at === null ? [i] : [i, at[0], at[1]];
  });
  return Buffer.from(JSON.stringify({ f: filterLabel(filter), p: entries }), "utf8").toString("base64url");
}

/** Newest registeredAt a cursor may name (year 2286): anything larger is forged. */
const MAX_EPOCH_MS = 10_000_000_000_000;

/**
 * Only a cursor of ours for this very filter is accepted: every field checked for shape, range and
 * length before any of it reaches DynamoDB, so a forged cursor is a 400 `invalid_cursor` (never a
 * DynamoDB validation error and a 500). A cursor of another filter says which one it belongs to.
 */
function decodePositions(
  cursor: string | undefined,
  filter: ListFilter,
  parts: readonly string[],
): Positions {
  const start: Positions = {};
  if (cursor === undefined) return start;
  const invalid = (why: string) =>
    new InvalidCursorError(
      `cursor is not valid (${why}): pass back the cursor of the previous page exactly, with the same filter, or start without one`,
    );
  if (cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor))
    throw invalid("not a cursor of ours");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("not a cursor of ours");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw invalid("not a cursor of ours");
  const { f, p, ...extra } = parsed as { f?: unknown; p?: unknown };
  if (Object.keys(extra).length > 0 || typeof f !== "string" || !Array.isArray(p))
    throw invalid("not a cursor of ours");
  if (f !== filterLabel(filter))
    throw new InvalidCursorError(
      `cursor belongs to the listing with ${f.length <= 64 ? f : "another filter"}, not ${filterLabel(filter)}: repeat that filter with it, or start this listing without a cursor`,
    );
  if (p.length > parts.length) throw invalid("too many positions");
  for (const entry of p) {
    if (!Array.isArray(entry)) throw invalid("bad position");
    const [i, at, id] = entry as unknown[];
    if (!Number.isSafeInteger(i) || (i as number) < 0 || (i as number) >= parts.length)
      throw invalid("bad position");
    const part = parts[i as number] as string;
    if (part in start) throw invalid("repeated position");
    if (entry.length === 1) start[part] = null;
    else if (
      entry.length === 3 &&
      Number.isSafeInteger(at) &&
      (at as number) >= 0 &&
      (at as number) <= MAX_EPOCH_MS &&
      typeof id === "string" &&
      TASK_ID_PATTERN.test(id)
    )
      start[part] = [at as number, id];
    else throw invalid("bad position");
  }
  return start;
}
