import type { APIGatewayProxyResult } from "aws-lambda";

/** Every error body: `{ "error": { "code", "message" } }`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Response headers the error needs (a 405's `Allow`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const HEADERS = {
  "content-type": "application/json; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
};

export function json(status: number, body: unknown): APIGatewayProxyResult {
  return { statusCode: status, headers: HEADERS, body: JSON.stringify(body) };
}

/** A temporary redirect (a presigned URL: never cached). */
export function redirect(location: string): APIGatewayProxyResult {
  return { statusCode: 307, headers: { location, "cache-control": "no-store" }, body: "" };
}

export function noContent(): APIGatewayProxyResult {
  return { statusCode: 204, headers: { "cache-control": "no-store" }, body: "" };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  const res = json(status, { error: { code, message } });
  return { ...res, headers: { ...res.headers, ...headers } };
}
