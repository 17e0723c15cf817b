import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ALL_TASK_STATUSES, TASK_KINDS } from "../../functions/core/task-kinds.js";
import { isPublicHttpsUrl, MAX_TAGS, TASK_ID_PATTERN } from "../../functions/http/schemas.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

/*
 * Property-based fuzzing of the API: 1,500 generated requests in all. No input may yield a 5xx,
 * every error has the documented shape, and nothing invalid reaches the table.
 */
let api: ApiHarness;
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => {
  await api.close();
});

const nearValidTask = fc.record(
  {
    taskId: fc.oneof(
      fc.stringMatching(/^[0-9a-f]{24}$/),
      fc.string({ maxLength: 140 }),
      fc.integer(),
      fc.constant("../x"),
    ),
    kind: fc.oneof(fc.constantFrom(...TASK_KINDS), fc.string(), fc.constant(null)),
    deadlineSeconds: fc.oneof(fc.integer({ min: -10, max: 4_000_000 }), fc.double(), fc.string()),
    tags: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 70 }), fc.oneof(fc.string({ maxLength: 300 }), fc.integer()), {
        maxKeys: 12,
      }),
      fc.array(fc.string()),
    ),
    callbackUrl: fc.oneof(
      fc.webUrl(),
      fc.string(),
      fc.constantFrom("https://127.0.0.1/x", "https://hooks.example.com/a", "javascript:alert(1)"),
    ),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const validTask = fc.record(
  {
    taskId: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
    kind: fc.constantFrom(...TASK_KINDS),
    deadlineSeconds: fc.integer({ min: 10, max: 2_592_000 }),
    tags: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), fc.stringMatching(/^[ -~]{1,20}$/), {
      maxKeys: 10,
    }),
    callbackUrl: fc.constantFrom("https://hooks.example.com/a", "https://example.org/cb?x=1"),
  },
  { requiredKeys: ["taskId"] },
);

const body = fc.oneof(
  fc.jsonValue(),
  validTask,
  validTask.map((t) => ({ ...t, taskId: `${t.taskId}\u0000` })),
  nearValidTask,
  fc.record({ tasks: fc.array(validTask, { minLength: 1, maxLength: 5 }) }),
  fc.record({ tasks: fc.array(nearValidTask, { maxLength: 5 }) }, { requiredKeys: [] }),
  fc.record(
    {
      protocol: fc.oneof(fc.constantFrom("email", "sms", "https", "http", "sqs", "lambda"), fc.string()),
      endpoint: fc.oneof(fc.emailAddress(), fc.webUrl(), fc.string(), fc.constant("+15551234567")),
      events: fc.array(fc.oneof(fc.constantFrom("ready", "failed", "status_changed"), fc.string()), {
        maxLength: 4,
      }),
      kinds: fc.array(fc.oneof(fc.constantFrom(...TASK_KINDS), fc.string()), { maxLength: 4 }),
      tags: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
    },
    { requiredKeys: [] },
  ),
);

const path = fc.oneof(
  fc.constantFrom("/tasks", "/tasks/batch", "/subscriptions", "/tasks/", "/", ""),
  fc.string({ maxLength: 200 }).map((s) => `/tasks/${s}`),
  fc.string({ maxLength: 60 }).map((s) => `/subscriptions/${s}`),
  fc.string({ maxLength: 60 }).map((s) => `/tasks/${encodeURIComponent(s)}`),
  fc.string({ maxLength: 100 }),
);

const query = fc.dictionary(
  fc.oneof(fc.constantFrom("status", "kind", "limit", "cursor"), fc.string({ maxLength: 20 })),
  fc.oneof(
    fc.string({ maxLength: 50 }),
    fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 3 }),
    fc.base64String({ maxLength: 80 }),
  ),
  { maxKeys: 4 },
);

