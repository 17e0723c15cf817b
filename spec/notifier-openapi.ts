import { writeFileSync } from "node:fs";
import { toJsonSchema } from "@valibot/to-json-schema";
import type * as v from "valibot";
import { DEFAULT_TAG_ATTRIBUTES } from "../functions/core/deployment-defaults.js";
import { WAITER_STATES } from "../functions/core/step-functions-callback.js";
import { ALL_TASK_STATUSES, kindSpec, needsInvocationArn, TASK_KINDS } from "../functions/core/task-kinds.js";
import { ATTEMPT_OUTCOMES } from "../functions/core/webhook-delivery.js";
import { API_ROUTES } from "../functions/http/routes.js";
import {
  batchBody,
  listQuery,
  patchBody,
  redeliverBody,
  registerBody,
  subscriptionBody,
  subscriptionId,
  taskId,
} from "../functions/http/schemas.js";

/*
 * The notifier's own API as an OpenAPI 3.1 document, derived from the schemas the API validates
 * with (functions/http/schemas.ts) and its route table, so the two cannot drift:
 * `npm run openapi` writes spec/notifier-api.openapi.json, which the API serves at GET /openapi.json
 * and test/contract/notifier-openapi.test.ts holds to the code in both directions.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON Schema documents are arbitrary JSON.
type Json = any;

function schemaOf(s: v.GenericSchema): Json {
  // Checks written as functions (a URL's host, an endpoint per protocol) have no JSON Schema form:
  // their rules are in the field descriptions instead.
  const { $schema: _ignored, ...rest } = toJsonSchema(s, { errorMode: "ignore" }) as Json;
  return rest;
}

const error: Json = {
  type: "object",
  required: ["error"],
  additionalProperties: false,
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      additionalProperties: false,
      properties: {
        code: { type: "string", description: "Machine-readable; see the README's table of codes." },
        message: { type: "string", description: "For people; never echoes the request." },
      },
    },
  },
};

const iso = { type: "string", format: "date-time" };
const task: Json = {
  type: "object",
  required: [
    "taskId",
    "kind",
    "status",
    "history",
    "metadata",
    "tags",
    "registeredAt",
    "checks",
    "deadlineAt",
    "links",
  ],
  properties: {
    taskId: { type: "string" },
    kind: { enum: [...TASK_KINDS] },
    source: {
      enum: ["registered", "discovered"],
      description: "discovered: found by watching the account; registering it makes it registered.",
    },
    indexId: { type: "string", description: "The index of an indexed-asset." },
    invocationArn: { type: "string", description: "A Bedrock async invocation's ARN (kind bedrock)." },
    status: { enum: [...ALL_TASK_STATUSES] },
    history: {
      type: "array",
      items: {
        type: "object",
        required: ["status", "at"],
        properties: { status: { enum: [...ALL_TASK_STATUSES] }, at: iso },
      },
    },
    modelName: { type: "string" },
    metadata: {
      type: "object",
      description:
        "What TwelveLabs (or Bedrock) reported: durationSec, filename, createdAt, ...; remoteStatus where the service's word differs (a batch's completed, canceled, expired; Bedrock's InProgress, Completed, Failed); items of an analysis batch; modelArn and outputUri of a Bedrock invocation.",
    },
    error: { type: "string", description: "Why a task failed, timed out or was not found." },
    tags: { type: "object", additionalProperties: { type: "string" } },
    callbackUrl: { type: "string" },
    callbackHeaderNames: {
      type: "array",
      items: { type: "string" },
      description: "Names of the headers sent with each webhook; their values are never shown.",
    },
    webhook: {
      type: "object",
      description:
        "Present when the task has a callbackUrl: its state and the newest 20 attempts, oldest first.",
      required: ["attempts"],
      properties: {
        disabledAt: { ...iso, description: "Set when the receiver answered 410 Gone: no more deliveries." },
        attempts: {
          type: "array",
          items: {
            type: "object",
            required: ["at", "eventId", "attempt", "outcome", "durationMs"],
            properties: {
              at: iso,
              eventId: { type: "string" },
              attempt: { type: "integer", minimum: 1 },
              outcome: { enum: [...ATTEMPT_OUTCOMES] },
              status: { type: "integer", description: "The receiver's HTTP status" },
              error: {
                enum: [
                  "timeout",
                  "connection",
                  "tls",
                  "dns",
                  "refused_address",
                  "not_https",
                  "invalid_url",
                  "headers_unreadable",
                ],
                description:
                  "Why there was no HTTP status (headers_unreadable: the task's callback headers did not open with the header keys; nothing was sent and no attempt spent)",
              },
              durationMs: { type: "integer", minimum: 0 },
              nextAttemptAt: iso,
              redelivery: { type: "boolean" },
            },
          },
        },
      },
    },
    archive: {
      type: "boolean",
      description: "The result is kept in the stage's bucket once the task is ready.",
    },
    result: {
      type: "object",
      description:
        "An archived task's result once it is ready: pending while it is stored (the ready event waits for it), then stored (where, size, SHA-256) or failed (why).",
      required: ["state", "attempts"],
      properties: {
        state: { enum: ["pending", "stored", "failed"] },
        attempts: { type: "integer", minimum: 0 },
        uri: { type: "string", description: "s3://bucket/<stage>/<kind>/<taskId>/<registeredAt>.json" },
        bytes: { type: "integer", minimum: 0 },
        sha256: { type: "string" },
        contentType: { type: "string" },
        error: { type: "string", description: "Why the last store failed" },
      },
    },
    callback: {
      type: "object",
      description:
        "Present when Step Functions task tokens wait on the task (taskToken): state waiting while any waits, else the newest waiter's; waiters are named by an id derived from the token, never the token.",
      required: ["type", "state", "attempts", "waiters"],
      properties: {
        type: { const: "stepfunctions" },
        state: { enum: [...WAITER_STATES] },
        attempts: {
          type: "integer",
          minimum: 0,
          description: "Calls Step Functions did not accept, all waiters.",
        },
        waiters: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "state", "attempts", "addedAt"],
            properties: {
              id: { type: "string" },
              state: {
                enum: [...WAITER_STATES],
                description:
                  "succeeded / failed: SendTaskSuccess / SendTaskFailure accepted; rejected: Step Functions refused the token (error: TaskTimedOut, InvalidToken, TaskDoesNotExist); gave_up: every retry failed",
              },
              attempts: { type: "integer", minimum: 0 },
              heartbeatSeconds: { type: "integer" },
              error: {
                type: "string",
                description: "Step Functions' error name of the last refused or failed call",
              },
              addedAt: iso,
              endedAt: iso,
            },
          },
        },
        dropped: {
          type: "array",
          description: "Waiters an eleventh token pushed out (at most 10 wait on a task).",
          items: {
            type: "object",
            required: ["id", "droppedAt"],
            properties: { id: { type: "string" }, droppedAt: iso },
          },
        },
      },
    },
    setAsideEvents: {
      type: "array",
      description:
        "Events that could never be published (SNS refused their content), set aside so they block no other event; the EventsSetAside alarm fires for each.",
      items: {
        type: "object",
        required: ["eventId", "type", "reason", "at"],
        properties: {
          eventId: { type: "string" },
          type: { type: "string" },
          reason: { type: "string" },
          at: iso,
        },
      },
    },
    registeredAt: iso,
    lastCheckedAt: iso,
    dueAt: { ...iso, description: "When the task is checked next; absent once it has ended." },
    checks: { type: "integer", minimum: 0 },
    deadlineAt: iso,
    finishedAt: iso,
    links: {
      type: "object",
      required: ["status", "result"],
      properties: { status: { type: "string" }, result: { type: "string" } },
    },
  },
};

const subscription: Json = {
  type: "object",
  required: ["id", "protocol", "endpoint", "pendingConfirmation"],
  properties: {
    id: { type: "string" },
    protocol: { type: "string" },
    endpoint: { type: "string" },
    pendingConfirmation: { type: "boolean" },
    filterPolicy: {
      type: "object",
      description:
        "The SNS filter policy on message attributes (eventType, kind, tag.<key>); absent while a subscription awaits confirmation",
    },
  },
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: string, example: Json) => ({
  required: true,
  content: { "application/json": { schema: ref(name), example } },
});
const ok = (description: string, schema: Json) => ({
  description,
  content: { "application/json": { schema } },
});
const err = (description: string) => ({
  description,
  content: { "application/json": { schema: ref("Error") } },
});
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      err(
        {
          400: "Malformed request (unknown field or parameter, wrong type, invalid cursor)",
          401: "TL-Signature missing, not matching the body, or outside its 5-minute window: nothing changed",
          403: "Missing or wrong API key, or a subscription route without the admin key",
          404: "Unknown task, subscription, event or route",
          409: "Conflicts with what is stored, a limit, a pending announcement, or no callbackUrl to redeliver to",
          413: "Body over 64 KiB",
          415: "Body not sent as application/json",
          422: "A value breaks a rule (the message says which and what to fix), or a subscription filter exceeds SNS's limits (filter_too_complex)",
          429: "Usage plan throttle or quota (API Gateway)",
          500: "Unexpected failure; details only in the function's log",
          503: "A part of the stage this route needs is not set up (the message says which)",
        }[c] ?? "Error",
      ),
    ]),
  );

const security = (access: string) =>
  access === "public" ? [] : access === "admin" ? [{ adminKey: [] }] : [{ clientKey: [] }, { adminKey: [] }];
const taskIdParam = { name: "taskId", in: "path", required: true, schema: schemaOf(taskId) };
const subscriptionIdParam = {
  name: "subscriptionId",
  in: "path",
  required: true,
  schema: schemaOf(subscriptionId),
};
const listParams = [
  ...Object.entries(schemaOf(listQuery).properties as Record<string, Json>).map(([name, schema]) => ({
    name,
    in: "query",
    required: false,
    schema,
  })),
  {
    // One parameter per tag, named by its key: tag.team=video&tag.run=7 (all must match).
    name: "tag.{key}",
    in: "query",
    required: false,
    description:
      "Only tasks carrying this tag: the parameter is named tag.<key> (tag.team=video); several must all match. Reads stay proportional to the page (a tag index).",
    schema: { type: "string", minLength: 1, maxLength: 256 },
  },
];

const OPERATIONS: Record<string, Json> = {
  "GET /openapi.json": {
    summary: "This document",
    responses: { 200: ok("The OpenAPI document", { type: "object" }) },
  },
  "POST /tasks": {
    summary: "Watch a TwelveLabs task",
    requestBody: body("RegisterTask", {
      taskId: "6641c0efc70bb578439bd909",
      kind: "embed",
      tags: { team: "video" },
      callbackUrl: "https://hooks.example.com/twelvelabs",
      callbackHeaders: { authorization: "Bearer receiver-token" },
    }),
    responses: {
      200: ok("Already watched with the same settings (idempotent)", ref("Task")),
      202: ok("Now watched; checked within a pass", ref("Task")),
      ...errors(400, 403, 409, 413, 415, 422, 429, 500),
    },
  },
  "GET /tasks": {
    summary: "A page of tasks, newest first when filtered (status, kind, tag.<key>)",
    parameters: listParams,
    responses: {
      200: ok("A page", {
        type: "object",
        required: ["items", "cursor"],
        properties: { items: { type: "array", items: ref("Task") }, cursor: { type: ["string", "null"] } },
      }),
      ...errors(400, 403, 422, 429, 500),
    },
  },
  "POST /tasks/batch": {
    summary: "Watch up to 100 tasks",
    requestBody: body("RegisterBatch", {
      tasks: [{ taskId: "6641c0efc70bb578439bd90a" }, { taskId: "6641c0efc70bb578439bd90b", kind: "index" }],
    }),
    responses: {
      200: ok("One result per task, in order", {
        type: "object",
        required: ["results"],
        properties: {
          results: {
            type: "array",
            items: {
              type: "object",
              required: ["index", "result"],
              properties: {
                index: { type: "integer" },
                result: { enum: ["created", "existing", "error"] },
                task: ref("Task"),
                status: { type: "integer" },
                error: error.properties.error,
              },
            },
          },
        },
      }),
      ...errors(400, 403, 413, 415, 422, 429, 500),
    },
  },
  "GET /tasks/{taskId}": {
    summary: "A task: status, history, checks, deadline, links",
    parameters: [taskIdParam],
    responses: { 200: ok("The task", ref("Task")), ...errors(400, 403, 404, 422, 429, 500) },
  },
  "GET /tasks/{taskId}/result": {
    summary: "The archived result: a redirect to a presigned S3 GET, valid 15 minutes",
    parameters: [taskIdParam],
    responses: {
      307: {
        description: "Where the stored result is (the JSON TwelveLabs returned, byte for byte)",
        headers: { location: { description: "A presigned S3 GET URL", schema: { type: "string" } } },
      },
      ...errors(400, 403, 404, 409, 422, 429, 500),
    },
  },
  "POST /tasks/{taskId}/redeliver": {
    summary: "Send a task's webhook event again, signed afresh (the newest, or the one named)",
    parameters: [taskIdParam],
    requestBody: {
      required: false,
      content: {
        "application/json": {
          schema: ref("Redeliver"),
          example: { eventId: "6641c0efc70bb578439bd909.rmig9k1s0.v4.ready" },
        },
      },
    },
    responses: {
      202: ok("Queued for delivery", {
        type: "object",
        required: ["taskId", "eventId", "status"],
        properties: { taskId: { type: "string" }, eventId: { type: "string" }, status: { const: "queued" } },
      }),
      ...errors(400, 403, 404, 409, 413, 415, 422, 429, 500),
    },
  },
  "POST /twelvelabs/webhooks": {
    summary:
      "Receive TwelveLabs' own webhooks (index.task.*, analyze.task.*): set this URL in TwelveLabs' dashboard; no key, the TL-Signature header is checked",
    description:
      'The raw body is verified against `TL-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` with the secret kept in the stage\'s Secrets Manager secret (output TwelveLabsWebhookSecretName), within 5 minutes of `t`. A verified event makes its task due at once: the poller asks TwelveLabs for the status (the event itself changes no status). A replayed event id is acknowledged and does nothing.',
    parameters: [
      {
        name: "TL-Signature",
        in: "header",
        required: true,
        schema: { type: "string", pattern: "^t=\\d+,v1=[0-9a-f]{64}" },
      },
    ],
    requestBody: {
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            required: ["id", "type", "data"],
            properties: {
              id: { type: "string" },
              type: { type: "string", examples: ["index.task.ready", "analyze.task.failed"] },
              created_at: { type: "string" },
              data: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
            },
          },
          example: {
            id: "whe_0123456789",
            created_at: "2026-12-01T12:00:00Z",
            type: "index.task.ready",
            data: { id: "6641c0efc70bb578439bd909", status: "ready" },
          },
        },
      },
    },
    responses: {
      200: ok(
        "Received: what it did (checking, ended, adopted, not_watched, ignored) or that it was a duplicate",
        {
          type: "object",
          required: ["received"],
          properties: {
            received: { const: true },
            duplicate: { type: "boolean" },
            outcome: { enum: ["checking", "ended", "adopted", "not_watched", "ignored"] },
          },
        },
      ),
      ...errors(400, 401, 413, 429, 500, 503),
    },
  },
  "PATCH /tasks/{taskId}": {
    summary:
      "Change a task's tags, deadline, callback or archiving in place (tags at any time; the rest while the task runs)",
    parameters: [taskIdParam],
    requestBody: body("UpdateTask", { tags: { team: "search" }, deadlineSeconds: 14400 }),
    responses: {
      200: ok("The task as changed", ref("Task")),
      ...errors(400, 403, 404, 409, 413, 415, 422, 429, 500, 503),
    },
  },
  "DELETE /tasks/{taskId}": {
    summary: "Stop watching a task",
    parameters: [taskIdParam],
    responses: { 204: { description: "No longer watched" }, ...errors(400, 403, 404, 409, 422, 429, 500) },
  },
  "POST /subscriptions": {
    summary: "Subscribe an email address, phone number or HTTPS endpoint (admin key)",
    requestBody: body("Subscribe", {
      protocol: "email",
      endpoint: "me@example.com",
      events: ["failed", "timed_out"],
    }),
    responses: {
      200: ok("Already subscribed with this filter: the existing subscription", ref("Subscription")),
      201: ok("Subscribed (email and HTTPS confirm first)", ref("Subscription")),
      ...errors(400, 403, 409, 413, 415, 422, 429, 500),
    },
  },
  "GET /subscriptions": {
    summary: "This stage's subscriptions (admin key)",
    responses: {
      200: ok("Every subscription", {
        type: "object",
        required: ["items"],
        properties: { items: { type: "array", items: ref("Subscription") } },
      }),
      ...errors(400, 403, 429, 500),
    },
  },
  "DELETE /subscriptions/{subscriptionId}": {
    summary: "Unsubscribe (admin key)",
    parameters: [subscriptionIdParam],
    responses: { 204: { description: "Unsubscribed" }, ...errors(400, 403, 404, 422, 429, 500) },
  },
};

export function notifierOpenApiDocument(): Json {
  const paths: Json = {};
  for (const route of API_ROUTES) {
    const op = OPERATIONS[`${route.method} ${route.template}`];
    if (!op)
      throw new Error(
        `the route ${route.method} ${route.template} has no description in spec/notifier-openapi.ts`,
      );
    paths[route.template] ??= {};
    paths[route.template][route.method.toLowerCase()] = { ...op, security: security(route.access) };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "TwelveLabs task notifier API",
      version: "1",
      description:
        "Register TwelveLabs task ids and get notified when they finish. Two API keys: the client key reaches the task routes, the admin key every route.",
    },
    servers: [
      {
        url: "https://{restApiId}.execute-api.{region}.amazonaws.com/v1",
        variables: { restApiId: { default: "abc123" }, region: { default: "eu-west-1" } },
      },
      { url: "http://127.0.0.1:3000", description: "npm start" },
    ],
    security: [{ clientKey: [] }, { adminKey: [] }],
    paths,
    components: {
      securitySchemes: {
        clientKey: {
          type: "apiKey",
          in: "header",
          name: "x-api-key",
          description: "The stage's client key (output ClientApiKeyId): task routes.",
        },
        adminKey: {
          type: "apiKey",
          in: "header",
          name: "x-api-key",
          description: "The stage's admin key (output AdminApiKeyId): every route.",
        },
      },
      schemas: {
        RegisterTask: {
          ...schemaOf(registerBody(false)),
          // The cross-field rules JSON Schema can say: indexId with the kinds addressed in an index,
          // invocationArn with Bedrock's; each only there. (That taskId is the ARN's last segment it cannot.)
          allOf: [
            {
              if: {
                properties: { kind: { enum: TASK_KINDS.filter((k) => kindSpec(k).needsIndexId) } },
                required: ["kind"],
              },
              // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a thenable.
              then: { required: ["indexId"] },
              else: { not: { required: ["indexId"] } },
            },
            {
              if: {
                properties: { kind: { enum: TASK_KINDS.filter((k) => needsInvocationArn(k)) } },
                required: ["kind"],
              },
              // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else, not a thenable.
              then: { required: ["invocationArn"] },
              else: { not: { required: ["invocationArn"] } },
            },
          ],
          // Fields that only mean something beside another.
          dependentRequired: { callbackHeaders: ["callbackUrl"], heartbeatSeconds: ["taskToken"] },
        },
        RegisterBatch: {
          ...schemaOf(batchBody),
          properties: { tasks: { ...schemaOf(batchBody).properties.tasks, items: ref("RegisterTask") } },
        },
        Subscribe: schemaOf(subscriptionBody(false, DEFAULT_TAG_ATTRIBUTES)),
        Task: task,
        UpdateTask: schemaOf(patchBody(false)),
        Redeliver: schemaOf(redeliverBody),
        Subscription: subscription,
        Error: error,
      },
    },
  };
}

// `npm run openapi`: write the document beside this file.
if (import.meta.url === `file://${process.argv[1]}`) {
  const out = new URL("./notifier-api.openapi.json", import.meta.url);
  writeFileSync(out, `${JSON.stringify(notifierOpenApiDocument(), null, 2)}\n`);
  console.log(`wrote ${out.pathname}`);
}
