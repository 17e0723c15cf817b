import { type Dispatcher, Pool, errors as undiciErrors } from "undici";
import { Semaphore } from "../core/bounded-concurrency.js";
import { definedOnly } from "../core/defined-only.js";
import type { CallOptions, TwelveLabsPort } from "../core/ports.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "../core/snapshot.js";
import { kindSpec, type TaskKind } from "../core/task-kinds.js";
import { endpointPath, TWELVELABS_ENDPOINTS } from "../core/twelvelabs-endpoints.js";
import {
  TwelveLabsAuthError,
  TwelveLabsError,
  TwelveLabsIdRejectedError,
  TwelveLabsInvalidResponseError,
  TwelveLabsNotFoundError,
  TwelveLabsRateLimitedError,
  TwelveLabsRequestError,
  TwelveLabsTransientError,
} from "../core/twelvelabs-errors.js";
import { readJsonBody } from "./json-body-reader.js";
import { rateLimitWaitMs } from "./rate-limit-headers.js";
import { bodyRetryAfterSecOf, errorCodeOf, parseTaskList, parseTaskOf } from "./twelvelabs-responses.js";

export interface TwelveLabsClientOptions {
  /** e.g. `https://api.twelvelabs.io/v1.3`; the path prefix is kept. */
  baseUrl: string;
  /**
   * Called per request; cache inside it (the Lambda reads Secrets Manager through Powertools).
   * After a 401/403 it is called once with `fresh: true` (bypassing the cache) and the request
   * retried, so a rotated key works on the next call rather than when the cache expires.
   */
  apiKey: (opts?: { fresh?: boolean }) => Promise<string>;
  maxConcurrency?: number;
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** Attempts per call, the first included. */
  maxAttempts?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** A 429 asking for a longer wait than this is handed to the caller instead of slept through. */
  maxRateLimitWaitMs?: number;
  /** Consecutive failed attempts that open the circuit, and how long it stays open. */
  failureThreshold?: number;
  circuitCooldownMs?: number;
  /** Most bytes of a body kept in memory (embeddings of a ready embed-v2 task are streamed past). */
  maxBodyBytes?: number;
  random?: () => number;
  now?: () => number;
}

export interface TwelveLabsClientStats {
  calls: number;
  attempts: number;
  retries: number;
  rateLimited: number;
  failures: number;
  peakInFlight: number;
}

const DEFAULTS = {
  maxConcurrency: 16,
  connectTimeoutMs: 3_000,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 15_000,
  maxAttempts: 4,
  baseBackoffMs: 200,
  maxBackoffMs: 5_000,
  maxRateLimitWaitMs: 15_000,
  failureThreshold: 8,
  circuitCooldownMs: 30_000,
  maxBodyBytes: 1024 * 1024,
};

const MAX_LIST_BODY_BYTES = 16 * 1024 * 1024;

interface CallHow<T> {
  deadlineAt: number | undefined;
  notFoundMeansMissing: boolean;
  maxBytes: number;
  skipTopLevelKey?: string;
  parse: (body: unknown) => T;
}

type Outcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: TwelveLabsError; retry: boolean; waitMs?: number };

/** The TwelveLabs API over undici: one keep-alive pool, bounded concurrency, retries, rate-limit waits. */
export class TwelveLabsClient implements TwelveLabsPort {
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly opts: typeof DEFAULTS & Pick<TwelveLabsClientOptions, "apiKey">;
  private readonly gate: Semaphore;
  private readonly random: () => number;
  private readonly now: () => number;
  private notBefore = 0;
  /** The last fresh read of the key, shared by the calls that were rejected together. */
  private keyRefresh: { at: number; done: Promise<unknown> } | undefined;
  private consecutiveFailures = 0;
  private circuitOpenUntil = 0;
  private readonly counters = { calls: 0, attempts: 0, retries: 0, rateLimited: 0, failures: 0 };

