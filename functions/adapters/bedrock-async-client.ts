import { Agent as HttpsAgent } from "node:https";
import {
  type AsyncInvokeStatus,
  BedrockRuntimeClient,
  GetAsyncInvokeCommand,
  ListAsyncInvokesCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { parseInvocationArn } from "../core/bedrock-arn.js";
import type { CallOptions, TwelveLabsPort } from "../core/ports.js";
import type { ListTasksQuery, TaskPage, TaskSnapshot } from "../core/snapshot.js";
import { pageLimitOf, sourceOf, type TaskKind } from "../core/task-kinds.js";
import {
  TwelveLabsError,
  TwelveLabsIdRejectedError,
  TwelveLabsInvalidResponseError,
  TwelveLabsNotFoundError,
  TwelveLabsRateLimitedError,
  TwelveLabsRequestError,
  TwelveLabsTransientError,
} from "../core/twelvelabs-errors.js";
import { parseAsyncInvoke } from "./bedrock-responses.js";

export interface BedrockAsyncClientOptions {
  /** The stage's own region: lists go there unless told otherwise. */
  homeRegion: string;
  /** Regions whose invocations may be checked (the stage's list); anything else is refused. */
  regions: readonly string[];
  /** Another endpoint (a simulator, LocalStack); default: the SDK's (which honours AWS_ENDPOINT_URL_BEDROCK_RUNTIME). */
  endpoint?: string;
  /** Default: the SDK's chain (the Lambda's role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxConcurrency?: number;
  /** SDK attempts per call (its standard retry mode). */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Bedrock's words for the notifier statuses a list may filter by. */
const STATUS_EQUALS: Record<string, AsyncInvokeStatus> = {
  processing: "InProgress",
  ready: "Completed",
  failed: "Failed",
};

/**
 * Amazon Bedrock's async invocations (TwelveLabs' models inside AWS) behind the same port as
 * TwelveLabs' API: `GetAsyncInvoke` for one, `ListAsyncInvokes` (1,000 a page) for many, signed
 * with the poller's role. One client per region, over HTTP/1.1 keep-alive: the runtime client's
 * default HTTP/2 handler is for streaming calls, and these are plain REST reads.
 */
export class BedrockAsyncClient implements TwelveLabsPort {
  private readonly clients = new Map<string, BedrockRuntimeClient>();
  private readonly allowed: ReadonlySet<string>;
  /** Where page N of a list goes on (Bedrock pages by token), per query; kept for one warm process. */
  private readonly tokens = new Map<string, string>();
  private readonly counters = { calls: 0, attempts: 0, retries: 0, rateLimited: 0, failures: 0 };
  private readonly agent: HttpsAgent;

  constructor(private readonly options: BedrockAsyncClientOptions) {
    this.allowed = new Set(options.regions.length > 0 ? options.regions : [options.homeRegion]);
    this.agent = new HttpsAgent({ keepAlive: true, maxSockets: options.maxConcurrency ?? 16 });
  }

  stats() {
    return { ...this.counters, peakInFlight: 0 };
  }

  close(): void {
    for (const c of this.clients.values()) c.destroy();
    this.clients.clear();
    this.agent.destroy();
  }

  async getTask(kind: TaskKind, taskId: string, opts: CallOptions = {}): Promise<TaskSnapshot> {
    assertBedrock(kind);
    const arn = opts.invocationArn === undefined ? undefined : parseInvocationArn(opts.invocationArn);
    if (!arn) throw new TwelveLabsRequestError("a Bedrock task needs its invocation ARN", 400);
    if (arn.id !== taskId) throw new TwelveLabsRequestError("the invocation ARN names another task", 400);
    const client = this.clientFor(arn.region);
    const out = await this.send(opts, "one", (abortSignal) =>
      client.send(new GetAsyncInvokeCommand({ invocationArn: arn.arn }), { abortSignal }),
    );
    const snap = parseAsyncInvoke(out);
    if (snap.id !== taskId || snap.invocationArn !== arn.arn)
      throw new TwelveLabsInvalidResponseError("Bedrock answered for a different invocation");
    return snap;
  }

  async listTasks(kind: TaskKind, query: ListTasksQuery, opts: CallOptions = {}): Promise<TaskPage> {
    assertBedrock(kind);
    const region = query.region ?? this.options.homeRegion;
    const client = this.clientFor(region);
    const limit = Math.min(pageLimitOf(kind), Math.max(1, query.pageLimit ?? pageLimitOf(kind)));
    const want = query.page ?? 1;
    const base = {
      ...(query.status !== undefined ? { statusEquals: STATUS_EQUALS[query.status] } : {}),
      ...(query.createdAfter ? { submitTimeAfter: new Date(query.createdAfter) } : {}),
      ...(query.createdBefore ? { submitTimeBefore: new Date(query.createdBefore) } : {}),
      maxResults: limit,
      sortBy: "SubmissionTime" as const,
      sortOrder: query.oldestFirst ? ("Ascending" as const) : ("Descending" as const),
    };
    if (query.status !== undefined && base.statusEquals === undefined)
      throw new TwelveLabsRequestError(`Bedrock lists cannot filter by ${query.status}`, 400);
    const key = JSON.stringify([region, base]);
    // Page N needs the token page N-1 gave; without it (a new process), walk from the start.
    let page = want;
    let token = page > 1 ? this.tokens.get(`${key}#${page}`) : undefined;
    while (page > 1 && token === undefined) {
      page -= 1;
      token = page > 1 ? this.tokens.get(`${key}#${page}`) : undefined;
    }
    for (;;) {
      const out = await this.send(opts, "list", (abortSignal) =>
        client.send(new ListAsyncInvokesCommand({ ...base, ...(token ? { nextToken: token } : {}) }), {
          abortSignal,
        }),
      );
      const next = typeof out.nextToken === "string" && out.nextToken !== "" ? out.nextToken : undefined;
      if (next) {
        if (this.tokens.size > 1_000) this.tokens.clear();
        this.tokens.set(`${key}#${page + 1}`, next);
      }
      if (page < want && next) {
        page += 1;
        token = next;
        continue;
      }
      const summaries = Array.isArray(out.asyncInvokeSummaries) ? out.asyncInvokeSummaries : [];
      const tasks = summaries.map(parseAsyncInvoke);
      // Bedrock gives no totals: one page more while it hands out a token.
      const totalPages = next ? page + 1 : page;
      return { tasks, page, totalPages, totalResults: (page - 1) * limit + tasks.length + (next ? 1 : 0) };
    }
  }

  private clientFor(region: string): BedrockRuntimeClient {
    if (!this.allowed.has(region))
      throw new TwelveLabsRequestError(`Bedrock region ${region} is not one this stage may check`, 403);
    let client = this.clients.get(region);
    if (!client) {
      client = new BedrockRuntimeClient({
        region,
        maxAttempts: this.options.maxAttempts ?? 3,
        ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
        requestHandler: new NodeHttpHandler({
          httpsAgent: this.agent,
          connectionTimeout: this.options.connectTimeoutMs ?? 3_000,
          requestTimeout: this.options.requestTimeoutMs ?? 10_000,
        }),
      });
      this.clients.set(region, client);
    }
    return client;
  }

  /** One SDK call inside the run's deadline, its errors as the port's classes. */
  private async send<T extends { $metadata?: { attempts?: number } }>(
    opts: CallOptions,
    what: "one" | "list",
    call: (signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T> {
    this.counters.calls += 1;
    const left = (opts.deadlineAt ?? Number.POSITIVE_INFINITY) - Date.now();
    if (left <= 0) throw new TwelveLabsTransientError("Bedrock call not made: no time left in this run");
    try {
      const out = await call(Number.isFinite(left) ? AbortSignal.timeout(Math.floor(left)) : undefined);
      const attempts = out.$metadata?.attempts ?? 1;
      this.counters.attempts += attempts;
      this.counters.retries += attempts - 1;
      return out;
    } catch (err) {
      this.counters.attempts += attemptsOf(err);
      this.counters.failures += 1;
      throw this.classify(err, what);
    }
  }

  private classify(err: unknown, what: "one" | "list"): TwelveLabsError {
    if (err instanceof TwelveLabsError) return err;
    const name = (err as { name?: unknown })?.name;
    const status = (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
    if (name === "ResourceNotFoundException" && what === "one")
      return new TwelveLabsNotFoundError("Bedrock does not know this invocation (ResourceNotFoundException)");
    if (name === "ValidationException" && what === "one")
      return new TwelveLabsIdRejectedError("Bedrock rejected the invocation ARN (ValidationException)");
    if (name === "ThrottlingException" || name === "ServiceQuotaExceededException" || status === 429) {
      this.counters.rateLimited += 1;
      return new TwelveLabsRateLimitedError(`Bedrock throttled the call (${String(name)})`, 5_000);
    }
    if (name === "TimeoutError" || name === "AbortError")
      return new TwelveLabsTransientError("Bedrock call cut short: no time left in this run");
    if (status !== undefined && status >= 400 && status < 500)
      // Access denied included: a role without access to one region must not stop TwelveLabs' checks.
      return new TwelveLabsRequestError(
        `Bedrock refused the call (HTTP ${status}, ${safeName(name)})`,
        status,
      );
    return new TwelveLabsTransientError(`Bedrock call failed (${safeName(name)})`);
  }
}

function assertBedrock(kind: TaskKind): void {
  if (sourceOf(kind) !== "bedrock") throw new TypeError(`kind ${kind} is not checked through Bedrock`);
}

function attemptsOf(err: unknown): number {
  const n = (err as { $metadata?: { attempts?: number } })?.$metadata?.attempts;
  return typeof n === "number" && n > 0 ? n : 1;
}

function safeName(name: unknown): string {
  return typeof name === "string" ? name.replace(/[^A-Za-z0-9]/g, "").slice(0, 60) : "network error";
}
