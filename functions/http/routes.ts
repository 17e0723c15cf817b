import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";
import notifierOpenApi from "../../spec/notifier-api.openapi.json" with { type: "json" };
import { regionOfArn } from "../core/bedrock-arn.js";
import {
  ArchiveNotApplicableError,
  ConflictError,
  DomainError,
  EventsPendingError,
  InvalidCursorError,
  NotFoundError,
} from "../core/domain-errors.js";
import { buildEvent, type TaskEvent } from "../core/events.js";
import {
  type CallbackQueue,
  type HeaderSealer,
  headerBinding,
  type ListFilter,
  type SubscriptionRegistry,
  type TaskStore,
  type WebhookLog,
  type WebhookQueue,
} from "../core/ports.js";
import {
  type RegisterOutcome,
  type RegisterRequest,
  registerTask,
  sameRecord,
} from "../core/register-task.js";
import {
  endsWaiters,
  heartbeatPeriodSeconds,
  tokenBinding,
  type Waiter,
  waiterId,
} from "../core/step-functions-callback.js";
import {
  describePolicyDifference,
  filterPolicyFor,
  filterPolicyProblem,
  samePolicy,
} from "../core/subscription-filter.js";
import { type SubscriptionLimits, subscriptionProblem } from "../core/subscription-limits.js";
import type { Task } from "../core/task.js";
import { writesOwnOutput } from "../core/task-kinds.js";
import { ownOutputError, type TaskChanges, updateTask } from "../core/update-task.js";
import { errorResponse, HttpError, json, noContent, redirect } from "./http.js";
import {
  batchBody,
  listQuery,
  patchBody,
  redeliverBody,
  registerBody,
  subscriptionBody,
  subscriptionId,
  tags,
  taskId,
} from "./schemas.js";
import { taskView } from "./task-view.js";
import { receiveTwelveLabsWebhook, type TwelveLabsWebhookDeps } from "./twelvelabs-webhook-route.js";
import { parseInput } from "./validation.js";

export interface ApiDeps {
  store: TaskStore;
  subscriptions: SubscriptionRegistry;
  now: () => number;
  defaultDeadlineSeconds: number;
  tagAttributes: readonly string[];
  /** Local mode only: accept http(s) loopback endpoints and callbacks. */
  allowLoopbackHttp: boolean;
  /** TwelveLabs' API base URL, for the links a task view carries. */
  twelvelabsBaseUrl: string;
  /** What subscriptions this stage allows. */
  subscriptionLimits: SubscriptionLimits;
  /** API Gateway's id of the admin key (`requestContext.identity.apiKeyId` of admin requests). */
  adminApiKeyId: string;
  /** Told about unexpected failures (logged; the caller sees a bare 500). */
  onInternalError: (err: unknown) => void;
  /** Seals callbackHeaders (its key is read on first use); without it they are refused. */
  headerSealer?: () => Promise<HeaderSealer>;
  /** The webhook side, for POST /tasks/{taskId}/redeliver. */
  webhooks?: { log: WebhookLog; queue: WebhookQueue };
  /** The Step Functions callback queue: without it, taskToken is refused (503). */
  stepFunctions?: { queue: CallbackQueue };
  /** The stage, named in events built for tokens registered after their task ended. */
  stage: string;
  /** The results bucket (a stage that keeps results): archive is refused without it. */
  results?: { presign(uri: string): Promise<string>; archiveDefault: boolean };
  /** Regions whose Bedrock invocations may be registered; absent or empty: kind bedrock is refused. */
  bedrockRegions?: readonly string[];
  /** TwelveLabs' own webhooks (POST /twelvelabs/webhooks); absent: that route answers 503. */
  tlWebhooks?: TwelveLabsWebhookDeps;
}

/** How long a result's presigned URL is valid. */
export const RESULT_URL_SECONDS = 900;

export const MAX_BODY_BYTES = 64 * 1024;

