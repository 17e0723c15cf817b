import type {
  BatchItemResult,
  ListFilter,
  NotifierTask,
  RegisterTaskInput,
  UpdateTaskInput,
} from "./notifier-types.js";
import { type AwsCredentials, signRequest } from "./sigv4.js";

/*
 * A client of the notifier's API for Node 20+ with nothing but `fetch`. `waitFor` replaces the
 * official SDKs' `waitForDone` loop: it reads the notifier (one DynamoDB read a look, never a
 * TwelveLabs call) when the notifier itself looks next (the task's `dueAt`).
 */

export interface NotifierClientOptions {
  /** The API's base URL: the stack's `ApiUrl` output, or local mode's `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** The client key (`x-api-key`); or give `credentials` instead. */
  apiKey?: string;
  /**
   * AWS credentials (or a function that returns fresh ones, such as the AWS SDK's
   * `fromNodeProviderChain()`): calls are signed with SigV4 and go to the `/iam` task routes, no key
   * needed (the caller's role needs execute-api:Invoke: the stack's grantRegister).
   */
  credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
  /** The API's region, for signing; default: read from an execute-api URL. */
  region?: string;
  /** Another fetch (tests, proxies); default the global one. */
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /** Give up after this long (default 24 h): rejects with WaitTimeoutError. */
  timeoutMs?: number;
  /** Stop waiting: rejects with the signal's reason (an AbortError by default). */
  signal?: AbortSignal;
  /** Shortest and longest pause between looks (defaults 1 s and 30 s). */
  minIntervalMs?: number;
  maxIntervalMs?: number;
}

/** Statuses after which a task never changes again. */
const FINAL = new Set(["ready", "failed", "timed_out", "not_found"]);

/** The API answered with an error (its `code` and `message`, see the README's table of codes). */
export class NotifierApiError extends Error {
  override readonly name = "NotifierApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The task ended, but not `ready` (failed, timed_out, not_found); `task` says how and why. */
export class TaskFailedError extends Error {
  override readonly name = "TaskFailedError";
  constructor(readonly task: NotifierTask) {
    super(`task ${task.taskId} ended ${task.status}${task.error ? `: ${task.error}` : ""}`);
  }
}

/** waitFor's time ran out before the task ended; `task` is the last look (if any). */
export class WaitTimeoutError extends Error {
  override readonly name = "WaitTimeoutError";
  constructor(
    readonly taskId: string,
    readonly task: NotifierTask | undefined,
  ) {
    super(`task ${taskId} had not ended when the wait ran out${task ? ` (status ${task.status})` : ""}`);
  }
}

export class NotifierClient {
  private readonly base: string;
  private readonly auth: { apiKey: string } | { credentials: () => Promise<AwsCredentials>; region: string };
  private readonly fetchFn: typeof fetch;

  constructor(options: NotifierClientOptions) {
    const url = new URL(options.baseUrl);
    if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError("baseUrl must be http(s)");
    this.base = url.toString().replace(/\/+$/, "");
    this.fetchFn = options.fetch ?? globalThis.fetch;
    if (options.credentials) {
      const region = options.region ?? /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(url.host)?.[1];
      if (!region) throw new TypeError("region is required to sign calls to this baseUrl");
      const given = options.credentials;
      this.auth = { credentials: typeof given === "function" ? given : async () => given, region };
    } else if (options.apiKey) this.auth = { apiKey: options.apiKey };
    else throw new TypeError("give apiKey, or AWS credentials to sign with");
  }

  /** Registers a task; `created` is false when the id was known (the stored task is returned). */
  async register(input: RegisterTaskInput): Promise<{ created: boolean; task: NotifierTask }> {
    const res = await this.call("POST", "/tasks", input);
    return { created: res.status === 202, task: res.body as NotifierTask };
  }

  /** Registers up to 100 tasks; one result per input, in order (errors included, never thrown). */
  async registerMany(inputs: readonly RegisterTaskInput[]): Promise<BatchItemResult[]> {
    const res = await this.call("POST", "/tasks/batch", { tasks: inputs });
    return (res.body as { results: BatchItemResult[] }).results;
  }

  async get(taskId: string, signal?: AbortSignal): Promise<NotifierTask> {
    return (await this.call("GET", `/tasks/${encodeURIComponent(taskId)}`, undefined, signal))
      .body as NotifierTask;
  }

  /** Changes a task's tags, deadline, callback or archiving in place; returns the task as changed. */
  async update(taskId: string, changes: UpdateTaskInput): Promise<NotifierTask> {
    return (await this.call("PATCH", `/tasks/${encodeURIComponent(taskId)}`, changes)).body as NotifierTask;
  }

