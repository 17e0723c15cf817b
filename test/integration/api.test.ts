import { GetSubscriptionAttributesCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SnsPublisher } from "../../functions/adapters/sns-publisher.js";
import type { TaskEvent } from "../../functions/core/events.js";
import { TEST_CLIENT_KEY_ID } from "../support/api-events.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";
import { drainQueue } from "../support/sns-messages.js";

let api: ApiHarness;
const SEED = "6641c0efc70bb578439bd909";

beforeAll(async () => {
  api = await startApiHarness();
});
afterAll(async () => {
  await api.close();
});

describe("POST /tasks", () => {
  test("registers a task (202), due at once; the same again is 200; a conflicting one 409", async () => {
    const before = Date.now();
    const created = await api.call("POST", "/tasks", {
      body: { taskId: SEED, tags: { team: "video" }, deadlineSeconds: 3600 },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      taskId: SEED,
      kind: "embed",
      status: "registered",
      tags: { team: "video" },
      history: [],
      checks: 0,
    });
    expect(Date.parse(created.body.dueAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(created.body.dueAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(created.body.deadlineAt) - Date.parse(created.body.registeredAt)).toBe(3600_000);

    const again = await api.call("POST", "/tasks", { body: { taskId: SEED, kind: "embed" } });
    expect(again.status).toBe(200);
    expect(again.body.registeredAt).toBe(created.body.registeredAt);

    for (const body of [
      { taskId: SEED, kind: "index" },
      { taskId: SEED, tags: { team: "other" } },
      { taskId: SEED, deadlineSeconds: 60 },
      { taskId: SEED, callbackUrl: "https://hooks.example.com/x" },
    ]) {
      const conflict = await api.call("POST", "/tasks", { body });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error.code).toBe("conflict");
    }
  });

  test.each([
    ["not JSON", { rawBody: "{nope" }, 400, "invalid_json"],
    ["empty body", { rawBody: "" }, 400, "invalid_json"],
    [
      "wrong content type",
      { body: { taskId: "a" }, headers: { "Content-Type": "text/plain" } },
      415,
      "unsupported_media_type",
    ],
    [
      "too large",
      { rawBody: JSON.stringify({ taskId: "a", pad: "x".repeat(70_000) }) },
      413,
      "payload_too_large",
    ],
    ["unknown field", { body: { taskId: "a", colour: "red" } }, 400, "unknown_field"],
    ["missing taskId", { body: { kind: "embed" } }, 400, "missing_field"],
    ["taskId not a string", { body: { taskId: 42 } }, 400, "invalid_type"],
    ["body an array", { body: [] }, 400, "invalid_type"],
    ["unsafe taskId", { body: { taskId: "../etc/passwd" } }, 422, "invalid_value"],
    ["unknown kind", { body: { taskId: "a", kind: "video" } }, 422, "invalid_value"],
    ["deadline too long", { body: { taskId: "a", deadlineSeconds: 99_999_999 } }, 422, "invalid_value"],
    [
      "11 tags",
      {
        body: { taskId: "a", tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])) },
      },
      422,
      "invalid_value",
    ],
    [
      "http callback",
      { body: { taskId: "a", callbackUrl: "http://hooks.example.com/x" } },
      422,
      "invalid_value",
    ],
    [
      "private callback",
      { body: { taskId: "a", callbackUrl: "https://169.254.169.254/latest" } },
      422,
      "invalid_value",
    ],
  ] as const)("%s → %i %s", async (_name, opts, status, code) => {
    const res = await api.call("POST", "/tasks", opts);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe("string");
  });

  test("a Bedrock invocation registers with its ARN (its id the ARN's last segment), in an allowed region only", async () => {
    const arn = (region: string, id: string) => `arn:aws:bedrock:${region}:123456789012:async-invoke/${id}`;
    const missing = await api.call("POST", "/tasks", { body: { taskId: "br1", kind: "bedrock" } });
    expect([missing.status, missing.body.error.message]).toEqual([
      422,
      "invocationArn is required for kind bedrock, and only for it",
    ]);
    const misplaced = await api.call("POST", "/tasks", {
      body: { taskId: "br1", kind: "embed", invocationArn: arn("us-east-1", "br1") },
    });
    expect(misplaced.status).toBe(422);
    const mismatch = await api.call("POST", "/tasks", {
      body: { taskId: "br1", kind: "bedrock", invocationArn: arn("us-east-1", "other1") },
    });
    expect(mismatch.body.error.message).toBe(
      "taskId must be the invocation id: the last segment of invocationArn",
    );
    const malformed = await api.call("POST", "/tasks", {
      body: { taskId: "br1", kind: "bedrock", invocationArn: "arn:aws:s3:::bucket/br1" },
    });
    expect(malformed.body.error.message).toBe(
      "invocationArn must be arn:aws:bedrock:<region>:<account>:async-invoke/<id>",
    );
    // The harness's stage is in us-east-1 (its only Bedrock region): another region is refused, nothing stored.
    const far = await api.call("POST", "/tasks", {
      body: { taskId: "br2", kind: "bedrock", invocationArn: arn("eu-west-1", "br2") },
    });
    expect([far.status, far.body.error.code]).toEqual([422, "region_not_allowed"]);
    expect(far.body.error.message).toContain("us-east-1");
    expect((await api.call("GET", "/tasks/br2")).status).toBe(404);
    const archived = await api.call("POST", "/tasks", {
      body: { taskId: "br3", kind: "bedrock", invocationArn: arn("us-east-1", "br3"), archive: true },
    });
    expect([archived.status, archived.body.error.code]).toEqual([422, "archive_not_applicable"]);

    const ok = await api.call("POST", "/tasks", {
      body: { taskId: "br1", kind: "bedrock", invocationArn: arn("us-east-1", "br1"), tags: { team: "ml" } },
    });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({
      kind: "bedrock",
      invocationArn: arn("us-east-1", "br1"),
      archive: false,
    });
    expect(ok.body.links.status).toBe(
      `https://bedrock-runtime.us-east-1.amazonaws.com/async-invoke/${encodeURIComponent(arn("us-east-1", "br1"))}`,
    );
    const again = await api.call("POST", "/tasks", {
      body: { taskId: "br1", kind: "bedrock", invocationArn: arn("us-east-1", "br1") },
    });
    expect(again.status).toBe(200);
    const listed = await api.call("GET", "/tasks", { query: { kind: "bedrock" } });
    expect(listed.body.items.map((t: { taskId: string }) => t.taskId)).toEqual(["br1"]);
  });

  test("an analysis batch registers as kind analyze-batch, linked to its status and results", async () => {
    const res = await api.call("POST", "/tasks", {
      body: { taskId: "68f4ddaf8aaa60d33df0e800", kind: "analyze-batch" },
    });
    expect(res.status).toBe(202);
    expect(res.body.links).toEqual({
      status: "https://api.twelvelabs.io/v1.3/analyze/batches/68f4ddaf8aaa60d33df0e800",
      result: "https://api.twelvelabs.io/v1.3/analyze/batches/68f4ddaf8aaa60d33df0e800/results",
    });
  });

  test("PATCH changes tags, deadline, callback and archiving in place; never the status; not after the end", async () => {
    const id = "6641c0efc70bb578439bd9f1";
    const created = await api.call("POST", "/tasks", {
      body: {
        taskId: id,
        tags: { team: "video" },
        callbackUrl: "https://hooks.example.com/a",
        callbackHeaders: { authorization: "Bearer a" },
      },
    });
    expect(created.status).toBe(202);
    const patched = await api.call("PATCH", `/tasks/${id}`, {
      body: {
        tags: { team: "search", run: "7" },
        deadlineSeconds: 600,
        callbackUrl: "https://hooks.example.com/b",
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      taskId: id,
      status: "registered",
      tags: { team: "search", run: "7" },
      callbackUrl: "https://hooks.example.com/b",
      callbackHeaderNames: ["authorization"],
      registeredAt: created.body.registeredAt,
    });
    expect(Date.parse(patched.body.deadlineAt) - Date.parse(patched.body.registeredAt)).toBe(600_000);
    // The stored task is the changed one; a callback removed takes its headers with it.
    const removed = await api.call("PATCH", `/tasks/${id}`, { body: { callbackUrl: null } });
    expect(removed.body.callbackUrl).toBeUndefined();
    expect(removed.body.callbackHeaderNames).toBeUndefined();
    expect((await api.call("GET", `/tasks/${id}`)).body.tags).toEqual({ team: "search", run: "7" });

    // Refused: nothing to change, a status, a private callback, archiving where the stage keeps no results, unknown ids.
    expect((await api.call("PATCH", `/tasks/${id}`, { body: {} })).status).toBe(422);
    const status = await api.call("PATCH", `/tasks/${id}`, { body: { status: "ready" } });
    expect([status.status, status.body.error.message]).toEqual([400, 'unknown field "body.status"']);
    expect(
      (await api.call("PATCH", `/tasks/${id}`, { body: { callbackUrl: "https://127.0.0.1/x" } })).status,
    ).toBe(422);
    expect((await api.call("PATCH", `/tasks/${id}`, { body: { archive: true } })).body.error.code).toBe(
      "archive_unavailable",
    );
    expect((await api.call("PATCH", "/tasks/0000000000000000000000aa", { body: { tags: {} } })).status).toBe(
      404,
    );

    // After the end: tags still change; the deadline does not (409, saying why).
    const item = await api.store.get(id);
    if (!item) throw new Error("stored task missing");
    // As the poller writes a ready answer from TwelveLabs (no event: nothing to publish here).
    await api.store.applyTransition(item, {
      status: "ready",
      historyEntry: { status: "ready", at: Date.now() },
      lastCheckedAt: Date.now(),
      checks: 1,
      notFoundCount: 0,
      errorCount: 0,
      finishedAt: Date.now(),
      events: [],
    });
    expect((await api.call("PATCH", `/tasks/${id}`, { body: { tags: { done: "yes" } } })).body.tags).toEqual({
      done: "yes",
    });
    const late = await api.call("PATCH", `/tasks/${id}`, { body: { deadlineSeconds: 900 } });
    expect([late.status, late.body.error.message]).toEqual([
      409,
      `task ${id} has ended (ready): its deadline can no longer change`,
    ]);
  });

  test("an unknown field is named in the message", async () => {
    const res = await api.call("POST", "/tasks", { body: { taskId: "a", colour: "red" } });
    expect(res.body.error.message).toBe('unknown field "body.colour"');
  });

  test("every kind of the table registers; an indexed asset carries its indexId, and only it does", async () => {
    for (const kind of ["analyze", "asset"] as const) {
      const res = await api.call("POST", "/tasks", { body: { taskId: `kind-${kind}`, kind } });
      expect(res.status, kind).toBe(202);
      expect(res.body.kind).toBe(kind);
    }
    const analyze = await api.call("GET", "/tasks/kind-analyze");
    expect(analyze.body.links.status).toBe("https://api.twelvelabs.io/v1.3/analyze/tasks/kind-analyze");
    const asset = await api.call("GET", "/tasks/kind-asset");
    expect(asset.body.links.status).toBe("https://api.twelvelabs.io/v1.3/assets/kind-asset");

    const missing = await api.call("POST", "/tasks", { body: { taskId: "ia-1", kind: "indexed-asset" } });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toBe("indexId is required for kind indexed-asset, and only for it");
    const misplaced = await api.call("POST", "/tasks", {
      body: { taskId: "ia-2", indexId: "6641c0efc70bb578439bd9aa" },
    });
    expect(misplaced.status).toBe(422);
    const badId = await api.call("POST", "/tasks", {
      body: { taskId: "ia-3", kind: "indexed-asset", indexId: "../../etc" },
    });
    expect(badId.status).toBe(422);
    const ok = await api.call("POST", "/tasks", {
      body: { taskId: "ia-4", kind: "indexed-asset", indexId: "6641c0efc70bb578439bd9aa" },
    });
    expect(ok.status).toBe(202);
    expect(ok.body.indexId).toBe("6641c0efc70bb578439bd9aa");
    expect(ok.body.links.status).toBe(
      "https://api.twelvelabs.io/v1.3/indexes/6641c0efc70bb578439bd9aa/indexed-assets/ia-4",
    );
    // The same id in another index is a different registration: a conflict, said plainly.
    const other = await api.call("POST", "/tasks", {
      body: { taskId: "ia-4", kind: "indexed-asset", indexId: "6641c0efc70bb578439bd9bb" },
    });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain("indexId");
    const listed = await api.call("GET", "/tasks", { query: { kind: "indexed-asset" } });
    expect(listed.body.items.map((t: { taskId: string }) => t.taskId)).toEqual(["ia-4"]);
  });

  test("a callback URL is stored for webhooks", async () => {
    const res = await api.call("POST", "/tasks", {
      body: { taskId: "withcallback01", callbackUrl: "https://hooks.example.com/tl" },
    });
    expect(res.status).toBe(202);
    expect((await api.store.get("withcallback01"))?.callbackUrl).toBe("https://hooks.example.com/tl");
  });
});

