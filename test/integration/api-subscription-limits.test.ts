import { afterAll, beforeAll, expect, test } from "vitest";
import { type ApiHarness, startApiHarness } from "../support/api-harness.js";

/* A stage's limits on subscriptions, enforced by the api handler on dynalite and fauxqs. */
let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness({
    SUBSCRIPTION_PROTOCOLS: "email,https",
    SUBSCRIPTION_MAX: "2",
    SUBSCRIPTION_EMAIL_DOMAINS: "example.com",
    SUBSCRIPTION_HTTPS_HOSTS: "hooks.example.com",
  });
});
afterAll(async () => {
  await api.close();
});

const subscribe = (protocol: string, endpoint: string) =>
  api.call("POST", "/subscriptions", { body: { protocol, endpoint } });

test("SMS is refused unless the stage enables it", async () => {
  const res = await subscribe("sms", "+15551234567");
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe("protocol_not_allowed");
  expect(res.body.error.message).toContain("allowed: email, https");
});

test("endpoints outside the allow-lists are refused", async () => {
  const mail = await subscribe("email", "someone@elsewhere.org");
  expect(mail.status).toBe(422);
  expect(mail.body.error.code).toBe("endpoint_not_allowed");
  const hook = await subscribe("https", "https://evil.example.net/hook");
  expect(hook.status).toBe(422);
  expect(hook.body.error.message).toContain("evil.example.net");
});

test("at most the stage's count; subscribing an existing endpoint again is not a new one", async () => {
  expect((await subscribe("email", "ops@example.com")).status).toBe(201);
  expect((await subscribe("https", "https://hooks.example.com/a")).status).toBe(201);
  const third = await subscribe("https", "https://hooks.example.com/b");
  expect(third.status).toBe(409);
  expect(third.body.error.code).toBe("subscription_limit");
  // The same endpoint with the same filter is the existing subscription: 200, as for tasks.
  expect((await subscribe("email", "ops@example.com")).status).toBe(200);
  expect((await api.call("GET", "/subscriptions")).body.items).toHaveLength(2);
});
