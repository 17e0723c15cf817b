import * as v from "valibot";
import { parseInvocationArn } from "../core/bedrock-arn.js";
import { endpointProblem, isPublicHttpsUrl, RAW_PROTOCOLS, urlProblem } from "../core/endpoint-rules.js";
import {
  HEARTBEAT_MAX_SECONDS,
  HEARTBEAT_MIN_SECONDS,
  TASK_TOKEN_MAX_LENGTH,
} from "../core/step-functions-callback.js";
import { SUBSCRIBABLE_EVENTS } from "../core/subscription-filter.js";
import { TAG_KEY_PATTERN, TAG_KEY_RULE } from "../core/tag-attributes.js";
import { TASK_ID_PATTERN } from "../core/task-id.js";
import { ALL_TASK_STATUSES, kindSpec, needsInvocationArn, TASK_KINDS } from "../core/task-kinds.js";
import { isCleanText, isPrintableAscii } from "../core/text-rules.js";

/** Re-exported: the callback URL rule belongs beside the schemas that use it. */
export { isPublicHttpsUrl };

/*
 * Every body, path and query the API accepts. valibot rather than zod: it is tree-shaken to the
 * few validators used here, which keeps the api bundle small (bench/bundle-size.ts measures it).
 * Messages are written here; they never echo the caller's input.
 */

export { TASK_ID_PATTERN };
export const taskId = v.pipe(
  v.string(),
  v.regex(TASK_ID_PATTERN, "taskId must be 1-128 characters of A-Z, a-z, 0-9, _ or -"),
);

const tagKey = TAG_KEY_PATTERN;
export const MAX_TAGS = 10;
export const tags = v.pipe(
  v.record(v.string(), v.string()),
  v.check((t) => Object.keys(t).length <= MAX_TAGS, `at most ${MAX_TAGS} tags`),
  v.check((t) => Object.keys(t).every((k) => tagKey.test(k)), `tag keys ${TAG_KEY_RULE}`),
  v.check(
    (t) => Object.values(t).every((x) => x.length >= 1 && x.length <= 256 && isCleanText(x)),
    "tag values must be 1-256 characters of well-formed text (no control characters, lone surrogates or noncharacters such as U+FFFF)",
  ),
);

const MAX_DEADLINE_SECONDS = 30 * 24 * 3600;

/** Headers the notifier sets itself (or HTTP owns): a task's own headers may not name them. */
const RESERVED_HEADERS = new Set([
  "host",
  "content-type",
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "expect",
  "te",
  "trailer",
  "user-agent",
  "proxy-authorization",
  "proxy-connection",
]);
export const MAX_CALLBACK_HEADERS = 2;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/;

/** Up to two static headers for a task's webhooks (a receiver's own token), names lower-cased. */
export const callbackHeaders = v.pipe(
  v.record(v.string(), v.string()),
  v.description(
    "Up to 2 headers sent with each webhook (a receiver's own token). Stored sealed; never returned or logged. Needs callbackUrl.",
  ),
  v.check(
    (h) => Object.keys(h).length >= 1 && Object.keys(h).length <= MAX_CALLBACK_HEADERS,
    `callbackHeaders must hold 1 to ${MAX_CALLBACK_HEADERS} headers`,
  ),
  v.check(
    (h) => Object.keys(h).every((k) => HEADER_NAME.test(k)),
    "callbackHeaders names must be 1-64 characters valid in an HTTP header name",
  ),
  v.check(
    (h) =>
      Object.keys(h).every(
        (k) => !RESERVED_HEADERS.has(k.toLowerCase()) && !k.toLowerCase().startsWith("webhook-"),
      ),
    "callbackHeaders may not set webhook-*, content-*, host, user-agent or hop-by-hop headers",
  ),
  v.check(
    (h) => new Set(Object.keys(h).map((k) => k.toLowerCase())).size === Object.keys(h).length,
    "callbackHeaders names must differ in more than case",
  ),
  v.check(
    (h) => Object.values(h).every((x) => x.length >= 1 && x.length <= 1024 && isPrintableAscii(x)),
    "callbackHeaders values must be 1-1024 characters of printable ASCII (space to ~): other characters fail in HTTP headers",
  ),
  v.transform((h) => Object.fromEntries(Object.entries(h).map(([k, x]) => [k.toLowerCase(), x]))),
);

