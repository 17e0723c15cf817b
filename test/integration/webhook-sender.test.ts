import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { guardedAgent, type LookupFn } from "../../functions/adapters/ssrf-guard.js";
import { sendWebhook } from "../../functions/adapters/webhook-sender.js";
import { isForbiddenAddress } from "../../functions/core/forbidden-addresses.js";
import { startWebhookReceiver, type WebhookReceiver } from "../support/webhook-receiver.js";

/** A DNS answer for names under `.test` (the real resolver is the system's; its answers are scripted here). */
function scriptedDns(answers: Record<string, Array<[string, 4 | 6]>>): LookupFn {
  return (hostname, _options, callback) => {
    const a = answers[hostname];
    if (!a) {
      const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
      return callback(err, []);
    }
    callback(
      null,
      a.map(([address, family]) => ({ address, family })),
    );
  };
}

let receiver: WebhookReceiver;
afterEach(async () => receiver?.close());

describe("the address rule", () => {
  test.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["10.0.0.1", true],
    ["172.16.5.4", true],
    ["172.32.0.1", false],
    ["192.168.1.1", true],
    ["169.254.169.254", true],
    ["100.64.0.1", true],
    ["100.128.0.1", false],
    ["0.0.0.0", true],
    ["224.0.0.251", true],
    ["255.255.255.255", true],
    ["198.18.0.1", true],
    ["8.8.8.8", false],
    ["93.184.216.34", false],
    ["::1", true],
    ["::", true],
    ["fe80::1", true],
    ["fd00::1", true],
    ["fc12:3456::1", true],
    ["ff02::1", true],
    ["::ffff:10.0.0.1", true],
    ["::ffff:a00:1", true],
    ["::ffff:127.0.0.1", true],
    ["::ffff:169.254.169.254", true],
    ["::ffff:8.8.8.8", false],
    ["64:ff9b::a9fe:a9fe", true],
    ["::127.0.0.1", true],
    ["2001:db8::1", true],
    ["2606:4700:4700::1111", false],
    // IPv6 forms that wrap a private IPv4 address: 6to4, Teredo, local-use NAT64, IPv4-translated.
    ["2002:a00:1::1", true], // 6to4 of 10.0.0.1
    ["2002:a9fe:a9fe::", true], // 6to4 of 169.254.169.254
    ["2002:7f00:1::1", true], // 6to4 of 127.0.0.1
    ["2002:808:808::1", false], // 6to4 of 8.8.8.8 (public)
    ["2001:0:4136:e378:8000:63bf:f5ff:fffe", true], // Teredo (client 10.0.0.1, obfuscated)
    ["2001::1", true],
    ["64:ff9b:1::a00:1", true], // local-use NAT64 (RFC 8215)
    ["64:ff9b:1:ffff::1", true],
    ["::ffff:0:a00:1", true], // IPv4-translated 10.0.0.1
    ["::ffff:0:7f00:1", true],
    ["::ffff:0:808:808", false], // IPv4-translated 8.8.8.8
    ["not-an-ip", true],
  ])("%s forbidden: %s", (ip, forbidden) => {
    expect(isForbiddenAddress(ip)).toBe(forbidden);
  });

  test("local mode allows loopback (in every form) and nothing else private", () => {
    for (const ip of ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
      expect(isForbiddenAddress(ip, { allowLoopback: true })).toBe(false);
    for (const ip of ["10.0.0.1", "169.254.169.254", "::ffff:10.0.0.1", "fd00::1"])
      expect(isForbiddenAddress(ip, { allowLoopback: true })).toBe(true);
  });
});

