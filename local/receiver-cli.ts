import { createServer } from "node:http";
import { parseArgs } from "node:util";

/**
 * `npm run receiver -- --port 4000`: a tiny SNS-style HTTP endpoint for trying the notifier. It
 * confirms subscriptions (GET of the SubscribeURL, as SNS requires) and prints each notification.
 */
let port: number;
try {
  const { values } = parseArgs({ options: { port: { type: "string", default: "4000" } }, strict: true });
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
    res.writeHead(200).end();
    let msg: { Type?: string; SubscribeURL?: string; Message?: string };
    try {
      msg = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      console.log(`receiver: ignored a body that is not JSON`);
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
server.listen(port, "127.0.0.1", () => console.log(`receiver: listening on http://127.0.0.1:${port}/`));
process.once("SIGINT", () => server.close(() => process.exit(0)));