describe("POST /tasks/batch", () => {
  test("a result per item: created, existing, or the error", async () => {
    const res = await api.call("POST", "/tasks/batch", {
      body: {
        tasks: [
          { taskId: "batch000000000000000001" },
          { taskId: SEED },
          { taskId: "bad id!" },
          { taskId: "batch000000000000000001" },
          { taskId: "batch2", kind: "index" },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { result: string }) => r.result)).toEqual([
      "created",
      "existing",
      "error",
      "error",
      "created",
    ]);
    expect(res.body.results[2]).toMatchObject({ index: 2, status: 422, error: { code: "invalid_value" } });
    expect(res.body.results[3].error.code).toBe("duplicate_in_batch");
    expect((await api.store.get("batch2"))?.kind).toBe("index");
  });

  test("more than 100 tasks is refused whole", async () => {
    const tasks = Array.from({ length: 101 }, (_, i) => ({ taskId: `many${i}` }));
    const res = await api.call("POST", "/tasks/batch", { body: { tasks } });
    expect(res.status).toBe(422);
    expect(await api.store.get("many0")).toBeUndefined();
  });
});

describe("GET, list and DELETE /tasks", () => {
  test("GET shows status, history, last and next check, deadline; unknown is 404", async () => {
    const res = await api.call("GET", `/tasks/${SEED}`);
    expect(res.status).toBe(200);
    expect(res.body).toHaveProperty("deadlineAt");
    expect(res.body).toHaveProperty("dueAt");
    expect(res.body).not.toHaveProperty("version");
    expect(res.body).not.toHaveProperty("outbox");
    // The same TwelveLabs links the task's events carry (the result URL was in events only before).
    expect(res.body.links).toEqual({
      status: `https://api.twelvelabs.io/v1.3/embed/tasks/${SEED}/status`,
      result: `https://api.twelvelabs.io/v1.3/embed/tasks/${SEED}`,
    });
    const missing = await api.call("GET", "/tasks/000000000000000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("not_found");
    expect((await api.call("GET", "/tasks/%E0%A4%A")).status).toBe(400);
  });

  test("lists pages with an opaque cursor, filtered by kind and status", async () => {
    for (let i = 0; i < 7; i++)
      await api.call("POST", "/tasks", { body: { taskId: `page${i}`, kind: "embed-v2" } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { kind: "embed-v2", status: "registered", limit: "3" };
      if (cursor) query.cursor = cursor;
      const res = await api.call("GET", "/tasks", { query });
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((t: { taskId: string }) => t.taskId));
      cursor = res.body.cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `page${i}`));
    for (const [query, code] of [
      [{ limit: "0" }, "invalid_value"],
      [{ limit: "abc" }, "invalid_value"],
      [{ status: "done" }, "invalid_value"],
      [{ cursor: "bm90LWEta2V5" }, "invalid_cursor"],
      // Well formed, but not a key of ours: DynamoDB would reject it (a 500 before).
      [{ cursor: Buffer.from(JSON.stringify({ x: { S: "y" } })).toString("base64url") }, "invalid_cursor"],
      [
        { cursor: Buffer.from(JSON.stringify({ pk: { S: "LEASE#poller" } })).toString("base64url") },
        "invalid_cursor",
      ],
      // The same code as on every other route (it was unknown_field here, unknown_parameter elsewhere).
      [{ colour: "red" }, "unknown_parameter"],
      [{ limit: ["1", "2"] }, "duplicate_parameter"],
    ] as const) {
      const res = await api.call("GET", "/tasks", { query });
      expect(res.status, JSON.stringify(query)).toBe(code === "invalid_value" ? 422 : 400);
      expect(res.body.error.code).toBe(code);
    }
  });

  test("an unknown query parameter is unknown_parameter on every route", async () => {
    for (const [method, path] of [
      ["GET", "/tasks"],
      ["GET", "/tasks/abc"],
      ["POST", "/tasks"],
      ["GET", "/subscriptions"],
    ] as const) {
      const res = await api.call(method, path, {
        query: { foo: "1" },
        body: method === "POST" ? { taskId: "abc" } : undefined,
      });
      expect(res.body.error, `${method} ${path}`).toEqual({
        code: "unknown_parameter",
        message: 'unknown query parameter "foo"',
      });
    }
  });

  test("DELETE stops watching (204), then 404", async () => {
    expect((await api.call("DELETE", "/tasks/page0")).status).toBe(204);
    expect((await api.call("DELETE", "/tasks/page0")).status).toBe(404);
    expect(await api.store.get("page0")).toBeUndefined();
  });

  test("unknown routes and methods", async () => {
    expect((await api.call("GET", "/nope")).body.error.code).toBe("route_not_found");
    expect((await api.call("PUT", "/tasks")).status).toBe(405);
  });
});

describe("two keys", () => {
  test("the client key reaches the task routes only; the admin key every route", async () => {
    const asClient = { apiKeyId: TEST_CLIENT_KEY_ID };
    expect(
      (await api.call("POST", "/tasks", { body: { taskId: "keys-client-1" }, ...asClient })).status,
    ).toBe(202);
    expect((await api.call("GET", "/tasks/keys-client-1", asClient)).status).toBe(200);
    expect((await api.call("GET", "/tasks", asClient)).status).toBe(200);
    for (const [method, path, body] of [
      ["GET", "/subscriptions", undefined],
      ["POST", "/subscriptions", { protocol: "sms", endpoint: "+15550001111" }],
      ["DELETE", "/subscriptions/0d1f3b1e-1111-4c9a-9f5e-2b7c2f0a1b2c", undefined],
    ] as const) {
      const res = await api.call(method, path, { body, ...asClient });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error).toEqual({
        code: "admin_key_required",
        message: "this route needs the admin API key",
      });
    }
    // No key id at all (a request API Gateway would not pass): treated like the client key.
    expect((await api.call("GET", "/subscriptions", { apiKeyId: "" })).status).toBe(403);
    // The admin key: subscriptions and tasks alike.
    expect((await api.call("GET", "/subscriptions")).status).toBe(200);
    expect((await api.call("DELETE", "/tasks/keys-client-1")).status).toBe(204);
  });
});

