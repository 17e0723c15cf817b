import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DynamoDbWebhookLog } from "../../functions/adapters/dynamodb-webhook-log.js";
import { buildEvent } from "../../functions/core/events.js";
import { twelveLabsSignatureHex } from "../../functions/core/twelvelabs-webhook.js";
import { API_ROUTES } from "../../functions/http/routes.js";
import { seededRandom } from "../../local/simulator/sim-faults.js";
import { notifierOpenApiDocument } from "../../spec/notifier-openapi.js";
import { TEST_CLIENT_KEY_ID } from "../support/api-events.js";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

/*
 * The notifier's OpenAPI document and its code, held together in both directions: the committed
 * document is the one the schemas generate; every route is documented and every documented
 * operation answers; the documented examples are accepted; every body the API returns (errors
 * included) validates against the documented schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is arbitrary JSON walked by path.
type Json = any;
const doc: Json = JSON.parse(
  readFileSync(new URL("../../spec/notifier-api.openapi.json", import.meta.url), "utf8"),
);
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema({ $id: "notifier.json", components: doc.components });
const validate = (schema: Json, data: unknown) => {
  const fn = ajv.compile(
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"notifier.json#/components/')),
  );
  const ok = fn(data);
  return ok ? "" : JSON.stringify(fn.errors?.slice(0, 3));
};

let api: ApiHarness;
const DOC_TL_SECRET = "doc-tl-webhook-secret";

beforeAll(async () => {
  api = await startApiHarness({ TWELVELABS_WEBHOOK_SECRET: DOC_TL_SECRET });
});
afterAll(async () => {
  await api.close();
});

/** Keeps an event of a stored task for redelivery, under the given id (what the webhook function does). */
async function keepEvent(taskId: string, eventId: string): Promise<void> {
  const task = await api.store.get(taskId);
  if (!task) throw new Error(`${taskId} is not registered`);
  const event = {
    ...buildEvent(task, "processing", Date.now(), { stage: "test", twelvelabsBaseUrl: "https://x" }),
    id: eventId,
  };
  await new DynamoDbWebhookLog(api.dynamo, api.aws.tableName).record(
    taskId,
    task.registeredAt,
    { at: Date.now(), eventId, attempt: 1, outcome: "delivered", status: 200, durationMs: 1 },
    event,
  );
}

/** The documented schema of an operation's response. */
function responseSchema(path: string, method: string, status: number): Json {
  return doc.paths[path]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.["application/json"]
    ?.schema;
}