type Handler = (deps: ApiDeps, req: Request) => Promise<APIGatewayProxyResult>;
interface Request {
  params: string[];
  query: Record<string, string>;
  body: () => unknown;
  /** False when the request came without a body (some routes take an optional one). */
  hasBody: boolean;
  /** The body exactly as sent (signatures are over these bytes). */
  rawBody: () => string;
  header: (name: string) => string | undefined;
}

/**
 * Which key a route needs: the client key reaches the task routes, the admin key every route;
 * public routes need none (API Gateway lets them through without a key too).
 */
export type Access = "public" | "client" | "admin";

interface Route {
  method: string;
  /** The path as the OpenAPI document writes it. */
  template: string;
  pattern: RegExp;
  handle: Handler;
  access: Access;
}

const ROUTES: Route[] = [
  {
    method: "GET",
    template: "/openapi.json",
    pattern: /^\/openapi\.json$/,
    handle: openApi,
    access: "public",
  },
  {
    method: "POST",
    template: "/tasks/batch",
    pattern: /^\/tasks\/batch$/,
    handle: registerBatch,
    access: "client",
  },
  {
    method: "POST",
    template: "/twelvelabs/webhooks",
    pattern: /^\/twelvelabs\/webhooks$/,
    // No key: TwelveLabs cannot send one. The signature over the raw body is the check.
    handle: (deps, req) =>
      receiveTwelveLabsWebhook(deps, { rawBody: req.rawBody(), signature: req.header("tl-signature") }),
    access: "public",
  },
  { method: "POST", template: "/tasks", pattern: /^\/tasks$/, handle: registerOne, access: "client" },
  { method: "GET", template: "/tasks", pattern: /^\/tasks$/, handle: listTasks, access: "client" },
  {
    method: "GET",
    template: "/tasks/{taskId}",
    pattern: /^\/tasks\/([^/]+)$/,
    handle: getTask,
    access: "client",
  },
  {
    method: "GET",
    template: "/tasks/{taskId}/result",
    pattern: /^\/tasks\/([^/]+)\/result$/,
    handle: getResult,
    access: "client",
  },
  {
    method: "POST",
    template: "/tasks/{taskId}/redeliver",
    pattern: /^\/tasks\/([^/]+)\/redeliver$/,
    handle: redeliver,
    access: "client",
  },
  {
    method: "PATCH",
    template: "/tasks/{taskId}",
    pattern: /^\/tasks\/([^/]+)$/,
    handle: patchTask,
    access: "client",
  },
  {
    method: "DELETE",
    template: "/tasks/{taskId}",
    pattern: /^\/tasks\/([^/]+)$/,
    handle: deleteTask,
    access: "client",
  },
  {
    method: "POST",
    template: "/subscriptions",
    pattern: /^\/subscriptions$/,
    handle: subscribe,
    access: "admin",
  },
  {
    method: "GET",
    template: "/subscriptions",
    pattern: /^\/subscriptions$/,
    handle: listSubscriptions,
    access: "admin",
  },
  {
    method: "DELETE",
    template: "/subscriptions/{subscriptionId}",
    pattern: /^\/subscriptions\/([^/]+)$/,
    handle: unsubscribe,
    access: "admin",
  },
];

/** Every route: method, path template and the key it needs (the OpenAPI document is checked against it). */
export const API_ROUTES: ReadonlyArray<{ method: string; template: string; access: Access }> = ROUTES.map(
  ({ method, template, access }) => ({ method, template, access }),
);

/**
 * Where the task routes are served again for IAM (SigV4) callers: `/iam/tasks…`, methods with
 * AWS_IAM authorization and no API key (API Gateway cannot take either on one method).
 */
export const IAM_PREFIX = "/iam";

