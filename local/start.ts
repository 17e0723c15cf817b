import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { join, resolve } from "node:path";
import { createLocalApiServer } from "./api-server.js";
import { type EmbeddedAws, startEmbeddedAws } from "./embedded-aws.js";
import { type LocalOptions, parseLocalOptions, USAGE, UsageError } from "./local-options.js";
import { TwelveLabsSimulator } from "./simulator/simulator-server.js";
import { LocalSnsDelivery } from "./sns-delivery.js";
import { checkTwelveLabs } from "./twelvelabs-preflight.js";

/** `npm start`: the real api and poller handlers on this machine, with local stand-ins for AWS. */
async function main(): Promise<void> {
  // Local mode runs on the machine's Node (20+); the deployed functions run on Node 24.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  let opts: LocalOptions;
  try {
    opts = parseLocalOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`notifier: ${err.message} (see npm start -- --help)`);
      process.exit(2);
    }
    throw err;
  }
  if (opts.help) {
    console.log(USAGE);
    return;
  }

  const cleanups: Array<() => Promise<void>> = [];
  const shutdown = async (code: number) => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    process.exit(code);
  };
  const fail = async (message: string) => {
    console.error(`notifier: ${message}`);
    await shutdown(1);
  };

  // TwelveLabs: the simulator, or the real API after a check of the key and the URL.
  let twelvelabsUrl = opts.twelvelabsUrl;
  let twelvelabsKey = opts.twelvelabsKey ?? "";
  let sim: TwelveLabsSimulator | undefined;
  if (opts.simulate) {
    sim = new TwelveLabsSimulator({ apiKey: randomBytes(12).toString("hex") });
    try {
      twelvelabsUrl = await sim.start(opts.simulatorPort);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return fail(
        e.code === "EADDRINUSE"
          ? `simulator port ${opts.simulatorPort} is already in use (choose another with --simulator-port)`
          : e.message,
      );
    }
    twelvelabsKey = sim.apiKey;
    cleanups.push(() => (sim as TwelveLabsSimulator).close());
  } else {
    const problem = await checkTwelveLabs(twelvelabsUrl, twelvelabsKey);
    if (problem) return fail(problem);
  }

  let aws: EmbeddedAws;
  try {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    aws = await startEmbeddedAws({
      dataDir: opts.dataDir ? join(resolve(opts.dataDir), "dynamodb") : undefined,
    });
  } catch (err) {
    return fail(`cannot start the local DynamoDB/SNS stand-ins: ${(err as Error).message}`);
  }
  cleanups.push(() => aws.close());

  const apiKey = opts.apiKey ?? randomBytes(15).toString("base64url");
  Object.assign(process.env, aws.env, {
    STAGE: "local",
    TWELVELABS_BASE_URL: twelvelabsUrl,
    TWELVELABS_API_KEY: twelvelabsKey,
    ALLOW_LOOPBACK_HTTP: "true",
    POLLER_LEASE: "false", // one loop, never two runs at once
    PASSES_PER_RUN: "1",
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? "ERROR",
    POWERTOOLS_METRICS_DISABLED: "true",
  });
  // Handlers read their configuration at import, as at a Lambda cold start.
  const api = await import("../functions/api.js");
  const poller = await import("../functions/poller.js");

  const base = `http://127.0.0.1:${opts.port}`;
  let delivery: LocalSnsDelivery | undefined;
  const server: Server = createLocalApiServer(api.handler, apiKey, (req, res, url) => {
    if (req.method === "GET" && url.pathname === "/_local/sns/confirm") {
      const ok = delivery?.confirm(url.searchParams.get("token") ?? "") ?? false;
      res.writeHead(ok ? 200 : 404, { "content-type": "text/xml" });
      res.end(
        ok
          ? "<ConfirmSubscriptionResponse><ConfirmSubscriptionResult/></ConfirmSubscriptionResponse>"
          : "<Error>unknown token</Error>",
      );
      return true;
    }
    return false;
  });
  try {
    await new Promise<void>((ok, bad) => {
      server.once("error", bad);
      server.listen(opts.port, "127.0.0.1", () => ok());
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return fail(
      e.code === "EADDRINUSE"
        ? `port ${opts.port} is already in use (choose another with --port)`
        : e.message,
    );
  }
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  server.closeIdleConnections?.();

  delivery = new LocalSnsDelivery({
    sns: aws.sns,
    sqs: aws.sqs,
    fauxqs: aws.fauxqs,
    topicArn: aws.topicArn,
    topicName: "task-events",
    confirmBaseUrl: base,
    print: (line) => console.log(line),
    dataFile: opts.dataDir ? join(resolve(opts.dataDir), "subscriptions.json") : undefined,
  });
  await delivery.start();
  cleanups.push(async () => {
    await (delivery as LocalSnsDelivery).stop();
  });

  // The poller: one pass every --interval (the deployed pass cadence by default), measured from
  // the start of the previous pass as in a deployed run; two passes never overlap.
  let stopping = false;
  let current: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const startedAt = Date.now();
    current = poller
      .handler({}, { getRemainingTimeInMillis: () => Math.max(10_000, opts.intervalMs * 4) })
      .then((r) => {
        if ("skipped" in r) return;
        if (r.tasksChecked > 0 || r.outboxRepublished > 0) {
          console.log(
            `[poller] checked ${r.tasksChecked}, ${r.transitions} changed, ${r.eventsPublished} published (${r.durationMs} ms)`,
          );
        }
      })
      .catch((err: Error) => console.error(`[poller] run failed: ${err.message}`))
      .finally(() => {
        if (!stopping) timer = setTimeout(tick, Math.max(0, startedAt + opts.intervalMs - Date.now()));
      });
  };
  tick();
  cleanups.push(async () => {
    stopping = true;
    if (timer) clearTimeout(timer);
    await current;
  });

  console.log(`TwelveLabs task notifier, local mode
  API:        ${base}   (send header x-api-key: ${apiKey})
  TwelveLabs: ${sim ? `simulator at ${twelvelabsUrl} (not the real API; create tasks with POST ${sim.origin}/_sim/tasks)` : twelvelabsUrl}
  Poller:     every ${opts.intervalMs / 1000} s
  Data:       ${opts.dataDir ? resolve(opts.dataDir) : "in memory (use --data <dir> to keep it)"}
In another terminal:
  export NOTIFIER=${base} KEY=${apiKey}${sim ? ` SIM=${sim.origin}` : ""}
Ctrl-C stops everything.`);

  if (opts.demo && sim) await runDemo(sim, base, apiKey);

  const onSignal = () => {
    console.log("\nstopping...");
    void shutdown(0);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

/** Two simulated tasks registered through the API: one becomes ready, one fails. */
async function runDemo(sim: TwelveLabsSimulator, base: string, apiKey: string): Promise<void> {
  // Short videos: the poller expects them done in about 12 s and looks again then.
  const demo = [
    { kind: "embed", filename: "demo-ready.mp4", end: "ready", afterMs: 12_000 },
    { kind: "embed-v2", filename: "demo-broken.mp4", end: "failed", afterMs: 8_000 },
  ] as const;
  const tasks = demo.map((d) =>
    sim.addTask({
      kind: d.kind,
      filename: d.filename,
      durationSec: 4,
      timeline: [
        { status: "processing", afterMs: 0 },
        { status: d.end, afterMs: d.afterMs },
      ],
    }),
  );
  for (const t of tasks) {
    const res = await fetch(`${base}/tasks`, {
      method: "POST",
      headers: { "x-api-key": apiKey, "content-type": "application/json" },
      body: JSON.stringify({ taskId: t.id, kind: t.kind, tags: { project: "demo" } }),
    });
    console.log(`[demo] registered ${t.kind} task ${t.id} (${t.filename}): HTTP ${res.status}`);
  }
  console.log("[demo] one task fails in ~8 s, the other is ready in ~12 s; watch for [notification] lines");
}

main().catch((err: Error) => {
  console.error(`notifier: ${err.message}`);
  process.exit(1);
});
