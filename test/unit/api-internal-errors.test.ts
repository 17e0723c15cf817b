import { expect, test } from "vitest";
import type { SubscriptionRegistry, TaskStore } from "../../functions/core/ports.js";
import { type ApiDeps, route } from "../../functions/http/routes.js";
import { apiEvent, TEST_ADMIN_KEY_ID } from "../support/api-events.js";

/*
 * The router's last line of defence: when a dependency fails in a way nobody planned for (here a
 * store whose every call throws, as an unreachable table would), the caller gets a bare 500 and the
 * details go to the log hook only. The store is a stand-in because the failure is what is tested.
 */
test("an unexpected failure is a 500 without internals, reported to the log hook", async () => {
  const secret = "arn:aws:dynamodb:eu-west-1:123456789012:table/tasks internal detail";
  const failing = new Proxy({}, { get: () => () => Promise.reject(new Error(secret)) }) as TaskStore;
  const logged: unknown[] = [];
  const deps: ApiDeps = {
    store: failing,
    subscriptions: failing as unknown as SubscriptionRegistry,
    now: () => 0,
    defaultDeadlineSeconds: 3600,
    tagAttributes: [],
    allowLoopbackHttp: false,
    adminApiKeyId: TEST_ADMIN_KEY_ID,
    subscriptionLimits: { maxCount: 10, protocols: ["email"], emailDomains: [], httpsHosts: [] },
    stage: "test",
    twelvelabsBaseUrl: "https://api.twelvelabs.io/v1.3",
    onInternalError: (err) => logged.push(err),
  };
  for (const event of [
    apiEvent("POST", "/tasks", { body: { taskId: "abc" } }),
    apiEvent("GET", "/tasks/abc"),
    apiEvent("GET", "/tasks"),
    apiEvent("GET", "/subscriptions"),
  ]) {
    const res = await route(deps, event);
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ error: { code: "internal_error", message: "internal error" } });
    expect(res.body).not.toContain("arn:aws");
  }
  expect(logged).toHaveLength(4);
  expect((logged[0] as Error).message).toBe(secret);
});