describe("the guard at connect time (real sockets to a receiver on 127.0.0.1)", () => {
  const send = (url: string, dispatcher: ReturnType<typeof guardedAgent>, requireHttps = false) =>
    sendWebhook(url, { "webhook-id": "e1" }, "{}", { dispatcher, requireHttps, timeoutMs: 2_000 });

  test("a name that resolves to 127.0.0.1, to 169.254.169.254 or to ::ffff:10.0.0.1 is refused before any connection", async () => {
    receiver = await startWebhookReceiver();
    const dns = scriptedDns({
      "loopback.test": [["127.0.0.1", 4]],
      "metadata.test": [["169.254.169.254", 4]],
      "mapped.test": [["::ffff:10.0.0.1", 6]],
      // One public and one private answer: refused whole.
      "mixed.test": [
        ["93.184.216.34", 4],
        ["127.0.0.1", 4],
      ],
    });
    const agent = guardedAgent({ lookup: dns });
    for (const host of ["loopback.test", "metadata.test", "mapped.test", "mixed.test"]) {
      const r = await send(`http://${host}:${receiver.port}/hook`, agent);
      expect(r, host).toMatchObject({ error: "refused_address" });
      expect(r.status).toBeUndefined();
    }
    expect(receiver.connections).toBe(0);
    expect(receiver.received).toHaveLength(0);
    await agent.close();
  });

  test("the same name reaches the receiver where loopback is allowed (local mode): the refusal was the guard's", async () => {
    receiver = await startWebhookReceiver();
    const agent = guardedAgent({
      allowLoopback: true,
      lookup: scriptedDns({ "loopback.test": [["127.0.0.1", 4]] }),
    });
    const r = await send(`http://loopback.test:${receiver.port}/hook`, agent);
    expect(r.status).toBe(204);
    expect(receiver.received).toHaveLength(1);
    await agent.close();
  });

  test("a DNS answer that changes after registration gains nothing: each connection is checked", async () => {
    receiver = await startWebhookReceiver();
    let answer = "93.184.216.34";
    const dns: LookupFn = (_h, _o, cb) => cb(null, [{ address: answer, family: 4 }]);
    const agent = guardedAgent({ lookup: dns, connectTimeoutMs: 500 });
    answer = "127.0.0.1"; // the rebinding
    const r = await send(`http://rebind.test:${receiver.port}/hook`, agent);
    expect(r.error).toBe("refused_address");
    expect(receiver.connections).toBe(0);
    await agent.close();
  });

  test("literal addresses and the system resolver's localhost are refused too", async () => {
    receiver = await startWebhookReceiver();
    const agent = guardedAgent();
    for (const url of [
      `http://127.0.0.1:${receiver.port}/hook`,
      `http://[::1]:${receiver.port}/hook`,
      `http://localhost:${receiver.port}/hook`,
      `http://[::ffff:127.0.0.1]:${receiver.port}/hook`,
    ]) {
      expect((await send(url, agent)).error, url).toBe("refused_address");
    }
    expect(receiver.connections).toBe(0);
    await agent.close();
  });

  test("deployed, only https: an http URL is refused without a connection", async () => {
    receiver = await startWebhookReceiver();
    const agent = guardedAgent({ allowLoopback: true });
    expect((await send(receiver.url, agent, true)).error).toBe("not_https");
    expect((await send("ftp://example.com/x", agent)).error).toBe("not_https");
    expect(receiver.connections).toBe(0);
    await agent.close();
  });
});

describe("an attempt", () => {
  test("does not follow a redirect", async () => {
    receiver = await startWebhookReceiver({
      status: 302,
      headers: { location: "http://127.0.0.1:1/elsewhere" },
    });
    const agent = guardedAgent({ allowLoopback: true });
    const r = await sendWebhook(receiver.url, {}, "{}", { dispatcher: agent, requireHttps: false });
    expect(r.status).toBe(302);
    expect(receiver.received).toHaveLength(1);
    await agent.close();
  });

  test("ends at its timeout when the receiver never answers", async () => {
    receiver = await startWebhookReceiver({ status: 200, hang: true });
    const agent = guardedAgent({ allowLoopback: true });
    const r = await sendWebhook(receiver.url, {}, "{}", {
      dispatcher: agent,
      requireHttps: false,
      timeoutMs: 300,
    });
    expect(r.error).toBe("timeout");
    expect(r.durationMs).toBeLessThan(2_000);
    await agent.close();
  });

  test("reads a few KiB of a huge answer and no more", async () => {
    let written = 0;
    let finished = false;
    const server = createServer((_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 97);
      const pump = () => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        finished = true;
        res.end();
      };
      res.on("close", () => undefined);
      pump();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    const agent = guardedAgent({ allowLoopback: true });
    const r = await sendWebhook(`http://127.0.0.1:${port}/`, {}, "{}", {
      dispatcher: agent,
      requireHttps: false,
    });
    expect(r.status).toBe(200);
    expect(finished).toBe(false); // 64 MiB offered; the connection was dropped long before
    await agent.close();
    server.closeAllConnections();
    await new Promise<void>((res) => server.close(() => res()));
  });

  test("a connection refused is a connection error; an unknown name a DNS error", async () => {
    const agent = guardedAgent({ allowLoopback: true, lookup: scriptedDns({}) });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const opts = { dispatcher: agent, requireHttps: false };
    expect((await sendWebhook(`http://127.0.0.1:${port}/`, {}, "{}", opts)).error).toBe("connection");
    expect((await sendWebhook("http://nowhere.test/", {}, "{}", opts)).error).toBe("dns");
    await agent.close();
  });
});