function assertWellFormed(res: {
  status: number;
  body: { error?: { code?: unknown; message?: unknown } } | undefined;
}) {
  expect(res.status).toBeLessThan(500);
  if (res.status >= 400) {
    expect(typeof res.body?.error?.code).toBe("string");
    expect(typeof res.body?.error?.message).toBe("string");
  }
}

test(`${RUNS} random bodies on every writing route`, async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom("/tasks", "/tasks/batch", "/subscriptions"), body, async (p, b) => {
      const res = await api.call("POST", p, { body: b });
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assertWellFormed(res);
    }),
    { numRuns: RUNS },
  );
  // The generator reaches the success paths too, not only the rejections.
  expect(statuses.get(202) ?? 0).toBeGreaterThan(10);
  expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
  expect((statuses.get(400) ?? 0) + (statuses.get(422) ?? 0)).toBeGreaterThan(50);
});

test(`${RUNS} random raw bodies and content types`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.string({ maxLength: 500 }), fc.json()),
      fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "text/plain",
        "",
        "APPLICATION/JSON",
      ),
      async (raw, type) => {
        assertWellFormed(
          await api.call("POST", "/tasks", { rawBody: raw, headers: type ? { "Content-Type": type } : {} }),
        );
      },
    ),
    { numRuns: RUNS },
  );
});

test(`${RUNS} random methods, paths and query strings`, async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom("GET", "POST", "DELETE", "PUT", "PATCH", "HEAD"),
      path,
      query,
      async (m, p, q) => {
        assertWellFormed(await api.call(m, p, { query: q }));
      },
    ),
    { numRuns: RUNS },
  );
});

test("nothing invalid was stored", async () => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
  do {
    const res = await api.dynamo.send(
      new ScanCommand({ TableName: api.aws.tableName, ExclusiveStartKey: start }),
    );
    items.push(...(res.Items ?? []).map((i) => unmarshall(i)));
    start = res.LastEvaluatedKey;
  } while (start);
  expect(items.length).toBeGreaterThan(0); // the fuzzer did register valid tasks
  // A random DELETE may hit a registered id: its tombstone (a key, when, an expiry) is valid too.
  for (const tomb of items.filter((i) => i.deletedAt !== undefined)) {
    expect(Object.keys(tomb).sort()).toEqual(["deletedAt", "expiresAt", "pk"]);
    expect(tomb.pk).toMatch(/^TASK#/);
  }
  // The tag index's items: one per tag of a stored task, naming it and the tag it carries.
  const tasks = new Map(items.filter((i) => String(i.pk).startsWith("TASK#")).map((i) => [i.taskId, i]));
  for (const tag of items.filter((i) => String(i.pk).startsWith("TAG#"))) {
    expect(Object.keys(tag).sort()).toEqual(["pk", "registeredAt", "tagKey", "taskId"]);
    const [key, ...value] = String(tag.tagKey).split("=");
    expect(tag.pk).toBe(`TAG#${tag.taskId}#${key}`);
    const owner = tasks.get(tag.taskId);
    // Its task carries the tag, or was deleted (a listing removes such an entry when it meets it).
    if (owner && owner.deletedAt === undefined)
      expect((owner.tags as Record<string, string>)[key as string]).toBe(value.join("="));
  }
  for (const item of items.filter((i) => i.deletedAt === undefined && String(i.pk).startsWith("TASK#"))) {
    expect(item.taskId).toMatch(TASK_ID_PATTERN);
    expect(item.pk).toBe(`TASK#${item.taskId}`);
    expect(TASK_KINDS).toContain(item.kind);
    expect(ALL_TASK_STATUSES).toContain(item.status);
    expect(Object.keys(item.tags as object).length).toBeLessThanOrEqual(MAX_TAGS);
    expect(item.deadlineAt as number).toBeGreaterThan(item.registeredAt as number);
    if (item.callbackUrl !== undefined) expect(isPublicHttpsUrl(item.callbackUrl as string)).toBe(true);
  }
});
