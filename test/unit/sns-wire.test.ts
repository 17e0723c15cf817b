import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "vitest";
import { isLoopbackEndpoint, postToSubscriber } from "../../local/sns-wire.js";

const sub = (endpoint: string) => ({
  arn: "arn:local",
  protocol: "https",
  endpoint,
  filterPolicy: undefined,
  confirmed: true,
  token: "t",
});

test("local mode sends only to this machine, and says what it would have sent elsewhere", async () => {
  expect(isLoopbackEndpoint("http://127.0.0.1:4000/")).toBe(true);
  expect(isLoopbackEndpoint("http://localhost:4000/")).toBe(true);
  expect(isLoopbackEndpoint("http://[::1]:4000/")).toBe(true);
  expect(isLoopbackEndpoint("https://example.com/hook")).toBe(false);
  expect(isLoopbackEndpoint("https://127.0.0.1.nip.io/hook")).toBe(false);
  const refused = await postToSubscriber(sub("https://example.com/hook"), "Notification", { TopicArn: "t" });
  expect(refused).toContain("not sent: local mode delivers only to this machine");
  expect(refused).toContain("https://example.com/hook");
});

test("a loopback receiver gets the POST with SNS's headers", async () => {
  let got: string | undefined;
  const server = createServer((req, res) => {
    got = String(req.headers["x-amz-sns-message-type"]);
    req.resume();
    res.writeHead(200).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    expect(await postToSubscriber(sub(url), "Notification", { TopicArn: "t" })).toBe("HTTP 200");
    expect(got).toBe("Notification");
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test("a Notification of a MessageStructure json publish carries no MessageAttributes (as SNS sends HTTPS endpoints), and the README's envelope says so", async () => {
  const { notificationEnvelope } = await import("../../local/sns-wire.js");
  const attrs = { eventType: { Type: "String", Value: "task.ready" } };
  const structured = notificationEnvelope(
    "arn:aws:sns:eu-west-1:123456789012:t",
    { MessageId: "m", Subject: "s", Message: JSON.stringify({ default: "{}" }), MessageAttributes: attrs },
    "{}",
    "http://127.0.0.1:3000",
  ) as Record<string, unknown>;
  expect(structured).not.toHaveProperty("MessageAttributes");
  const plain = notificationEnvelope(
    "arn:aws:sns:eu-west-1:123456789012:t",
    { MessageId: "m", Subject: "s", Message: "hello", MessageAttributes: attrs },
    "hello",
    "http://127.0.0.1:3000",
  ) as Record<string, unknown>;
  expect(plain.MessageAttributes).toEqual(attrs);
  // The README's envelope example (Receiving notifications over HTTPS) shows what SNS really sends.
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("### Receiving notifications over HTTPS"));
  const example = /```json\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  expect(example).toContain('"Type": "Notification"');
  expect(example).not.toContain("MessageAttributes");
});
