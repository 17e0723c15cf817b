import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, test } from "vitest";
import { spawnScript } from "../support/local-process.js";

/*
 * `npm run receiver -- --topic-arn <arn>`: an attacker's own topic can POST a well-signed envelope to
 * any endpoint it knows, so the receiver takes SNS messages (confirmations included) from the
 * stage's topic only. The program as a user runs it, against SNS-shaped POSTs on 127.0.0.1.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const MINE = "arn:aws:sns:eu-west-1:123456789012:TaskNotifier-prod-EventsTopic";
const THEIRS = "arn:aws:sns:eu-west-1:999999999999:attacker";
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function startReceiver(args: string[]) {
  const p = spawnScript("local/receiver-cli.ts", ["--port", "0", ...args], {
    TOPIC_ARN: "",
    WEBHOOK_SECRET: "",
  });
  const out = p.output;
  stops.push(async () => {
    p.child.kill("SIGINT");
    await p.exited;
  });
  const end = Date.now() + 20_000;
  while (!/listening on (http:\/\/\S+)/.test(out()) && Date.now() < end)
    await new Promise((r) => setTimeout(r, 50));
  const url = /listening on (http:\/\/\S+?\/)/.exec(out())?.[1] ?? "";
  return { url, output: out };
}

test("a receiver given the stage's topic confirms and prints its messages, and refuses another topic's", async () => {
  let confirmations = 0;
  const sns = createServer((_req, res) => {
    confirmations += 1;
    res.writeHead(200).end("<ConfirmSubscriptionResponse/>");
  });
  await new Promise<void>((r) => sns.listen(0, "127.0.0.1", () => r()));
  stops.push(() => new Promise((r) => sns.close(() => r())));
  const confirmUrl = `http://127.0.0.1:${(sns.address() as AddressInfo).port}/confirm`;
  const rx = await startReceiver(["--topic-arn", MINE]);
  expect(rx.output()).toContain(`SNS messages from ${MINE} only`);
  const post = (body: object) =>
    fetch(rx.url, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(body) });
  const forged = {
    Type: "Notification",
    TopicArn: THEIRS,
    Message: JSON.stringify({ type: "task.ready", id: "forged" }),
  };
  await post({ Type: "SubscriptionConfirmation", TopicArn: THEIRS, SubscribeURL: confirmUrl });
  await post(forged);
  await post({ Type: "SubscriptionConfirmation", TopicArn: MINE, SubscribeURL: confirmUrl });
  await post({ ...forged, TopicArn: MINE, Message: JSON.stringify({ type: "task.ready", id: "real" }) });
  const end = Date.now() + 10_000;
  while (!rx.output().includes('"id": "real"') && Date.now() < end)
    await new Promise((r) => setTimeout(r, 50));
  expect(confirmations).toBe(1);
  expect(rx.output()).toContain(`REFUSED a SubscriptionConfirmation from topic ${THEIRS}`);
  expect(rx.output()).toContain(`REFUSED a Notification from topic ${THEIRS}`);
  expect(rx.output()).not.toContain('"id": "forged"');
  expect(rx.output()).toContain('"id": "real"');
}, 40_000);

test("the README's SNS receiver sample compares TopicArn before it confirms or trusts anything", async () => {
  const { readFileSync } = await import("node:fs");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("### Receiving notifications over HTTPS"));
  const sample = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  expect(sample).toMatch(/TopicArn !== /);
  // The check comes before the confirmation fetch and before the message is parsed.
  expect(sample.indexOf("TopicArn !== ")).toBeLessThan(sample.indexOf("SubscribeURL)"));
});