/** Routes an API Gateway proxy event; every failure becomes a JSON error with the right status. */
export async function route(deps: ApiDeps, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  try {
    const method = (event.httpMethod ?? "").toUpperCase();
    const full = normalisePath(event.path ?? "/");
    // An IAM call reaches the task routes only, and only as a principal API Gateway authenticated.
    const viaIam = full.startsWith(`${IAM_PREFIX}/`);
    const path = viaIam ? full.slice(IAM_PREFIX.length) : full;
    const matches = ROUTES.filter((r) => r.pattern.test(path) && (!viaIam || r.access === "client"));
    if (matches.length === 0) throw new HttpError(404, "route_not_found", "no such route");
    const r = matches.find((m) => m.method === method);
    if (!r) {
      const allowed = matches.map((m) => m.method);
      throw new HttpError(
        405,
        "method_not_allowed",
        `${method || "this method"} is not allowed on ${matches[0]?.template}: use ${allowed.join(" or ")}`,
        { allow: allowed.join(", ") },
      );
    }
    if (r.access === "admin" && event.requestContext?.identity?.apiKeyId !== deps.adminApiKeyId)
      throw new HttpError(403, "admin_key_required", "this route needs the admin API key");
    const identity = event.requestContext?.identity;
    if (viaIam && !identity?.userArn && !identity?.caller)
      throw new HttpError(403, "iam_required", "routes under /iam take IAM (SigV4) signed calls only");
    const params = (r.pattern.exec(path) as RegExpExecArray).slice(1).map(decodeParam);
    const query = singleQuery(event);
    let parsed: { value: unknown } | undefined;
    return await r.handle(deps, {
      params,
      query,
      hasBody: (event.body ?? "") !== "",
      rawBody: () =>
        event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? ""),
      header: (name) => headerOf(event, name),
      body: () => {
        parsed ??= { value: readJsonBody(event) };
        return parsed.value;
      },
    });
  } catch (err) {
    return toResponse(deps, err);
  }
}

/** The one mapping of domain errors to HTTP statuses (by class, never by message). */
const DOMAIN_ERROR_STATUS: ReadonlyArray<[new (...args: never[]) => DomainError, number]> = [
  [NotFoundError, 404],
  [ConflictError, 409],
  [EventsPendingError, 409],
  [InvalidCursorError, 400],
  [ArchiveNotApplicableError, 422],
];

/** The status and error body for any failure; unexpected ones are reported and answered without internals. */
function errorOf(
  deps: ApiDeps,
  err: unknown,
): { status: number; code: string; message: string; headers?: Record<string, string> } {
  if (err instanceof HttpError)
    return { status: err.status, code: err.code, message: err.message, headers: err.headers };
  if (err instanceof DomainError) {
    const status = DOMAIN_ERROR_STATUS.find(([cls]) => err instanceof cls)?.[1] ?? 400;
    return { status, code: err.code, message: err.message };
  }
  deps.onInternalError(err);
  return { status: 500, code: "internal_error", message: "internal error" };
}

function toResponse(deps: ApiDeps, err: unknown): APIGatewayProxyResult {
  const e = errorOf(deps, err);
  return errorResponse(e.status, e.code, e.message, e.headers);
}

function normalisePath(path: string): string {
  const p = path.replace(/\/+$/, "");
  return p === "" ? "/" : p;
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, "invalid_path", "path parameter is not valid URL encoding");
  }
}

function singleQuery(event: APIGatewayProxyEvent): Record<string, string> {
  const multi = event.multiValueQueryStringParameters ?? {};
  const single = event.queryStringParameters ?? {};
  const out: Record<string, string> = {};
  for (const key of new Set([...Object.keys(multi), ...Object.keys(single)])) {
    const values = multi[key] ?? (single[key] !== undefined ? [single[key] as string] : []);
    if (values.length > 1)
      throw new HttpError(
        400,
        "duplicate_parameter",
        `query parameter "${key.slice(0, 64)}" is given more than once`,
      );
    out[key] = values[0] ?? "";
  }
  return out;
}

