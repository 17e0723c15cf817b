import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { definedOnly } from "../../functions/core/defined-only.js";
import {
  isTaskKind,
  kindSpec,
  sourceOf,
  TASK_KINDS,
  type TaskKind,
} from "../../functions/core/task-kinds.js";
import { TWELVELABS_ENDPOINTS } from "../../functions/core/twelvelabs-endpoints.js";
import { bedrockReply, bedrockRoute, signedRegion } from "./sim-bedrock.js";
import { CREATE_ROUTES, requestFields } from "./sim-create.js";
import { FaultPlan, type FaultRule, seededRandom } from "./sim-faults.js";
import {
  afterLowerBound,
  beforeUpperBound,
  DEFAULT_MODES,
  parseModes,
  type SimModes,
  statusFilter,
} from "./sim-modes.js";
import {
  analyzeBatchResultLines,
  createSimTask,
  embedStatusBody,
  embedV1ResultChunks,
  existsAt,
  SIM_BODIES,
  type SimTask,
  type SimTaskSpec,
  statusAt,
} from "./sim-tasks.js";

export interface SimulatorOptions {
  /** The key clients must send in `x-api-key`. */
  apiKey?: string;
  /** How an unknown id is answered on v1 and /tasks: 400 `resource_not_exist` (default) or 404. */
  notFoundStyle?: "400" | "404";
  /** Simulated clock for task timelines (default Date.now); tests pass a manual one. */
  now?: () => number;
  /** Extra delay before every API response. */
  latencyMs?: number;
  /** Requests per rolling minute before 429s; unlimited when absent. */
  rpmLimit?: number;
  /** Answer an unknown id that is not 24 lowercase hex characters (TwelveLabs' ObjectId form) with 400 `parameter_invalid`. */
  rejectMalformedIds?: boolean;
  /** Seed for rate-based faults and list staleness. */
  seed?: number;
  /** Readings of what the specification leaves open (default: the lenient one of each). */
  modes?: Partial<SimModes>;
  /** Accept any non-empty `x-api-key` (local mode: a user's own code keeps its own key). */
  anyApiKey?: boolean;
}

export interface CallRecord {
  method: string;
  /** Route template, e.g. `GET /embed/tasks/{task_id}/status`. */
  route: string;
  path: string;
  query: Record<string, string[]>;
  status: number;
  /** Real wall-clock arrival (ms), for retry-spacing checks. */
  receivedAt: number;
  fault?: string;
  /** Bedrock calls: the region the request was signed for. */
  region?: string;
}

const API_PREFIX = "/v1.3";
const PAGE_LIMIT_MAX = 50;

interface Route {
  template: string;
  pattern: RegExp;
  handle: (sim: TwelveLabsSimulator, params: string[], query: URLSearchParams) => SimReply;
}

interface SimReply {
  status: number;
  body: unknown;
  /** A body sent in pieces as they are made (large results), instead of `body`. */
  chunks?: Iterable<string>;
}

/**
 * A TwelveLabs stand-in: the endpoints the notifier uses, in the shapes of openapi-1.3.yaml,
 * with scripted task timelines, injectable faults and a log of every call.
 */
export class TwelveLabsSimulator {
  /** The key clients must send; change it to model a rotation. */
  apiKey: string;
  readonly calls: CallRecord[] = [];
  readonly faults: FaultPlan;
  notFoundStyle: "400" | "404";
  latencyMs: number;
  rpmLimit: number | undefined;
  modes: SimModes;
  rejectMalformedIds: boolean;
  anyApiKey: boolean;
  /** API requests being answered right now, and the most seen at once. */
  inFlight = 0;
  peakInFlight = 0;
  private readonly tasks = new Map<string, SimTask>();
  private readonly now: () => number;
  private readonly recent: number[] = [];
  private readonly staleRandom: () => number;
  private server: Server | undefined;
  private baseUrl = "";
  private readonly sockets = new Set<import("node:net").Socket>();

  constructor(opts: SimulatorOptions = {}) {
    this.apiKey = opts.apiKey ?? "sim-api-key";
    this.notFoundStyle = opts.notFoundStyle ?? "400";
    this.now = opts.now ?? Date.now;
    this.latencyMs = opts.latencyMs ?? 0;
    this.rpmLimit = opts.rpmLimit;
    this.faults = new FaultPlan(seededRandom(opts.seed ?? 1));
    this.staleRandom = seededRandom((opts.seed ?? 1) * 7919 + 1);
    this.modes = { ...DEFAULT_MODES, ...opts.modes };
    this.rejectMalformedIds = opts.rejectMalformedIds ?? false;
    this.anyApiKey = opts.anyApiKey ?? false;
  }