describe("subscriptions", () => {
  test("subscribing an endpoint again with a different filter is a 409 that says so (a 500 before)", async () => {
    const endpoint = "https://hooks.example.com/conflict";
    const first = await api.call("POST", "/subscriptions", {
      body: { protocol: "https", endpoint, events: ["ready"] },
    });
    expect(first.status).toBe(201);
    const again = await api.call("POST", "/subscriptions", {
      body: { protocol: "https", endpoint, events: ["failed"] },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    expect(again.body.error.message).toContain(`already subscribed (${first.body.id}) with another filter`);
    expect(again.body.error.message).toContain("differs in events");
    expect((await api.call("DELETE", `/subscriptions/${first.body.id}`)).status).toBe(204);
  });

  test("subscribe, list and unsubscribe on this stack's topic", async () => {
    const res = await api.call("POST", "/subscriptions", {
      body: {
        protocol: "https",
        endpoint: "https://hooks.example.com/sns",
        events: ["failed"],
        kinds: ["embed"],
        tags: { team: "video" },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      protocol: "https",
      endpoint: "https://hooks.example.com/sns",
      filterPolicy: { eventType: ["task.failed"], kind: ["embed"], "tag.team": ["video"] },
    });
    const sms = await api.call("POST", "/subscriptions", {
      body: { protocol: "sms", endpoint: "+15551234567" },
    });
    expect(sms.status).toBe(201);
    expect(sms.body.filterPolicy.eventType).toEqual([
      "task.ready",
      "task.failed",
      "task.timed_out",
      "task.not_found",
    ]);
    const listed = await api.call("GET", "/subscriptions");
    expect(listed.body.items.map((s: { endpoint: string }) => s.endpoint)).toEqual(
      expect.arrayContaining(["https://hooks.example.com/sns", "+15551234567"]),
    );
    // Real SNS lists an unconfirmed https subscription as "PendingConfirmation"; fauxqs confirms at
    // once. Either way the API reports what the topic says.
    const https = listed.body.items.find((s: { id: string }) => s.id === res.body.id);
    expect(res.body.pendingConfirmation).toBe(https ? https.pendingConfirmation : true);
    const smsId = sms.body.id as string;
    expect((await api.call("DELETE", `/subscriptions/${smsId}`)).status).toBe(204);
    expect((await api.call("DELETE", `/subscriptions/${smsId}`)).status).toBe(404);
    expect((await api.call("DELETE", "/subscriptions/arn:aws:sns:other")).status).toBe(422);
  });

  test.each([
    [{ protocol: "email", endpoint: "not-an-email" }, 422],
    [{ protocol: "sms", endpoint: "5551234567" }, 422],
    [{ protocol: "https", endpoint: "http://hooks.example.com" }, 422],
    [{ protocol: "https", endpoint: "https://127.0.0.1/x" }, 422],
    [{ protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:1:q" }, 422],
    [{ protocol: "email", endpoint: "a@example.com", events: ["done"] }, 422],
    [{ protocol: "email", endpoint: "a@example.com", tags: { secret: "x" } }, 422],
    [{ protocol: "email" }, 400],
  ] as const)("rejects %j", async (body, status) => {
    const res = await api.call("POST", "/subscriptions", { body });
    expect(res.status).toBe(status);
  });

  test("filter policies made through the API deliver exactly the matching events", async () => {
    // Prepare: subscriptions made through the API; their filter policies copied onto SQS queues
    // (fauxqs delivers to SQS only), then real events published through the real publisher.
    const { sqs } = api.aws;
    const cases = {
      failuresOnly: { events: ["failed"] },
      indexReady: { events: ["ready"], kinds: ["index"] },
      newerKinds: { kinds: ["analyze", "indexed-asset"] },
      teamVideo: { tags: { team: "video" } },
      defaults: {},
    };
    const queues: Record<string, string> = {};
    for (const [name, filters] of Object.entries(cases)) {
      const res = await api.call("POST", "/subscriptions", {
        body: { protocol: "https", endpoint: `https://hooks.example.com/${name}`, ...filters },
      });
      const attrs = await api.aws.sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: `${api.aws.topicArn}:${res.body.id}` }),
      );
      expect(JSON.parse(attrs.Attributes?.FilterPolicy ?? "{}")).toEqual(res.body.filterPolicy);
      queues[name] = api.aws.fauxqs.createQueue(`q-${name}`).queueUrl;
      api.aws.fauxqs.subscribe({
        topic: "task-events",
        queue: `q-${name}`,
        attributes: { FilterPolicy: attrs.Attributes?.FilterPolicy ?? "" },
      });
    }
    const publisher = new SnsPublisher(api.aws.sns, api.aws.topicArn, ["team", "project"]);
    const ev = (
      id: string,
      type: TaskEvent["type"],
      kind: TaskEvent["task"]["kind"],
      tags: Record<string, string> = {},
    ): TaskEvent => ({
      id,
      type,
      occurredAt: new Date().toISOString(),
      stage: "test",
      task: {
        id,
        kind,
        status: type.slice(5) as TaskEvent["task"]["status"],
        previousStatus: "processing",
        registeredAt: new Date().toISOString(),
        metadata: {},
        tags,
      },
      links: { status: "https://x", result: "https://y" },
    });
    // Act
    await publisher.publish(ev("e1", "task.failed", "embed", { team: "video" }));
    await publisher.publish(ev("e2", "task.ready", "index"));
    await publisher.publish(ev("e3", "task.ready", "embed", { team: "audio" }));
    await publisher.publish(ev("e4", "task.status_changed", "embed", { team: "video" }));
    await publisher.publish(ev("e5", "task.ready", "analyze"));
    await publisher.publish(ev("e6", "task.failed", "indexed-asset"));
    await publisher.publish(ev("e7", "task.ready", "asset"));
    // Assess
    const got = async (name: string) =>
      (await drainQueue(sqs, queues[name] as string)).map((m) => m.event.id).sort();
    expect(await got("failuresOnly")).toEqual(["e1", "e6"]);
    expect(await got("indexReady")).toEqual(["e2"]);
    expect(await got("teamVideo")).toEqual(["e1"]);
    expect(await got("defaults")).toEqual(["e1", "e2", "e3", "e5", "e6", "e7"]);
    expect(await got("newerKinds")).toEqual(["e5", "e6"]);
  });
});