export function registerBody(allowLoopbackHttp: boolean) {
  return v.pipe(
    registerFields(allowLoopbackHttp),
    v.check(
      (b) => b.callbackHeaders === undefined || b.callbackUrl !== undefined,
      "callbackHeaders needs a callbackUrl",
    ),
    v.check(
      (b) => b.heartbeatSeconds === undefined || b.taskToken !== undefined,
      "heartbeatSeconds needs a taskToken",
    ),
    v.check(
      (b) => (b.indexId !== undefined) === kindSpec(b.kind ?? "embed").needsIndexId,
      `indexId is required for kind ${NEEDS_INDEX.join(", ")}, and only for ${NEEDS_INDEX.length > 1 ? "them" : "it"}`,
    ),
    v.check(
      (b) => (b.invocationArn !== undefined) === needsInvocationArn(b.kind ?? "embed"),
      "invocationArn is required for kind bedrock, and only for it",
    ),
    v.check(
      (b) => b.invocationArn === undefined || parseInvocationArn(b.invocationArn)?.id === b.taskId,
      "taskId must be the invocation id: the last segment of invocationArn",
    ),
  );
}

/** Kinds addressed inside an index (registration carries `indexId`). */
const NEEDS_INDEX = TASK_KINDS.filter((k) => kindSpec(k).needsIndexId);

function registerFields(allowLoopbackHttp: boolean) {
  return v.strictObject({
    taskId,
    kind: v.optional(v.picklist(TASK_KINDS, `kind must be one of ${TASK_KINDS.join(", ")}`)),
    deadlineSeconds: v.optional(
      v.pipe(
        v.number(),
        v.integer("deadlineSeconds must be a whole number"),
        v.minValue(10, "deadlineSeconds must be at least 10"),
        v.maxValue(MAX_DEADLINE_SECONDS, `deadlineSeconds must be at most ${MAX_DEADLINE_SECONDS} (30 days)`),
      ),
    ),
    tags: v.optional(tags),
    indexId: v.optional(
      v.pipe(
        v.string(),
        v.regex(TASK_ID_PATTERN, "indexId must be 1-128 characters of A-Z, a-z, 0-9, _ or -"),
        v.description("The index of an indexed-asset (required for that kind, refused for others)."),
      ),
    ),
    invocationArn: v.optional(
      v.pipe(
        v.string(),
        v.description(
          "A Bedrock async invocation's ARN, as StartAsyncInvoke returned it (required for kind bedrock, refused for others); taskId is its last segment.",
        ),
        v.check(
          (a) => parseInvocationArn(a) !== undefined,
          "invocationArn must be arn:aws:bedrock:<region>:<account>:async-invoke/<id>",
        ),
      ),
    ),
    callbackUrl: v.optional(
      v.pipe(
        v.string(),
        v.check(
          (s) => isPublicHttpsUrl(s, allowLoopbackHttp),
          (issue) =>
            `callbackUrl must be a public https URL without credentials: ${urlProblem(String(issue.input), allowLoopbackHttp)}`,
        ),
      ),
    ),
    callbackHeaders: v.optional(callbackHeaders),
    archive: v.optional(
      v.pipe(
        v.boolean(),
        v.description(
          "Keep the task's result in the stage's bucket when it is ready; its task.ready event then names the object (task.result). Default: the stage's archive.default.",
        ),
      ),
    ),
    taskToken: v.optional(
      v.pipe(
        v.string(),
        v.description(
          "A Step Functions task token (a Standard workflow's .waitForTaskToken, $$.Task.Token): SendTaskSuccess with the event when the task is ready, SendTaskFailure (TwelveLabs.TaskFailed, TwelveLabs.TaskTimedOut, TwelveLabs.TaskNotFound) otherwise. A known task takes a new token as one more waiter (at most 10). Stored sealed; never returned or logged.",
        ),
        v.check(
          (t) => t.length >= 1 && t.length <= TASK_TOKEN_MAX_LENGTH && isPrintableAscii(t),
          `taskToken must be 1-${TASK_TOKEN_MAX_LENGTH} characters of printable ASCII, as Step Functions issues them`,
        ),
      ),
    ),
    heartbeatSeconds: v.optional(
      v.pipe(
        v.number(),
        v.description(
          "The waiting state's HeartbeatSeconds: SendTaskHeartbeat every third of it until the task ends. Needs taskToken.",
        ),
        v.integer("heartbeatSeconds must be a whole number"),
        v.minValue(HEARTBEAT_MIN_SECONDS, `heartbeatSeconds must be at least ${HEARTBEAT_MIN_SECONDS}`),
        v.maxValue(
          HEARTBEAT_MAX_SECONDS,
          `heartbeatSeconds must be at most ${HEARTBEAT_MAX_SECONDS} (a year)`,
        ),
      ),
    ),
  });
}

