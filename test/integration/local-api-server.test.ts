import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { apiDeps, createApiHandler } from "../../functions/api-handler.js";
import { apiConfig } from "../../functions/config/api-config.js";
import { createLocalApiServer, LOCAL_KEY_IDS } from "../../local/api-server.js";
import { type EmbeddedAws, startEmbeddedAws } from "../../local/embedded-aws.js";

/* Local mode's HTTP front of the real api handler: oversize bodies get an answer, not a reset. */
let aws: EmbeddedAws;
let server: Server;
let base = "";
const KEY = "local-test-key";
const ADMIN = "local-admin-key-value";

beforeAll(async () => {
  aws = await startEmbeddedAws();
  const config = apiConfig({
    ...aws.env,
    STAGE: "local",
    ALLOW_LOOPBACK_HTTP: "true",
    ADMIN_API_KEY_ID: LOCAL_KEY_IDS.admin,
  });
  const quiet = { info() {}, error() {} };
  server = createLocalApiServer(
    createApiHandler(apiDeps(config, aws, quiet), quiet),
    { client: KEY, admin: ADMIN },
    () => false,
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await aws.close();
});

const post = (bytes: number) =>
  fetch(`${base}/tasks`, {
    method: "POST",
    headers: { "x-api-key": KEY, "content-type": "application/json" },
    body: `{"taskId":"${"a".repeat(Math.max(0, bytes - 13))}"}`,
  });

test("GET /openapi.json answers without a key, like the deployed API's", async () => {
  const res = await fetch(`${base}/openapi.json`);
  expect(res.status).toBe(200);
  expect(((await res.json()) as { openapi: string }).openapi).toBe("3.1.0");
});

test("a 2 MB body gets the API's 413 answer (a reset connection before)", async () => {
  const res = await post(2 * 1024 * 1024);
  expect(res.status).toBe(413);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
});

test("a body past API Gateway's 10 MiB is read to its end and answered 413 too", async () => {
  const res = await post(11 * 1024 * 1024);
  expect(res.status).toBe(413);
  expect(((await res.json()) as { error: { message: string } }).error.message).toContain("10 MiB");
});

test("without a key: 403; the client key registers tasks but not subscriptions; the admin key reaches both", async () => {
  expect((await fetch(`${base}/tasks`)).status).toBe(403);
  expect((await post(100)).status).toBe(202);
  const subs = (key: string) => fetch(`${base}/subscriptions`, { headers: { "x-api-key": key } });
  const asClient = await subs(KEY);
  expect(asClient.status).toBe(403);
  expect(((await asClient.json()) as { error: { code: string } }).error.code).toBe("admin_key_required");
  expect((await subs(ADMIN)).status).toBe(200);
});