function readJsonBody(event: APIGatewayProxyEvent): unknown {
  const type = headerOf(event, "content-type");
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpError(415, "unsupported_media_type", "send the body as application/json");
  }
  const raw = event.body ?? "";
  const text = event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw;
  if (Buffer.byteLength(text, "utf8") > MAX_BODY_BYTES) {
    throw new HttpError(413, "payload_too_large", `the body must be at most ${MAX_BODY_BYTES} bytes`);
  }
  if (text.trim() === "") throw new HttpError(400, "invalid_json", "the body is empty");
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "the body is not valid JSON");
  }
}

function headerOf(event: APIGatewayProxyEvent, name: string): string | undefined {
  for (const [k, val] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === name && val) return val;
  return undefined;
}

/** The body as a JSON object; arrays and scalars are refused before schema checks. */
function objectBody(req: Request): Record<string, unknown> {
  const body = req.body();
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "invalid_type", "the body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

function noQuery(req: Request): void {
  const extra = Object.keys(req.query)[0];
  if (extra !== undefined)
    throw new HttpError(400, "unknown_parameter", `unknown query parameter "${extra.slice(0, 64)}"`);
}

// ---- handlers -------------------------------------------------------------------------------

/** The API described (spec/notifier-api.openapi.json, generated from these schemas), without a key. */
async function openApi(_deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  return json(200, notifierOpenApi);
}

async function registerOne(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const body = parseInput(registerBody(deps.allowLoopbackHttp), objectBody(req), "body");
  const outcome = await register(deps, body);
  return json(outcome.created ? 202 : 200, taskView(outcome.task, deps.twelvelabsBaseUrl));
}

async function registerBatch(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const { tasks } = parseInput(batchBody, objectBody(req), "body");
  const schema = registerBody(deps.allowLoopbackHttp);
  const seen = new Set<string>();
  const results = [];
  // Sequential on purpose: duplicates inside one batch resolve in order, and 100 puts are quick.
  for (const [i, item] of tasks.entries()) {
    try {
      const body = parseInput(schema, item, `tasks.${i}`);
      if (seen.has(body.taskId))
        throw new HttpError(422, "duplicate_in_batch", `tasks.${i}: taskId appears earlier in this batch`);
      seen.add(body.taskId);
      const outcome = await register(deps, body);
      results.push({
        index: i,
        result: outcome.created ? "created" : "existing",
        task: taskView(outcome.task, deps.twelvelabsBaseUrl),
      });
    } catch (err) {
      const e = errorOf(deps, err);
      results.push({
        index: i,
        result: "error",
        status: e.status,
        error: { code: e.code, message: e.message },
      });
    }
  }
  return json(200, { results });
}

/** Registers a validated body, its callbackHeaders and taskToken sealed for the registration they land on. */
async function register(deps: ApiDeps, body: Parameters<typeof sealed>[1]) {
  const now = deps.now();
  const region = regionOfArn(body.invocationArn);
  if (region !== undefined && !(deps.bedrockRegions ?? []).includes(region))
    throw new HttpError(
      422,
      "region_not_allowed",
      `this stage watches Bedrock invocations in ${deps.bedrockRegions?.length ? deps.bedrockRegions.join(", ") : "no region"}, not ${region} (stage setting bedrock.regions)`,
    );
  // A job that writes its own output (Bedrock) names it in its event: nothing to archive.
  const ownOutput = writesOwnOutput(body.kind ?? "embed");
  if (body.archive && ownOutput) throw ownOutputError();
  if (body.archive && !deps.results)
    throw new HttpError(422, "archive_unavailable", "this stage keeps no results: register without archive");
  const req = await sealed(deps, body, now);
  // The caller's archive, else the stage's default; only a given one is compared with a stored task's.
  if (body.archive ?? (deps.results?.archiveDefault && !ownOutput)) req.archive = true;
  if (body.archive !== undefined) req.archiveGiven = true;
  const outcome = await registerTask(deps.store, req, now, deps.defaultDeadlineSeconds);
  if (body.taskToken !== undefined) await startWaiter(deps, outcome, waiterId(body.taskToken), now);
  return outcome;
}

/**
 * A waiting token's first message: for a task that has ended, its final event (the callback comes
 * at once, the event those who waited got); for a live one with heartbeats, the first heartbeat.
 * Sent again each time the same token is registered while it waits, so a 503 here is mended by
 * sending the registration again (at worst a second heartbeat chain, which ends with the task).
 */
async function startWaiter(deps: ApiDeps, outcome: RegisterOutcome, id: string, now: number) {
  const queue = deps.stepFunctions?.queue as CallbackQueue;
  const task = outcome.task;
  const waiter = task.waiters?.[id];
  if (waiter?.state !== "waiting") return;
  try {
    if (endsWaiters(task.status)) {
      // A ready event held for its result is published by the archiver, to this waiter too.
      if (task.archiveState?.state !== "pending")
        await queue.sendFinal(task.finalEvent ?? rebuiltFinalEvent(deps, task));
    } else if (waiter.heartbeatSeconds !== undefined) {
      const dueAt = now + heartbeatPeriodSeconds(waiter.heartbeatSeconds) * 1000;
      await queue.sendHeartbeat(
        { taskId: task.taskId, registeredAt: task.registeredAt, waiterId: id, dueAt },
        now,
      );
    }
  } catch (err) {
    deps.onInternalError(err);
    throw new HttpError(
      503,
      "callback_queue_unavailable",
      "the taskToken is stored but its first callback could not be queued: send the same registration again",
    );
  }
}

/** A task that ended before final events were kept on it (an older release): its event, built again. */
function rebuiltFinalEvent(deps: ApiDeps, task: Task): TaskEvent {
  const previous = task.history.at(-2)?.status ?? "registered";
  return buildEvent(task, previous, task.finishedAt ?? task.lastCheckedAt ?? deps.now(), {
    stage: deps.stage,
    twelvelabsBaseUrl: deps.twelvelabsBaseUrl,
  });
}

type RegisterBody = Omit<RegisterRequest, "callbackHeaders" | "waiter" | "archiveGiven"> & {
  callbackHeaders?: Record<string, string>;
  taskToken?: string;
  heartbeatSeconds?: number;
};

/** The registration with its callbackHeaders and taskToken sealed (never in clear in the store). */
async function sealed(deps: ApiDeps, body: RegisterBody, now: number): Promise<RegisterRequest> {
  const { callbackHeaders, taskToken, heartbeatSeconds, ...fields } = body;
  const rest: RegisterRequest = { ...fields };
  if (!callbackHeaders && taskToken === undefined) return rest;
  if (taskToken !== undefined && !deps.stepFunctions)
    throw new HttpError(
      503,
      "stepfunctions_unavailable",
      "taskToken cannot be used: no Step Functions callback queue is configured here",
    );
  if (!deps.headerSealer)
    throw new HttpError(
      503,
      callbackHeaders ? "webhooks_unavailable" : "stepfunctions_unavailable",
      `${callbackHeaders ? "callbackHeaders" : "taskToken"} cannot be stored: no header key is configured`,
    );
  const box = await deps.headerSealer();
  const req: RegisterRequest = { ...rest };
  if (taskToken !== undefined) {
    const id = waiterId(taskToken);
    req.waiter = {
      id,
      make: (registeredAt) => {
        const w: Waiter = {
          id,
          sealedToken: box.seal({ t: taskToken }, tokenBinding(body.taskId, registeredAt, id)),
          addedAt: now,
          state: "waiting",
          attempts: 0,
        };
        if (heartbeatSeconds !== undefined) w.heartbeatSeconds = heartbeatSeconds;
        return w;
      },
    };
  }
  if (!callbackHeaders) return req;
  return {
    ...req,
    callbackHeaders: {
      ...sealHeaders(box, body.taskId, callbackHeaders),
      matches: (stored: Task) => {
        if (stored.callbackHeaders === undefined) return false;
        try {
          return sameRecord(
            box.open(stored.callbackHeaders, headerBinding(stored.taskId, stored.registeredAt)),
            callbackHeaders,
          );
        } catch {
          return false;
        }
      },
    },
  };
}

/** A task's callbackHeaders, sealed for the registration they are stored with (bound to its time), and their names. */
function sealHeaders(box: HeaderSealer, taskId: string, headers: Record<string, string>) {
  return {
    sealFor: (registeredAt: number) => box.seal(headers, headerBinding(taskId, registeredAt)),
    names: Object.keys(headers).sort(),
  };
}

/** Sends a kept event of the task to its callback again, signed afresh (a new timestamp, the same id). */
async function redeliver(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const id = parseInput(taskId, req.params[0], "taskId");
  const body = req.hasBody ? parseInput(redeliverBody, objectBody(req), "body") : {};
  if (!deps.webhooks) throw new HttpError(503, "webhooks_unavailable", "webhooks are not configured here");
  const task = await deps.store.get(id);
  if (!task) throw new NotFoundError(`task ${id} is not registered`);
  if (!task.callbackUrl)
    throw new HttpError(409, "no_callback", `task ${id} was registered without a callbackUrl`);
  const event = await deps.webhooks.log.storedEvent(id, body.eventId);
  if (!event || Date.parse(event.task.registeredAt) !== task.registeredAt) {
    throw new HttpError(
      404,
      "event_not_found",
      body.eventId === undefined
        ? `task ${id} has no webhook event yet (events are kept once a delivery was attempted)`
        : `task ${id} has no kept event with that id`,
    );
  }
  await deps.webhooks.queue.redeliver(event);
  return json(202, { taskId: id, eventId: event.id, status: "queued" });
}

/** 307 to a presigned GET of the stored result (valid 15 minutes). */
async function getResult(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const id = parseInput(taskId, req.params[0], "taskId");
  const task = await deps.store.get(id);
  if (!task) throw new NotFoundError(`task ${id} is not registered`);
  const a = task.archiveState;
  if (!task.archive)
    throw new HttpError(
      404,
      "result_not_found",
      `task ${id} is not archived (register it with archive: true)`,
    );
  if (!a)
    throw new HttpError(404, "result_not_found", `task ${id} is not ready: its result is stored once it is`);
  if (a.state === "pending")
    throw new HttpError(409, "result_pending", `task ${id}'s result is being stored; try again shortly`, {
      "retry-after": "5",
    });
  if (a.state === "failed" || !a.result || !deps.results)
    throw new HttpError(
      404,
      "result_not_found",
      `task ${id}'s result was not stored: ${a.error ?? "no result"}`,
    );
  return redirect(await deps.results.presign(a.result.uri));
}

async function getTask(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const id = parseInput(taskId, req.params[0], "taskId");
  const task = await deps.store.get(id);
  if (!task) throw new NotFoundError(`task ${id} is not registered`);
  return json(200, taskView(task, deps.twelvelabsBaseUrl));
}

/** Changes a task's tags, deadline, callback or archiving in place (core/update-task.ts). */
async function patchTask(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const id = parseInput(taskId, req.params[0], "taskId");
  const body = parseInput(patchBody(deps.allowLoopbackHttp), objectBody(req), "body");
  const changes: TaskChanges = {};
  if (body.tags !== undefined) changes.tags = body.tags;
  if (body.deadlineSeconds !== undefined) changes.deadlineSeconds = body.deadlineSeconds;
  if (body.callbackUrl !== undefined) changes.callbackUrl = body.callbackUrl;
  if (body.archive !== undefined) {
    if (body.archive && !deps.results)
      throw new HttpError(422, "archive_unavailable", "this stage keeps no results: leave archive off");
    changes.archive = body.archive;
  }
  if (body.callbackHeaders === null) changes.callbackHeaders = null;
  else if (body.callbackHeaders !== undefined) {
    if (!deps.headerSealer)
      throw new HttpError(
        503,
        "webhooks_unavailable",
        "callbackHeaders cannot be stored: no header key is configured",
      );
    changes.callbackHeaders = sealHeaders(await deps.headerSealer(), id, body.callbackHeaders);
  }
  const task = await updateTask(deps.store, id, changes, deps.now());
  if (!task) throw new NotFoundError(`task ${id} is not registered`);
  return json(200, taskView(task, deps.twelvelabsBaseUrl));
}

async function listTasks(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  // tag.<key>=<value> (any number, all must match) beside the fixed parameters.
  const tagParams = Object.fromEntries(
    Object.entries(req.query)
      .filter(([k]) => k.startsWith("tag."))
      .map(([k, val]) => [k.slice(4), val]),
  );
  const rest = Object.fromEntries(Object.entries(req.query).filter(([k]) => !k.startsWith("tag.")));
  const q = parseInput(listQuery, rest, "query");
  const filter: ListFilter = {};
  if (q.status) filter.status = q.status;
  if (q.kind) filter.kind = q.kind;
  if (Object.keys(tagParams).length > 0) filter.tags = parseInput(tags, tagParams, "tag filter");
  const page = await deps.store.list(filter, q.limit ?? 25, q.cursor);
  return json(200, {
    items: page.items.map((t) => taskView(t, deps.twelvelabsBaseUrl)),
    cursor: page.cursor ?? null,
  });
}

async function deleteTask(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const id = parseInput(taskId, req.params[0], "taskId");
  // The store refuses (EventsPendingError, 409) while an announcement is still being published.
  if (!(await deps.store.remove(id, deps.now()))) throw new NotFoundError(`task ${id} is not registered`);
  return noContent();
}

async function subscribe(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const body = parseInput(
    subscriptionBody(deps.allowLoopbackHttp, deps.tagAttributes),
    objectBody(req),
    "body",
  );
  const problem = subscriptionProblem(deps.subscriptionLimits, body.protocol, body.endpoint);
  if (problem) throw new HttpError(422, problem.code, problem.message);
  const policy = filterPolicyFor(body);
  // SNS refuses such a filter with an error the caller could not act on: say what to drop.
  const tooComplex = filterPolicyProblem(policy);
  if (tooComplex) throw new HttpError(422, "filter_too_complex", tooComplex);
  const existing = await deps.subscriptions.list();
  const same = existing.find((s) => s.protocol === body.protocol && s.endpoint === body.endpoint);
  // The same endpoint with the same filter is the subscription that exists (200), as for tasks;
  // with another filter, a 409 that says so (SNS keeps one subscription per endpoint and topic).
  if (same?.filterPolicy !== undefined) {
    const sameRaw = (same.rawDelivery ?? false) === (body.rawDelivery ?? false);
    if (samePolicy(same.filterPolicy, policy) && sameRaw) return json(200, same);
    const difference = samePolicy(same.filterPolicy, policy)
      ? "it differs in rawDelivery"
      : describePolicyDifference(same.filterPolicy, policy);
    throw new ConflictError(
      `${body.protocol} ${body.endpoint} is already subscribed (${same.id}) with another filter (${difference}): delete that subscription first, then subscribe again`,
    );
  }
  if (!same && existing.length >= deps.subscriptionLimits.maxCount) {
    throw new HttpError(
      409,
      "subscription_limit",
      `this stage allows at most ${deps.subscriptionLimits.maxCount} subscriptions; delete one first`,
    );
  }
  const sub = await deps.subscriptions.subscribe(body.protocol, body.endpoint, policy, {
    rawDelivery: body.rawDelivery === true,
  });
  return json(same ? 200 : 201, sub);
}

async function listSubscriptions(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  return json(200, { items: await deps.subscriptions.list() });
}

async function unsubscribe(deps: ApiDeps, req: Request): Promise<APIGatewayProxyResult> {
  noQuery(req);
  const id = parseInput(subscriptionId, req.params[0], "subscriptionId");
  if (!(await deps.subscriptions.unsubscribe(id)))
    throw new NotFoundError(`subscription ${id} is not on this stack's topic`);
  return noContent();
}
