import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { verifyWebhook } from "../functions/core/webhook-signature.js";

/**
 * `npm run receiver -- --port 4000`: a tiny HTTP endpoint for trying the notifier. As an SNS
 * subscriber it confirms subscriptions (GET of the SubscribeURL, as SNS requires) and prints each
 * notification; as a task's callbackUrl it verifies each signed webhook with the secret in
 * `--webhook-secret` or $WEBHOOK_SECRET (the banner of npm start exports it), drops repeats of a
 * webhook-id, and prints the event. With `--topic-arn` (or $TOPIC_ARN, also exported by the banner)
 * it takes SNS messages from that topic only.
 */
let port: number;
let webhookSecret: string | undefined;
let topicArn: string | undefined;
const seen = new Set<string>();
try {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "4000" },
      "webhook-secret": { type: "string" },
      "topic-arn": { type: "string" },
    },
    strict: true,
  });
  webhookSecret = values["webhook-secret"] ?? (process.env.WEBHOOK_SECRET || undefined);
  // The stage's topic (output TopicArn; local mode exports TOPIC_ARN): anything from another topic
  // is refused, confirmations included, since anyone's topic can POST a well-signed envelope here.
  topicArn = values["topic-arn"] ?? (process.env.TOPIC_ARN || undefined);
  if (topicArn !== undefined && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn))
    throw new Error("--topic-arn must be an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)");
  port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error("--port must be a whole number 0-65535");
} catch (err) {
  console.error(`receiver: ${(err as Error).message}`);
  process.exit(2);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    const raw = Buffer.concat(chunks);
    if (req.headers["webhook-id"] !== undefined) {
      if (!webhookSecret) {
        res.writeHead(401).end();
        console.log("receiver: a webhook arrived, but no --webhook-secret (or $WEBHOOK_SECRET) to verify it");
        return;
      }
      let event: { id?: string; type?: string };
      try {
        event = verifyWebhook(raw, req.headers, webhookSecret) as { id?: string; type?: string };
      } catch (err) {
        res.writeHead(401).end();
        console.log(`receiver: webhook REFUSED (${(err as Error).message})`);
        return;
      }
      res.writeHead(204).end();
      const id = String(req.headers["webhook-id"]);
      if (seen.has(id)) return console.log(`receiver: webhook ${id} again (already handled)`);
      seen.add(id);
      console.log(`receiver: webhook verified\n${JSON.stringify(event, null, 2)}`);
      return;
    }
    res.writeHead(200).end();
    let msg: { Type?: string; SubscribeURL?: string; Message?: string; TopicArn?: string };
    try {
      msg = JSON.parse(raw.toString("utf8"));
    } catch {
      console.log(`receiver: ignored a body that is not JSON`);
      return;
    }
    if (topicArn !== undefined && msg.TopicArn !== topicArn) {
      console.log(
        `receiver: REFUSED a ${msg.Type ?? "message"} from topic ${msg.TopicArn ?? "(none)"}, not ${topicArn}`,
      );
      return;
    }
    if (msg.Type === "SubscriptionConfirmation" && msg.SubscribeURL) {
      const r = await fetch(msg.SubscribeURL);
      console.log(`receiver: confirmed the subscription (HTTP ${r.status})`);
    } else if (msg.Type === "Notification") {
      console.log(`receiver: notification\n${JSON.stringify(JSON.parse(msg.Message ?? "{}"), null, 2)}`);
    }
  });
});
server.once("error", (err: NodeJS.ErrnoException) => {
  console.error(`receiver: ${err.code === "EADDRINUSE" ? `port ${port} is already in use` : err.message}`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () =>
  console.log(
    `receiver: listening on http://127.0.0.1:${(server.address() as AddressInfo).port}/${topicArn ? ` (SNS messages from ${topicArn} only)` : " (any SNS topic: give --topic-arn or $TOPIC_ARN to accept only yours)"}`,
  ),
);
process.once("SIGINT", () => server.close(() => process.exit(0)));
