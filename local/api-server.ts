import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from "aws-lambda";

/** What API Gateway lets through to the function (10 MiB); the handler answers 413 past its own limit. */
const MAX_READ = 10 * 1024 * 1024;

export type ApiHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** The two keys local mode accepts, and the ids API Gateway would report for them. */
export interface LocalApiKeys {
  client: string;
  admin: string;
}
export const LOCAL_KEY_IDS = { client: "local-client-key", admin: "local-admin-key" } as const;

/**
 * The api handler behind a local HTTP server: requests become API Gateway (REST, proxy) events
 * and results become responses. Like the deployed API, every call needs the `x-api-key` header:
 * the client key or the admin key, passed on as `requestContext.identity.apiKeyId` as API Gateway
 * does. `extraRoutes` serves local-only paths (the SNS confirmation URL) without a key.
 */
export function createLocalApiServer(
  handler: ApiHandler,
  keys: LocalApiKeys,
  extraRoutes: (req: IncomingMessage, res: ServerResponse, url: URL) => boolean,
  /** Told after a TwelveLabs webhook made a task due (local mode wakes the poller, as the stream does in AWS). */
  onTaskNudged?: () => void,
): Server {
  const known = (["client", "admin"] as const).map((role) => ({ role, key: Buffer.from(keys[role]) }));
  return createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    try {
      if (extraRoutes(req, res, url)) return;
      const given = Buffer.from(String(req.headers["x-api-key"] ?? ""));
      const match = known.find((k) => k.key.length === given.length && timingSafeEqual(k.key, given));
      // The API's description is public, as in the deployed API; everything else needs a key,
      // except under /iam: a SigV4 Authorization header (its access key read, its signature not
      // checked here, as LocalStack does; API Gateway checks it in AWS).
      // TwelveLabs' webhooks carry no key either: the function checks their signature.
      const tlWebhook = req.method === "POST" && url.pathname === "/twelvelabs/webhooks";
      const open = (req.method === "GET" && url.pathname === "/openapi.json") || tlWebhook;
      const iamCaller = url.pathname.startsWith("/iam/")
        ? sigV4AccessKey(req.headers.authorization)
        : undefined;
      if (url.pathname.startsWith("/iam/") && !iamCaller) {
        return send(res, {
          statusCode: 403,
          body: JSON.stringify({
            error: { code: "forbidden", message: "missing SigV4 Authorization header" },
          }),
        });
      }
      if (!match && !open && !iamCaller) {
        return send(res, {
          statusCode: 403,
          body: JSON.stringify({ error: { code: "forbidden", message: "missing or wrong x-api-key" } }),
        });
      }
      const body = await readBody(req);
      if (body === undefined) {
        // Past API Gateway's limit: the rest was read and dropped, so the client gets this answer, not a reset.
        return send(res, {
          statusCode: 413,
          headers: { connection: "close" },
          body: JSON.stringify({ error: { code: "payload_too_large", message: "body larger than 10 MiB" } }),
        });
      }
      const event = toEvent(req, url, body, match && !iamCaller ? LOCAL_KEY_IDS[match.role] : "", iamCaller);
      const answer = await handler(event);
      send(res, answer);
      if (tlWebhook && answer.statusCode === 200 && /"outcome":"(checking|adopted)"/.test(answer.body))
        onTaskNudged?.();
    } catch {
      send(res, {
        statusCode: 500,
        body: JSON.stringify({ error: { code: "internal_error", message: "internal error" } }),
      });
    }
  });
}

/** The access key of a SigV4 Authorization header (`Credential=<key>/<date>/<region>/<service>/aws4_request`). */
function sigV4AccessKey(header: string | undefined): string | undefined {
  return /^AWS4-HMAC-SHA256 Credential=([A-Z0-9]{16,128})\/\d{8}\/[a-z0-9-]+\/execute-api\/aws4_request,/.exec(
    header ?? "",
  )?.[1];
}

function toEvent(
  req: IncomingMessage,
  url: URL,
  body: string,
  apiKeyId: string,
  iamAccessKey?: string,
): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiHeaders: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    const list = Array.isArray(v) ? v : [v];
    headers[k] = list.join(",");
    multiHeaders[k] = list;
  }
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    single[k] = v;
    multi[k] = [...(multi[k] ?? []), v];
  }
  return {
    httpMethod: req.method ?? "GET",
    path: url.pathname,
    resource: url.pathname,
    headers,
    multiValueHeaders: multiHeaders,
    queryStringParameters: Object.keys(single).length ? single : null,
    multiValueQueryStringParameters: Object.keys(multi).length ? multi : null,
    pathParameters: null,
    stageVariables: null,
    body: body === "" ? null : body,
    isBase64Encoded: false,
    requestContext: {
      identity: iamAccessKey
        ? {
            accessKey: iamAccessKey,
            caller: iamAccessKey,
            userArn: `arn:aws:iam::000000000000:user/${iamAccessKey}`,
          }
        : { apiKeyId },
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}

/** The body, or undefined when it is larger than MAX_READ (then read to its end and discarded). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= MAX_READ) chunks.push(chunk as Buffer);
  }
  return size > MAX_READ ? undefined : Buffer.concat(chunks).toString("utf8");
}

function send(
  res: ServerResponse,
  result: Pick<APIGatewayProxyResult, "statusCode" | "body" | "headers">,
): void {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
  res.writeHead(result.statusCode, headers).end(result.statusCode === 204 ? undefined : result.body);
}