  /** Every task matching the filter, a page at a time (`for await (const page of client.list())`). */
  async *list(filter: ListFilter = {}): AsyncGenerator<NotifierTask[], void, undefined> {
    let cursor: string | null = null;
    do {
      const q = new URLSearchParams();
      if (filter.status) q.set("status", filter.status);
      if (filter.kind) q.set("kind", filter.kind);
      for (const [k, val] of Object.entries(filter.tags ?? {})) q.set(`tag.${k}`, val);
      if (filter.limit !== undefined) q.set("limit", String(filter.limit));
      if (cursor) q.set("cursor", cursor);
      const qs = q.toString();
      const page = (await this.call("GET", `/tasks${qs ? `?${qs}` : ""}`)).body as {
        items: NotifierTask[];
        cursor: string | null;
      };
      yield page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  /** Stops watching a task. */
  async delete(taskId: string): Promise<void> {
    await this.call("DELETE", `/tasks/${encodeURIComponent(taskId)}`);
  }

  /** Sends a task's webhook again (its newest event, or `eventId`). */
  async redeliver(
    taskId: string,
    eventId?: string,
  ): Promise<{ taskId: string; eventId: string; status: "queued" }> {
    const res = await this.call(
      "POST",
      `/tasks/${encodeURIComponent(taskId)}/redeliver`,
      eventId === undefined ? {} : { eventId },
    );
    return res.body as { taskId: string; eventId: string; status: "queued" };
  }

  /**
   * Resolves with the task once it is `ready`; rejects with TaskFailedError when it ends otherwise,
   * WaitTimeoutError when `timeoutMs` passes first, the signal's reason on abort, NotifierApiError
   * on a refusal that waiting cannot cure (unknown task, wrong key). Looks when the notifier looks
   * next (`dueAt`), between `minIntervalMs` and `maxIntervalMs`; transient failures (network, 5xx,
   * 429) are waited out inside the same bounds.
   */
  async waitFor(taskId: string, opts: WaitOptions = {}): Promise<NotifierTask> {
    const timeoutMs = opts.timeoutMs ?? 24 * 3600_000;
    const minMs = opts.minIntervalMs ?? 1_000;
    const maxMs = Math.max(minMs, opts.maxIntervalMs ?? 30_000);
    const endAt = Date.now() + timeoutMs;
    let last: NotifierTask | undefined;
    let failures = 0;
    for (;;) {
      opts.signal?.throwIfAborted();
      let pause: number;
      try {
        last = await this.get(taskId, opts.signal);
        failures = 0;
        if (last.status === "ready") return last;
        if (FINAL.has(last.status)) throw new TaskFailedError(last);
        // The notifier checks the task at dueAt: look just after it has.
        const due = last.dueAt === undefined ? Number.NaN : Date.parse(last.dueAt);
        pause = Number.isNaN(due) ? minMs : due - Date.now() + 500;
      } catch (err) {
        if (!transient(err)) throw err;
        failures += 1;
        pause = minMs * 2 ** Math.min(failures, 5);
      }
      const left = endAt - Date.now();
      if (left <= 0) throw new WaitTimeoutError(taskId, last);
      await sleep(Math.min(Math.max(pause, minMs), maxMs, left), opts.signal);
    }
  }

  private async call(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: unknown }> {
    const text_ = body === undefined ? undefined : JSON.stringify(body);
    let url = `${this.base}${path}`;
    let auth: Record<string, string>;
    if ("apiKey" in this.auth) auth = { "x-api-key": this.auth.apiKey };
    else {
      // IAM callers reach the same task routes under /iam, signed (no key).
      url = `${this.base}/iam${path}`;
      const credentials = await this.auth.credentials();
      auth = signRequest({ method, url: new URL(url), body: text_, credentials, region: this.auth.region });
    }
    const res = await this.fetchFn(url, {
      method,
      headers: {
        ...auth,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: text_,
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new NotifierApiError(
        res.status,
        "invalid_response",
        `the notifier answered HTTP ${res.status} without JSON`,
      );
    }
    if (res.status >= 400) {
      const e = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
      throw new NotifierApiError(
        res.status,
        typeof e?.code === "string" ? e.code : `http_${res.status}`,
        typeof e?.message === "string" ? e.message : `the notifier answered HTTP ${res.status}`,
      );
    }
    return { status: res.status, body: parsed };
  }
}

/** Worth another look: the network, the notifier's own 5xx, or its throttling. */
function transient(err: unknown): boolean {
  if (err instanceof NotifierApiError) return err.status >= 500 || err.status === 429;
  const name = (err as { name?: unknown })?.name;
  return err instanceof TypeError || name === "FetchError" || name === "SocketError";
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
