import { parseInvocationArn } from "../../functions/core/bedrock-arn.js";
import { afterLowerBound, beforeUpperBound, type SimModes } from "./sim-modes.js";
import { asyncInvokeBody, existsAt, invocationArnOf, type SimTask, statusAt } from "./sim-tasks.js";

/*
 * Amazon Bedrock's async-invoke REST endpoints (bedrock-runtime), as the AWS SDK calls and parses
 * them: `GET /async-invoke/{invocationArn}` and `GET /async-invoke?…` (ListAsyncInvokes), errors as
 * restJson1 (`x-amzn-errortype` and `{ message }`). Requests must carry a SigV4 Authorization header;
 * its signature is not checked (any credentials, as LocalStack does).
 */

export interface BedrockReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export const BEDROCK_ROUTES = {
  one: "GET /async-invoke/{invocationArn}",
  list: "GET /async-invoke",
} as const;

const MAX_RESULTS = 1000;

function awsError(status: number, type: string, message: string): BedrockReply {
  return { status, body: { message }, headers: { "x-amzn-errortype": type } };
}

export function bedrockRoute(path: string): string | undefined {
  if (path === "/async-invoke") return BEDROCK_ROUTES.list;
  if (/^\/async-invoke\/[^/]+$/.test(path)) return BEDROCK_ROUTES.one;
  return undefined;
}

/** The region a SigV4 Authorization header was signed for (its credential scope): Bedrock is regional. */
export function signedRegion(authorization: string | undefined): string | undefined {
  if (!authorization?.startsWith("AWS4-HMAC-SHA256 ")) return undefined;
  return /Credential=[^/,]+\/\d{8}\/([a-z0-9-]+)\/bedrock\//.exec(authorization)?.[1];
}

export interface BedrockView {
  tasks: Iterable<SimTask>;
  now: number;
  /** The moment a stale list answers from. */
  view: number;
  modes: SimModes;
}

export function bedrockReply(
  path: string,
  query: URLSearchParams,
  /** The region the request was signed for (signedRegion); undefined: not signed. */
  region: string | undefined,
  sim: BedrockView,
): BedrockReply {
  if (region === undefined)
    return awsError(
      403,
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    );
  const here = { ...sim, tasks: [...sim.tasks].filter((t) => t.kind === "bedrock" && t.region === region) };
  if (path === "/async-invoke") return listReply(query, here);
  const raw = decodeURIComponent(path.slice("/async-invoke/".length));
  const arn = parseInvocationArn(raw);
  if (!arn) return awsError(400, "ValidationException", "1 validation error detected: invocationArn");
  for (const t of here.tasks)
    if (invocationArnOf(t) === raw && existsAt(t, sim.now))
      return { status: 200, body: asyncInvokeBody(t, sim.now) };
  return awsError(404, "ResourceNotFoundException", "The specified invocation ARN was not found.");
}

const WORDS = new Set(["InProgress", "Completed", "Failed"]);

function listReply(query: URLSearchParams, sim: BedrockView): BedrockReply {
  const statusEquals = query.get("statusEquals");
  if (statusEquals !== null && !WORDS.has(statusEquals))
    return awsError(400, "ValidationException", "statusEquals must be InProgress, Completed or Failed");
  const maxResults = query.has("maxResults") ? Number(query.get("maxResults")) : MAX_RESULTS;
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS)
    return awsError(400, "ValidationException", "maxResults must be 1..1000");
  const after = dateParam(query.get("submitTimeAfter"));
  const before = dateParam(query.get("submitTimeBefore"));
  if (after === null || before === null) return awsError(400, "ValidationException", "invalid timestamp");
  const offset = query.has("nextToken")
    ? Number(Buffer.from(query.get("nextToken") as string, "base64url").toString())
    : 0;
  if (!Number.isInteger(offset) || offset < 0)
    return awsError(400, "ValidationException", "invalid nextToken");
  const asc = query.get("sortOrder") === "Ascending";
  const rows = [...sim.tasks]
    .filter((t) => t.kind === "bedrock" && existsAt(t, sim.view))
    // The window's bounds under each reading the documentation leaves open (inclusive or not).
    .filter((t) => after === undefined || afterLowerBound(t.createdAt, after, sim.modes, false))
    .filter((t) => before === undefined || beforeUpperBound(t.createdAt, before, sim.modes))
    .filter((t) => statusEquals === null || statusAt(t, sim.view).status === statusEquals)
    .sort((a, b) => (asc ? a.createdAt - b.createdAt : b.createdAt - a.createdAt));
  const page = rows.slice(offset, offset + maxResults);
  const more = offset + maxResults < rows.length;
  return {
    status: 200,
    body: {
      asyncInvokeSummaries: page.map((t) => asyncInvokeBody(t, sim.view)),
      ...(more ? { nextToken: Buffer.from(String(offset + maxResults)).toString("base64url") } : {}),
    },
  };
}

/** undefined when absent, null when not a date-time. */
function dateParam(raw: string | null): number | undefined | null {
  if (raw === null) return undefined;
  const ms = Date.parse(raw);
  return Number.isNaN(ms) ? null : ms;
}
