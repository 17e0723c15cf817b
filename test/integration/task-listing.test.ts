import { BatchWriteItemCommand, DeleteItemCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, expect, test } from "vitest";
import { taskItem } from "../../functions/adapters/dynamodb-task-store.js";
import { type ApiHandler, apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { newTask, type Task } from "../../functions/core/task.js";
import { type EmbeddedAws, startEmbeddedAws } from "../../local/embedded-aws.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "../support/api-events.js";
import { countingDynamoClient } from "../support/read-counter.js";

/*
 * GET /tasks reads in proportion to the page it returns, whatever is stored: a rare status among
 * thousands of tasks costs a few reads, not a scan of the table. Reads are counted on the DynamoDB
 * client the api handler uses (items returned by every Query, Scan and BatchGetItem).
 */
let aws: EmbeddedAws;
let api: ApiHandler;
let reads = { count: 0 };
const T0 = Date.parse("2026-11-29T00:00:00Z");

beforeAll(async () => {
  aws = await startEmbeddedAws();
  const counter = countingDynamoClient(aws.dynamoEndpoint);
  reads = counter.reads;
  const counting = counter.client;
  const config = apiConfig({ ...aws.env, STAGE: "test", SHARDS: "4", ADMIN_API_KEY_ID: TEST_ADMIN_KEY_ID });
  const quiet = { info() {}, error() {} };
  api = createApiHandler(apiDeps(config, { dynamo: counting, sns: aws.sns }, quiet), quiet);
  // 3,000 tasks: 5 failed embed tasks, 20 indexing index tasks, the rest processing.
  const items = Array.from({ length: 3000 }, (_, i) => {
    const kind = i % 150 === 7 ? "index" : "embed";
    const t: Task = newTask({ taskId: `list${String(i).padStart(6, "0")}`, kind }, T0 + i * 1000, 86_400);
    t.status = i % 600 === 3 ? "failed" : kind === "index" ? "indexing" : "processing";
    if (t.status === "failed") delete t.dueAt;
    return taskItem(t, 4);
  });
  for (let i = 0; i < items.length; i += 25) {
    await aws.dynamo.send(
      new BatchWriteItemCommand({
        RequestItems: { [aws.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
  }
}, 120_000);
afterAll(async () => {
  await aws.close();
});

async function list(query: Record<string, string>) {
  const res = await api(apiEvent("GET", "/tasks", { query }));
  return {
    status: res.statusCode,
    body: JSON.parse(res.body) as {
      items: Array<{ taskId: string; status: string; kind: string }>;
      cursor: string | null;
      error?: { code: string };
    },
  };
}

test("a rare status among 3,000 tasks: every page newest first, reads in proportion to the pages", async () => {
  reads.count = 0;
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await list({ status: "failed", limit: "2", ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    seen.push(...res.body.items.map((t) => t.taskId));
    expect(res.body.items.every((t) => t.status === "failed")).toBe(true);
    cursor = res.body.cursor;
    pages += 1;
  } while (cursor && pages < 10);
  expect(seen).toEqual(["list002403", "list001803", "list001203", "list000603", "list000003"]);
  // Three kinds' partitions of "failed", a couple of keys each, and the five items: nowhere near 3,000.
  expect(reads.count).toBeLessThan(40);
});

test("kind and status together, and kind alone, page through exactly their tasks", async () => {
  reads.count = 0;
  const both = await list({ kind: "index", status: "indexing", limit: "100" });
  expect(both.body.items).toHaveLength(20);
  expect(both.body.cursor).toBeNull();
  expect(reads.count).toBeLessThanOrEqual(40);
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await list({ kind: "index", limit: "7", ...(cursor ? { cursor } : {}) });
    ids.push(...res.body.items.map((t) => t.taskId));
    cursor = res.body.cursor;
  } while (cursor);
  expect(new Set(ids).size).toBe(20);
  expect(ids).toEqual([...ids].sort().reverse());
});

test("tasks registered in the same millisecond page through exactly once each", async () => {
  const same = Array.from({ length: 7 }, (_, i) => {
    const t: Task = newTask({ taskId: `tie${i}`, kind: "embed-v2" }, T0 - 5_000, 86_400);
    t.status = "timed_out";
    delete t.dueAt;
    return taskItem(t, 4);
  });
  await aws.dynamo.send(
    new BatchWriteItemCommand({
      RequestItems: { [aws.tableName]: same.map((Item) => ({ PutRequest: { Item } })) },
    }),
  );
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await list({ status: "timed_out", limit: "3", ...(cursor ? { cursor } : {}) });
    ids.push(...res.body.items.map((t) => t.taskId));
    cursor = res.body.cursor;
  } while (cursor);
  expect(ids.sort()).toEqual(["tie0", "tie1", "tie2", "tie3", "tie4", "tie5", "tie6"]);
});

test("a cursor of another listing is refused as invalid (400), not served", async () => {
  const first = await list({ status: "processing", limit: "1" });
  const res = await list({ status: "failed", cursor: first.body.cursor as string });
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe("invalid_cursor");
});

test("unfiltered: served from the index, newest first across every kind and status, each task exactly once", async () => {
  reads.count = 0;
  const first = await list({ limit: "25" });
  expect(first.status).toBe(200);
  const times = first.body.items.map((t) => t.taskId);
  // The newest 25 of list000000..list002999 (registered one second apart), whatever their kind or status.
  expect(times).toEqual(Array.from({ length: 25 }, (_, i) => `list${String(2999 - i).padStart(6, "0")}`));
  // Keys from the partitions the page touched plus the 25 items: not a Scan of 3,000 tasks.
  expect(reads.count).toBeLessThan(200);
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await list({ limit: "100", ...(cursor ? { cursor } : {}) });
    expect(res.status).toBe(200);
    ids.push(...res.body.items.map((t) => t.taskId));
    cursor = res.body.cursor;
    pages += 1;
  } while (cursor && pages < 100);
  const listed = ids.filter((id) => id.startsWith("list"));
  expect(new Set(ids).size).toBe(ids.length);
  expect(listed).toHaveLength(3000);
  expect(listed).toEqual([...listed].sort().reverse());
}, 120_000);

test("forged cursors, filtered or not, are 400 invalid_cursor, never a 500", async () => {
  const b64 = (x: unknown) => Buffer.from(JSON.stringify(x), "utf8").toString("base64url");
  const key = `TASK#${"x".repeat(3000)}`;
  const forged = [
    b64({ pk: { S: key } }),
    b64({ pk: { S: "TASK#a", N: "1" } }),
    b64({ f: "no filter", p: [[0, 1e308, "a"]] }),
    b64({ f: "no filter", p: [[0, 1733000000000, "a".repeat(2500)]] }),
    b64({ f: "no filter", p: [[0, 1733000000000, "a"], [0]] }),
    b64({ f: "no filter", p: [[9999]] }),
    b64({ f: "no filter", p: [[0, -1, "a"]] }),
    b64({ f: "no filter", p: [], x: 1 }),
    b64({ f: "status=failed", p: [[0, { S: "a", N: "1" }, "a"]] }),
    "a".repeat(9000),
    "%%%",
    b64("just a string"),
  ];
  for (const cursor of forged)
    for (const filter of [{}, { status: "failed" }, { kind: "embed", status: "processing" }] as Array<
      Record<string, string>
    >) {
      const res = await list({ ...filter, cursor });
      expect(res.status, `${cursor.slice(0, 40)} ${JSON.stringify(filter)}`).toBe(400);
      expect(res.body.error?.code).toBe("invalid_cursor");
    }
});

test("a cursor used with another filter says which filter it belongs to", async () => {
  const first = await list({ kind: "embed", limit: "1" });
  const res = await api(apiEvent("GET", "/tasks", { query: { cursor: first.body.cursor as string } }));
  const body = JSON.parse(res.body) as { error: { code: string; message: string } };
  expect(res.statusCode).toBe(400);
  expect(body.error.code).toBe("invalid_cursor");
  expect(body.error.message).toContain("kind=embed");
  expect(body.error.message).toContain("no filter");
});

test("by tag (tag.<key>=<value>): exactly the tagged tasks, newest first, reads in proportion to the pages; PATCH and DELETE move them", async () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api(apiEvent(method, path, body === undefined ? {} : { body }));
    return { status: res.statusCode, body: JSON.parse(res.body || "null") };
  };
  for (let i = 0; i < 6; i++) {
    const tags = i < 4 ? { team: "video", run: i % 2 === 0 ? "even" : "odd" } : { team: "search" };
    expect(
      (await call("POST", "/tasks", { taskId: `tagged${i}`, kind: i === 1 ? "index" : "embed", tags }))
        .status,
    ).toBe(202);
    await new Promise((r) => setTimeout(r, 3)); // distinct registration times
  }
  const all = async (query: Record<string, string>) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list({ ...query, limit: "2", ...(cursor ? { cursor } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.items.map((t) => t.taskId));
      cursor = res.body.cursor;
      pages += 1;
    } while (cursor && pages < 20);
    return seen;
  };
  reads.count = 0;
  expect(await all({ "tag.team": "video" })).toEqual(["tagged3", "tagged2", "tagged1", "tagged0"]);
  // Four tasks among 3,000: a few index entries and their items, never a scan.
  expect(reads.count).toBeLessThan(30);
  expect(await all({ "tag.team": "video", "tag.run": "even" })).toEqual(["tagged2", "tagged0"]);
  expect(await all({ "tag.team": "video", kind: "index" })).toEqual(["tagged1"]);
  expect(await all({ "tag.team": "nobody" })).toEqual([]);

  // Retagged and deleted tasks leave the listing at once.
  expect((await call("PATCH", "/tasks/tagged3", { tags: { team: "search" } })).status).toBe(200);
  expect((await call("DELETE", "/tasks/tagged2")).status).toBe(204);
  expect(await all({ "tag.team": "video" })).toEqual(["tagged1", "tagged0"]);
  expect(await all({ "tag.team": "search" })).toEqual(["tagged5", "tagged4", "tagged3"]);

  // A task gone from under its index entries (TTL expiry): skipped, and its entry removed on the way.
  await aws.dynamo.send(
    new DeleteItemCommand({ TableName: aws.tableName, Key: { pk: { S: "TASK#tagged0" } } }),
  );
  expect(await all({ "tag.team": "video" })).toEqual(["tagged1"]);
  const entry = await aws.dynamo.send(
    new GetItemCommand({
      TableName: aws.tableName,
      Key: { pk: { S: "TAG#tagged0#team" } },
      ConsistentRead: true,
    }),
  );
  expect(entry.Item).toBeUndefined();

  // Refused: a bad tag key, and a cursor of another listing.
  expect((await list({ "tag.9bad": "x" })).status).toBe(422);
  const first = await list({ "tag.team": "search", limit: "1" });
  const other = await list({ "tag.team": "video", cursor: first.body.cursor as string });
  expect([other.status, other.body.error?.code]).toEqual([400, "invalid_cursor"]);
});