describe("the notifier's OpenAPI document", () => {
  test("the committed document is what the API's schemas generate (npm run openapi refreshes it)", () => {
    expect(doc).toEqual(notifierOpenApiDocument());
  });

  test("every route is documented, every documented operation is a route, with its key", () => {
    const documented = Object.entries(doc.paths as Record<string, Record<string, Json>>)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(API_ROUTES.map((r) => `${r.method} ${r.template}`).sort());
    for (const r of API_ROUTES) {
      const sec = doc.paths[r.template][r.method.toLowerCase()].security;
      expect(sec, `${r.method} ${r.template}`).toEqual(
        r.access === "public"
          ? []
          : r.access === "admin"
            ? [{ adminKey: [] }]
            : [{ clientKey: [] }, { adminKey: [] }],
      );
    }
  });

  test("every documented operation answers (no route_not_found, no method_not_allowed)", async () => {
    for (const r of API_ROUTES) {
      const path = r.template
        .replace("{taskId}", "doc-task-1")
        .replace("{subscriptionId}", "0d1f3b1e-1111-4c9a-9f5e-2b7c2f0a1b2c");
      const res = await api.call(r.method, path, { body: r.method === "POST" ? {} : undefined });
      expect(
        [404, 405].includes(res.status) &&
          ["route_not_found", "method_not_allowed"].includes(res.body?.error?.code),
        `${r.method} ${path}`,
      ).toBe(false);
    }
  });

  test("the documented request examples are accepted, and the answers match the documented schemas", async () => {
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(ops)) {
        const example = op.requestBody?.content?.["application/json"]?.example;
        if (example === undefined) continue;
        // The task the POST /tasks example registered; its example event kept as a delivery would keep it.
        const concrete = path.replace("{taskId}", "6641c0efc70bb578439bd909");
        if (path.endsWith("/redeliver")) await keepEvent("6641c0efc70bb578439bd909", example.eventId);
        // TwelveLabs' webhook example goes out as TwelveLabs sends it: signed, no key.
        const raw = JSON.stringify(example);
        const at = Math.floor(Date.now() / 1000);
        const res = path.startsWith("/twelvelabs/")
          ? await api.call("POST", path, {
              rawBody: raw,
              headers: { "TL-Signature": `t=${at},v1=${twelveLabsSignatureHex(DOC_TL_SECRET, at, raw)}` },
            })
          : await api.call(method.toUpperCase(), concrete, { body: example });
        expect(res.status, `${method} ${path}`).toBeLessThan(300);
        expect(validate(responseSchema(path, method, res.status), res.body), `${method} ${path}`).toBe("");
      }
    }
    for (const [method, path, status] of [
      ["GET", "/tasks/6641c0efc70bb578439bd909", 200],
      ["GET", "/tasks", 200],
      ["GET", "/subscriptions", 200],
      ["GET", "/openapi.json", 200],
    ] as const) {
      const res = await api.call(method, path);
      expect(res.status).toBe(status);
      expect(
        validate(
          responseSchema(path.replace("6641c0efc70bb578439bd909", "{taskId}"), method, status),
          res.body,
        ),
        path,
      ).toBe("");
    }
  });

  test("requests generated from the document's schemas are accepted (200 generated of each)", async () => {
    const random = seededRandom(42);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    // A value for each construct the request schemas use; rules that JSON Schema cannot say
    // (a URL's host, per-protocol endpoints) are left to the optional fields it may skip.
    const gen = (schema: Json): unknown => {
      if (schema.$ref) return gen(doc.components.schemas[schema.$ref.split("/").at(-1)]);
      if (schema.enum) return pick(schema.enum);
      if (schema.type === "integer")
        return (
          schema.minimum +
          Math.floor(random() * (Math.min(schema.maximum, schema.minimum + 1e6) - schema.minimum + 1))
        );
      if (schema.type === "string" && schema.pattern === "^[A-Za-z0-9_-]{1,128}$") {
        const chars = "ABCDEFabcdef0123456789_-";
        return Array.from({ length: 1 + Math.floor(random() * 40) }, () => pick([...chars])).join("");
      }
      if (schema.type === "array")
        return Array.from({ length: schema.minItems ?? 1 }, () => gen(schema.items));
      if (schema.type === "object" && schema.properties) {
        const out: Record<string, unknown> = {};
        for (const [k, sub] of Object.entries(schema.properties as Record<string, Json>)) {
          const required = (schema.required ?? []).includes(k);
          const generable =
            sub.enum || sub.type === "integer" || sub.pattern || sub.$ref || sub.type === "array";
          if (required || (generable && random() < 0.5)) out[k] = gen(sub);
        }
        // A field whose companion was not generated (dependentRequired) is left out too.
        for (const [k, needs] of Object.entries((schema.dependentRequired ?? {}) as Record<string, string[]>))
          if (needs.some((n) => out[n] === undefined)) delete out[k];
        // if/then/else over one enum field: add what `then` requires, drop what `else` forbids.
        for (const rule of (schema.allOf ?? (schema.if ? [schema] : [])) as Json[]) {
          const [field, cond] = Object.entries(rule.if.properties as Record<string, Json>)[0] as [
            string,
            Json,
          ];
          if ((cond.enum as unknown[]).includes(out[field]))
            for (const k of rule.then.required as string[]) out[k] ??= gen(schema.properties[k]);
          else for (const k of rule.else.not.required as string[]) delete out[k];
        }
        // What JSON Schema cannot say: a Bedrock task's id is its invocation ARN's last segment.
        if (out.invocationArn !== undefined) {
          out.taskId = String(out.taskId).replace(/[^A-Za-z0-9]/g, "") || "abc123";
          out.invocationArn = `arn:aws:bedrock:us-east-1:123456789012:async-invoke/${out.taskId}`;
          delete out.archive;
        }
        return out;
      }
      return {};
    };
    for (const [path, name] of [
      ["/tasks", "RegisterTask"],
      ["/tasks/batch", "RegisterBatch"],
    ] as const) {
      for (let i = 0; i < 200; i++) {
        const body = gen({ $ref: `#/components/schemas/${name}` });
        expect(validate({ $ref: `#/components/schemas/${name}` }, body)).toBe("");
        const res = await api.call("POST", path, { body });
        // 409 is a generated id reused with other settings: accepted as a request, refused as a contradiction.
        expect([200, 202, 409], `${path} ${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`).toContain(
          res.status,
        );
        // A batch answers 200 with a result per task: each is created, existing, or a 409 contradiction.
        for (const r of res.body.results ?? [])
          expect(r.result === "error" ? r.status : 409, JSON.stringify(r)).toBe(409);
      }
    }
  });

  test("error bodies validate against the documented Error schema, with documented statuses", async () => {
    const cases: Array<[string, string, Parameters<ApiHarness["call"]>[2]]> = [
      ["POST", "/tasks", { body: { taskId: "a", colour: "red" } }],
      ["POST", "/tasks", { body: { taskId: "a", deadlineSeconds: 1 } }],
      ["GET", "/tasks", { query: { cursor: "bm90LWEta2V5" } }],
      ["GET", "/tasks/no-such-task-here", {}],
      ["DELETE", "/tasks/no-such-task-here", {}],
      ["GET", "/subscriptions", { apiKeyId: TEST_CLIENT_KEY_ID }],
      ["POST", "/subscriptions", { body: { protocol: "pigeon", endpoint: "x" } }],
      ["DELETE", "/subscriptions/0d1f3b1e-1111-4c9a-9f5e-2b7c2f0a1b2c", {}],
      ["POST", "/tasks/batch", { body: { tasks: [] } }],
    ];
    for (const [method, path, opts] of cases) {
      const res = await api.call(method, path, opts);
      const template =
        path.startsWith("/tasks/") && path !== "/tasks/batch"
          ? "/tasks/{taskId}"
          : path.startsWith("/subscriptions/")
            ? "/subscriptions/{subscriptionId}"
            : path;
      expect(res.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(
        doc.paths[template][method.toLowerCase()].responses,
        `${method} ${path} ${res.status}`,
      ).toHaveProperty(String(res.status));
      expect(validate({ $ref: "#/components/schemas/Error" }, res.body), `${method} ${path}`).toBe("");
    }
  });
});
