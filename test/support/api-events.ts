import type { APIGatewayProxyEvent } from "aws-lambda";

/** API Gateway's ids of the test keys (what `requestContext.identity.apiKeyId` carries). */
export const TEST_ADMIN_KEY_ID = "test-admin-key-id";
export const TEST_CLIENT_KEY_ID = "test-client-key-id";

/** A REST API (v1) Lambda proxy event, as API Gateway sends it; made with the admin key unless told. */
export function apiEvent(
  method: string,
  path: string,
  opts: {
    body?: unknown;
    rawBody?: string;
    query?: Record<string, string | readonly string[]>;
    headers?: Record<string, string>;
    apiKeyId?: string;
    /** An IAM (SigV4) call: the principal's ARN, as API Gateway passes it. */
    iamUserArn?: string;
  } = {},
): APIGatewayProxyEvent {
  const multi: Record<string, string[]> = {};
  const single: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.query ?? {})) {
    const values: string[] = typeof v === "string" ? [v] : [...v];
    multi[k] = values;
    single[k] = values[values.length - 1] as string;
  }
  const hasBody = opts.body !== undefined || opts.rawBody !== undefined;
  const headers: Record<string, string> = {
    ...(hasBody ? { "Content-Type": "application/json" } : {}),
    ...(opts.headers ?? {}),
  };
  return {
    httpMethod: method,
    path,
    resource: path,
    body: opts.rawBody ?? (opts.body === undefined ? null : JSON.stringify(opts.body)),
    isBase64Encoded: false,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: Object.keys(single).length ? single : null,
    multiValueQueryStringParameters: Object.keys(multi).length ? multi : null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      // An IAM call carries the principal API Gateway authenticated instead of a key id.
      identity: opts.iamUserArn
        ? { userArn: opts.iamUserArn, caller: opts.iamUserArn }
        : { apiKeyId: opts.apiKeyId ?? TEST_ADMIN_KEY_ID },
    } as unknown as APIGatewayProxyEvent["requestContext"],
  };
}