  constructor(options: TwelveLabsClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new TypeError("TwelveLabs base URL must be http(s)");
    }
    this.pathPrefix = url.pathname.replace(/\/+$/, "");
    this.opts = { ...DEFAULTS, ...definedOnly(options), apiKey: options.apiKey };
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
    this.gate = new Semaphore(this.opts.maxConcurrency);
    this.pool = new Pool(url.origin, {
      connections: this.opts.maxConcurrency,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      connect: { timeout: this.opts.connectTimeoutMs },
      headersTimeout: this.opts.headersTimeoutMs,
      bodyTimeout: this.opts.bodyTimeoutMs,
    });
  }

  stats(): TwelveLabsClientStats {
    return { ...this.counters, peakInFlight: this.gate.peakActive };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  getTask(kind: TaskKind, taskId: string, opts: CallOptions = {}): Promise<TaskSnapshot> {
    const path = endpointPath(TWELVELABS_ENDPOINTS[kind].status, taskId, opts.indexId);
    return this.call(path, {
      deadlineAt: opts.deadlineAt,
      notFoundMeansMissing: true,
      maxBytes: this.opts.maxBodyBytes,
      // Embeddings of a ready embed-v2 task, an analysis' result: streamed past, never buffered.
      skipTopLevelKey: kindSpec(kind).largeField,
      parse: (body) => {
        const snap = parseTaskOf(kind, body);
        if (snap.id !== taskId) {
          throw new TwelveLabsInvalidResponseError("TwelveLabs answered for a different task id");
        }
        return snap;
      },
    });
  }

  listTasks(kind: TaskKind, query: ListTasksQuery, opts: CallOptions = {}): Promise<TaskPage> {
    const params = new URLSearchParams();
    // The asset lookup has no status filter (its items carry their status).
    if (query.status !== undefined && kindSpec(kind).listCheck !== "ids") params.set("status", query.status);
    params.set("page", String(query.page ?? 1));
    params.set("page_limit", String(Math.min(50, Math.max(1, query.pageLimit ?? 50))));
    const path = endpointPath(TWELVELABS_ENDPOINTS[kind].list, "", query.indexId);
    const listCheck = kindSpec(kind).listCheck;
    if (listCheck === "ids") {
      // The repeated form the spec declares (`explode: true`): asset_ids=a&asset_ids=b.
      for (const id of query.ids ?? []) params.append("asset_ids", id);
    } else if (listCheck === "none") {
      // A status filter only (the analysis list has no creation window).
    } else if (listCheck === "window-oldest-first") {
      // /tasks filters by creation time with `created_at` (at or after); no upper bound is offered.
      if (query.createdAfter) params.set("created_at", rfc3339Seconds(query.createdAfter, "floor"));
      params.set("sort_by", "created_at");
      params.set("sort_option", query.oldestFirst ? "asc" : "desc");
    } else {
      if (query.createdAfter) params.set("started_at", rfc3339Seconds(query.createdAfter, "floor"));
      if (query.createdBefore) params.set("ended_at", rfc3339Seconds(query.createdBefore, "ceil"));
    }
    return this.call(`${path}?${params}`, {
      deadlineAt: opts.deadlineAt,
      notFoundMeansMissing: false,
      maxBytes: MAX_LIST_BODY_BYTES,
      parse: (body) => parseTaskList(kind, body),
    });
  }

  private async call<T>(path: string, how: CallHow<T>): Promise<T> {
    this.counters.calls += 1;
    const deadlineAt = how.deadlineAt ?? Number.POSITIVE_INFINITY;
    let lastError: TwelveLabsError | undefined;
    let refreshedKey = false;
    for (let attempt = 1; attempt <= this.opts.maxAttempts; attempt++) {
      const now = this.now();
      if (now >= deadlineAt) break;
      if (now < this.circuitOpenUntil) {
        throw new TwelveLabsTransientError("TwelveLabs calls paused after repeated failures (circuit open)");
      }
      const outcome = await this.gate.run(async () => {
        await this.waitForRateGate(deadlineAt);
        if (this.now() >= deadlineAt) return undefined;
        return this.attempt(path, how, deadlineAt);
      });
      if (outcome === undefined) break;
      if (outcome.ok) {
        this.consecutiveFailures = 0;
        return outcome.value;
      }
      lastError = outcome.error;
      if (outcome.error instanceof TwelveLabsAuthError && !refreshedKey) {
        // The key may have been rotated: read it again past the cache, once, and retry.
        refreshedKey = true;
        if (await this.refreshKey()) {
          attempt -= 1; // the retry with the new key is not a failed attempt
          continue;
        }
      }
      if (outcome.error instanceof TwelveLabsTransientError) this.noteFailure();
      if (!outcome.retry || attempt === this.opts.maxAttempts) break;
      if (outcome.waitMs !== undefined) {
        // The rate gate does the waiting, shared by every caller; a wait past the limit or the deadline goes back to the caller.
        if (outcome.waitMs > this.opts.maxRateLimitWaitMs || this.now() + outcome.waitMs >= deadlineAt) break;
        this.counters.retries += 1;
        continue;
      }
      const pause = this.backoff(attempt);
      if (this.now() + pause >= deadlineAt) break;
      this.counters.retries += 1;
      await sleep(pause);
    }
    this.counters.failures += 1;
    throw lastError ?? new TwelveLabsTransientError("TwelveLabs call not made: no time left in this run");
  }

  private async attempt<T>(path: string, how: CallHow<T>, deadlineAt: number): Promise<Outcome<T>> {
    this.counters.attempts += 1;
    const key = await this.opts.apiKey();
    let res: Dispatcher.ResponseData;
    const left = deadlineAt - this.now();
    try {
      res = await this.pool.request({
        path: `${this.pathPrefix}${path}`,
        method: "GET",
        headers: { "x-api-key": key, accept: "application/json" },
        // Headers and the whole body inside the time this call has left (the pool's timeouts bound idle gaps).
        ...(Number.isFinite(left) ? { signal: AbortSignal.timeout(Math.max(1, Math.floor(left))) } : {}),
      });
    } catch (err) {
      return {
        ok: false,
        error: new TwelveLabsTransientError(`TwelveLabs request failed: ${networkReason(err)}`),
        retry: true,
      };
    }
    const status = res.statusCode;
    try {
      if (status >= 200 && status < 300) {
        const body = await readJsonBody(res.body, {
          maxBytes: how.maxBytes,
          skipTopLevelKey: how.skipTopLevelKey,
        });
        return { ok: true, value: how.parse(body) };
      }
      const errBody = await readErrorBody(res.body);
      const code = errorCodeOf(errBody);
      if (status === 401 || status === 403 || code === "api_key_invalid" || code === "unauthorized") {
        return {
          ok: false,
          error: new TwelveLabsAuthError(`TwelveLabs rejected the API key (HTTP ${status})`),
          retry: false,
        };
      }
      if (status === 429) {
        this.counters.rateLimited += 1;
        const waitMs = rateLimitWaitMs(res.headers, this.now(), bodyRetryAfterSecOf(errBody));
        this.notBefore = Math.max(this.notBefore, this.now() + waitMs);
        return {
          ok: false,
          error: new TwelveLabsRateLimitedError("TwelveLabs rate limit reached (HTTP 429)", waitMs),
          retry: true,
          waitMs,
        };
      }
      if (how.notFoundMeansMissing && (status === 404 || (status === 400 && code === "resource_not_exist"))) {
        return {
          ok: false,
          error: new TwelveLabsNotFoundError(`TwelveLabs does not know this task (HTTP ${status})`),
          retry: false,
        };
      }
      if (how.notFoundMeansMissing && status === 400 && code === "parameter_invalid") {
        return {
          ok: false,
          error: new TwelveLabsIdRejectedError(
            "TwelveLabs rejected the task id as malformed (HTTP 400, parameter_invalid)",
          ),
          retry: false,
        };
      }
      if (status >= 500 || status === 408) {
        return {
          ok: false,
          error: new TwelveLabsTransientError(`TwelveLabs answered HTTP ${status}`),
          retry: true,
        };
      }
      return {
        ok: false,
        error: new TwelveLabsRequestError(
          `TwelveLabs rejected the request (HTTP ${status}${code ? `, ${safeCode(code)}` : ""})`,
          status,
        ),
        retry: false,
      };
    } catch (err) {
      if (err instanceof TwelveLabsError) return { ok: false, error: err, retry: false };
      return {
        ok: false,
        error: new TwelveLabsTransientError(`TwelveLabs response failed: ${networkReason(err)}`),
        retry: true,
      };
    } finally {
      // Whatever was not read (an error body, an aborted oversize body) must not pin the socket.
      res.body.destroy();
    }
  }

  /** Holds a call until the last 429's wait has passed; re-checked because timers may fire early. */
  private async waitForRateGate(deadlineAt: number): Promise<void> {
    for (let wait = this.notBefore - this.now(); wait > 0; wait = this.notBefore - this.now()) {
      if (wait > this.opts.maxRateLimitWaitMs || this.notBefore >= deadlineAt) {
        throw new TwelveLabsRateLimitedError("TwelveLabs rate limit in force", wait);
      }
      await sleep(wait + 1);
    }
  }

  /** One fresh read of the key for every call rejected within a few seconds; `false` when it failed. */
  private async refreshKey(): Promise<boolean> {
    const now = this.now();
    if (!this.keyRefresh || now - this.keyRefresh.at > 10_000) {
      this.keyRefresh = { at: now, done: this.opts.apiKey({ fresh: true }) };
    }
    try {
      await this.keyRefresh.done;
      return true;
    } catch {
      return false;
    }
  }

  private noteFailure(): void {
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= this.opts.failureThreshold) {
      this.circuitOpenUntil = this.now() + this.opts.circuitCooldownMs;
    }
  }

  /** Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.maxBackoffMs, this.opts.baseBackoffMs * 2 ** (attempt - 1));
    return Math.round(this.random() * ceiling);
  }
}

async function readErrorBody(body: AsyncIterable<Uint8Array>): Promise<unknown> {
  try {
    return await readJsonBody(body, { maxBytes: 64 * 1024 });
  } catch {
    return undefined;
  }
}

function networkReason(err: unknown): string {
  const name = (err as { name?: unknown })?.name;
  if (name === "TimeoutError" || name === "AbortError") return "no time left in this run";
  if (err instanceof undiciErrors.ConnectTimeoutError) return "connect timeout";
  if (err instanceof undiciErrors.HeadersTimeoutError) return "headers timeout";
  if (err instanceof undiciErrors.BodyTimeoutError) return "body timeout";
  if (err instanceof undiciErrors.SocketError) return "connection closed";
  if (err instanceof undiciErrors.ResponseContentLengthMismatchError) return "truncated body";
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^[A-Z_]+$/.test(code) ? code : "network error";
}

/** The documented form "YYYY-MM-DDTHH:mm:ssZ": whole seconds, rounded so the window only widens. */
function rfc3339Seconds(iso: string, round: "floor" | "ceil"): string {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new TypeError("creation window bounds must be ISO-8601 date-times");
  const seconds = round === "floor" ? Math.floor(ms / 1000) : Math.ceil(ms / 1000);
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function safeCode(code: string): string {
  return code.replace(/[^a-z0-9_]/gi, "").slice(0, 60);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
