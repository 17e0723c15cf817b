import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

/*
 * Inputs that would jam the outbox or fail every delivery are refused at the edge (422, with what
 * to fix), and errors say what to do. The real api handler on dynalite and fauxqs, with five tag
 * attributes so that a subscription filter can exceed SNS's limits.
 */
let api: ApiHarness;
beforeAll(async () => {
  api = await startApiHarness({ TAG_ATTRIBUTES: "team,project,env,owner,region" });
});
afterAll(async () => {
  await api.close();
});

describe("text that SNS, SQS, DynamoDB or HTTP cannot carry is refused with 422", () => {
  test.each([
    ["a lone high surrogate", "a\ud800b"],
    ["a lone low surrogate", "\udc00"],
    ["an emoji cut in half", "🎬".slice(0, 1)],
    ["U+FFFF", "a\uffffb"],
    ["U+FFFE", "\ufffe"],
    ["a noncharacter of another plane", "x\u{1fffe}"],
    ["U+FDD0", "\ufdd0"],
    ["a C1 control", "a\u0085b"],
  ])("a tag value with %s", async (_what, value) => {
    const res = await api.call("POST", "/tasks", {
      body: { taskId: `bad${value.length}x`, tags: { team: value } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("invalid_value");
    expect(res.body.error.message).toMatch(/tag values .*well-formed/);
  });

  test("well-formed text is kept as sent: emoji, accents, CJK", async () => {
    const res = await api.call("POST", "/tasks", {
      body: { taskId: "goodtext1", tags: { team: "vidéo 🎬 映像" } },
    });
    expect(res.status).toBe(202);
    expect(res.body.tags.team).toBe("vidéo 🎬 映像");
  });

  test.each(["team:video", "a..b", "trailing.", "with space", "9lives"])(
    "tag key %j (not a valid SNS attribute name as tag.<key>) is refused",
    async (key) => {
      const res = await api.call("POST", "/tasks", { body: { taskId: "badkey1", tags: { [key]: "x" } } });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toContain("no .. and no trailing .");
    },
  );

  test("dotted tag keys that SNS accepts are fine", async () => {
    const res = await api.call("POST", "/tasks", {
      body: { taskId: "dotkey1", tags: { "team.sub-unit_2": "x" } },
    });
    expect(res.status).toBe(202);
  });

  test("callbackHeaders values outside printable ASCII are refused at registration", async () => {
    for (const value of ["Bearer tökén", "Bearer \ud800", "a\tb"]) {
      const res = await api.call("POST", "/tasks", {
        body: {
          taskId: "hdr1",
          callbackUrl: "https://hooks.example.com/x",
          callbackHeaders: { authorization: value },
        },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.message).toContain("printable ASCII");
    }
  });

  test("a callbackUrl with ill-formed text is refused, saying why", async () => {
    const res = await api.call("POST", "/tasks", {
      body: { taskId: "url1", callbackUrl: "https://hooks.example.com/\ud800" },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain("lone surrogates");
  });
});

describe("subscriptions", () => {
  test("a filter over SNS's 5 attribute keys is 422 filter_too_complex (SNS would refuse it with a 500 here)", async () => {
    const res = await api.call("POST", "/subscriptions", {
      body: {
        protocol: "https",
        endpoint: "https://hooks.example.com/complex",
        kinds: ["embed"],
        tags: { team: "a", project: "b", env: "c", owner: "d", region: "e" },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("filter_too_complex");
    expect(res.body.error.message).toContain("at most 5 attributes");
    // Four tags and the event filter: five keys, accepted.
    const ok = await api.call("POST", "/subscriptions", {
      body: {
        protocol: "https",
        endpoint: "https://hooks.example.com/complex",
        tags: { team: "a", project: "b", env: "c", owner: "d" },
      },
    });
    expect(ok.status).toBe(201);
    expect((await api.call("DELETE", `/subscriptions/${ok.body.id}`)).status).toBe(204);
  });

  test("GET /subscriptions shows each filter policy; the same endpoint and filter again is 200 (existing)", async () => {
    const body = {
      protocol: "https",
      endpoint: "https://hooks.example.com/same",
      events: ["ready"],
      kinds: ["index"],
    };
    const first = await api.call("POST", "/subscriptions", { body });
    expect(first.status).toBe(201);
    const listed = await api.call("GET", "/subscriptions");
    const mine = listed.body.items.find((s: { id: string }) => s.id === first.body.id);
    expect(mine.filterPolicy).toEqual({ eventType: ["task.ready"], kind: ["index"] });
    const again = await api.call("POST", "/subscriptions", {
      body: { ...body, kinds: ["index"], events: ["ready"] },
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    const other = await api.call("POST", "/subscriptions", { body: { ...body, kinds: ["embed"] } });
    expect(other.status).toBe(409);
    expect(other.body.error.message).toContain("differs in kinds");
    expect(other.body.error.message).toContain("delete that subscription first");
    expect((await api.call("DELETE", `/subscriptions/${first.body.id}`)).status).toBe(204);
  });

  test.each([
    ["https", "http://hooks.example.com/x", "it is not https"],
    ["https", "https://10.0.0.8/x", "non-public address"],
    ["https", "https://[2002:a00:1::1]/x", "non-public address"],
    ["https", "https://user:pw@hooks.example.com/x", "credentials"],
    ["https", "https://127.0.0.1/x", "loopback"],
    ["sms", "5551234567", "not an E.164 phone number"],
    ["email", "not-an-address", "not an email address"],
  ])("a refused %s endpoint %j says which rule failed", async (protocol, endpoint, rule) => {
    const res = await api.call("POST", "/subscriptions", { body: { protocol, endpoint } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toContain(rule);
  });
});

test("a 405 names the route it was sent to and carries Allow", async () => {
  const res = await api.call("PUT", "/tasks/abc");
  expect(res.status).toBe(405);
  expect(res.body.error.code).toBe("method_not_allowed");
  expect(res.body.error.message).toContain("/tasks/{taskId}");
  expect(res.headers.allow).toBe("GET, PATCH, DELETE");
  const subs = await api.call("PATCH", "/subscriptions");
  expect(subs.headers.allow).toBe("POST, GET");
});

test("a 409 on re-registration says which setting differs, its stored value where it may be shown, and how to change it", async () => {
  expect((await api.call("POST", "/tasks", { body: { taskId: "conflict1", kind: "index" } })).status).toBe(
    202,
  );
  const kind = await api.call("POST", "/tasks", { body: { taskId: "conflict1", kind: "embed" } });
  expect(kind.status).toBe(409);
  expect(kind.body.error.message).toContain("different kind (stored: index)");
  expect(kind.body.error.message).toContain("DELETE /tasks/conflict1 and register it again");
  const deadline = await api.call("POST", "/tasks", { body: { taskId: "conflict1", deadlineSeconds: 60 } });
  expect(deadline.body.error.message).toContain("different deadlineSeconds (stored: 86400)");
});

test("under /iam: the task routes for principals API Gateway authenticated, nothing else", async () => {
  const role = "arn:aws:sts::123456789012:assumed-role/pipeline/run-1";
  const created = await api.call("POST", "/iam/tasks", { body: { taskId: "iam-task-1" }, iamUserArn: role });
  expect(created.status).toBe(202);
  expect((await api.call("GET", "/iam/tasks/iam-task-1", { iamUserArn: role })).body.taskId).toBe(
    "iam-task-1",
  );
  // The same path without an authenticated principal (never through API Gateway's AWS_IAM methods): refused.
  const keyOnly = await api.call("GET", "/iam/tasks/iam-task-1");
  expect([keyOnly.status, keyOnly.body.error.code]).toEqual([403, "iam_required"]);
  // Subscriptions and the document are not served under /iam.
  expect((await api.call("GET", "/iam/subscriptions", { iamUserArn: role })).status).toBe(404);
  expect((await api.call("GET", "/iam/openapi.json", { iamUserArn: role })).status).toBe(404);
});