  /** Changes the readings of the open parts of the spec (validated: throws on an unknown one). */
  setModes(modes: Partial<SimModes>): void {
    this.modes = { ...this.modes, ...parseModes(modes as Record<string, unknown>) };
  }

  /** Deletes a task at TwelveLabs now (or at `at`, simulator clock). */
  deleteTask(kind: TaskKind, id: string, at = this.now()): boolean {
    const task = this.tasks.get(key(kind, id));
    if (!task) return false;
    task.deletedAt = at;
    return true;
  }

  /** Listens on 127.0.0.1 (port 0 = a free one) and returns the API base URL (`…/v1.3`). */
  async start(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      this.dispatch(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    server.keepAliveTimeout = 60_000;
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${addr.port}${API_PREFIX}`;
    return this.baseUrl;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** The origin, where the control endpoints live (`/_sim/...`). */
  get origin(): string {
    return this.baseUrl.slice(0, -API_PREFIX.length);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  addTask(spec: SimTaskSpec): SimTask {
    if (!isTaskKind(spec.kind)) throw new Error(`unknown task kind ${String(spec.kind)}`);
    const task = createSimTask(spec, this.now());
    this.tasks.set(key(task.kind, task.id), task);
    return task;
  }

  getTask(kind: TaskKind, id: string): SimTask | undefined {
    return this.tasks.get(key(kind, id));
  }

  clearFaults(): void {
    this.faults.clear();
  }

  addFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  /** Calls per route template, for tests and benchmarks. */
  counts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of this.calls) out[c.route] = (out[c.route] ?? 0) + 1;
    return out;
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.peakInFlight = this.inFlight;
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sim");
    if (url.pathname.startsWith("/_sim/")) return this.control(req, res, url);

    const receivedAt = Date.now();
    const method = req.method ?? "GET";
    const record: CallRecord = {
      method,
      route: `${method} ?`,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      status: 0,
      receivedAt,
    };
    this.calls.push(record);
    // A create call's body is read (the SDK's create requests); every other body is discarded.
    const sub0 = url.pathname.startsWith(`${API_PREFIX}/`) ? url.pathname.slice(API_PREFIX.length) : "";
    const create = method === "POST" ? CREATE_ROUTES.find((r) => r.path === sub0) : undefined;
    let body = Buffer.alloc(0);
    if (create) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      body = Buffer.concat(chunks);
    } else req.resume();
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    res.once("close", () => {
      this.inFlight -= 1;
    });

    // Amazon Bedrock's async-invoke endpoints live at the root (bedrock-runtime's REST API).
    const bedrock = method === "GET" ? bedrockRoute(url.pathname) : undefined;
    if (bedrock) return this.bedrockDispatch(req, res, url, record, bedrock);

    const sub = url.pathname.startsWith(`${API_PREFIX}/`) ? url.pathname.slice(API_PREFIX.length) : undefined;
    const match = sub === undefined || method !== "GET" ? undefined : matchRoute(sub);
    if (match) record.route = `GET ${match.route.template}`;

    if (this.latencyMs > 0) await delay(this.latencyMs);

    const fault = this.faults.pick(url.pathname);
    if (fault) {
      record.fault = fault.type;
      return this.applyFault(fault, res, record);
    }
    const key = req.headers["x-api-key"];
    if (this.anyApiKey ? typeof key !== "string" || key === "" : key !== this.apiKey) {
      return send(res, record, 401, { code: "api_key_invalid", message: "The API key is invalid." });
    }
    if (this.rpmLimit !== undefined && this.overRpm(res, record)) return;
    if (create) {
      record.route = `POST ${create.path}`;
      const fields = await requestFields(req.headers["content-type"], body, create.form);
      const problem =
        fields === undefined
          ? `a ${create.form === "json" ? "JSON" : "multipart/form-data"} body is required`
          : create.problem(fields);
      if (problem || fields === undefined)
        return send(res, record, 400, { code: "parameter_invalid", message: problem });
      const task = this.addTask({ kind: create.kind, ...definedOnly(create.spec(fields)) });
      const reply = create.reply(task);
      return send(res, record, reply.status, reply.body);
    }
    if (!match) {
      return send(res, record, 404, {
        code: "endpoint_not_exist",
        message: "The requested endpoint does not exist.",
      });
    }
    const reply = match.route.handle(this, match.params, url.searchParams);
    if (reply.chunks) return sendChunks(res, record, reply.status, reply.chunks);
    send(res, record, reply.status, reply.body);
  }

  private async bedrockDispatch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    record: CallRecord,
    route: string,
  ): Promise<void> {
    record.route = route;
    const region = signedRegion(req.headers.authorization);
    if (region) record.region = region;
    if (this.latencyMs > 0) await delay(this.latencyMs);
    const fault = this.faults.pick(url.pathname);
    if (fault) {
      record.fault = fault.type;
      return this.applyFault(fault, res, record);
    }
    const reply = bedrockReply(url.pathname, url.searchParams, region, this.bedrockView());
    for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
    send(res, record, reply.status, reply.body);
  }

  /** Bedrock's answer without HTTP (benchmarks in virtual time), as a request signed for `region` gets it. */
  bedrockAnswer(path: string, query: URLSearchParams, region: string): { status: number; body: unknown } {
    return bedrockReply(path, query, region, this.bedrockView());
  }

  /** What a Bedrock call sees now: the tasks, the clock, and the (possibly stale) moment lists answer from. */
  private bedrockView() {
    const now = this.now();
    return {
      tasks: this.tasks.values(),
      now,
      view: now - Math.floor(this.staleRandom() * this.modes.listStalenessMs),
      modes: this.modes,
    };
  }

  private overRpm(res: ServerResponse, record: CallRecord): boolean {
    const now = Date.now();
    while (this.recent.length > 0 && (this.recent[0] as number) <= now - 60_000) this.recent.shift();
    const limit = this.rpmLimit as number;
    if (this.recent.length >= limit) {
      const resetAt = (this.recent[0] as number) + 60_000;
      const retryAfter = Math.max(1, Math.ceil((resetAt - now) / 1000));
      res.setHeader("retry-after", String(retryAfter));
      res.setHeader("x-ratelimit-limit", String(limit));
      res.setHeader("x-ratelimit-remaining", "0");
      res.setHeader("x-ratelimit-used", String(this.recent.length));
      res.setHeader("x-ratelimit-reset", String(Math.ceil(resetAt / 1000)));
      send(res, record, 429, {
        code: "too_many_requests",
        message: `You have exceeded the rate limit. Please try again after ${new Date(resetAt).toISOString()}.`,
      });
      return true;
    }
    this.recent.push(now);
    res.setHeader("x-ratelimit-limit", String(limit));
    res.setHeader("x-ratelimit-remaining", String(limit - this.recent.length));
    return false;
  }

  private async applyFault(fault: FaultRule, res: ServerResponse, record: CallRecord): Promise<void> {
    switch (fault.type) {
      case "5xx":
        return send(res, record, fault.status ?? 503, {
          code: "service_unavailable",
          message: "Try again later.",
        });
      case "429": {
        if (fault.resetInSec !== undefined) {
          res.setHeader("x-ratelimit-reset", String(Math.ceil(Date.now() / 1000 + fault.resetInSec)));
        }
        if (
          fault.retryAfterSec !== undefined ||
          (fault.resetInSec === undefined && !fault.bodyRetryAfterSec)
        ) {
          res.setHeader("retry-after", String(fault.retryAfterSec ?? 1));
        }
        res.setHeader("x-ratelimit-remaining", "0");
        if (record.path.includes("/embed-v2/")) {
          // The v2 spec's shape: nested, the wait in `details.retryAfter` (seconds, as a string).
          const details: Record<string, string> = { currentLimit: "100 requests per minute" };
          if (fault.bodyRetryAfterSec !== undefined) details.retryAfter = String(fault.bodyRetryAfterSec);
          return send(res, record, 429, {
            error: {
              code: "RATE_LIMIT_EXCEEDED",
              message: "Too many requests. Please try again later.",
              details,
            },
          });
        }
        return send(res, record, 429, {
          code: "too_many_requests",
          message: "You have exceeded the rate limit.",
        });
      }
      case "slow":
        await delay(fault.delayMs ?? 30_000);
        if (res.destroyed) return;
        return send(res, record, 503, { code: "slow", message: "too late" });
      case "truncated": {
        record.status = 200;
        const body = '{"_id":"x","status":"proc';
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": String(body.length + 40),
        });
        res.write(body);
        res.socket?.destroy();
        return;
      }
      case "invalid-json":
        record.status = 200;
        res.writeHead(200, { "content-type": "application/json" }).end("{not json");
        return;
      case "reset":
        record.status = 0;
        res.socket?.destroy();
        return;
    }
  }

  private async control(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    try {
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (req.method === "POST" && url.pathname === "/_sim/tasks") {
        const task = this.addTask(body as unknown as SimTaskSpec);
        return reply(201, { id: task.id, kind: task.kind, timeline: task.timeline });
      }
      if (req.method === "GET" && url.pathname === "/_sim/calls") return reply(200, { calls: this.calls });
      if (req.method === "POST" && url.pathname === "/_sim/modes") {
        this.setModes(body as Partial<SimModes>);
        return reply(200, this.modes);
      }
      const del = /^\/_sim\/tasks\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (req.method === "DELETE" && del) {
        const kind = decodeURIComponent(del[1] as string);
        if (!isTaskKind(kind)) return reply(400, { code: "bad_request", message: `unknown kind ${kind}` });
        const gone = this.deleteTask(kind, decodeURIComponent(del[2] as string));
        return gone ? reply(204, null) : reply(404, { code: "not_found", message: "no such task" });
      }
      if (req.method === "POST" && url.pathname === "/_sim/faults") {
        this.addFault(body as unknown as FaultRule);
        return reply(201, { ok: true });
      }
      if (req.method === "DELETE" && url.pathname === "/_sim/faults") {
        this.faults.clear();
        return reply(204, null);
      }
      return reply(404, { code: "not_found", message: "unknown control endpoint" });
    } catch (err) {
      return reply(400, { code: "bad_request", message: (err as Error).message });
    }
  }

  // ---- API handlers -------------------------------------------------------------------------

  taskReply(kind: TaskKind, id: string, indexId?: string): SimReply {
    const found = this.tasks.get(key(kind, id));
    // Inside an index: the same id under another index is not this task.
    const task = indexId === undefined || found?.indexId === indexId ? found : undefined;
    const now = this.now();
    if (!task && this.rejectMalformedIds && !/^[0-9a-f]{24}$/.test(id)) {
      const message = "The task_id parameter is invalid.";
      return {
        status: 400,
        body:
          kind === "embed-v2"
            ? { error: { code: "parameter_invalid", message } }
            : { code: "parameter_invalid", message },
      };
    }
    if (!task || !existsAt(task, now)) return this.notFound(kind);
    return { status: 200, body: SIM_BODIES[kind].one(task, now) };
  }

  /** `GET /embed/tasks/{id}`: the embeddings of a ready task, streamed; before that, the task without them. */
  embedResultReply(id: string): SimReply {
    const task = this.tasks.get(key("embed", id));
    if (!task || !existsAt(task, this.now())) return this.notFound("embed");
    if (statusAt(task, this.now()).status !== "ready")
      return { status: 200, body: embedStatusBody(task, this.now()) };
    return { status: 200, body: undefined, chunks: embedV1ResultChunks(task) };
  }

  /** `GET /analyze/batches/{id}/results`: a line per item, as TwelveLabs streams them. */
  batchResultsReply(id: string): SimReply {
    const task = this.tasks.get(key("analyze-batch", id));
    if (!task || !existsAt(task, this.now())) return this.notFound("analyze-batch");
    return { status: 200, body: undefined, chunks: analyzeBatchResultLines(task, this.now()) };
  }

  listReply(kind: TaskKind, query: URLSearchParams, indexId?: string): SimReply {
    const bad = (message: string): SimReply => ({
      status: 400,
      body:
        kind === "embed-v2"
          ? { error: { code: "parameter_invalid", message } }
          : { code: "parameter_invalid", message },
    });
    const page = query.has("page") ? Number(query.get("page")) : 1;
    const limit = query.has("page_limit") ? Number(query.get("page_limit")) : 10;
    if (!Number.isInteger(page) || page < 1) return bad("page must be a positive integer");
    if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_LIMIT_MAX)
      return bad("page_limit must be 1..50");
    // Which statuses the filter asks for depends on the form this server reads (SimModes).
    const listCheck = kindSpec(kind).listCheck;
    const statuses = statusFilter(
      query.getAll("status"),
      listCheck === "window" ? "both" : this.modes.statusFilterForm,
    );
    const ids = query.getAll("asset_ids");
    const now = this.now();
    // A stale list answers from an older view, drawn independently for every call.
    const view = now - Math.floor(this.staleRandom() * this.modes.listStalenessMs);
    let after: number | undefined;
    let before: number | undefined;
    const windowed = listCheck === "window";
    const lowerOnly = kind === "index" || kind === "indexed-asset";
    const afterParam = lowerOnly ? query.get("created_at") : windowed ? query.get("started_at") : null;
    if (afterParam !== null) {
      after = Date.parse(afterParam);
      if (Number.isNaN(after)) return bad("invalid date-time");
    }
    if (windowed && query.get("ended_at") !== null) {
      before = Date.parse(query.get("ended_at") as string);
      if (Number.isNaN(before)) return bad("invalid date-time");
    }
    // The embed lists default to the last week.
    if (windowed && after === undefined && before === undefined) after = now - 7 * 24 * 3600_000;

    const sortBy = query.get("sort_by") ?? "created_at";
    const asc = query.get("sort_option") === "asc";
    const rows = [...this.tasks.values()]
      .filter((t) => t.kind === kind && existsAt(t, view))
      .filter((t) => indexId === undefined || t.indexId === indexId)
      .filter((t) => ids.length === 0 || ids.includes(t.id))
      .filter((t) => after === undefined || afterLowerBound(t.createdAt, after, this.modes, lowerOnly))
      .filter((t) => before === undefined || beforeUpperBound(t.createdAt, before, this.modes))
      .map((t) => ({ t, s: statusAt(t, view) }))
      .filter(({ s }) => statuses.length === 0 || statuses.includes(s.status))
      .sort((a, b) => {
        const ka = sortBy === "updated_at" ? a.s.changedAt : a.t.createdAt;
        const kb = sortBy === "updated_at" ? b.s.changedAt : b.t.createdAt;
        return asc ? ka - kb : kb - ka;
      });
    const total = rows.length;
    const slice = rows.slice((page - 1) * limit, page * limit);
    const data = slice.map(({ t }) => SIM_BODIES[kind].item(t, view));
    return {
      status: 200,
      body: {
        data,
        page_info: {
          limit_per_page: limit,
          page,
          total_page: Math.ceil(total / limit),
          total_results: total,
        },
      },
    };
  }

  private notFound(kind: TaskKind): SimReply {
    const message = "The requested resource does not exist.";
    if (kind === "embed-v2") return { status: 404, body: { error: { code: "resource_not_exist", message } } };
    if (this.notFoundStyle === "404") return { status: 404, body: { code: "resource_not_exist", message } };
    return { status: 400, body: { code: "resource_not_exist", message } };
  }
}

/** The endpoints of functions/core/twelvelabs-endpoints.ts: each kind's status call and list. */
const ROUTES: Route[] = TASK_KINDS.filter((kind) => sourceOf(kind) === "twelvelabs").flatMap(
  (kind): Route[] => {
    const e = TWELVELABS_ENDPOINTS[kind];
    return [
      {
        template: e.status,
        pattern: routePattern(e.status),
        // Placeholders in template order: `{index_id}` comes before `{task_id}` where both are.
        handle: (s, p) =>
          p.length > 1 ? s.taskReply(kind, p[1] as string, p[0]) : s.taskReply(kind, p[0] as string),
      },
      {
        template: e.list,
        pattern: routePattern(e.list),
        handle: (s, p, q) => s.listReply(kind, q, p[0]),
      },
    ];
  },
);

// Results fetched apart from the status (the embed v1 embeddings); the other kinds' result is their status call.
ROUTES.push({
  template: TWELVELABS_ENDPOINTS.embed.result,
  pattern: routePattern(TWELVELABS_ENDPOINTS.embed.result),
  handle: (s, p) => s.embedResultReply(p[0] as string),
});
ROUTES.push({
  template: TWELVELABS_ENDPOINTS["analyze-batch"].result,
  pattern: routePattern(TWELVELABS_ENDPOINTS["analyze-batch"].result),
  handle: (s, p) => s.batchResultsReply(p[0] as string),
});

function routePattern(template: string): RegExp {
  const literal = (part: string) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^${template
      .split(/\{task_id\}|\{index_id\}/)
      .map(literal)
      .join("([^/]+)")}$`,
  );
}

function matchRoute(path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}

function key(kind: TaskKind, id: string): string {
  return `${kind}#${id}`;
}

function send(res: ServerResponse, record: CallRecord, status: number, body: unknown): void {
  record.status = status;
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "x-api-version": "1.3" }).end(text);
}

/** A body written piece by piece, waiting for the socket to drain (the result is never whole in memory). */
async function sendChunks(res: ServerResponse, record: CallRecord, status: number, chunks: Iterable<string>) {
  record.status = status;
  if (res.destroyed) return;
  res.writeHead(status, { "content-type": "application/json", "x-api-version": "1.3" });
  for (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) await new Promise((r) => res.once("drain", r));
  }
  res.end();
}

function queryRecord(params: URLSearchParams): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of params) {
    const list = out[k] ?? [];
    list.push(v);
    out[k] = list;
  }
  return out;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
