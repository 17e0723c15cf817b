import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, describe, expect, test } from "vitest";
import { twelveLabsSignatureHex } from "../../functions/core/twelvelabs-webhook.js";
import { TwelveLabsSimulator } from "../../local/simulator/simulator-server.js";
import { freePort } from "../support/free-port.js";
import { type LocalProcess, spawnLocal, startLocal } from "../support/local-process.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";

const FAST = { CHECK_MIN_INTERVAL_MS: "300", CHECK_MAX_INTERVAL_MS: "1000" };
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function call(p: LocalProcess, method: string, path: string, body?: unknown) {
  // Subscriptions need the admin key; tasks take the client key.
  const key = path.startsWith("/subscriptions") ? p.adminKey : p.key;
  const res = await fetch(`${p.api}${path}`, {
    method,
    headers: { "x-api-key": key, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

interface Received {
  headers: IncomingHttpHeaders;
  body: { Type: string; Message?: string; SubscribeURL?: string };
}

async function receiver(): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      got.push({ headers: req.headers, body });
      res.writeHead(200).end();
      // Confirm like an SNS-aware endpoint does: GET the SubscribeURL.
      if (body.Type === "SubscriptionConfirmation") await fetch(body.SubscribeURL);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("npm start", { timeout: 90_000 }, () => {
  test("register a task, subscribe a local receiver, get exactly the expected notification", async () => {
    const p = await startLocal(
      ["--port", String(await freePort()), "--simulator-port", "0", "--interval", "0.5"],
      FAST,
    );
    cleanups.push(() => p.stop());
    expect(p.sim).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const hook = await receiver();
    const sub = await call(p, "POST", "/subscriptions", {
      protocol: "http",
      endpoint: hook.url,
      events: ["ready"],
    });
    expect(sub.status).toBe(201);
    await waitFor("the confirmation", () => hook.got.find((r) => r.body.Type === "SubscriptionConfirmation"));
    await waitFor("the confirmed line", () => p.output().includes(`confirmed http ${hook.url}`) || undefined);
    // The deployed defaults' tag attributes (team, project): the README's tag filter works here too.
    const tagged = await call(p, "POST", "/subscriptions", {
      protocol: "email",
      endpoint: "ops@example.com",
      tags: { team: "video" },
    });
    expect(tagged.status).toBe(201);
    // The dev stage's rules: no SMS (every shipped stage refuses it), said so.
    const sms = await call(p, "POST", "/subscriptions", { protocol: "sms", endpoint: "+15550009999" });
    expect(sms.status).toBe(422);
    expect(sms.body.error.code).toBe("protocol_not_allowed");
    // Only what people subscribed is listed: local delivery's own SQS subscription is not.
    // The API's description answers without a key, as deployed.
    const described = await fetch(`${p.api}/openapi.json`);
    expect(described.status).toBe(200);
    expect(((await described.json()) as { openapi: string }).openapi).toBe("3.1.0");
    const listed = await call(p, "GET", "/subscriptions");
    expect(listed.body.items.map((x: { protocol: string }) => x.protocol).sort()).toEqual(["email", "http"]);

    const created = await fetch(`${p.sim}/_sim/tasks`, {
      method: "POST",
      body: JSON.stringify({
        kind: "embed",
        filename: "talk.mp4",
        timeline: [
          { status: "processing", afterMs: 0 },
          { status: "ready", afterMs: 1500 },
        ],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await call(p, "POST", "/tasks", { taskId: id })).status).toBe(202);

    const note = await waitFor("the notification", () =>
      hook.got.find((r) => r.body.Type === "Notification"),
    );
    await new Promise((r) => setTimeout(r, 1500)); // a duplicate would arrive within a few polls
    const notifications = hook.got.filter((r) => r.body.Type === "Notification");
    expect(notifications).toHaveLength(1);
    expect(note.headers["x-amz-sns-message-type"]).toBe("Notification");
    const event = JSON.parse(note.body.Message ?? "{}");
    expect(event).toMatchObject({
      type: "task.ready",
      stage: "local",
      task: { id, status: "ready", metadata: { filename: "talk.mp4" } },
    });
    expect(p.output()).toContain(`[notification] task.ready ${id}`);
    expect((await call(p, "GET", `/tasks/${id}`)).body.status).toBe("ready");

    const denied = await fetch(`${p.api}/tasks`, { headers: { "x-api-key": "wrong-key-123" } });
    expect(denied.status).toBe(403);
    expect(await p.stop()).toBe(0);
  }, 90_000);

  test("TwelveLabs' webhooks: POST /twelvelabs/webhooks with TWELVELABS_WEBHOOK_SECRET wakes the poller: each notification well within a pass of its webhook", async () => {
    const secret = "local-tl-webhook-secret";
    // The deployed cadence (a pass every 6 s): only the webhook's wake-up can make it this quick.
    const p = await startLocal(["--port", String(await freePort()), "--simulator-port", "0"], {
      TWELVELABS_WEBHOOK_SECRET: secret,
    });
    cleanups.push(() => p.stop());
    expect(p.output()).toContain(`${p.api}/twelvelabs/webhooks`);
    const hook = await receiver();
    await call(p, "POST", "/subscriptions", { protocol: "http", endpoint: hook.url });
    await waitFor("the confirmed line", () => p.output().includes(`confirmed http ${hook.url}`) || undefined);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await fetch(`${p.sim}/_sim/tasks`, {
        method: "POST",
        body: JSON.stringify({
          kind: "index",
          timeline: [
            { status: "indexing", afterMs: 0 },
            { status: "ready", afterMs: 8_000 + i * 2_000 },
          ],
        }),
      });
      const { id } = (await created.json()) as { id: string };
      expect((await call(p, "POST", "/tasks", { taskId: id, kind: "index" })).status).toBe(202);
      ids.push(id);
    }
    const delays: number[] = [];
    for (const [i, id] of ids.entries()) {
      await new Promise((r) => setTimeout(r, i === 0 ? 8_200 : 2_000));
      const raw = JSON.stringify({
        id: `whe_local_${i}`,
        created_at: new Date().toISOString(),
        type: "index.task.ready",
        data: { id, status: "ready" },
      });
      const t = Math.floor(Date.now() / 1000);
      const sentAt = Date.now();
      const res = await fetch(`${p.api}/twelvelabs/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "TL-Signature": `t=${t},v1=${twelveLabsSignatureHex(secret, t, raw)}`,
        },
        body: raw,
      });
      expect(res.status).toBe(200);
      await waitFor("the notification", () =>
        hook.got.find((r) => r.body.Type === "Notification" && (r.body.Message ?? "").includes(id)),
      );
      delays.push(Date.now() - sentAt);
    }
    console.log(`TL webhook to notification (ms): ${delays.join(", ")}`);
    // Under the 6-s pass interval: the webhook woke the poller (the 3-s goal is measured, not asserted: shared machines).
    for (const d of delays) expect(d).toBeLessThan(6_000);
    // A bad signature: 401, nothing else.
    const bad = await fetch(`${p.api}/twelvelabs/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "TL-Signature": `t=${Math.floor(Date.now() / 1000)},v1=${"0".repeat(64)}`,
      },
      body: "{}",
    });
    expect(bad.status).toBe(401);
    expect(await p.stop()).toBe(0);
  }, 90_000);

  test("a task with a callbackUrl gets a signed webhook, verified with NOTIFIER_WEBHOOK_SECRET", async () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;
    const p = await startLocal(
      ["--port", String(await freePort()), "--simulator-port", "0", "--interval", "0.5"],
      {
        ...FAST,
        NOTIFIER_WEBHOOK_SECRET: secret,
      },
    );
    cleanups.push(() => p.stop());
    expect(p.output()).toContain(`Webhooks:   signed with ${secret} (NOTIFIER_WEBHOOK_SECRET)`);
    expect(p.output()).toContain(`WEBHOOK_SECRET=${secret}`);
    const hook = await startWebhookReceiver();
    cleanups.push(() => hook.close());
    const created = await fetch(`${p.sim}/_sim/tasks`, {
      method: "POST",
      body: JSON.stringify({ kind: "embed", timeline: [{ status: "ready", afterMs: 0 }] }),
    });
    const { id } = (await created.json()) as { id: string };
    const reg = await call(p, "POST", "/tasks", {
      taskId: id,
      callbackUrl: hook.url,
      callbackHeaders: { authorization: "Bearer local-token" },
    });
    expect(reg.status).toBe(202);
    await waitFor("the webhook", () => hook.received[0]);
    const got = hook.received[0];
    const event = new Webhook(secret).verify(got?.body ?? "", got?.headers as Record<string, string>);
    expect(event).toMatchObject({ type: "task.ready", task: { id } });
    expect(got?.headers.authorization).toBe("Bearer local-token");
    await waitFor(
      "the [webhook] line",
      () => p.output().includes(`[webhook] POST ${hook.url} -> 204 delivered`) || undefined,
    );
    expect(p.output()).not.toContain("local-token");
    expect(await p.stop()).toBe(0);
  }, 90_000);

  test("--watch-account: a task nobody registered is found, watched and announced", async () => {
    const p = await startLocal(
      [
        "--port",
        String(await freePort()),
        "--simulator-port",
        "0",
        "--interval",
        "0.5",
        "--watch-account",
        "embed,asset",
      ],
      FAST,
    );
    cleanups.push(() => p.stop());
    expect(p.output()).toContain("watching the account for new embed, asset tasks");
    await new Promise((r) => setTimeout(r, 1200)); // the first pass turns watching on
    const created = await fetch(`${p.sim}/_sim/tasks`, {
      method: "POST",
      body: JSON.stringify({
        kind: "asset",
        filename: "upload.mp4",
        timeline: [{ status: "ready", afterMs: 500 }],
      }),
    });
    const { id } = (await created.json()) as { id: string };
    const seen = await waitFor(
      "the discovered task",
      () => p.output().includes(`[notification] task.ready ${id}`) || undefined,
    );
    expect(seen).toBe(true);
    const task = await call(p, "GET", `/tasks/${id}`);
    expect(task.body).toMatchObject({ taskId: id, kind: "asset", source: "discovered", status: "ready" });
    expect(await p.stop()).toBe(0);
  }, 90_000);

  test("Bedrock jobs: checked at the simulator, or at AWS_ENDPOINT_URL_BEDROCK_RUNTIME when given", async () => {
    const own = await startLocal(
      ["--port", String(await freePort()), "--simulator-port", "0", "--interval", "0.5"],
      FAST,
    );
    cleanups.push(() => own.stop());
    expect(own.output()).toContain("(the simulator)");
    const made = await fetch(`${own.sim}/_sim/tasks`, {
      method: "POST",
      body: JSON.stringify({
        kind: "bedrock",
        region: "us-west-2",
        timeline: [{ status: "Completed", afterMs: 300 }],
      }),
    });
    const { id } = (await made.json()) as { id: string };
    const arn = `arn:aws:bedrock:us-west-2:123456789012:async-invoke/${id}`;
    expect(
      (await call(own, "POST", "/tasks", { taskId: id, kind: "bedrock", invocationArn: arn })).status,
    ).toBe(202);
    await waitFor(
      "the Bedrock job's notification",
      () => own.output().includes(`[notification] task.ready ${id}`) || undefined,
    );
    expect((await call(own, "GET", `/tasks/${id}`)).body).toMatchObject({
      status: "ready",
      metadata: { remoteStatus: "Completed" },
    });
    expect(await own.stop()).toBe(0);

    // A stand-in of the user's own (LocalStack, another simulator): the jobs live there.
    const theirs = new TwelveLabsSimulator();
    await theirs.start();
    cleanups.push(() => theirs.close());
    const job = theirs.addTask({
      kind: "bedrock",
      timeline: [{ status: "Failed", afterMs: 300 }],
      errorMessage: "quota",
    });
    const p = await startLocal(
      ["--port", String(await freePort()), "--simulator-port", "0", "--interval", "0.5"],
      {
        ...FAST,
        AWS_ENDPOINT_URL_BEDROCK_RUNTIME: theirs.origin,
      },
    );
    cleanups.push(() => p.stop());
    expect(p.output()).toContain(`async invocations at ${theirs.origin}`);
    const theirArn = `arn:aws:bedrock:us-east-1:123456789012:async-invoke/${job.id}`;
    expect(
      (await call(p, "POST", "/tasks", { taskId: job.id, kind: "bedrock", invocationArn: theirArn })).status,
    ).toBe(202);
    await waitFor(
      "the failure",
      () => p.output().includes(`[notification] task.failed ${job.id}`) || undefined,
    );
    expect(theirs.calls.some((c) => c.route === "GET /async-invoke/{invocationArn}")).toBe(true);
    expect(await p.stop()).toBe(0);
  }, 90_000);

  test("--data keeps tasks, subscriptions, the generated keys and the webhook secret across a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "notifier-data-"));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const port = String(await freePort());
    const args = ["--port", port, "--simulator-port", "0", "--data", dir];
    const first = await startLocal(args);
    expect(
      (await call(first, "POST", "/tasks", { taskId: "kept00000000000000000001", kind: "index" })).status,
    ).toBe(202);
    expect(
      (await call(first, "POST", "/subscriptions", { protocol: "email", endpoint: "ops@example.com" }))
        .status,
    ).toBe(201);
    await waitFor(
      "the subscription to be seen",
      () => first.output().includes("email ops@example.com") || undefined,
    );
    // The simulator's port is new each start (--simulator-port 0): compare the rest.
    const exportLine = (out: string) =>
      out
        .split("\n")
        .find((l) => l.trim().startsWith("export NOTIFIER="))
        ?.replace(/ SIM=\S+/, "");
    const firstExport = exportLine(first.output());
    expect(firstExport).toMatch(/KEY=\S+ ADMIN_KEY=\S+ .*WEBHOOK_SECRET=whsec_\S+/);
    expect(await first.stop()).toBe(0);

    const second = await startLocal(args);
    cleanups.push(() => second.stop());
    // The same keys and secret: the exported line of the first start still works.
    expect(exportLine(second.output())).toBe(firstExport);
    const got = await call(second, "GET", "/tasks/kept00000000000000000001");
    expect(got.status).toBe(200);
    expect(got.body.kind).toBe("index");
    const subs = await call(second, "GET", "/subscriptions");
    expect(subs.body.items.map((x: { endpoint: string }) => x.endpoint)).toContain("ops@example.com");
    expect(await second.stop()).toBe(0);
  }, 90_000);
});

describe("clear one-line errors", () => {
  async function failure(args: string[], env: Record<string, string> = {}) {
    const p = spawnLocal(args, env);
    const code = await p.exited;
    const lines = p.output().trim().split("\n");
    return { code, last: lines[lines.length - 1] ?? "" };
  }

  test("--watch-account with a kind that cannot be watched", async () => {
    const { code, last } = await failure(["--watch-account", "embed,indexed-asset"]);
    expect(code).toBe(2);
    expect(last).toContain("--watch-account takes kinds among embed, embed-v2, index, analyze, asset");
  });

  test("a malformed NOTIFIER_WEBHOOK_SECRET", async () => {
    const { code, last } = await failure([], { NOTIFIER_WEBHOOK_SECRET: "whsec_not base64!" });
    expect(code).toBe(2);
    expect(last).toContain("NOTIFIER_WEBHOOK_SECRET: the webhook secret is not whsec_ followed by base64");
    expect(last).not.toContain("not base64!");
  });

  test("an unknown flag", async () => {
    const r = await failure(["--colour", "red"]);
    expect(r.code).toBe(2);
    expect(r.last).toMatch(/^notifier: Unknown option '--colour'/);
  });

  test("a port in use", async () => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as AddressInfo).port;
    const r = await failure(["--port", String(port), "--simulator-port", "0"]);
    await new Promise((r2) => blocker.close(r2));
    expect(r.code).toBe(1);
    expect(r.last).toBe(`notifier: port ${port} is already in use (choose another with --port)`);
  });

  test("a second npm start: every busy port reported at once", async () => {
    const blockers = [createNetServer(), createNetServer()];
    for (const b of blockers) await new Promise<void>((r) => b.listen(0, "127.0.0.1", () => r()));
    const [api, sim] = blockers.map((b) => (b.address() as AddressInfo).port);
    const r = await failure(["--port", String(api), "--simulator-port", String(sim)]);
    for (const b of blockers) await new Promise((r2) => b.close(r2));
    expect(r.code).toBe(1);
    expect(r.last).toBe(
      `notifier: ports ${api} (--port) and ${sim} (--simulator-port) are already in use (choose others with --port and --simulator-port; is another npm start running?)`,
    );
  });

  test("an unreachable TwelveLabs", async () => {
    const closed = await freePort();
    const r = await failure(["--port", "0", "--twelvelabs-url", `http://127.0.0.1:${closed}/v1.3`], {
      TWELVELABS_API_KEY: "tlk_some_key",
    });
    expect(r.code).toBe(1);
    expect(r.last).toMatch(
      new RegExp(`^notifier: cannot reach TwelveLabs at http://127.0.0.1:${closed}/v1.3`),
    );
  });

  test("an invalid TwelveLabs key", async () => {
    const sim = new TwelveLabsSimulator({ apiKey: "the-right-key" });
    const url = await sim.start();
    cleanups.push(() => sim.close());
    const r = await failure(["--port", "0", "--twelvelabs-url", url], {
      TWELVELABS_API_KEY: "tlk_wrong_key",
    });
    expect(r.code).toBe(1);
    expect(r.last).toBe(`notifier: TwelveLabs rejected the API key (TWELVELABS_API_KEY) at ${url}`);
    expect(r.last).not.toContain("tlk_wrong_key");
  });
});