/** PATCH /tasks/{taskId}: the settings to change (the same rules as at registration); null removes the callback. */
export function patchBody(allowLoopbackHttp: boolean) {
  const f = registerFields(allowLoopbackHttp).entries;
  return v.pipe(
    v.strictObject({
      tags: f.tags,
      deadlineSeconds: f.deadlineSeconds,
      callbackUrl: v.optional(v.nullable(v.unwrap(f.callbackUrl))),
      callbackHeaders: v.optional(v.nullable(v.unwrap(f.callbackHeaders))),
      archive: f.archive,
    }),
    v.check(
      (b) => Object.keys(b).length > 0,
      "give at least one of tags, deadlineSeconds, callbackUrl, callbackHeaders, archive",
    ),
    v.check(
      (b) => !(b.callbackUrl === null && b.callbackHeaders !== undefined && b.callbackHeaders !== null),
      "callbackHeaders cannot be set while removing the callbackUrl",
    ),
  );
}

/** POST /tasks/{taskId}/redeliver: which kept event (default: the newest). */
export const redeliverBody = v.strictObject({
  eventId: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,256}$/, "eventId is not a valid event id")),
  ),
});

export const MAX_BATCH = 100;
/** The batch envelope; each item is then checked with registerBody on its own. */
export const batchBody = v.strictObject({
  tasks: v.pipe(
    v.array(v.unknown()),
    v.minLength(1, "tasks must hold at least one task"),
    v.maxLength(MAX_BATCH, `tasks must hold at most ${MAX_BATCH} tasks`),
  ),
});

export const listQuery = v.strictObject({
  status: v.optional(v.picklist(ALL_TASK_STATUSES, `status must be one of ${ALL_TASK_STATUSES.join(", ")}`)),
  kind: v.optional(v.picklist(TASK_KINDS, `kind must be one of ${TASK_KINDS.join(", ")}`)),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, "limit must be a whole number from 1 to 100"),
      v.transform(Number),
      v.minValue(1, "limit must be a whole number from 1 to 100"),
      v.maxValue(100, "limit must be a whole number from 1 to 100"),
    ),
  ),
  // Checked whole by the listing (400 invalid_cursor, naming the filter a cursor belongs to).
  cursor: v.optional(v.string()),
});

export function subscriptionBody(allowLoopbackHttp: boolean, tagAttributes: readonly string[]) {
  const protocols = allowLoopbackHttp
    ? (["email", "sms", "https", "sqs", "lambda", "http"] as const)
    : (["email", "sms", "https", "sqs", "lambda"] as const);
  return v.pipe(
    v.strictObject({
      protocol: v.picklist(protocols, `protocol must be one of ${protocols.join(", ")}`),
      endpoint: v.pipe(v.string(), v.maxLength(2048, "endpoint is too long")),
      rawDelivery: v.optional(
        v.pipe(
          v.boolean(),
          v.description(
            "sqs and https only: deliver the event JSON itself rather than SNS's envelope (default false)",
          ),
        ),
      ),
      events: v.optional(
        v.pipe(
          v.array(v.picklist(SUBSCRIBABLE_EVENTS, `events must be among ${SUBSCRIBABLE_EVENTS.join(", ")}`)),
          v.minLength(1, "events must not be empty"),
        ),
      ),
      kinds: v.optional(
        v.pipe(
          v.array(v.picklist(TASK_KINDS, `kinds must be among ${TASK_KINDS.join(", ")}`)),
          v.minLength(1, "kinds must not be empty"),
        ),
      ),
      tags: v.optional(
        v.pipe(
          tags,
          v.check(
            (t) => Object.keys(t).every((k) => tagAttributes.includes(k)),
            tagAttributes.length > 0
              ? `tag filters can use only these keys: ${tagAttributes.join(", ")}`
              : "tag filters are not enabled on this deployment (no tag attributes configured)",
          ),
        ),
      ),
    }),
    v.check(
      (b) => !b.rawDelivery || RAW_PROTOCOLS.has(b.protocol),
      "rawDelivery is for sqs and https subscriptions only (SNS delivers email, SMS and Lambda its own way)",
    ),
    v.check(
      (b) => endpointProblem(b.protocol, b.endpoint, allowLoopbackHttp) === undefined,
      (issue) => {
        const b = issue.input as { protocol: string; endpoint: string };
        return `endpoint is refused for ${b.protocol}: ${endpointProblem(b.protocol, b.endpoint, allowLoopbackHttp)}`;
      },
    ),
  );
}

export const subscriptionId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9-]{1,100}$/, "subscription id is not valid"),
);
